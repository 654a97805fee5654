#!/usr/bin/env bats
# suite: plain-only slow
# tend under containerd, the runtime of Kubernetes nodes: `ctr run` starts
# an imported image with tend as the container's process (the image's
# ENTRYPOINT under Kubernetes), through containerd's runc shim, and
# `ctr task kill` stops it as the kubelet does: SIGTERM, then SIGKILL when
# terminationGracePeriodSeconds have passed. The file starts its own
# containerd (no CRI plugin, state and socket in a temporary directory).

load helper
load engine

# helper.bash's teardown stops our own processes; containers go first.
eval "helper_$(declare -f teardown)"

IMAGE=docker.io/library/tend-test:1

setup_file() {
	engine_setup_file
	[ -z "$ENGINE_SKIP" ] || return 0
	cat >"$ENGINE_DIR/config.toml" <<-EOF
		version = 2
		root = "$ENGINE_DIR/root"
		state = "$ENGINE_DIR/state"
		disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.internal.v1.opt",
			"io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
			"io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs",
			"io.containerd.tracing.processor.v1.otlp"]
		[grpc]
		  address = "$ENGINE_DIR/sock"
		[ttrpc]
		  address = "$ENGINE_DIR/sock.ttrpc"
	EOF
	engine_start_daemon containerd "$ENGINE_DIR/log" "timeout 5 ctr -a $ENGINE_DIR/sock version" \
		containerd -c "$ENGINE_DIR/config.toml"
	engine_rootfs "$ENGINE_DIR/rootfs"
	engine_image_archive "$ENGINE_DIR/rootfs" tend-test:1 "$ENGINE_DIR/image.tar"
	c images import "$ENGINE_DIR/image.tar" >/dev/null
}

teardown_file() {
	engine_teardown_file
}

setup() {
	engine_setup
}

teardown() {
	local id
	for id in "${CONTAINERS[@]}"; do
		c task kill -s SIGKILL "$id" >/dev/null 2>&1 || true
		c task delete -f "$id" >/dev/null 2>&1 || true
		c container delete "$id" >/dev/null 2>&1 || true
	done
	helper_teardown
}

c() {
	timeout -k 5 "$ENGINE_TIMEOUT" ctr -a "$ENGINE_DIR/sock" -n tend-test "$@"
}

# `ctr run --rm` of the image with tend as the process, in the background:
# CTR_ARGS... then `--` and the container's COMMAND... after tend's `--`.
# $OUTDIR is the container's /out; its stdout goes to $OUTDIR/log, its
# stderr to $OUTDIR/err. Sets ID and CTR_PID (ctr's exit status is the
# container's).
ctr_start() {
	local args=()
	while [ "$1" != -- ]; do
		args+=("$1")
		shift
	done
	shift
	ID=tend-$BATS_TEST_NUMBER-${#CONTAINERS[@]}
	CONTAINERS+=("$ID")
	OUT=$OUTDIR/log ERR=$OUTDIR/err start_bg timeout -k 5 "$ENGINE_TIMEOUT" \
		ctr -a "$ENGINE_DIR/sock" -n tend-test run --rm --fifo-dir "$ENGINE_DIR/fifo" \
		--runc-root "$ENGINE_DIR/runc" --cgroup "/$ENGINE_CGROUP/$ID" \
		--mount "type=bind,src=$OUTDIR,dst=/out,options=rbind:rw" "${args[@]}" \
		"$IMAGE" "$ID" /sbin/tend -- "$@"
	CTR_PID=$BG_PID
}

# The kubelet's stop: SIGTERM, SIGKILL after GRACE seconds (its
# terminationGracePeriodSeconds). Sets STATUS, ELAPSED and KILLED_BY
# (tend, or kubelet when the kubelet's SIGKILL was needed).
kubelet_stop() {
	local grace=$1 start=$EPOCHREALTIME
	c task kill "$ID"
	KILLED_BY=tend
	if ! wait_for "$grace" not_running "$CTR_PID" 2>/dev/null; then
		KILLED_BY=kubelet
		c task kill -s SIGKILL "$ID"
	fi
	wait_exit "$CTR_PID" 20
	ELAPSED=$(seconds_since "$start")
}

@test "ctr run with tend as the process: tend is PID 1, orphans are reaped, the exit status passes through, also 128+N" {
	ctr_start -- sh -c 'tr "\0" " " </proc/1/cmdline; echo; '"$ORPHANS_SCRIPT"'; exit 3'
	wait_exit "$CTR_PID" 30
	assert_equal "$STATUS" 3
	run cat "$OUTDIR/log"
	assert_line --regexp '^/sbin/tend -- sh -c '
	assert_line "zombies: 0"
	ctr_start -- sh -c 'kill -USR1 $$'
	wait_exit "$CTR_PID" 30
	assert_equal "$STATUS" 138
}

@test "ctr task kill as the kubelet stops a pod: an app that exits on SIGTERM stops at once with 143" {
	ctr_start -- sigrecord -x TERM /out/rec
	wait_line "$OUTDIR/rec" ready 20
	kubelet_stop 10
	assert_equal "$KILLED_BY" tend
	assert_equal "$STATUS" 143
	record_is ready TERM
}

@test "ctr task kill as the kubelet stops a pod: tend SIGKILLs an app that ignores SIGTERM at TEND_GRACE, before the kubelet's SIGKILL" {
	ctr_start --env TEND_GRACE=1 -- sigrecord /out/rec
	wait_line "$OUTDIR/rec" ready 20
	kubelet_stop 10
	assert_equal "$KILLED_BY" tend
	assert_equal "$STATUS" 137
	below "$ELAPSED" 8
	record_is ready TERM
	run cat "$OUTDIR/err"
	assert_line --regexp '^tend: grace period of 1s expired: sent SIGKILL to 1 process: [0-9]+ \(sigrecord\)$'
}
