#!/usr/bin/env bats
# The command line: --help, --version in tend's and tini's forms, -P pause
# mode, -T run deadline, -v logging, -p parent-death signal.

load helper

@test "--help lists every option and every environment variable" {
	run "$TEND" --help
	assert_success
	for option in -t --grace -c --single-child -g -r --rewrite -s --subreaper \
		-p --pdeath -e --remap-exit -D --stop-delay -T --timeout -P --pause -L --line-buffered \
		--preload -d --detach --log --pid-file --status-file --wait \
		-w --warn-on-reap -v --verbose -l --license -h --help -V --version; do
		assert_output --regexp "(^|[ ,])$option([ ,=]|$)"
	done
	for variable in TEND_GRACE TEND_SINGLE_CHILD DUMB_INIT_SETSID TINI_KILL_PROCESS_GROUP \
		TEND_REWRITE TEND_SUBREAPER TINI_SUBREAPER TEND_PDEATH TEND_REMAP_EXIT \
		TEND_STOP_DELAY TEND_TIMEOUT TEND_LINE_BUFFERED TEND_PRELOAD TEND_WARN_ON_REAP TEND_VERBOSITY \
		TINI_VERBOSITY DUMB_INIT_DEBUG TEND_DETACH TEND_LOG TEND_PID_FILE TEND_STATUS_FILE; do
		assert_output --partial "$variable"
	done
	run "$TEND" -h
	assert_success
	assert_line --index 0 "Usage: tend [OPTIONS] [--] COMMAND [ARG...]"
}

@test "--version prints tend's version and commit on stdout" {
	run --separate-stderr "$TEND" --version
	assert_success
	assert_output --regexp '^tend version [0-9]+\.[0-9]+\.[0-9]+ - git\.[0-9a-f]{7}$|^tend version [0-9.]+ - git\.unknown$'
	assert_equal "$stderr" ""
	run "$TEND" -V
	assert_output --regexp '^tend version '
}

@test "invoked as docker-init or tini, --version answers in tini's form for Docker" {
	ln -s "$(readlink -f "$TEND")" "$BATS_TEST_TMPDIR/docker-init"
	ln -s "$(readlink -f "$TEND")" "$BATS_TEST_TMPDIR/tini"
	run "$BATS_TEST_TMPDIR/docker-init" --version
	assert_output --regexp '^tini version [0-9]+\.[0-9]+\.[0-9]+_tend - git\.[0-9a-z]+$'
	run "$BATS_TEST_TMPDIR/tini" --version
	assert_output --regexp '^tini version [0-9.]+_tend - git\.'
}

@test "-l shows the license" {
	run "$TEND" -l
	assert_success
	assert_line "MIT License"
}

@test "-P pauses with no child, reaps orphans, and exits 0 on SIGTERM" {
	start_tend_pid1 -P
	wait_for 5 state_is "$TEND_PID" S
	# An orphan in its namespace is reaped: enter it and leave one behind.
	nsenter -t "$TEND_PID" -p -- sh -c 'sleep 0.2 &' 
	sleep 0.6
	run sh -c "cat /proc/$TEND_PID/task/*/children"
	assert_output ""
	kill -TERM "$TEND_PID"
	wait_exit "$UNSHARE_PID" 5
	assert_equal "$STATUS" 0
}

@test "-P exits 0 on SIGINT, and ignores other signals" {
	start_tend_plain -P
	wait_for 5 state_is "$TEND_PID" S
	kill -HUP "$TEND_PID"
	kill -USR1 "$TEND_PID"
	sleep 0.3
	run kill -0 "$TEND_PID"
	assert_success
	kill -INT "$TEND_PID"
	wait_exit "$TEND_PID" 5
	assert_equal "$STATUS" 0
}

@test "-P with a COMMAND is a usage error" {
	run "$TEND" -P sleep 1
	assert_failure 125
	assert_output "tend: --pause takes no COMMAND (got 'sleep') (see 'tend --help')"
}

@test "-T stops the child as SIGTERM would and exits 124" {
	REC=$BATS_TEST_TMPDIR/rec
	run tend_as_pid1 -T 0.5 -- "$HELPERS/sigrecord" -x TERM "$REC"
	assert_failure 124
	assert_output "tend: --timeout expired: stopping '$HELPERS/sigrecord'"
	run grep -x TERM "$REC"
	assert_success
}

@test "-T gives the grace, then SIGKILLs a child that ignores SIGTERM; still 124" {
	TEND_TIMEOUT=0.3 run tend_as_pid1 -t 0.3 -- sh -c 'trap "" TERM; sleep 30'
	assert_failure 124
	assert_line --partial "grace period of 0.3s expired"
}

@test "a child that finishes before -T keeps its own status" {
	run tend_as_pid1 -T 30 -- sh -c 'exit 3'
	assert_failure 3
}

@test "-v says what tend does; the default is silent" {
	run tend_as_pid1 -v -- true
	assert_success
	assert_line --regexp "^tend: started 'true' as pid [0-9]+$"
	assert_line --regexp "^tend: main child [0-9]+ exited with status 0$"
	run tend_as_pid1 -- true
	assert_output ""
	TEND_VERBOSITY=1 run tend_as_pid1 -- true
	assert_line --partial "started 'true'"
	DUMB_INIT_DEBUG=1 run tend_as_pid1 -- true
	assert_line --partial "started 'true'"
	TINI_VERBOSITY=2 run tend_as_pid1 -- true
	assert_line --partial "started 'true'"
}

@test "-vv logs each signal forwarded" {
	start_tend_pid1 -vv -- sleep 30
	wait_for 5 has_child "$TEND_PID"
	kill -USR1 "$TEND_PID"
	wait_for 5 grep -q "forwarding SIGUSR1 to process group" "$BATS_TEST_TMPDIR/bg.err"
}

@test "-p sets the signal tend gets when its parent dies" {
	# The parent, a sh, dies; tend gets SIGTERM and passes it on.
	local rec=$BATS_TEST_TMPDIR/rec
	start_bg sh -c '"$1" -p SIGTERM -- "$2" -x TERM "$3" & echo $! > "$4"; sleep 0.5' sh \
		"$TEND" "$HELPERS/sigrecord" "$rec" "$BATS_TEST_TMPDIR/tend.pid"
	wait_line "$rec"
	STARTED_PIDS+=("$(cat "$BATS_TEST_TMPDIR/tend.pid")")
	wait_line "$rec" TERM 5
}

@test "-s, -g and TINI_SUBREAPER are accepted" {
	run tend_plain -s -g -- true
	assert_success
	TINI_SUBREAPER= TINI_KILL_PROCESS_GROUP=1 run tend_plain -- true
	assert_success
}

@test "-T after the main child exited on its own does not change its status" {
	run tend_plain -t 0 -T 0.5 -- sh -c '(trap "" TERM; sleep 1.5) & exit 3'
	assert_failure 3
}
