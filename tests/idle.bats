#!/usr/bin/env bats
# With nothing to do, tend sleeps in one blocking call: no wakeups, no polling.
# suite: slow plain-only
# (plain-only: the shipped binary's idleness is what counts; in the sanitizer
# build, strace's attach wakes the wait, and the clock read before the next
# one shows up.)

load helper

settled_tend_over_sleep() {
	start_tend_plain "$@" -- sleep 60
	wait_for 5 state_is "$TEND_PID" S
	wait_for 5 has_child "$TEND_PID"
	sleep 0.5
}

switches_of() {
	awk '/ctxt_switches/ { n += $2 } END { print n }' /proc/"$1"/status
}

@test "an idle tend is not scheduled once in 5 seconds" {
	settled_tend_over_sleep
	local before=$(switches_of "$TEND_PID")
	sleep 5
	assert_equal "$(switches_of "$TEND_PID")" "$before"
}

@test "an idle tend makes no system call in 5 seconds, beyond the one it sleeps in" {
	command -v strace >/dev/null || skip "strace missing"
	settled_tend_over_sleep -t 3 -T 3600
	run timeout -s INT 5 strace -p "$TEND_PID"
	# strace shows the call tend sleeps in, unfinished, and nothing else.
	run grep -v -e '^strace: Process' -e '^ <detached' <<<"$output"
	assert_equal "${#lines[@]}" 1
	assert_output --regexp '^rt_sigtimedwait\('
}

@test "as PID 1 an idle tend is not scheduled either" {
	start_tend_pid1 -- sleep 60
	wait_for 5 has_child "$TEND_PID"
	sleep 0.5
	local before=$(switches_of "$TEND_PID")
	sleep 5
	assert_equal "$(switches_of "$TEND_PID")" "$before"
}

@test "a detached tend and tend --wait are not scheduled once in 3 seconds" {
	local dir=$BATS_TEST_TMPDIR tend waiter
	tend=$(timeout 10 "$TEND" -d --log="$dir/job.log" --pid-file="$dir/job.pid" -- sleep 60)
	STARTED_PIDS+=("$tend")
	OUT=/dev/null start_bg "$TEND" --wait "$dir/job.pid"
	waiter=$BG_PID
	wait_for 5 state_is "$waiter" S
	wait_for 5 has_child "$tend"
	sleep 0.5
	local before_tend before_wait
	before_tend=$(switches_of "$tend")
	before_wait=$(switches_of "$waiter")
	sleep 3
	assert_equal "$(switches_of "$tend")" "$before_tend"
	assert_equal "$(switches_of "$waiter")" "$before_wait"
}
