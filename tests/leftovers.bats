#!/usr/bin/env bats
# When the main child exits on its own, what it leaves behind gets SIGTERM,
# then SIGCONT, then SIGKILL after the grace; all is reaped, and tend exits
# with the main child's status.

load helper

@test "a background job and a setsid daemon get SIGTERM when the main child exits" {
	run tend_as_pid1 -- sh -c '
		sh -c "trap \"echo job got TERM; exit 0\" TERM; sleep 100 & wait" &
		setsid sh -c "trap \"echo daemon got TERM; exit 0\" TERM; sleep 100 & wait" &
		sleep 0.3
		exit 3'
	assert_failure 3
	assert_line "job got TERM"
	assert_line "daemon got TERM"
}

@test "leftovers that ignore SIGTERM are killed after the grace, and tend still exits with the main status" {
	run tend_as_pid1 -t 0.5 -- sh -c '
		setsid sh -c "trap \"\" TERM; sleep 100" &
		sleep 0.3
		exit 4'
	assert_failure 4
	assert_output --regexp "grace period of 0.5s expired: sent SIGKILL to [0-9] process"
}

@test "a stopped leftover gets SIGCONT after SIGTERM, so it can act on it" {
	run tend_as_pid1 -t 5 -- sh -c '
		sh -c "trap \"echo stopped one got TERM; exit 0\" TERM; sleep 100 & wait" &
		sleep 0.3
		kill -STOP $!
		exit 0'
	assert_success
	assert_output "stopped one got TERM"
}

@test "tend does not sleep out the grace when the leftovers exit at once" {
	local start=$EPOCHREALTIME
	run tend_as_pid1 -t 30 -- sh -c 'sleep 100 & exit 0'
	assert_success
	run awk -v s="$start" -v n="$EPOCHREALTIME" 'BEGIN { exit !(n - s < 10) }'
	assert_success
}

@test "not as PID 1, leftovers of the tree are cleaned up and every zombie reaped" {
	emulator_cannot "$EMULATOR_NO_SUBREAPER"
	start_tend_plain -t 0.5 -- sh -c '
		setsid sh -c "trap \"\" TERM; exec sleep 100" &
		sleep 100 &
		echo up; sleep 0.3; exit 6'
	wait_exit "$TEND_PID" 10
	assert_equal "$STATUS" 6
	run cat "$BATS_TEST_TMPDIR/bg.err"
	assert_output --regexp "sent SIGKILL to 1 process: [0-9]+ \(sleep\)"
}

@test "not as PID 1, a process outside tend's tree survives the cleanup" {
	emulator_cannot "$EMULATOR_NO_SUBREAPER"
	start_bg sh -c 'trap "" TERM; exec sleep 60'
	local stranger=$BG_PID
	run tend_plain -t 0.3 -- sh -c 'setsid sleep 100 & sleep 0.2; exit 0'
	assert_success
	run kill -0 "$stranger"
	assert_success
	assert_equal "$(state_of "$stranger")" S
}

@test "with -c and not as PID 1, a daemon the script started keeps running" {
	local pidfile=$BATS_TEST_TMPDIR/daemon.pid
	run tend_plain -c -- sh -c 'setsid sleep 60 >/dev/null 2>&1 & echo $! > "$1"; exit 0' sh "$pidfile"
	assert_success
	local daemon=$(cat "$pidfile")
	STARTED_PIDS+=("$daemon")
	run kill -0 "$daemon"
	assert_success
}

@test "with -c as PID 1, leftovers still get SIGTERM: the kernel would kill them anyway" {
	run tend_as_pid1 -c -- sh -c '
		setsid sh -c "trap \"echo daemon got TERM; exit 0\" TERM; sleep 100 & wait" &
		sleep 0.3; exit 0'
	assert_success
	assert_output "daemon got TERM"
}

@test "after a stop signal, the main child's exit adds no signal for the rest of its group" {
	local rec=$BATS_TEST_TMPDIR/rec
	start_tend_pid1 -t 1 -- sh -c '"$1" "$2" & trap "exit 0" TERM; while :; do sleep 0.1; done' \
		sh "$HELPERS/sigrecord" "$rec"
	wait_line "$rec"
	kill -TERM "$TEND_PID"
	wait_exit "$UNSHARE_PID" 10
	run grep -v ready "$rec"
	assert_output "TERM"
}
