# Shared by the engine files (docker.bats, podman.bats, containerd.bats):
# `load helper` then `load engine`.
#
# Each file starts the engine it needs once, in setup_file, with every piece
# of its state in one short directory under /tmp (unix socket paths are
# limited to 108 bytes, and bats's own temporary directories are long), and
# stops it by PID in teardown_file, also after a failure: the daemon, the
# shims it left, the mounts and network namespaces under its directory, the
# cgroups it made and the system directories it created. Tests remove their
# containers by ID. Every engine command runs under a timeout.

ENGINE_TIMEOUT=${ENGINE_TIMEOUT:-60}

# Directories the engines create outside their own state, whatever they are
# told: moby's plugin socket directory, containerd's shim sockets, podman's
# network run directory and its image-copy cache. teardown_file removes the
# ones that did not exist before (only when empty, so nothing of another
# engine's is touched).
ENGINE_SYSTEM_DIRS=(/run/docker/plugins /run/docker /run/containerd/s /run/containerd
	/run/containers/networks /run/containers /var/lib/containers/cache /var/lib/containers)

# setup_file: make ENGINE_DIR, the engine's whole state, and note what must
# go at the end. Sets ENGINE_SKIP (the tests' setup skips with it) when the
# kernel refuses what every container needs; the rest of setup_file then
# starts nothing.
engine_setup_file() {
	ENGINE_DIR=$(mktemp -d /tmp/tend-engine.XXXXXX)
	ENGINE_CGROUP=$(basename "$ENGINE_DIR")
	ENGINE_SKIP=
	export ENGINE_DIR ENGINE_CGROUP ENGINE_SKIP
	local dir
	for dir in "${ENGINE_SYSTEM_DIRS[@]}"; do
		[ -e "$dir" ] || echo "$dir" >>"$ENGINE_DIR/created"
	done
	local why
	if ! why=$(unshare --pid --fork --mount --net --uts --ipc true 2>&1); then
		ENGINE_SKIP="the kernel refuses the namespaces of a container: ${why:-unshare failed}"
	elif [ ! -d /sys/fs/cgroup/pids ] && [ ! -f /sys/fs/cgroup/cgroup.controllers ]; then
		ENGINE_SKIP="no cgroup hierarchy mounted at /sys/fs/cgroup"
	fi
	if [ -n "${TEND_SANITIZED:-}" ]; then
		# The images hold the static tend; the sanitizer build is dynamic and
		# would add nothing here that the unshare and runc files do not test.
		ENGINE_SKIP="plain-only: the sanitizer build of tend is dynamic"
	fi
}

# setup of each test.
engine_setup() {
	[ -z "$ENGINE_SKIP" ] || skip "$ENGINE_SKIP"
	OUTDIR=$BATS_TEST_TMPDIR/out
	mkdir -p "$OUTDIR"
	CONTAINERS=()
}

# Start a daemon: NAME LOG READY COMMAND... runs COMMAND in the background
# (its output to LOG, none of bats's descriptors kept open) and waits up to
# 60 s for the command READY (a word, run with eval) to succeed. Sets
# DAEMON_PID and appends it to $ENGINE_DIR/pids. When the daemon dies or the
# time runs out, fails with the last lines of LOG.
engine_start_daemon() {
	local name=$1 log=$2 ready=$3
	shift 3
	"$@" </dev/null >"$log" 2>&1 3>&- &
	DAEMON_PID=$!
	echo "$DAEMON_PID" >>"$ENGINE_DIR/pids"
	local deadline=$((SECONDS + 60))
	until eval "$ready" >/dev/null 2>&1; do
		if ! kill -0 "$DAEMON_PID" 2>/dev/null || [ "$(state_of "$DAEMON_PID")" = Z ]; then
			echo "$name exited while starting; the last lines of $log:" >&2
			tail -n 15 "$log" >&2
			return 1
		fi
		if ((SECONDS >= deadline)); then
			echo "$name did not answer within 60 s; the last lines of $log:" >&2
			tail -n 15 "$log" >&2
			return 1
		fi
		sleep 0.1
	done
}

# Stop a daemon started by engine_start_daemon: SIGTERM, SIGKILL after 20 s.
engine_stop_daemon() {
	local pid=$1
	kill -TERM "$pid" 2>/dev/null || return 0
	if ! wait_for 20 not_running "$pid" 2>/dev/null; then
		local kid
		for kid in "$pid" $(descendants_of "$pid"); do
			kill -KILL "$kid" 2>/dev/null || true
		done
		wait_for 5 not_running "$pid" || true
	fi
	wait "$pid" 2>/dev/null || true
}

# teardown_file: stop every daemon, then what outlived them (shims and
# conmons are their own sessions: found by their command line naming
# ENGINE_DIR), unmount what is still mounted below ENGINE_DIR (network
# namespaces included), remove the cgroups named after it, the system
# directories the engine created, and ENGINE_DIR.
engine_teardown_file() {
	[ -n "${ENGINE_DIR:-}" ] && [ -d "$ENGINE_DIR" ] || return 0
	local pid
	for pid in $(tac "$ENGINE_DIR/pids" 2>/dev/null); do
		engine_stop_daemon "$pid"
	done
	for pid in $(engine_leftover_pids); do
		kill -KILL "$pid" 2>/dev/null || true
	done
	local mnt
	for mnt in $(awk -v d="$ENGINE_DIR" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
		umount -l "$mnt" 2>/dev/null || true
	done
	find /sys/fs/cgroup/*/ -maxdepth 1 -name "$ENGINE_CGROUP*" -type d 2>/dev/null |
		while read -r dir; do
			find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || true
		done
	local dir
	while read -r dir; do
		# Podman's cache of image copies is the one file left there.
		[ "$dir" != /var/lib/containers/cache ] || rm -f "$dir/blob-info-cache-v1.boltdb"
		rmdir "$dir" 2>/dev/null || true
	done < <(cat "$ENGINE_DIR/created" 2>/dev/null)
	rm -rf "$ENGINE_DIR"
}

# Processes whose command line names ENGINE_DIR: shims, conmons, daemons.
# Read with builtins only: a grep for it would find itself.
engine_leftover_pids() {
	local file pid args
	for file in /proc/[0-9]*/cmdline; do
		pid=${file#/proc/}
		pid=${pid%/cmdline}
		[ "$pid" != $$ ] && [ "$pid" != "$BASHPID" ] || continue
		mapfile -d '' args 2>/dev/null <"$file" || continue
		[[ "${args[*]}" != *"$ENGINE_DIR"* ]] || echo "$pid"
	done
}

# The container's root filesystem, in DIR: busybox, the static test
# workloads, a dynamically linked musl program (the musl loader is its
# whole libc) and tend with its -L helper where `make install` would put
# them for PREFIX=/ (/sbin/tend, /lib/tend/tend-linebuf.so). With
# WITHOUT_TEND=1, no /sbin/tend (--init brings it, or a Dockerfile copies
# it in), but still the helper, where tend as /sbin/docker-init finds it.
engine_rootfs() {
	local dir=$1 top=$BATS_TEST_DIRNAME/.. applet
	mkdir -p "$dir"/{bin,sbin,lib,proc,dev,sys,tmp,out,etc}
	cp /bin/busybox "$dir/bin/busybox"
	for applet in sh sleep cat tr awk wc ls kill echo grep seq true; do
		ln -s busybox "$dir/bin/$applet"
	done
	cp "$top/build/static/sigrecord" "$top/build/static/orphans" "$top/tests/helpers/ticker-musl" "$dir/bin/"
	cp -L /lib/ld-musl-x86_64.so.1 "$dir/lib/"
	echo 'root:x:0:0:root:/:/bin/sh' >"$dir/etc/passwd"
	mkdir -p "$dir/lib/tend"
	cp "$top/tend-linebuf.so" "$dir/lib/tend/"
	[ -n "${WITHOUT_TEND:-}" ] || cp "$TEND" "$dir/sbin/tend"
}

# The rootfs in DIR as an image archive in docker-save format (one layer),
# tagged NAME, written to FILE: what `ctr images import` reads.
engine_image_archive() {
	local dir=$1 name=$2 file=$3 work
	work=$(mktemp -d "$ENGINE_DIR/archive.XXXXXX")
	tar -C "$dir" -cf "$work/layer.tar" .
	jq -n --arg diff "sha256:$(sha256sum "$work/layer.tar" | cut -d' ' -f1)" \
		'{architecture: "amd64", os: "linux",
		  config: {Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
		  rootfs: {type: "layers", diff_ids: [$diff]}}' >"$work/config.json"
	jq -n --arg name "$name" '[{Config: "config.json", RepoTags: [$name], Layers: ["layer.tar"]}]' \
		>"$work/manifest.json"
	tar -C "$work" -cf "$file" manifest.json config.json layer.tar
	rm -rf "$work"
}

# A container's command: make 200 orphans that live 50 ms, wait (10 s at
# most) until none of them is left, alive or zombie, then print how many
# zombies the container has. An init that does not reap leaves them all.
ORPHANS_SCRIPT='
	orphans 200 50 >/dev/null
	left() { cat /proc/[0-9]*/stat 2>/dev/null | awk "\$2 == \"(orphans)\" || \$3 == \"Z\"" | wc -l; }
	i=0
	while [ "$(left)" -gt 0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	echo "zombies: $(cat /proc/[0-9]*/stat 2>/dev/null | awk "\$3 == \"Z\"" | wc -l)"'

# Seconds since START (an $EPOCHREALTIME), with milliseconds.
seconds_since() {
	awk -v s="$1" -v n="$EPOCHREALTIME" 'BEGIN { printf "%.3f\n", n - s }'
}

# `CLI stop ARGS... $ID`, CLI being the file's docker or podman function;
# sets ELAPSED (seconds) and STATUS (the container's exit code).
engine_stop() {
	local cli=$1 start=$EPOCHREALTIME
	shift
	"$cli" stop "$@" "$ID" >/dev/null
	ELAPSED=$(seconds_since "$start")
	STATUS=$("$cli" inspect -f '{{.State.ExitCode}}' "$ID")
}

# A number is below a bound: `below "$ELAPSED" 8`.
below() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }' || {
		echo "$1 is not below $2" >&2
		return 1
	}
}

# The signals the app recorded in $OUTDIR/rec are exactly the lines given.
record_is() {
	assert_equal "$(cat "$OUTDIR/rec" 2>/dev/null)" "$(printf '%s\n' "$@")"
}

# Wait for the log of a container, as COMMAND... prints it, to have LINE.
logs_have() {
	local line=$1
	shift
	"$@" 2>&1 | grep -qxF -- "$line"
}
