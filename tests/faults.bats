#!/usr/bin/env bats
# Faults: tend keeps its promises when the system does not cooperate —
# fork fails, stdio is gone, /proc is missing, no root, a stopped child.

load helper

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --)

# As a non-root user with a limit of one process: tend's own fork fails.
@test "when fork fails, tend says why in one line, exits 125 and starts nothing" {
	local dir
	dir=$(open_tmpdir)
	run timeout -k 2 20 "${NOBODY[@]}" prlimit --nproc=1 -- "$TEND" -- touch "$dir/ran"
	assert_equal "$status" 125
	assert_output --regexp "^tend: cannot start 'touch': fork: [A-Za-z ]+$"
	[ ! -e "$dir/ran" ]
}

@test "when fork fails as PID 1, tend exits 125 and starts nothing" {
	local dir
	dir=$(open_tmpdir)
	run timeout -k 2 20 unshare -pf --mount-proc "${NOBODY[@]}" prlimit --nproc=1 -- \
		"$TEND" -- touch "$dir/ran"
	assert_equal "$status" 125
	assert_output --regexp "^tend: cannot start 'touch': fork: [A-Za-z ]+$"
	[ ! -e "$dir/ran" ]
}

@test "with stdout and stderr closed, tend forwards, reaps and reports the exit status" {
	local record=$BATS_TEST_TMPDIR/record
	# -vv and -w make tend write a line on every event, each one to a closed fd.
	"${UNSHARE_PID1[@]}" "$TEND" -vv -w -- "$HELPERS/sigrecord" -x TERM "$record" >&- 2>&- &
	UNSHARE_PID=$!
	STARTED_PIDS+=("$UNSHARE_PID")
	wait_line "$record"
	TEND_PID=$(child_of "$UNSHARE_PID")
	"$HELPERS/orphans" 20 >/dev/null
	kill -USR1 "$TEND_PID"
	wait_line "$record" USR1
	kill -TERM "$TEND_PID"
	wait_exit "$UNSHARE_PID" 10
	assert_equal "$STATUS" 143
	run cat "$record"
	assert_output "$(printf 'ready\nUSR1\nTERM')"
}

# tend's own log line to a broken pipe raises SIGPIPE on tend: it must not
# reach the child (it would kill it), nor loop as one forward logs the next.
@test "with stderr a broken pipe, the child gets no SIGPIPE and tend keeps forwarding" {
	local record=$BATS_TEST_TMPDIR/record fifo=$BATS_TEST_TMPDIR/fifo both writer
	mkfifo "$fifo"
	# Open both ends, keep only the writing one: a pipe nobody reads.
	exec {both}<>"$fifo" {writer}>"$fifo" {both}<&-
	"$TEND" -vv -w -- "$HELPERS/sigrecord" -x TERM "$record" >/dev/null 2>&"$writer" &
	TEND_PID=$!
	STARTED_PIDS+=("$TEND_PID")
	exec {writer}>&-
	wait_line "$record"
	kill -USR1 "$TEND_PID"
	wait_line "$record" USR1
	kill -HUP "$TEND_PID"
	wait_line "$record" HUP
	kill -TERM "$TEND_PID"
	wait_exit "$TEND_PID" 10
	assert_equal "$STATUS" 143
	run cat "$record"
	assert_output "$(printf 'ready\nUSR1\nHUP\nTERM')"
}

# tend with ARGS where /proc is not mounted: in a mount namespace of its
# own (with UNSHARE_FLAGS, e.g. -pf for a PID namespace) /proc is unmounted.
tend_without_proc() {
	timeout -k 2 30 unshare -m ${UNSHARE_FLAGS:-} sh -c 'umount -l /proc && exec "$@"' sh "$TEND" "$@"
}

# Without /proc there is no census: as PID 1, kill(-1) needs none.
@test "as PID 1 without /proc, tend reaps orphans and still kills leftovers at the grace" {
	UNSHARE_FLAGS=-pf run tend_without_proc -t 1 -- sh -c '
			[ -e /proc/self ] && exit 99
			"$1" 50 >/dev/null || exit 98
			trap "" TERM
			sleep 100 &
			exit 7' sh "$HELPERS/orphans"
	assert_equal "$status" 7
	assert_line --regexp '^tend: grace period of 1s expired: sent SIGKILL'
}

@test "not as PID 1 and without /proc, the grace kill still reaches the child's group" {
	run tend_without_proc -t 1 -- sh -c '
			[ -e /proc/self ] && exit 99
			trap "" TERM
			sleep 100 &
			kill -TERM $PPID
			wait'
	assert_equal "$status" 137
	assert_line --regexp '^tend: grace period of 1s expired: sent SIGKILL'
}

# The group outlives its leader: after the main child is gone, the group is
# still the one thing tend can reach without /proc.
@test "not as PID 1 and without /proc, what the main child leaves in its group is killed at the grace" {
	run tend_without_proc -t 1 -- sh -c '
			[ -e /proc/self ] && exit 99
			trap "" TERM
			sleep 100 &
			exit 3'
	assert_equal "$status" 3
	assert_line --regexp '^tend: grace period of 1s expired: sent SIGKILL'
}

@test "as a non-root user, tend forwards signals, reaps orphans and passes the exit status" {
	local dir
	dir=$(open_tmpdir)
	start_bg "${NOBODY[@]}" "$TEND" -w -- sh -c '
		trap "echo USR1 >>\"$1/record\"" USR1
		"$2" 10 >/dev/null
		echo ready >>"$1/record"
		while [ ! -e "$1/stop" ]; do sleep 0.05; done
		exit 3' sh "$dir" "$HELPERS/orphans"
	TEND_PID=$BG_PID
	wait_line "$dir/record"
	assert_equal "$(stat -c %u /proc/"$TEND_PID")" 65534
	kill -USR1 "$TEND_PID"
	wait_line "$dir/record" USR1
	touch "$dir/stop"
	wait_exit "$TEND_PID" 10
	assert_equal "$STATUS" 3
	run grep -c 'Reaped zombie process' "$BATS_TEST_TMPDIR/bg.err"
	assert_output 10
}

@test "as a non-root user in a user namespace, tend as PID 1 kills leftovers at the grace" {
	run timeout -k 2 30 "${NOBODY[@]}" unshare -Urpf --mount-proc "$TEND" -t 1 -- sh -c '
		trap "" TERM
		sleep 100 &
		kill -TERM $PPID
		wait'
	assert_equal "$status" 137
	assert_line --regexp '^tend: grace period of 1s expired: sent SIGKILL to 2 processes'
}

@test "a child stopped when the grace expires is still killed and reaped, as PID 1" {
	run tend_as_pid1 -t 1 -- sh -c '
		trap "" TERM
		sh -c "kill -STOP \$\$" &
		kill -TERM $PPID
		kill -STOP $$'
	assert_equal "$status" 137
	assert_line --regexp '^tend: grace period of 1s expired: sent SIGKILL to 2 processes'
}

@test "a child stopped when the grace expires is still killed and reaped, not as PID 1" {
	run tend_plain -t 1 -- sh -c '
		trap "" TERM
		sh -c "kill -STOP \$\$" &
		kill -TERM $PPID
		kill -STOP $$'
	assert_equal "$status" 137
	assert_line --regexp '^tend: grace period of 1s expired: sent SIGKILL to 2 processes'
}
