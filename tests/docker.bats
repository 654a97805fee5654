#!/usr/bin/env bats
# suite: plain-only slow
# tend as the init of a real Docker Engine: `docker run --init` with
# "init-path" naming a docker-init link to tend, and ENTRYPOINT in an image
# made by `docker build`. The file starts its own dockerd (state, socket and
# pidfile in a temporary directory, no network, vfs storage) and checks
# everything through the docker CLI, as a user sees it. No registry: the
# images come from a root filesystem this file builds.

load helper
load engine

# helper.bash's teardown stops our own processes; containers go first.
eval "helper_$(declare -f teardown)"

# The CLI of the docker.io package, the same version as its daemon.
DOCKER=/usr/bin/docker

# What a user writes into /etc/docker/daemon.json (the README shows it).
daemon_json() {
	jq -n --arg init "$1" '{init: true, "init-path": $init}'
}

# Start a dockerd whose state is all in DIR, with INIT_PATH as its init;
# sets DAEMON_PID. Its containerd, shims and network namespaces live in
# DIR too; only moby's /run/docker/plugins and the shims' /run/containerd/s
# are fixed paths.
dockerd_start() {
	local dir=$1
	mkdir -p "$dir"
	daemon_json "$2" >"$dir/daemon.json"
	engine_start_daemon dockerd "$dir/log" "timeout 5 $DOCKER -H unix://$dir/sock version" \
		dockerd --config-file "$dir/daemon.json" --data-root "$dir/data" --exec-root "$dir/exec" \
		-H "unix://$dir/sock" --pidfile "$dir/pid" --iptables=false --ip-masq=false \
		--bridge=none --storage-driver=vfs --cgroup-parent "/$ENGINE_CGROUP"
}

setup_file() {
	engine_setup_file
	[ -z "$ENGINE_SKIP" ] || return 0
	DOCKER_SOCK=$ENGINE_DIR/d/sock
	COMMIT=$("$TEND" --version | sed -n 's/.* - git\.//p')
	export DOCKER_SOCK COMMIT
	# The daemon's default init, named as tini is, so that Docker reads its version.
	ln -s "$(realpath "$TEND")" "$ENGINE_DIR/docker-init"
	dockerd_start "$ENGINE_DIR/d" "$ENGINE_DIR/docker-init"

	# tend:base has no tend (--init brings it), but the -L helper where
	# tend as /sbin/docker-init looks for it; tend:entry is made by docker
	# build, as the README's Dockerfile does.
	WITHOUT_TEND=1 engine_rootfs "$ENGINE_DIR/rootfs"
	tar -C "$ENGINE_DIR/rootfs" -c . | dk import - tend-test:base >/dev/null
	mkdir -p "$ENGINE_DIR/context"
	cp "$TEND" "$ENGINE_DIR/context/tend"
	cp "$BATS_TEST_DIRNAME/../tend-linebuf.so" "$ENGINE_DIR/context/"
	cat >"$ENGINE_DIR/context/Dockerfile" <<-'EOF'
		FROM tend-test:base
		COPY tend /sbin/tend
		COPY tend-linebuf.so /lib/tend/tend-linebuf.so
		ENV TEND_GRACE=1
		ENTRYPOINT ["/sbin/tend", "--"]
	EOF
	DOCKER_BUILDKIT=0 dk build -q -t tend-test:entry "$ENGINE_DIR/context" >/dev/null
	printf 'FROM tend-test:entry\nSTOPSIGNAL SIGQUIT\n' |
		DOCKER_BUILDKIT=0 dk build -q -t tend-test:quit - >/dev/null
}

teardown_file() {
	engine_teardown_file
}

setup() {
	engine_setup
}

teardown() {
	[ ${#CONTAINERS[@]} -eq 0 ] || dk rm -f "${CONTAINERS[@]}" >/dev/null 2>&1 || true
	helper_teardown
}

dk() {
	timeout -k 5 "$ENGINE_TIMEOUT" "$DOCKER" -H "unix://$DOCKER_SOCK" "$@"
}

# `docker run -d` ARGS...; $OUTDIR is the container's /out. Sets ID.
docker_start() {
	ID=$(dk run -d --network none -v "$OUTDIR:/out" "$@")
	CONTAINERS+=("$ID")
}

# `docker stop` ARGS... of the container ID; sets ELAPSED and STATUS.
docker_stop() {
	engine_stop dk "$@"
}

@test "docker info and docker version show tend as the daemon's init, with its version and commit" {
	run dk info -f '{{.InitBinary}} {{.InitCommit.ID}}'
	assert_output "$ENGINE_DIR/docker-init $COMMIT"
	run dk version -f '{{range .Server.Components}}{{.Name}} [{{.Version}}] {{.Details.GitCommit}}{{"\n"}}{{end}}'
	assert_line --regexp "^docker-init \[[0-9]+\.[0-9]+\.[0-9]+_tend\] $COMMIT\$"
}

@test "with init-path naming tend itself, docker version shows its commit but no version, and --init still works" {
	local dir=$ENGINE_DIR/own-name
	dockerd_start "$dir" "$(realpath "$TEND")"
	tar -C "$ENGINE_DIR/rootfs" -c . | DOCKER_SOCK=$dir/sock dk import - tend-test:base >/dev/null
	DOCKER_SOCK=$dir/sock run -0 dk version -f '{{range .Server.Components}}{{.Name}} [{{.Version}}] {{.Details.GitCommit}}{{"\n"}}{{end}}'
	assert_line "tend [] $COMMIT"
	DOCKER_SOCK=$dir/sock run -0 dk info -f '{{.InitBinary}} {{.InitCommit.ID}}'
	assert_output "$(realpath "$TEND") $COMMIT"
	DOCKER_SOCK=$dir/sock run dk run --rm --init --network none tend-test:base sh -c 'tr "\0" " " </proc/1/cmdline; exit 4'
	assert_equal "$status" 4
	assert_output '/sbin/docker-init -- sh -c tr "\0" " " </proc/1/cmdline; exit 4 '
	engine_stop_daemon "$DAEMON_PID"
}

@test "docker run --init: tend is PID 1 and the exit status passes through, also 128+N; \"init\": true makes it the default" {
	run dk run --rm --init --network none tend-test:base sh -c \
		'/sbin/docker-init --version; tr "\0" " " </proc/1/cmdline; echo; exit 3'
	assert_equal "$status" 3
	assert_line --regexp "^tini version [0-9.]+_tend - git\.$COMMIT\$"
	assert_line '/sbin/docker-init -- sh -c /sbin/docker-init --version; tr "\0" " " </proc/1/cmdline; echo; exit 3 '
	# Without --init too: daemon.json says "init": true.
	run dk run --rm --network none tend-test:base sh -c 'kill -USR1 $$'
	assert_equal "$status" 138
}

@test "docker run --init reaps orphans: no zombie is seen from inside the container" {
	run dk run --rm --init --network none tend-test:base sh -c "$ORPHANS_SCRIPT"
	assert_success
	assert_line "zombies: 0"
}

@test "docker kill -s USR1 reaches the app exactly once; docker stop then ends it at once with 143" {
	docker_start --init tend-test:base sigrecord -x TERM /out/rec
	wait_line "$OUTDIR/rec" ready 20
	dk kill -s USR1 "$ID" >/dev/null
	wait_line "$OUTDIR/rec" USR1 20
	docker_stop
	assert_equal "$STATUS" 143
	below "$ELAPSED" 8
	record_is ready USR1 TERM
}

@test "docker stop -t 10 of an app that ignores SIGTERM: tend SIGKILLs it at TEND_GRACE, says so in docker logs, exit 137" {
	docker_start --init -e TEND_GRACE=1 tend-test:base sigrecord /out/rec
	wait_line "$OUTDIR/rec" ready 20
	docker_stop -t 10
	assert_equal "$STATUS" 137
	# Docker's own SIGKILL would come at 10 s.
	below "$ELAPSED" 8
	record_is ready TERM
	run dk logs "$ID"
	assert_line --regexp '^tend: grace period of 1s expired: sent SIGKILL to 1 process: [0-9]+ \(sigrecord\)$'
}

@test "docker run --stop-signal SIGINT: an app that exits on it stops at once, one that ignores it is killed at TEND_GRACE" {
	docker_start --init --stop-signal SIGINT tend-test:base sigrecord -x INT /out/rec
	local exits=$ID
	mkdir -p "$OUTDIR/2"
	ID=$(dk run -d --network none -v "$OUTDIR/2:/out" --init --stop-signal SIGINT -e TEND_GRACE=2 \
		tend-test:base sigrecord /out/rec)
	CONTAINERS+=("$ID")
	local ignores=$ID
	wait_line "$OUTDIR/rec" ready 20
	wait_line "$OUTDIR/2/rec" ready 20
	ID=$exits docker_stop
	assert_equal "$STATUS" 130
	record_is ready INT
	ID=$ignores docker_stop
	assert_equal "$STATUS" 137
	below "$ELAPSED" 8
	OUTDIR=$OUTDIR/2 record_is ready INT
	run dk logs "$ignores"
	assert_line --regexp '^tend: grace period of 2s expired: sent SIGKILL to 1 process'
}

@test "docker run -it --init on a terminal: Ctrl-C reaches the shell's foreground job, the shell survives, exit 3 ends the container" {
	run timeout 30 python3 "$HELPERS/pty_run.py" \
		'prompt> ' 'sigrecord -x INT /dev/tty\n' \
		ready '\x03' \
		'prompt> ' 'echo "job status $?"; exit 3\n' \
		-- "$DOCKER" -H "unix://$DOCKER_SOCK" run -it --rm --init --network none -e PS1='prompt> ' tend-test:base sh
	assert_equal "$status" 3
	assert_line --partial INT
	assert_line --partial "job status 130"
}

# The ticker stops itself (SIGSTOP) after each line: what docker logs -f
# shows then is what the program has written, with no timing involved.
# ticker-musl is dynamically linked; its libc is the image's musl loader.
stopped_under() {
	local pid
	for pid in $(descendants_of "$1"); do
		if [ "$(state_of "$pid")" = T ]; then
			return 0
		fi
	done
	return 1
}

@test "docker logs -f shows each line of a C stdio program as it is printed under TEND_LINE_BUFFERED=1, and only at exit without it" {
	local id_l id_plain tend_l tend_plain follow_l follow_plain
	docker_start --init -e TEND_LINE_BUFFERED=1 tend-test:base ticker-musl 3 stop
	id_l=$ID
	docker_start --init tend-test:base ticker-musl 3 stop
	id_plain=$ID
	tend_l=$(dk inspect -f '{{.State.Pid}}' "$id_l")
	tend_plain=$(dk inspect -f '{{.State.Pid}}' "$id_plain")
	OUT=$OUTDIR/follow-l start_bg "$DOCKER" -H "unix://$DOCKER_SOCK" logs -f "$id_l"
	follow_l=$BG_PID
	OUT=$OUTDIR/follow-plain start_bg "$DOCKER" -H "unix://$DOCKER_SOCK" logs -f "$id_plain"
	follow_plain=$BG_PID
	local i
	for i in 1 2; do
		wait_for 20 stopped_under "$tend_l"
		wait_line "$OUTDIR/follow-l" "tick $i" 20
		wait_for 20 stopped_under "$tend_plain"
		# Stopped after printing: without -L the line is still in its
		# buffer (musl writes the first line at once: only then does it
		# learn that stdout is no terminal).
		run dk logs "$id_plain"
		refute_output --partial "tick 2"
		dk kill -s CONT "$id_l" >/dev/null
		dk kill -s CONT "$id_plain" >/dev/null
	done
	wait_exit "$follow_l" 30
	wait_exit "$follow_plain" 30
	assert_equal "$(cat "$OUTDIR/follow-l")" "$(printf 'tick %s\n' 1 2 3)"
	assert_equal "$(cat "$OUTDIR/follow-plain")" "$(printf 'tick %s\n' 1 2 3)"
}

@test "under TEND_LINE_BUFFERED=1 no line is lost when the grace kills a C stdio program; without it the buffered ones are" {
	local id_l id_plain
	docker_start --init -e TEND_LINE_BUFFERED=1 -e TEND_GRACE=1 tend-test:base ticker-musl 5 hang
	id_l=$ID
	docker_start --init -e TEND_GRACE=1 tend-test:base ticker-musl 5 hang
	id_plain=$ID
	wait_for 20 logs_have ready dk logs "$id_l"
	wait_for 20 logs_have ready dk logs "$id_plain"
	ID=$id_l docker_stop -t 10
	assert_equal "$STATUS" 137
	ID=$id_plain docker_stop -t 10
	assert_equal "$STATUS" 137
	run dk logs "$id_l"
	assert_line "tick 1"
	assert_line "tick 5"
	assert_line --regexp '^tend: grace period of 1s expired: sent SIGKILL to 1 process'
	run dk logs "$id_plain"
	refute_output --partial "tick 5"
	assert_line --regexp '^tend: grace period of 1s expired: sent SIGKILL to 1 process'
}

@test "ENTRYPOINT [\"/sbin/tend\", \"--\"] in an image made by docker build: docker stop ends an app at once, or tend kills it at its grace" {
	# --init=false: daemon.json's "init": true would put a second tend in front.
	docker_start --init=false tend-test:entry sigrecord -x TERM /out/rec
	local exits=$ID
	mkdir -p "$OUTDIR/2"
	ID=$(dk run -d --network none -v "$OUTDIR/2:/out" --init=false tend-test:entry sigrecord /out/rec)
	CONTAINERS+=("$ID")
	local ignores=$ID
	wait_line "$OUTDIR/rec" ready 20
	wait_line "$OUTDIR/2/rec" ready 20
	run dk inspect -f '{{json .Config.Entrypoint}} {{json .Path}}' "$exits"
	assert_output '["/sbin/tend","--"] "/sbin/tend"'
	ID=$exits docker_stop
	assert_equal "$STATUS" 143
	below "$ELAPSED" 8
	ID=$ignores docker_stop -t 10
	assert_equal "$STATUS" 137
	below "$ELAPSED" 8
	OUTDIR=$OUTDIR/2 record_is ready TERM
	run dk logs "$ignores"
	assert_line --regexp '^tend: grace period of 1s expired: sent SIGKILL to 1 process'
}

@test "STOPSIGNAL SIGQUIT in the image: docker stop sends it through tend, which kills the app that ignores it at its grace" {
	docker_start --init=false tend-test:quit sigrecord /out/rec
	wait_line "$OUTDIR/rec" ready 20
	docker_stop
	assert_equal "$STATUS" 137
	below "$ELAPSED" 8
	record_is ready QUIT
	run dk logs "$ID"
	assert_line --regexp '^tend: grace period of 1s expired: sent SIGKILL to 1 process'
}

@test "docker stop -t 10 of a container with TEND_STOP_DELAY=2 keeps serving for 2 s, then stops within its grace" {
	docker_start --init -e TEND_STOP_DELAY=2 -e TEND_GRACE=2 tend-test:base sh -c '
		echo ready >/out/rec
		while :; do echo tick >>/out/ticks; sleep 0.2; done'
	wait_line "$OUTDIR/rec" ready 20
	wait_line "$OUTDIR/ticks" tick 20
	local before after
	before=$(wc -l <"$OUTDIR/ticks")
	docker_stop -t 10
	after=$(wc -l <"$OUTDIR/ticks")
	assert_equal "$STATUS" 143
	# Held for 2 s, while the app went on serving (a tick each 0.2 s)...
	below 1.9 "$ELAPSED"
	[ $((after - before)) -ge 5 ]
	# ...then forwarded: the app ends on it, long before Docker's SIGKILL.
	below "$ELAPSED" 8
}
