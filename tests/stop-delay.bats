#!/usr/bin/env bats
# -D, --stop-delay: the first stop signal from outside is held for the delay
# while the main child runs, then forwarded; other signals pass at once, a
# second stop signal or the main child's exit ends the delay at once.

load helper

setup() {
	REC=$BATS_TEST_TMPDIR/rec
	LOG=$BATS_TEST_TMPDIR/bg.err
}

# start_recorder pid1|plain [OPTIONS] -- WORKLOAD...: start tend with the
# workload, which gets REC as its last word, and wait until it is ready.
# Sets TEND_PID (where signals go) and EXIT_PID (whose status is tend's).
start_recorder() {
	local mode=$1
	shift
	"start_tend_$mode" "$@" "$REC"
	if [ "$mode" = pid1 ]; then EXIT_PID=$UNSHARE_PID; else EXIT_PID=$TEND_PID; fi
	wait_line "$REC"
}

# tend's stderr (-v) has a line containing TEXT.
logged() {
	grep -qF -- "$1" "$LOG"
}

# When the handler of SIG ran, from sigrecord -t (recording into FILE, by
# default REC): seconds since the epoch.
received_at() {
	awk -v sig="$1" '$1 == sig { print $2; exit }' "${2:-$REC}.time"
}

# FROM and TO are $EPOCHREALTIME stamps; TO - FROM lies in [LOW, HIGH] seconds.
elapsed_within() {
	awk -v from="$1" -v to="$2" -v low="$3" -v high="$4" \
		'BEGIN { d = to - from; printf "%.3f s\n", d; exit !(d >= low && d <= high) }'
}

held_for_the_delay() {
	start_recorder "$1" -D 1 -- "$HELPERS/sigrecord" -t -x TERM
	local sent=$EPOCHREALTIME
	kill -TERM "$TEND_PID"
	wait_line "$REC" TERM 10
	# No earlier than the delay after the send; the upper bound is for a loaded machine.
	run elapsed_within "$sent" "$(received_at TERM)" 1 4
	assert_success
	wait_exit "$EXIT_PID" 5
	assert_equal "$STATUS" 143
}

@test "as PID 1, SIGTERM reaches the child no earlier than the stop delay, and not much later" {
	held_for_the_delay pid1
}

@test "not as PID 1, SIGTERM reaches the child no earlier than the stop delay, and not much later" {
	held_for_the_delay plain
}

second_stop_hurries() {
	start_recorder "$1" -v -D 30 -- "$HELPERS/sigrecord" -t -x TERM
	kill -TERM "$TEND_PID"
	wait_for 5 logged "stop delay: holding SIGTERM for 30s"
	local second=$EPOCHREALTIME
	kill -TERM "$TEND_PID"
	wait_line "$REC" TERM 5
	# Held until the second one came, forwarded as soon as it did.
	run elapsed_within "$second" "$(received_at TERM)" 0 3
	assert_success
	wait_exit "$EXIT_PID" 5
	assert_equal "$STATUS" 143
	run logged "stop delay cut short by a second stop signal: forwarding SIGTERM"
	assert_success
}

@test "as PID 1, a second SIGTERM during the delay forwards the stop at once" {
	second_stop_hurries pid1
}

@test "not as PID 1, a second SIGTERM during the delay forwards the stop at once" {
	second_stop_hurries plain
}

@test "a second stop signal of another kind: the child gets the held one and the second" {
	start_recorder plain -v -D 30 -t 0.5 -- "$HELPERS/sigrecord" -t
	kill -TERM "$TEND_PID"
	wait_for 5 logged "stop delay: holding SIGTERM for 30s"
	kill -INT "$TEND_PID"
	wait_line "$REC" TERM 5
	wait_line "$REC" INT 5
	# The grace of -t 0.5 ends the recorder, which exits on neither.
	wait_exit "$EXIT_PID" 10
	assert_equal "$STATUS" 137
}

@test "USR1 during the delay is forwarded at once; the held SIGTERM keeps waiting" {
	start_recorder pid1 -v -D 2 -- "$HELPERS/sigrecord" -t -x TERM
	local term_sent=$EPOCHREALTIME
	kill -TERM "$TEND_PID"
	wait_for 5 logged "stop delay: holding SIGTERM"
	local usr1_sent=$EPOCHREALTIME
	kill -USR1 "$TEND_PID"
	wait_line "$REC" USR1 5
	wait_line "$REC" TERM 10
	run grep -v ready "$REC"
	assert_output "$(printf 'USR1\nTERM')"
	run elapsed_within "$usr1_sent" "$(received_at USR1)" 0 1.5
	assert_success
	run elapsed_within "$term_sent" "$(received_at TERM)" 2 5
	assert_success
	wait_exit "$EXIT_PID" 5
	assert_equal "$STATUS" 143
}

@test "the main child exiting during the delay gives its status at once, and its leftovers the usual SIGTERM" {
	# The main child exits 7 when the test creates REC.go; a recorder it started stays behind.
	start_recorder plain -v -D 30 -- sh -c '
		"$1" -x TERM "$2.leftover" &
		while ! grep -qx ready "$2.leftover" 2>/dev/null; do sleep 0.05; done
		echo ready >"$2"
		while [ ! -e "$2.go" ]; do sleep 0.05; done
		exit 7' sh "$HELPERS/sigrecord"
	kill -TERM "$TEND_PID"
	wait_for 5 logged "stop delay: holding SIGTERM"
	touch "$REC.go"
	wait_exit "$EXIT_PID" 5
	assert_equal "$STATUS" 7
	run grep -x TERM "$REC.leftover"
	assert_success
	run logged "stop delay ended: the main child exited"
	assert_success
}

@test "a stop signal after the main child has exited is forwarded to its leftovers at once" {
	# The leftover ignores the clean-up's SIGTERM, so the 30 s grace runs.
	start_recorder pid1 -v -D 30 -t 30 -- sh -c '
		"$1" -t -i TERM -x INT "$2.leftover" &
		while ! grep -qx ready "$2.leftover" 2>/dev/null; do sleep 0.05; done
		echo ready >"$2"
		exit 3' sh "$HELPERS/sigrecord"
	wait_for 5 logged "main child exited; sending SIGTERM to what it left behind"
	local sent=$EPOCHREALTIME
	kill -INT "$TEND_PID"
	wait_line "$REC.leftover" INT 5
	run elapsed_within "$sent" "$(received_at INT "$REC.leftover")" 0 3
	assert_success
	wait_exit "$EXIT_PID" 5
	assert_equal "$STATUS" 3
	run logged "holding"
	assert_failure
}

@test "a signal rewritten to a stop signal is held, and forwarded rewritten" {
	start_recorder plain -D 1 -r USR1:QUIT -- "$HELPERS/sigrecord" -t -x QUIT
	local sent=$EPOCHREALTIME
	kill -USR1 "$TEND_PID"
	wait_line "$REC" QUIT 10
	run elapsed_within "$sent" "$(received_at QUIT)" 1 4
	assert_success
	wait_exit "$EXIT_PID" 5
	assert_equal "$STATUS" 131
	run grep -x USR1 "$REC"
	assert_failure
}

@test "-D 0 forwards at once, and the option wins over TEND_STOP_DELAY" {
	TEND_STOP_DELAY=30 start_recorder plain -D 0 -- "$HELPERS/sigrecord" -t -x TERM
	local sent=$EPOCHREALTIME
	kill -TERM "$TEND_PID"
	wait_line "$REC" TERM 5
	run elapsed_within "$sent" "$(received_at TERM)" 0 3
	assert_success
	wait_exit "$EXIT_PID" 5
	assert_equal "$STATUS" 143
}

@test "TEND_STOP_DELAY sets the delay" {
	TEND_STOP_DELAY=1 start_recorder plain -- "$HELPERS/sigrecord" -t -x TERM
	local sent=$EPOCHREALTIME
	kill -TERM "$TEND_PID"
	wait_line "$REC" TERM 10
	run elapsed_within "$sent" "$(received_at TERM)" 1 4
	assert_success
}

@test "--timeout is tend's own decision: it is not delayed" {
	local started=$EPOCHREALTIME
	LIMIT=25 run tend_as_pid1 -D 30 -T 0.5 -- "$HELPERS/sigrecord" -x TERM "$REC"
	assert_failure 124
	assert_output "tend: --timeout expired: stopping '$HELPERS/sigrecord'"
	run elapsed_within "$started" "$EPOCHREALTIME" 0.5 10
	assert_success
	run grep -x TERM "$REC"
	assert_success
}

@test "a bad stop delay exits 125 with one line and starts nothing" {
	local ran=$BATS_TEST_TMPDIR/ran
	for bad in abc -1 1x ''; do
		run --separate-stderr tend_plain -D "$bad" -- touch "$ran"
		assert_failure 125
		assert_equal "$stderr" "tend: -D '$bad': not a number of seconds (see 'tend --help')"
	done
	run --separate-stderr tend_plain --stop-delay=-1 -- touch "$ran"
	assert_failure 125
	assert_equal "$stderr" "tend: --stop-delay '-1': not a number of seconds (see 'tend --help')"
	TEND_STOP_DELAY=x run --separate-stderr tend_plain -- touch "$ran"
	assert_failure 125
	assert_equal "$stderr" "tend: TEND_STOP_DELAY='x': not a number of seconds"
	[ ! -e "$ran" ]
}

# The context switches of PID so far.
switches_of() {
	awk '/ctxt_switches/ { n += $2 } END { print n }' /proc/"$1"/status
}

# From /proc/PID/syscall: the system call PID sleeps in and its third
# argument, which for rt_sigtimedwait is the timeout (0x0: none).
wait_call_of() {
	local nr a1 a2 timeout rest
	read -r nr a1 a2 timeout rest </proc/"$1"/syscall
	echo "$nr $timeout"
}

waits_with_timeout() {
	local call
	call=$(wait_call_of "$1")
	[ "${call#* }" != 0x0 ]
}

@test "with a stop delay configured, an idle tend sleeps with no timeout; the delay is a deadline of that one wait" {
	start_tend_plain -D 30 -- sleep 60
	wait_for 5 state_is "$TEND_PID" S
	wait_for 5 has_child "$TEND_PID"
	sleep 0.5
	local before=$(switches_of "$TEND_PID")
	sleep 3
	assert_equal "$(switches_of "$TEND_PID")" "$before"
	local idle=$(wait_call_of "$TEND_PID")
	assert_equal "${idle#* }" 0x0
	# The same call, now with a timeout: the delay, not a sleep nor a second loop.
	kill -TERM "$TEND_PID"
	wait_for 5 waits_with_timeout "$TEND_PID"
	local held=$(wait_call_of "$TEND_PID")
	assert_equal "${held%% *}" "${idle%% *}"
	assert_equal "$(state_of "$TEND_PID")" S
	# Still held: sleep, which dies of SIGTERM, runs on.
	has_child "$TEND_PID"
}
