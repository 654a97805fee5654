#!/usr/bin/env bats
# tend under valgrind: no invalid access, no uninitialised read, no leak,
# along the paths that allocate (the census of descendants) and exit (die).
# valgrind cannot see into a static musl binary's malloc, so this runs the
# same sources built for glibc: build/valgrind/tend (make valgrind).
# suite: plain-only slow

load helper

VALGRIND_TEND=$BATS_TEST_DIRNAME/../build/valgrind/tend

setup_file() {
	make -C "$BATS_TEST_DIRNAME/.." --no-print-directory build/valgrind/tend >&2
}

# valgrind, each process logging to vg.PID; then tend's arguments.
VALGRIND=(valgrind -q --error-exitcode=1 --leak-check=full)
vg_tend() {
	timeout -k 2 60 "${VALGRIND[@]}" --log-file="$BATS_TEST_TMPDIR/vg.%p" "$VALGRIND_TEND" "$@"
}

file_matches() {
	grep -qE "$2" "$1" 2>/dev/null
}

# valgrind found nothing: every log is empty (with -q, only errors are logged).
clean_logs() {
	local log
	for log in "$BATS_TEST_TMPDIR"/vg.*; do
		[ -s "$log" ] && { cat "$log" >&2; return 1; }
	done
	return 0
}

@test "under valgrind: a plain run passes the exit status, with no error and no leak" {
	run vg_tend -- sh -c 'exit 3'
	assert_equal "$status" 3
	clean_logs
}

@test "under valgrind: a usage error exits 125 through die, with no error and no leak" {
	run vg_tend -t abc -- true
	assert_equal "$status" 125
	assert_output --partial "not a number of seconds"
	clean_logs
}

@test "under valgrind, as PID 1: orphans, leftovers and the grace kill, with no error and no leak" {
	run timeout -k 2 60 "${UNSHARE_PID1[@]}" "${VALGRIND[@]}" --log-file="$BATS_TEST_TMPDIR/vg.%p" "$VALGRIND_TEND" -w -t 1 -- sh -c '
			"$1" 20 >/dev/null
			trap "" TERM
			for i in 1 2 3; do sleep 100 & done
			exit 5' sh "$HELPERS/orphans"
	assert_equal "$status" 5
	assert_line --regexp '^tend: grace period of 1s expired: sent SIGKILL to 3 processes'
	clean_logs
}

@test "under valgrind, not as PID 1: forwarding, the census and the grace kill, with no error and no leak" {
	local record=$BATS_TEST_TMPDIR/record
	# The main child records signals and ignores SIGTERM; so does the sleep.
	start_bg "${VALGRIND[@]}" --log-file="$BATS_TEST_TMPDIR/vg.%p" "$VALGRIND_TEND" -v -t 1 -- \
		sh -c 'trap "" TERM USR1; sleep 100 & exec "$1" -i TERM "$2"' sh "$HELPERS/sigrecord" "$record"
	TEND_PID=$BG_PID
	wait_line "$record" ready 20
	kill -USR1 "$TEND_PID"
	wait_line "$record" USR1 20
	kill -TERM "$TEND_PID"
	wait_exit "$TEND_PID" 30
	assert_equal "$STATUS" 137
	run grep -E '^tend: grace period of 1s expired: sent SIGKILL to 2 processes' "$BATS_TEST_TMPDIR/bg.err"
	assert_success
	clean_logs
}

@test "under valgrind: -L prepares the environment, with no error and no leak" {
	LD_PRELOAD=libc.so.6 run vg_tend -L -- sh -c 'echo "$LD_PRELOAD"'
	assert_success
	assert_line --regexp '^libc\.so\.6'
	clean_logs
}

# valgrind 3.19 knows no pidfd_open: tend --wait is left to the sanitizer pass.
@test "under valgrind: tend -d with its job files and a failed start, with no error and no leak" {
	local dir=$BATS_TEST_TMPDIR
	run vg_tend -d --log="$dir/job.log" --pid-file="$dir/job.pid" --status-file="$dir/job.status" -- sh -c 'sleep 1; exit 4'
	assert_success
	STARTED_PIDS+=("$output")
	wait_for 30 file_matches "$dir/job.pid" '^status=4 reason=exit '
	wait_for 10 not_running "$output"
	run -127 vg_tend -d --log="$dir/job.log" --status-file="$dir/job.status" -- no-such-command-here
	assert_line "tend: cannot run 'no-such-command-here': command not found"
	clean_logs
}
