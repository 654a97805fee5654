#!/usr/bin/env bats
# A stop signal (TERM, INT, QUIT) is forwarded and starts the grace period;
# when it expires, everything left is SIGKILLed, with one warning line.
# The grace ends early the moment nothing is left.

load helper

setup() {
	REC=$BATS_TEST_TMPDIR/rec
}

# Seconds (with decimals) since the epoch.
now() { echo "$EPOCHREALTIME"; }
elapsed_since() { awk -v s="$1" -v n="$EPOCHREALTIME" 'BEGIN { printf "%.2f", n - s }'; }

# tend -t GRACE as PID 1 over a child that ignores SIGTERM, then SIGTERM to
# tend; START is when it was sent.
term_an_ignorer() {
	start_tend_pid1 -t "$1" -- "$HELPERS/sigrecord" -i TERM "$REC"
	wait_line "$REC"
	START=$(now)
	kill -TERM "$TEND_PID"
}

@test "a child that ignores SIGTERM is killed when the grace expires, not before" {
	term_an_ignorer 1.5
	sleep 1
	# Still alive one second in: tend has not cut the grace short.
	run kill -0 "$TEND_PID"
	assert_success
	wait_exit "$UNSHARE_PID" 10
	assert_equal "$STATUS" 137
	run awk -v e="$(elapsed_since "$START")" 'BEGIN { exit !(e >= 1.5) }'
	assert_success
	run cat "$BATS_TEST_TMPDIR/bg.err"
	assert_output --regexp "^tend: grace period of 1.5s expired: sent SIGKILL to 1 process: [0-9]+ \(sigrecord\)$"
}

@test "a child that exits promptly on SIGTERM makes tend exit promptly" {
	start_tend_pid1 -t 20 -- "$HELPERS/sigrecord" -x TERM "$REC"
	wait_line "$REC"
	local start=$(now)
	kill -TERM "$TEND_PID"
	wait_exit "$UNSHARE_PID" 10
	assert_equal "$STATUS" 143
	run awk -v e="$(elapsed_since "$start")" 'BEGIN { exit !(e < 5) }'
	assert_success
	run cat "$BATS_TEST_TMPDIR/bg.err"
	assert_output ""
}

@test "SIGINT and SIGQUIT start the grace period too" {
	for sig in INT QUIT; do
		start_tend_pid1 -t 0.3 -- "$HELPERS/sigrecord" -i "$sig" "$REC.$sig"
		wait_line "$REC.$sig"
		kill -s "$sig" "$TEND_PID"
		wait_exit "$UNSHARE_PID" 10
		assert_equal "$STATUS" 137
	done
}

@test "TEND_GRACE sets the grace period, and -t wins over it" {
	TEND_GRACE=0.2 start_tend_pid1 -- "$HELPERS/sigrecord" -i TERM "$REC"
	wait_line "$REC"
	kill -TERM "$TEND_PID"
	wait_exit "$UNSHARE_PID" 5
	assert_equal "$STATUS" 137
	run cat "$BATS_TEST_TMPDIR/bg.err"
	assert_output --partial "grace period of 0.2s expired"

	TEND_GRACE=30 start_tend_pid1 -t 0.3 -- "$HELPERS/sigrecord" -i TERM "$REC.2"
	wait_line "$REC.2"
	kill -TERM "$TEND_PID"
	wait_exit "$UNSHARE_PID" 5
	assert_equal "$STATUS" 137
}

@test "the grace kills grandchildren that ignore SIGTERM too, and tend says which" {
	start_tend_pid1 -t 0.5 -- sh -c 'trap "" TERM; sleep 100 & sleep 100 & echo up; wait'
	wait_line "$BATS_TEST_TMPDIR/bg.out" up
	kill -TERM "$TEND_PID"
	wait_exit "$UNSHARE_PID" 10
	assert_equal "$STATUS" 137
	run cat "$BATS_TEST_TMPDIR/bg.err"
	assert_output --regexp "sent SIGKILL to 3 processes: [0-9]+ \(sh\), [0-9]+ \(sleep\), [0-9]+ \(sleep\)$"
}

@test "-t 0 never escalates: tend waits for the child to finish" {
	start_tend_pid1 -t 0 -- sh -c 'trap "echo got TERM" TERM; echo up; sleep 1.5 & wait; sleep 1; echo done'
	wait_line "$BATS_TEST_TMPDIR/bg.out" up
	kill -TERM "$TEND_PID"
	wait_exit "$UNSHARE_PID" 10
	assert_equal "$STATUS" 0
	run cat "$BATS_TEST_TMPDIR/bg.out"
	assert_output "$(printf 'up\ngot TERM\ndone')"
}

@test "a second SIGTERM during the grace does not extend it" {
	term_an_ignorer 2
	sleep 1.5
	kill -TERM "$TEND_PID"
	wait_exit "$UNSHARE_PID" 10
	assert_equal "$STATUS" 137
	# Extended, it would end 3.5 s in.
	run awk -v e="$(elapsed_since "$START")" 'BEGIN { exit !(e < 3) }'
	assert_success
}

@test "not as PID 1, the grace kills the child's tree but not a stranger" {
	start_bg sleep 60
	local stranger=$BG_PID
	start_tend_plain -t 0.3 -- sh -c 'trap "" TERM; sleep 100 & echo up; wait'
	wait_line "$BATS_TEST_TMPDIR/bg.out" up
	kill -TERM "$TEND_PID"
	wait_exit "$TEND_PID" 10
	assert_equal "$STATUS" 137
	run kill -0 "$stranger"
	assert_success
}
