#!/usr/bin/env bats
# suite: plain-only slow
# tend as Podman's init: `podman run --init --init-path /path/to/tend`.
# Podman bind-mounts the init at /run/podman-init and runs
# `/run/podman-init -- CMD ARGS`; it never asks the init for its version.
# All of podman's state is in a temporary directory (vfs storage, runc,
# cgroupfs under a cgroup of this file's own, no network); the image is a
# root filesystem this file builds, imported as localhost/tend-test:1.

load helper
load engine

# helper.bash's teardown stops our own processes; containers go first.
eval "helper_$(declare -f teardown)"

setup_file() {
	engine_setup_file
	[ -z "$ENGINE_SKIP" ] || return 0
	# What a user writes into /etc/containers/containers.conf (the README
	# shows it): tend for every --init. Podman's default ulimits (nofile and
	# nproc of 1048576) exceed this machine's hard limits, and runc refuses
	# them ("error setting rlimit").
	cat >"$ENGINE_DIR/containers.conf" <<-EOF
		[containers]
		init_path = "$(realpath "$TEND")"
		default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
	EOF
	engine_rootfs "$ENGINE_DIR/rootfs"
	tar -C "$ENGINE_DIR/rootfs" -c . | pm import - tend-test:1 >/dev/null 2>"$ENGINE_DIR/import.err" || {
		cat "$ENGINE_DIR/import.err" >&2
		return 1
	}
}

teardown_file() {
	engine_teardown_file
}

setup() {
	engine_setup
}

teardown() {
	[ ${#CONTAINERS[@]} -eq 0 ] || pm rm -f "${CONTAINERS[@]}" >/dev/null 2>&1 || true
	helper_teardown
}

pm() {
	CONTAINERS_CONF=$ENGINE_DIR/containers.conf timeout -k 5 "$ENGINE_TIMEOUT" podman --root "$ENGINE_DIR/root" --runroot "$ENGINE_DIR/run" \
		--tmpdir "$ENGINE_DIR/tmp" --network-config-dir "$ENGINE_DIR/net" --volumepath "$ENGINE_DIR/vol" \
		--storage-driver vfs --runtime runc --cgroup-manager cgroupfs --events-backend file "$@"
}

# `podman run --init`, tend coming from containers.conf.
prun() {
	pm run --network none --cgroup-parent "/$ENGINE_CGROUP" --init "$@"
}

# `podman run -d`; $OUTDIR is the container's /out. Sets ID.
podman_start() {
	ID=$(prun -d -v "$OUTDIR:/out" "$@")
	CONTAINERS+=("$ID")
}

# `podman stop` ARGS... of ID; sets ELAPSED and STATUS.
podman_stop() {
	engine_stop pm "$@"
}

@test "podman run --init --init-path tend: tend is PID 1 as /run/podman-init and the exit status passes through, also 128+N" {
	run prun --init-path "$(realpath "$TEND")" --rm localhost/tend-test:1 sh -c 'tr "\0" " " </proc/1/cmdline; echo; exit 3'
	assert_equal "$status" 3
	assert_output '/run/podman-init -- sh -c tr "\0" " " </proc/1/cmdline; echo; exit 3 '
	run prun --rm localhost/tend-test:1 sh -c 'kill -USR1 $$'
	assert_equal "$status" 138
}

@test "podman run --init (init_path in containers.conf) reaps orphans: no zombie is seen from inside the container" {
	run prun --rm localhost/tend-test:1 sh -c "$ORPHANS_SCRIPT"
	assert_success
	assert_output "zombies: 0"
}

@test "podman stop: an app that exits on SIGTERM stops at once with 143; one that ignores it is SIGKILLed by tend at TEND_GRACE, exit 137" {
	podman_start localhost/tend-test:1 sigrecord -x TERM /out/rec
	local exits=$ID
	mkdir -p "$OUTDIR/2"
	ID=$(prun -d -v "$OUTDIR/2:/out" -e TEND_GRACE=1 localhost/tend-test:1 sigrecord /out/rec)
	CONTAINERS+=("$ID")
	local ignores=$ID
	wait_line "$OUTDIR/rec" ready 20
	wait_line "$OUTDIR/2/rec" ready 20
	pm kill -s USR1 "$exits" >/dev/null
	wait_line "$OUTDIR/rec" USR1 20
	ID=$exits podman_stop
	assert_equal "$STATUS" 143
	below "$ELAPSED" 8
	record_is ready USR1 TERM
	ID=$ignores podman_stop -t 10
	assert_equal "$STATUS" 137
	# Podman's own SIGKILL would come at 10 s.
	below "$ELAPSED" 8
	OUTDIR=$OUTDIR/2 record_is ready TERM
	run pm logs "$ignores"
	assert_line --regexp '^tend: grace period of 1s expired: sent SIGKILL to 1 process: [0-9]+ \(sigrecord\)$'
}
