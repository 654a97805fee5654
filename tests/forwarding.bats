#!/usr/bin/env bats
# Every catchable signal tend gets is forwarded to the child's process group,
# exactly as received, after any rewrite (-r); with -c to the child alone.

load helper

setup() {
	REC=$BATS_TEST_TMPDIR/rec
}

# Start tend as PID 1 over a recorder that has a grandchild in its group.
start_recorder_pid1() {
	start_tend_pid1 "$@" -- "$HELPERS/sigrecord" -g "$REC"
	wait_line "$REC"
	wait_line "$REC.grandchild"
}

# Send SIG to tend from outside its namespace, and wait until FILE records NAME.
send_and_expect() {
	local sig=$1 name=$2
	shift 2
	kill -s "$sig" "$TEND_PID"
	for file in "$@"; do
		wait_line "$file" "$name"
	done
}

@test "common signals reach the child and a grandchild in its process group" {
	start_recorder_pid1
	send_and_expect HUP HUP "$REC" "$REC.grandchild"
	send_and_expect USR1 USR1 "$REC" "$REC.grandchild"
	send_and_expect USR2 USR2 "$REC" "$REC.grandchild"
	send_and_expect WINCH WINCH "$REC" "$REC.grandchild"
	send_and_expect INT INT "$REC" "$REC.grandchild"
	send_and_expect QUIT QUIT "$REC" "$REC.grandchild"
	send_and_expect TERM TERM "$REC" "$REC.grandchild"
}

@test "real-time signals reach the grandchild too" {
	start_recorder_pid1
	send_and_expect RTMIN+3 RTMIN+3 "$REC" "$REC.grandchild"
	send_and_expect RTMAX RTMIN+30 "$REC" "$REC.grandchild"
}

@test "the child sees the same sequence of signals, nothing added" {
	start_recorder_pid1
	for sig in USR1 HUP USR2 WINCH; do
		send_and_expect "$sig" "$sig" "$REC"
	done
	run grep -v ready "$REC"
	assert_output "$(printf 'USR1\nHUP\nUSR2\nWINCH')"
}

@test "forwarding works the same when tend is not PID 1" {
	start_tend_plain -- "$HELPERS/sigrecord" -g "$REC"
	wait_line "$REC"
	wait_line "$REC.grandchild"
	send_and_expect USR1 USR1 "$REC" "$REC.grandchild"
	send_and_expect RTMIN+1 RTMIN+1 "$REC" "$REC.grandchild"
	send_and_expect TERM TERM "$REC" "$REC.grandchild"
}

@test "with -c only the direct child gets the signal, not its group" {
	start_recorder_pid1 -c
	send_and_expect USR1 USR1 "$REC"
	send_and_expect TERM TERM "$REC"
	sleep 0.3
	run grep -c -e USR1 -e TERM "$REC.grandchild"
	assert_output 0
}

@test "TEND_SINGLE_CHILD=1 and DUMB_INIT_SETSID=0 mean -c" {
	TEND_SINGLE_CHILD=1 start_recorder_pid1
	send_and_expect USR1 USR1 "$REC"
	sleep 0.3
	run grep -c USR1 "$REC.grandchild"
	assert_output 0
	teardown
	STARTED_PIDS=()
	rm -f "$REC" "$REC.grandchild"
	DUMB_INIT_SETSID=0 start_recorder_pid1
	send_and_expect USR2 USR2 "$REC"
	sleep 0.3
	run grep -c USR2 "$REC.grandchild"
	assert_output 0
}

@test "-r rewrites a signal before forwarding it, by name or by number" {
	start_recorder_pid1 -r USR1:HUP --rewrite=12:WINCH
	send_and_expect USR1 HUP "$REC" "$REC.grandchild"
	send_and_expect USR2 WINCH "$REC" "$REC.grandchild"
	run grep -c -e USR1 -e USR2 "$REC"
	assert_output 0
}

@test "-r S:0 drops S, and other signals still pass" {
	start_recorder_pid1 -r HUP:0
	kill -HUP "$TEND_PID"
	send_and_expect USR1 USR1 "$REC"
	run grep -c HUP "$REC"
	assert_output 0
}

@test "TEND_REWRITE takes a comma-separated list, and -r wins over it" {
	TEND_REWRITE=USR1:HUP,USR2:WINCH start_recorder_pid1 -r USR2:INT
	send_and_expect USR1 HUP "$REC"
	send_and_expect USR2 INT "$REC"
}

@test "a SIGTERM rewritten to another signal still starts the grace period" {
	start_tend_pid1 -t 0.5 -r TERM:USR1 -- "$HELPERS/sigrecord" "$REC"
	wait_line "$REC"
	kill -TERM "$TEND_PID"
	wait_line "$REC" USR1
	wait_exit "$UNSHARE_PID" 10
	assert_equal "$STATUS" 137
	run grep -c TERM "$REC"
	assert_output 0
}

@test "SIGTSTP is forwarded and tend stops with its child; SIGCONT resumes both" {
	start_tend_plain -- sleep 60
	wait_for 5 has_child "$TEND_PID"
	local child=$(child_of "$TEND_PID")
	kill -TSTP "$TEND_PID"
	wait_for 5 state_is "$child" T
	wait_for 5 state_is "$TEND_PID" T
	kill -CONT "$TEND_PID"
	wait_for 5 state_is "$child" S
	wait_for 5 state_is "$TEND_PID" S
}

# A SIGCONT that comes while tend is about to stop itself must not be lost:
# the stop would throw it away and leave the job stopped for good (found by
# make chaos). The race needs the two signals microseconds apart, sent by
# tend's own parent: bats puts milliseconds between two commands, so a
# plain bash starts tend and sends the pairs. Run by hand, the code before
# the fix was left stopped within 100 pairs in 9 of 12 tries; under bats'
# own timing in none of 6: this test guards the fix, it cannot prove it.
@test "a SIGCONT right after SIGTSTP never leaves tend stopped" {
	run timeout 60 bash -c '
		"$1" -- sleep 60 >/dev/null 2>&1 &
		tend=$!
		stopped() { grep -q "^State:.*T" /proc/$tend/status; }
		sleep 0.3
		child=$(cat /proc/$tend/task/$tend/children)
		for pair in $(seq 100); do
			kill -TSTP $tend
			kill -CONT $tend
			for _ in $(seq 50); do stopped && sleep 0.02 || break; done
			if stopped; then
				echo "tend stopped for good after pair $pair"
				break
			fi
		done
		kill -KILL $tend $child
		[ $pair -eq 100 ]' bash "$TEND"
	assert_success
}
