#!/usr/bin/env bats
# tend is a drop-in for tini 0.19 and dumb-init 1.2: the same scenario runs
# under Debian's tini and dumb-init and under tend, with each flag and
# variable they share, and the observable outcome must be the same: the exit
# status, and the signals the child and a grandchild in its process group
# record. Where tend differs on purpose, the test says so and shows both.
# suite: slow

load helper

setup() {
	RUNS=0
}

# The signals FILE recorded, in order, on one line ("" when none).
seen() {
	grep -v '^ready$' "$1" 2>/dev/null | paste -sd' ' || true
}

# Start INIT... (an init with its flags, up to where COMMAND goes) over a
# recorder with a grandchild in its process group, and wait until both are
# ready. Sets INIT_PID, REC. Both recorders exit on TERM or INT.
start_recorder() {
	RUNS=$((RUNS + 1))
	REC=$BATS_TEST_TMPDIR/rec.$RUNS
	OUT=$REC.out ERR=$REC.err start_bg "$@" "$HELPERS/sigrecord" -g -x TERM -x INT "$REC"
	INIT_PID=$BG_PID
	wait_line "$REC"
	wait_line "$REC.grandchild"
	# A grandchild the init leaves behind is stopped in teardown, by PID.
	STARTED_PIDS+=($(descendants_of "$INIT_PID"))
	GRANDCHILD_PID=${STARTED_PIDS[-1]}
}

# Send SIG... to the init, then wait for it to exit. Sets OUTCOME to
# "STATUS child:SIGNALS grandchild:SIGNALS" for one-line comparisons.
signal_outcome() {
	local sig
	for sig in "$@"; do
		kill -s "$sig" "$INIT_PID"
	done
	wait_exit "$INIT_PID" 10
	# A grandchild left running may still be handling its signal.
	sleep 0.2
	OUTCOME="$STATUS child:$(seen "$REC") grandchild:$(seen "$REC.grandchild")"
}

# The TERM scenario under INIT...: what `docker stop` does to an init.
term_outcome() {
	start_recorder "$@"
	signal_outcome TERM
}

@test "tini -g, TINI_KILL_PROCESS_GROUP and tend -g: SIGTERM reaches the child's whole process group" {
	term_outcome tini -g --
	assert_equal "$OUTCOME" "143 child:TERM grandchild:TERM"
	TINI_KILL_PROCESS_GROUP=1 term_outcome tini --
	assert_equal "$OUTCOME" "143 child:TERM grandchild:TERM"
	term_outcome "$TEND" -g --
	assert_equal "$OUTCOME" "143 child:TERM grandchild:TERM"
	TINI_KILL_PROCESS_GROUP=1 term_outcome "$TEND" --
	assert_equal "$OUTCOME" "143 child:TERM grandchild:TERM"
}

@test "tend differs on purpose: it forwards to the process group by default, plain tini to the child alone" {
	term_outcome tini --
	assert_equal "$OUTCOME" "143 child:TERM grandchild:"
	term_outcome "$TEND" --
	assert_equal "$OUTCOME" "143 child:TERM grandchild:TERM"
	# tini's default is tend's -c.
	term_outcome "$TEND" -c --
	assert_equal "$OUTCOME" "143 child:TERM grandchild:"
}

@test "dumb-init and tend forward to the process group by default" {
	term_outcome dumb-init
	assert_equal "$OUTCOME" "143 child:TERM grandchild:TERM"
	term_outcome "$TEND"
	assert_equal "$OUTCOME" "143 child:TERM grandchild:TERM"
}

@test "-c, --single-child and DUMB_INIT_SETSID=0 forward to the child alone and leave the grandchild running" {
	local init
	for init in dumb-init "$TEND"; do
		term_outcome "$init" -c
		assert_equal "$OUTCOME" "143 child:TERM grandchild:"
		term_outcome "$init" --single-child
		assert_equal "$OUTCOME" "143 child:TERM grandchild:"
		DUMB_INIT_SETSID=0 term_outcome "$init"
		assert_equal "$OUTCOME" "143 child:TERM grandchild:"
		# As in dumb-init, not as PID 1, -c touches the direct child only.
		kill -0 "$GRANDCHILD_PID"
	done
}

@test "-r and --rewrite with signal numbers: the child sees the rewritten signal" {
	local init
	for init in dumb-init "$TEND"; do
		term_outcome "$init" -r 15:2
		assert_equal "$OUTCOME" "130 child:INT grandchild:INT"
		term_outcome "$init" --rewrite 15:2
		assert_equal "$OUTCOME" "130 child:INT grandchild:INT"
		term_outcome "$init" --rewrite=15:2
		assert_equal "$OUTCOME" "130 child:INT grandchild:INT"
	done
}

@test "-r S:0 drops S, and -r repeats" {
	local init
	for init in dumb-init "$TEND"; do
		start_recorder "$init" -r 10:0 -r 12:1
		signal_outcome USR1 USR2 TERM
		assert_equal "$OUTCOME" "143 child:HUP TERM grandchild:HUP TERM"
	done
}

@test "tend differs on purpose: --rewrite also takes signal names, which dumb-init 1.2.5 rejects" {
	run dumb-init -r TERM:INT true
	assert_failure
	assert_output --partial "<signum>"
	term_outcome "$TEND" --rewrite SIGTERM:INT
	assert_equal "$OUTCOME" "130 child:INT grandchild:INT"
}

@test "the child's exit status passes through; death by signal N gives 128+N" {
	local init
	for init in "tini --" dumb-init "$TEND --"; do
		run $init sh -c 'exit 7'
		assert_equal "$status" 7
		run $init sh -c 'kill -USR1 $$'
		assert_equal "$status" 138
	done
}

@test "tini -e and tend -e remap the given exit codes to 0 and only those" {
	local init
	for init in tini "$TEND"; do
		run "$init" -e 3 -- sh -c 'exit 3'
		assert_equal "$status" 0
		run "$init" -e 3 -e 4 -- sh -c 'exit 4'
		assert_equal "$status" 0
		run "$init" -e 3 -- sh -c 'exit 5'
		assert_equal "$status" 5
	done
}

# A child that leaves an orphan and then records signals. Prints the
# orphan's parent PID once the child is ready; the init's PID is INIT_PID.
orphan_parent() {
	RUNS=$((RUNS + 1))
	REC=$BATS_TEST_TMPDIR/rec.$RUNS
	local orphan=$REC.orphan
	# The subshell starts sleep and exits: sleep goes to the nearest subreaper.
	OUT=$REC.out ERR=$REC.err start_bg "$@" sh -c \
		'(sleep 30 & echo $! >"$1"); exec "$2" -x TERM "$3"' \
		sh "$orphan" "$HELPERS/sigrecord" "$REC"
	INIT_PID=$BG_PID
	wait_line "$REC"
	STARTED_PIDS+=("$(cat "$orphan")")
	ORPHAN_PARENT=$(awk '/^PPid:/ { print $2 }' /proc/"$(cat "$orphan")"/status)
	kill -TERM "$INIT_PID"
	wait_exit "$INIT_PID" 10
}

@test "-s and TINI_SUBREAPER: orphans are reparented to the init when it is not PID 1" {
	orphan_parent tini -s --
	assert_equal "$ORPHAN_PARENT" "$INIT_PID"
	TINI_SUBREAPER=1 orphan_parent tini --
	assert_equal "$ORPHAN_PARENT" "$INIT_PID"
	orphan_parent "$TEND" -s --
	assert_equal "$ORPHAN_PARENT" "$INIT_PID"
	TINI_SUBREAPER=1 orphan_parent "$TEND" --
	assert_equal "$ORPHAN_PARENT" "$INIT_PID"
}

@test "tend differs on purpose: not as PID 1 it is a subreaper even without -s, tini is not" {
	orphan_parent tini --
	refute [ "$ORPHAN_PARENT" = "$INIT_PID" ]
	orphan_parent "$TEND" --
	assert_equal "$ORPHAN_PARENT" "$INIT_PID"
}

@test "-p SIGNAL: when the init's parent dies it gets SIGNAL and forwards it to the child" {
	local init parent
	for init in tini "$TEND"; do
		RUNS=$((RUNS + 1))
		REC=$BATS_TEST_TMPDIR/rec.$RUNS
		# sh is the init's parent; it waits until it is killed.
		start_bg sh -c '"$@" & wait' sh "$init" -p SIGTERM -- "$HELPERS/sigrecord" -x TERM "$REC"
		parent=$BG_PID
		wait_line "$REC"
		STARTED_PIDS+=($(descendants_of "$parent"))
		kill -KILL "$parent"
		wait_line "$REC" TERM
	done
}

@test "-v, --verbose, TINI_VERBOSITY=2 and DUMB_INIT_DEBUG=1 log the child's PID; the default does not" {
	local init pid=$BATS_TEST_TMPDIR/child.pid
	# tini logs its INFO lines on stdout; tend never writes to stdout.
	for init in "tini -v --" "env TINI_VERBOSITY=2 tini --" "dumb-init -v" "dumb-init --verbose" \
		"env DUMB_INIT_DEBUG=1 dumb-init" "$TEND -v --" "$TEND --verbose --" \
		"env TINI_VERBOSITY=2 $TEND --" "env DUMB_INIT_DEBUG=1 $TEND"; do
		run $init sh -c 'echo $$ >"$1"' sh "$pid"
		assert_success
		grep -qw -- "$(cat "$pid")" <<<"$output" || fail "'$init' did not log the child's PID: $output"
	done
	for init in "tini --" dumb-init "$TEND --"; do
		run $init sh -c 'echo $$ >"$1"' sh "$pid"
		! grep -qw -- "$(cat "$pid")" <<<"$output" || fail "'$init' logged the child's PID by default: $output"
	done
}

@test "-w logs each orphan reaped as 'Reaped zombie process with pid=N', as PID 1" {
	local init
	for init in tini "$TEND"; do
		run --separate-stderr timeout -k 2 20 "${UNSHARE_PID1[@]}" "$init" -w -- \
			sh -c '"$1" 3 >/dev/null; sleep 0.5' sh "$HELPERS/orphans"
		assert_success
		[ "$(grep -c 'Reaped zombie process with pid=[0-9]' <<<"$stderr")" -eq 3 ] ||
			fail "'$init -w' did not log 3 reaped orphans: $stderr"
	done
}

@test "-l shows the license and --version the version, with exit status 0" {
	local init
	for init in tini "$TEND"; do
		run --separate-stderr "$init" -l
		assert_success
		assert_output --partial "Permission is hereby granted"
		run --separate-stderr "$init" --version
		assert_success
		assert_output --regexp "^$(basename "$init") version [0-9]"
	done
}

@test "-V and --version print the version and exit 0; dumb-init on stderr, tend on stdout on purpose" {
	local flag
	for flag in -V --version; do
		run --separate-stderr dumb-init "$flag"
		assert_success
		assert_equal "$stderr" "dumb-init v1.2.5"
		run --separate-stderr "$TEND" "$flag"
		assert_success
		assert_output --regexp "^tend version [0-9]+\.[0-9]+\.[0-9]+ - git\."
	done
}

@test "tend differs on purpose: a child that ignores SIGTERM is SIGKILLed at the grace, tini and dumb-init wait forever" {
	local init
	for init in "tini -g --" dumb-init; do
		RUNS=$((RUNS + 1))
		REC=$BATS_TEST_TMPDIR/rec.$RUNS
		start_bg $init "$HELPERS/sigrecord" -i TERM "$REC"
		INIT_PID=$BG_PID
		wait_line "$REC"
		STARTED_PIDS+=($(descendants_of "$INIT_PID"))
		kill -TERM "$INIT_PID"
		sleep 1
		kill -0 "$INIT_PID" || fail "'$init' exited although its child ignores SIGTERM"
	done
	start_tend_plain -t 0.3 -- "$HELPERS/sigrecord" -i TERM "$BATS_TEST_TMPDIR/rec.tend"
	wait_line "$BATS_TEST_TMPDIR/rec.tend"
	kill -TERM "$TEND_PID"
	wait_exit "$TEND_PID" 5
	assert_equal "$STATUS" 137
}

@test "tend differs on purpose: when the main child exits, tini leaves its background process alone, dumb-init sends it SIGTERM, tend also SIGKILLs it after the grace" {
	local init bg
	# sh starts a recorder in the background and exits at once.
	for init in "tini --" dumb-init "$TEND -t 0.3 --"; do
		RUNS=$((RUNS + 1))
		REC=$BATS_TEST_TMPDIR/rec.$RUNS
		run timeout -k 2 10 $init sh -c \
			'"$1" "$2" >/dev/null 2>&1 & echo $! >"$2.pid"; until grep -q ready "$2"; do sleep 0.02; done' \
			sh "$HELPERS/sigrecord" "$REC"
		bg=$(cat "$REC.pid")
		STARTED_PIDS+=("$bg")
		assert_success
		case $init in
		tini*) sleep 0.3; assert_equal "$(seen "$REC")" ""; kill -0 "$bg" ;;
		dumb*) wait_line "$REC" TERM; sleep 0.3; assert_equal "$(seen "$REC")" "TERM"; kill -0 "$bg" ;;
		*) wait_for 5 not_running "$bg"; assert_equal "$(seen "$REC")" "TERM CONT" ;;
		esac
	done
}
