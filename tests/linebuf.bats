#!/usr/bin/env bats
# -L: the child's stdout reaches a pipe line by line, for glibc, musl and
# Python programs and their children, and nothing is lost on SIGKILL.
#
# No timing: the ticker workload stops itself (SIGSTOP) after each line, and
# the tests look at what already reached the pipe while it is stopped.

bats_require_minimum_version 1.5.0
load helper

HELPER_SO=$BATS_TEST_DIRNAME/../tend-linebuf.so
PIPED=$BATS_TEST_TMPDIR/piped

# What the caller's environment may hold would change what -L does.
setup() {
	unset LD_PRELOAD PYTHONUNBUFFERED TEND_LINE_BUFFERED TEND_PRELOAD
}

# A workload that a failed test leaves stopped would outlive tend and hold
# the pipe open: its whole tree goes first, then helper.bash's teardown.
eval "helper_$(declare -f teardown)"
teardown() {
	local pid
	for pid in $(descendants_of "${TEND_PID:-0}"); do
		kill -KILL "$pid" 2>/dev/null || true
	done
	helper_teardown
}

# Start tend ARGS... with its stdout into a pipe that cat copies to $PIPED
# as the bytes arrive; sets CAT_PID and TEND_PID.
start_piped() {
	mkfifo "$BATS_TEST_TMPDIR/pipe"
	OUT=$PIPED ERR=$BATS_TEST_TMPDIR/cat.err start_bg cat "$BATS_TEST_TMPDIR/pipe"
	CAT_PID=$BG_PID
	OUT=$BATS_TEST_TMPDIR/pipe start_tend_plain "$@"
}

# A descendant of tend that stopped itself; sets STOPPED_PID.
find_stopped() {
	local pid
	for pid in $(descendants_of "$TEND_PID"); do
		if [ "$(state_of "$pid")" = T ]; then
			STOPPED_PID=$pid
			return 0
		fi
	done
	return 1
}

# Every wait here is generous: other suites run orphan storms on the same
# two cores, and a wait costs nothing once its event has happened.
wait_stopped() {
	wait_for 20 find_stopped
}

piped_has() {
	file_has_line "$PIPED" "$1"
}

# Both tend and cat end; the pipe carried exactly LINES, in order.
finish_piped() {
	wait_exit "$TEND_PID" 30
	assert_equal "$STATUS" 0
	wait_exit "$CAT_PID" 30
	assert_equal "$(cat "$PIPED")" "$(printf '%s\n' "$@")"
}

# Each of COUNT-1 stops: the line just printed is already in the pipe.
expect_each_line_at_once() {
	local count=$1 i
	for ((i = 1; i < count; i++)); do
		wait_stopped
		wait_line "$PIPED" "tick $i" 20
		kill -CONT "$STOPPED_PID"
	done
}

@test "under -L a glibc program's lines reach a pipe as it prints them" {
	start_piped -L -- "$HELPERS/ticker" 3 stop
	expect_each_line_at_once 3
	finish_piped "tick 1" "tick 2" "tick 3"
}

# Lines FIRST..LAST are still held in the program's buffer each time it
# stops after printing one.
expect_held_back() {
	local i
	for i in $(seq "$1" "$2"); do
		wait_stopped
		refute piped_has "tick $i"
		kill -CONT "$STOPPED_PID"
	done
}

@test "without -L a glibc program's lines reach a pipe only when it exits" {
	start_piped -- "$HELPERS/ticker" 3 stop
	expect_held_back 1 2
	finish_piped "tick 1" "tick 2" "tick 3"
}

@test "under -L a dynamic musl program's lines reach a pipe as it prints them, with the same helper" {
	run readelf -l "$HELPERS/ticker-musl"
	assert_output --partial "[Requesting program interpreter: /lib/ld-musl-x86_64.so.1]"
	start_piped -L -- "$HELPERS/ticker-musl" 3 stop
	expect_each_line_at_once 3
	finish_piped "tick 1" "tick 2" "tick 3"
}

@test "without -L a dynamic musl program's lines after the first reach a pipe only when it exits" {
	# musl learns that stdout is no terminal while writing the first line.
	start_piped -- "$HELPERS/ticker-musl" 4 stop
	wait_stopped
	kill -CONT "$STOPPED_PID"
	expect_held_back 2 3
	finish_piped "tick 1" "tick 2" "tick 3" "tick 4"
}

PY_TICKER='
import os, signal
for i in range(1, 4):
    print("tick", i)
    if i < 3:
        os.kill(os.getpid(), signal.SIGSTOP)
'

@test "under -L a Python program's lines reach a pipe as it prints them" {
	start_piped -L -- /usr/bin/python3 -c "$PY_TICKER"
	expect_each_line_at_once 3
	finish_piped "tick 1" "tick 2" "tick 3"
}

@test "without -L a Python program's lines reach a pipe only when it exits" {
	start_piped -- /usr/bin/python3 -c "$PY_TICKER"
	expect_held_back 1 2
	finish_piped "tick 1" "tick 2" "tick 3"
}

@test "-L sets PYTHONUNBUFFERED=1 and keeps a value the user set" {
	run tend_plain -L -- sh -c 'echo "[${PYTHONUNBUFFERED-unset}]"'
	assert_output "[1]"
	PYTHONUNBUFFERED=custom run tend_plain -L -- sh -c 'echo "[${PYTHONUNBUFFERED-unset}]"'
	assert_output "[custom]"
	PYTHONUNBUFFERED= run tend_plain -L -- sh -c 'echo "[${PYTHONUNBUFFERED-unset}]"'
	assert_output "[]"
}

@test "as PID 1, -L loses no line of a child that ignores SIGTERM and is SIGKILLed after the grace" {
	OUT=$BATS_TEST_TMPDIR/log start_tend_pid1 -L -t 1 -- "$HELPERS/ticker" 200 hang
	wait_line "$BATS_TEST_TMPDIR/bg.err" ready 20
	kill -TERM "$TEND_PID"
	wait_exit "$UNSHARE_PID" 30
	assert_equal "$STATUS" 137
	assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/log")" 200
	assert_equal "$(tail -n 1 "$BATS_TEST_TMPDIR/log")" "tick 200"
}

@test "as PID 1 without -L, the lines of a child SIGKILLed after the grace are lost" {
	OUT=$BATS_TEST_TMPDIR/log start_tend_pid1 -t 1 -- "$HELPERS/ticker" 200 hang
	wait_line "$BATS_TEST_TMPDIR/bg.err" ready 20
	kill -TERM "$TEND_PID"
	wait_exit "$UNSHARE_PID" 30
	assert_equal "$STATUS" 137
	assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/log")" 0
}

@test "under -L a program started by the child's shell is line-buffered too" {
	start_piped -L -- sh -c '"$0" 3 stop; exit $?' "$HELPERS/ticker"
	wait_stopped
	refute [ "$STOPPED_PID" = "$(child_of "$TEND_PID")" ]
	expect_each_line_at_once 3
	finish_piped "tick 1" "tick 2" "tick 3"
}

@test "under -L a program started by Python's subprocess is line-buffered too" {
	start_piped -L -- python3 -c \
		'import subprocess, sys; sys.exit(subprocess.run(sys.argv[1:]).returncode)' \
		"$HELPERS/ticker" 3 stop
	wait_stopped
	refute [ "$STOPPED_PID" = "$(child_of "$TEND_PID")" ]
	expect_each_line_at_once 3
	finish_piped "tick 1" "tick 2" "tick 3"
}

@test "under -L stdout is line-buffered and stderr unbuffered" {
	OUT=$BATS_TEST_TMPDIR/out ERR=$BATS_TEST_TMPDIR/err start_tend_plain -L -- "$HELPERS/ticker" 1 partial
	wait_stopped
	# A partial line: unbuffered stderr has written it, line-buffered stdout has not.
	assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" "err:"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" ""
	kill -CONT "$STOPPED_PID"
	wait_exit "$TEND_PID" 30
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" "out:done"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" "err:done"
}

@test "under -L stdin keeps its buffer: the program's first read takes all that is there" {
	# A pipe that holds both lines and has no writer left. Unbuffered, fgets
	# would read byte by byte up to the newline, and cat would print "two".
	mkfifo "$BATS_TEST_TMPDIR/in"
	local writer reader
	exec {writer}<>"$BATS_TEST_TMPDIR/in" {reader}<"$BATS_TEST_TMPDIR/in"
	printf 'one\ntwo\n' >&"$writer"
	exec {writer}>&-
	run tend_plain -L -- sh -c '"$0" 1 readline; cat' "$HELPERS/ticker" <&"$reader"
	exec {reader}<&-
	assert_success
	assert_output "one"
}

@test "under -L a program that asks for full buffering with setvbuf gets it" {
	start_piped -L -- "$HELPERS/ticker" 2 setvbuf
	wait_stopped
	refute piped_has "tick 1"
	kill -CONT "$STOPPED_PID"
	finish_piped "tick 1" "tick 2"
}

@test "under -L stdout is line-buffered even when a library wrote to it before main" {
	start_piped -L -- "$HELPERS/ticker-banner" 3 stop
	wait_stopped
	wait_line "$PIPED" banner 20
	expect_each_line_at_once 3
	finish_piped banner "tick 1" "tick 2" "tick 3"
}

@test "a static program runs normally under -L" {
	run readelf -l "$HELPERS/ticker-static"
	refute_output --partial "interpreter"
	run --separate-stderr tend_plain -L -- "$HELPERS/ticker-static" 3 print
	assert_success
	assert_output "$(printf 'tick %s\n' 1 2 3)"
	assert_equal "$stderr" ""
}

@test "a missing helper is one tend warning and the child runs normally" {
	for program in ticker ticker-musl; do
		run --separate-stderr tend_plain -L --preload="$BATS_TEST_TMPDIR/missing.so" -- \
			"$HELPERS/$program" 2 print
		assert_success
		assert_output "$(printf 'tick %s\n' 1 2)"
		assert_equal "$stderr" "tend: -L: cannot use $BATS_TEST_TMPDIR/missing.so: No such file or directory; C programs keep their default buffering"
	done
}

@test "an unreadable or invalid helper is one tend warning and the child runs normally" {
	printf 'not a library\n' >"$BATS_TEST_TMPDIR/text.so"
	mkdir "$BATS_TEST_TMPDIR/dir.so"
	for helper in text.so dir.so; do
		run --separate-stderr tend_plain -L --preload="$BATS_TEST_TMPDIR/$helper" -- \
			"$HELPERS/ticker" 2 print
		assert_success
		assert_output "$(printf 'tick %s\n' 1 2)"
		assert_equal "${#stderr_lines[@]}" 1
		assert_regex "$stderr" "^tend: -L: cannot use $BATS_TEST_TMPDIR/$helper: (not an ELF shared library|Is a directory);"
	done
	# Root reads any file: a plain user meets one it may not read. Copies,
	# because the checkout may be in a directory that user cannot enter.
	local dir
	dir=$(open_tmpdir)
	cp "$TEND" "$HELPERS/ticker" "$dir/"
	install -m 000 "$HELPER_SO" "$dir/locked.so"
	run --separate-stderr timeout 10 setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$dir/tend" -L --preload="$dir/locked.so" -- "$dir/ticker" 2 print
	assert_success
	assert_output "$(printf 'tick %s\n' 1 2)"
	assert_equal "$stderr" "tend: -L: cannot use $dir/locked.so: Permission denied; C programs keep their default buffering"
}

@test "the helper has no DT_NEEDED entry" {
	run readelf -d "$HELPER_SO"
	assert_success
	assert_output --partial "(INIT_ARRAY)"
	refute_output --partial "(NEEDED)"
}

@test "the helper is found in PREFIX/lib/tend/ next to an installed PREFIX/bin/tend" {
	local prefix
	prefix=$(realpath "$BATS_TEST_TMPDIR")/usr/local
	mkdir -p "$prefix/bin" "$prefix/lib/tend"
	cp "$TEND" "$prefix/bin/tend"
	cp "$HELPER_SO" "$prefix/lib/tend/"
	run --separate-stderr timeout 10 "$prefix/bin/tend" -L -- printenv LD_PRELOAD
	assert_success
	assert_output "$prefix/lib/tend/tend-linebuf.so"
	assert_equal "$stderr" ""
}

@test "the helper is found beside a tend that is not installed, and its absence is one warning" {
	local dir
	dir=$(realpath "$BATS_TEST_TMPDIR")/build
	mkdir -p "$dir"
	cp "$TEND" "$dir/tend"
	run --separate-stderr timeout 10 "$dir/tend" -L -- "$HELPERS/ticker" 1 print
	assert_success
	assert_output "tick 1"
	assert_equal "$stderr" "tend: -L: no tend-linebuf.so in $(dirname "$dir")/lib/tend/ or $dir/ (see --preload, TEND_PRELOAD); C programs keep their default buffering"
	cp "$HELPER_SO" "$dir/"
	run --separate-stderr timeout 10 "$dir/tend" -L -- printenv LD_PRELOAD
	assert_output "$dir/tend-linebuf.so"
	assert_equal "$stderr" ""
}

@test "--preload and TEND_PRELOAD choose the helper, and the option wins" {
	cp "$HELPER_SO" "$BATS_TEST_TMPDIR/a.so"
	cp "$HELPER_SO" "$BATS_TEST_TMPDIR/b.so"
	TEND_PRELOAD=$BATS_TEST_TMPDIR/a.so run tend_plain -L -- printenv LD_PRELOAD
	assert_output "$BATS_TEST_TMPDIR/a.so"
	TEND_PRELOAD=$BATS_TEST_TMPDIR/a.so run tend_plain -L --preload="$BATS_TEST_TMPDIR/b.so" -- printenv LD_PRELOAD
	assert_output "$BATS_TEST_TMPDIR/b.so"
	run tend_plain -L --preload=relative.so -- true
	assert_equal "$status" 125
}

@test "TEND_LINE_BUFFERED=1 works as -L does" {
	TEND_LINE_BUFFERED=1 TEND_PRELOAD=$HELPER_SO run tend_plain -- sh -c 'echo "$LD_PRELOAD $PYTHONUNBUFFERED"'
	assert_output "$HELPER_SO 1"
}

@test "-L keeps the LD_PRELOAD entries already there and adds the helper once" {
	cp "$HELPER_SO" "$BATS_TEST_TMPDIR/other.so"
	LD_PRELOAD=$BATS_TEST_TMPDIR/other.so run tend_plain -L --preload="$HELPER_SO" -- printenv LD_PRELOAD
	assert_output "$BATS_TEST_TMPDIR/other.so $HELPER_SO"
	LD_PRELOAD="$HELPER_SO:$BATS_TEST_TMPDIR/other.so" run tend_plain -L --preload="$HELPER_SO" -- printenv LD_PRELOAD
	assert_output "$HELPER_SO:$BATS_TEST_TMPDIR/other.so"
}
