#!/usr/bin/env bats
# tend reaps every process reparented to it, at once, and never leaves a zombie.

load helper

# Inside the namespace: make orphans, then wait (up to 10 s) for the zombie
# count in /proc to reach zero, and print it.
ORPHANS_THEN_COUNT='
	"$1" "$2" 2 >/dev/null || exit 1
	for i in $(seq 500); do
		z=$(cat /proc/[0-9]*/stat 2>/dev/null | grep -c ") Z ")
		[ "$z" -eq 0 ] && break
		sleep 0.02
	done
	echo "zombies=$z"
'

@test "as PID 1, thousands of double-forked orphans leave zero zombies" {
	LIMIT=120 run tend_as_pid1 -- sh -c "$ORPHANS_THEN_COUNT" sh "$HELPERS/orphans" 2000
	assert_success
	assert_output "zombies=0"
}

@test "as a subreaper (not PID 1), orphans of its tree are reaped too" {
	emulator_cannot "$EMULATOR_NO_SUBREAPER"
	start_tend_plain -- sh -c "$HELPERS/orphans 2000 1 >/dev/null; echo made; exec sleep 120"
	wait_line "$BATS_TEST_TMPDIR/bg.out" made 100
	wait_for 10 no_zombies_under "$TEND_PID"
	# Every orphan came to tend: none was left to the host's init.
	run descendants_of "$TEND_PID"
	assert_equal "${#lines[@]}" 1
}

@test "a zombie that exists before anyone notices is reaped when its parent dies" {
	# The child exits at once but its parent (the sh) never waits for it,
	# then the parent execs a long sleep: the zombie belongs to the sleep.
	# When the sleep is killed, tend inherits the zombie and must reap it.
	run tend_as_pid1 -- sh -c '
		sh -c "(true &) ; sleep 0.2" &
		wait
		sleep 0.3
		z=$(cat /proc/[0-9]*/stat 2>/dev/null | grep -c ") Z ")
		echo "zombies=$z"'
	assert_success
	assert_output "zombies=0"
}

@test "-w logs each orphan reaped in tini's wording" {
	run tend_as_pid1 -w -- sh -c '(sleep 0.1 &) ; sleep 0.5'
	assert_success
	assert_output --regexp "^tend: Reaped zombie process with pid=[0-9]+$"
}

@test "TEND_WARN_ON_REAP=1 means -w; without it tend is silent" {
	TEND_WARN_ON_REAP=1 run tend_as_pid1 -- sh -c '(sleep 0.1 &) ; sleep 0.5'
	assert_output --partial "Reaped zombie process with pid="
	run tend_as_pid1 -- sh -c '(sleep 0.1 &) ; sleep 0.5'
	assert_output ""
}

@test "tend notices the main child's exit even when its SIGCHLD coalesces with thousands of others" {
	# The main child exits in the middle of an orphan storm.
	run tend_as_pid1 -- sh -c '"$1" 2000 5 >/dev/null & exit 7' sh "$HELPERS/orphans"
	assert_failure 7
}
