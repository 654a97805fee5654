#!/usr/bin/env bats
# tend inside real OCI containers, started with runc as Docker would start
# them, and stopped as `docker stop` does: SIGTERM to the container's PID 1,
# then SIGKILL when the stop timeout passes. The rootfs is tiny: busybox,
# the static tend and static test workloads, nothing else.

load helper

# The harness's teardown stops our own processes; containers come first.
eval "harness_$(declare -f teardown)"

setup_file() {
	ROOTFS=$BATS_FILE_TMPDIR/rootfs
	export ROOTFS
	mkdir -p "$ROOTFS"/{bin,sbin,out,proc,dev,sys,tmp}
	cp /bin/busybox "$ROOTFS/bin/busybox"
	for applet in sh sleep echo cat grep; do
		ln -s busybox "$ROOTFS/bin/$applet"
	done
	cp "$BATS_TEST_DIRNAME/../tend" "$ROOTFS/sbin/tend"
	cp "$BATS_TEST_DIRNAME/../build/static/sigrecord" "$BATS_TEST_DIRNAME/../build/static/orphans" \
		"$ROOTFS/bin/"
	# Where runc bind-mounts tend the way `docker run --init` does.
	touch "$ROOTFS/sbin/docker-init"
}

setup() {
	STATE=$BATS_TEST_TMPDIR/runc
	OUTDIR=$BATS_TEST_TMPDIR/out
	mkdir -p "$OUTDIR"
	CONTAINERS=()
}

teardown() {
	local id
	for id in "${CONTAINERS[@]}"; do
		runc --root "$STATE" delete -f "$id" >/dev/null 2>&1 || true
	done
	harness_teardown
}

# Write an OCI bundle for ARGS... to BUNDLE, from `runc spec`: no terminal,
# the shared read-only rootfs, $OUTDIR writable at /out, and EXTRA_ENV and
# EXTRA_MOUNTS (jq arrays) added.
make_bundle() {
	BUNDLE=$BATS_TEST_TMPDIR/bundle.${#CONTAINERS[@]}
	mkdir -p "$BUNDLE"
	runc spec --bundle "$BUNDLE"
	jq --arg root "$ROOTFS" --arg out "$OUTDIR" \
		--argjson env "${EXTRA_ENV:-[]}" --argjson mounts "${EXTRA_MOUNTS:-[]}" \
		'.root.path = $root | .root.readonly = true
		| .process.terminal = false
		| .process.args = $ARGS.positional
		| .process.env += $env
		| .mounts += [{destination: "/out", type: "bind", source: $out, options: ["rbind", "rw"]}]
		| .mounts += $mounts' \
		--args -- "$@" <"$BUNDLE/config.json" >"$BUNDLE/config.new"
	mv "$BUNDLE/config.new" "$BUNDLE/config.json"
}

# `docker run`: start a container on ARGS... in the background; sets ID and
# RUNC_PID (runc's exit status is the container's). Its stdout goes to
# $OUTDIR/log, its stderr to $OUTDIR/err.
run_container() {
	make_bundle "$@"
	ID=tend-$$-$BATS_TEST_NUMBER-${#CONTAINERS[@]}-$RANDOM
	CONTAINERS+=("$ID")
	OUT=$OUTDIR/log ERR=$OUTDIR/err start_bg runc --root "$STATE" run --bundle "$BUNDLE" "$ID"
	RUNC_PID=$BG_PID
}

# `docker stop -t SECONDS`: SIGTERM to the container's PID 1, SIGKILL if it
# is still running after SECONDS. Sets STATUS and STOPPED_BY (TERM or KILL).
docker_stop() {
	local seconds=$1
	runc --root "$STATE" kill "$ID" TERM
	STOPPED_BY=TERM
	if ! wait_for "$seconds" not_running "$RUNC_PID" 2>/dev/null; then
		STOPPED_BY=KILL
		runc --root "$STATE" kill "$ID" KILL
	fi
	wait_exit "$RUNC_PID" 10
}

@test "an app without a SIGTERM handler as the container's PID 1 ignores docker stop until the SIGKILL" {
	run_container /bin/sh -c 'echo ready >/out/ready; exec sleep 1000'
	wait_line "$OUTDIR/ready"
	docker_stop 2
	assert_equal "$STOPPED_BY" KILL
	assert_equal "$STATUS" 137
}

@test "the same app under tend as ENTRYPOINT exits at once on docker stop, with status 143" {
	run_container /sbin/tend -- /bin/sh -c 'echo ready >/out/ready; exec sleep 1000'
	wait_line "$OUTDIR/ready"
	docker_stop 10
	assert_equal "$STOPPED_BY" TERM
	assert_equal "$STATUS" 143
}

@test "an app that ignores SIGTERM is SIGKILLed by tend at its grace, before the runtime's timeout, its last log lines intact" {
	EXTRA_ENV='["TEND_GRACE=1"]' run_container /sbin/tend -- /bin/sh -c '
		trap "echo got SIGTERM, finishing the batch first" TERM
		echo ready >/out/ready
		i=0
		while :; do i=$((i + 1)); echo "batch $i saved"; sleep 0.1; done'
	wait_line "$OUTDIR/ready"
	wait_line "$OUTDIR/log" "batch 3 saved"
	docker_stop 10
	assert_equal "$STOPPED_BY" TERM
	assert_equal "$STATUS" 137
	run cat "$OUTDIR/err"
	assert_line --regexp '^tend: grace period of 1s expired: sent SIGKILL to [0-9]+ process'
	run cat "$OUTDIR/log"
	assert_line "got SIGTERM, finishing the batch first"
	# Every line the app wrote is whole: nothing was cut off by the KILL.
	refute_line --regexp '^batch [0-9]*$'
	refute_line --regexp '^batch [0-9]+ sav?e?$'
}

@test "tend bind-mounted read-only at /sbin/docker-init and run as 'docker-init -- CMD ARGS' forwards docker stop's SIGTERM" {
	needs_static_tend
	EXTRA_MOUNTS="[{\"destination\": \"/sbin/docker-init\", \"type\": \"bind\", \"source\": \"$(realpath "$TEND")\", \"options\": [\"rbind\", \"ro\"]}]" \
		run_container /sbin/docker-init -- /bin/sigrecord -x TERM /out/rec
	wait_line "$OUTDIR/rec"
	docker_stop 10
	assert_equal "$STOPPED_BY" TERM
	assert_equal "$STATUS" 143
	run cat "$OUTDIR/rec"
	assert_output "$(printf 'ready\nTERM')"
}

@test "inside the container, 'docker-init --version' answers in the format Docker expects" {
	needs_static_tend
	EXTRA_MOUNTS="[{\"destination\": \"/sbin/docker-init\", \"type\": \"bind\", \"source\": \"$(realpath "$TEND")\", \"options\": [\"rbind\", \"ro\"]}]" \
		run_container /sbin/docker-init --version
	wait_exit "$RUNC_PID" 10
	assert_equal "$STATUS" 0
	run cat "$OUTDIR/log"
	assert_output --regexp '^tini version [0-9]+\.[0-9]+\.[0-9]+_tend - git\.[0-9a-z]+$'
}

@test "tend as ENTRYPOINT reaps the orphans a container's app leaves" {
	run_container /sbin/tend -- /bin/sh -c '/bin/orphans 200 >/dev/null; echo ready >/out/ready; exec sleep 1000'
	wait_line "$OUTDIR/ready"
	local init
	init=$(runc --root "$STATE" state "$ID" | jq .pid)
	wait_for 5 no_zombies_under "$init"
	run descendants_of "$init"
	assert_equal "${#lines[@]}" 1
	docker_stop 10
	assert_equal "$STATUS" 143
}
