#!/usr/bin/env bats
# tend as Docker's init, invoked exactly as the Docker daemon invokes it.
#
# `docker run --init` (or "init": true in daemon.json) bind-mounts the init
# binary (default: docker-init on the daemon's PATH; or --init-path /
# "init-path") at /sbin/docker-init and makes the container's process
# `/sbin/docker-init -- CMD ARGS`.
#
# `docker info` / `docker version` run `INIT --version` (Go's exec.Command,
# so argv[0] is the init path as configured) and parse stdout with the
# daemon's parseInitVersion (moby, daemon/info_unix.go):
#   - split the whole output on " - ";
#   - if there are at least two parts, TrimSpace the second and split it
#     on "."; exactly two pieces with the first "git" make the second the
#     commit;
#   - TrimSpace the first part; if it starts with "tini version ", the rest
#     is the version;
#   - neither a version nor a commit: error "unknown output format: ...".
# parse_init_version below is that function, step by step.

load helper

# Prints "VERSION COMMIT" as the daemon would record them, or fails.
parse_init_version() {
	python3 - "$1" <<'EOF'
import sys

v = sys.argv[1]
version = commit = ""
parts = v.split(" - ")
if len(parts) >= 2:
    git_parts = parts[1].strip().split(".")
    if len(git_parts) == 2 and git_parts[0] == "git":
        commit = git_parts[1]
parts[0] = parts[0].strip()
if parts[0].startswith("tini version "):
    version = parts[0][len("tini version "):]
if version == "" and commit == "":
    sys.exit("unknown output format: " + v)
print(version, commit)
EOF
}

setup() {
	# The daemon finds its default init as docker-init on its PATH.
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	ln -s "$(realpath "$TEND")" "$BATS_TEST_TMPDIR/bin/docker-init"
	COMMIT=$("$TEND" --version | sed -n 's/.* - git\.//p')
}

@test "the parser reads tini's own output as the daemon does" {
	run parse_init_version "tini version 0.18.0 - git.fec3683"
	assert_output "0.18.0 fec3683"
	run parse_init_version "$(tini --version)"
	assert_output "0.19.0 "
	run parse_init_version "dumb-init v1.2.5"
	assert_failure
	assert_output "unknown output format: dumb-init v1.2.5"
}

@test "'docker-init --version' gives the daemon tend's version and commit" {
	run env PATH="$BATS_TEST_TMPDIR/bin:$PATH" docker-init --version
	assert_success
	run parse_init_version "$output"
	assert_success
	assert_output --regexp "^[0-9]+\.[0-9]+\.[0-9]+_tend $COMMIT\$"
}

@test "invoked as tini, tend answers in tini's format too" {
	run bash -c 'exec -a /usr/bin/tini "$1" --version' bash "$TEND"
	run parse_init_version "$output"
	assert_output --regexp "^[0-9]+\.[0-9]+\.[0-9]+_tend $COMMIT\$"
}

@test "under its own name tend gives the daemon only the commit, so init-path should name a docker-init link" {
	run "$(realpath "$TEND")" --version
	run parse_init_version "$output"
	assert_success
	assert_output " $COMMIT"
}

@test "'/sbin/docker-init -- CMD ARGS' as PID 1 runs CMD with ARGS untouched, even ones that look like options" {
	run timeout -k 2 20 "${UNSHARE_PID1[@]}" bash -c 'exec -a /sbin/docker-init "$@"' bash \
		"$TEND" -- sh -c 'echo "$*"; exit 3' sh -v --grace 5 -- -c
	assert_equal "$status" 3
	assert_output "-v --grace 5 -- -c"
}

@test "'/sbin/docker-init -- CMD' as PID 1 forwards SIGTERM to CMD and exits with its status" {
	local rec=$BATS_TEST_TMPDIR/rec
	start_bg "${UNSHARE_PID1[@]}" bash -c 'exec -a /sbin/docker-init "$@"' bash \
		"$TEND" -- "$HELPERS/sigrecord" -x TERM "$rec"
	local unshare=$BG_PID
	wait_line "$rec"
	kill -TERM "$(child_of "$unshare")"
	wait_exit "$unshare" 10
	assert_equal "$STATUS" 143
	run cat "$rec"
	assert_output "$(printf 'ready\nTERM')"
}
