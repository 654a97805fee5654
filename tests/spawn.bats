#!/usr/bin/env bats
# COMMAND starts in its own process group with the signal mask and
# dispositions tend was started with; tend then sits in / and holds no
# descriptor it inherited; the child keeps them all.

load helper

# Lines "SigBlk: ..." and "SigIgn: ..." of a process started, through exec,
# from a python3 that blocked USR2 and ignored HUP first (as nohup does).
signal_lines_of() {
	python3 -c '
import os, signal, sys
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR2, signal.SIGRTMIN})
signal.signal(signal.SIGHUP, signal.SIG_IGN)
os.execvp(sys.argv[1], sys.argv[1:])' "$@" | grep -E '^Sig(Blk|Ign):'
}

@test "the child gets exactly the signal mask and ignored set tend was started with" {
	local expected
	expected=$(signal_lines_of cat /proc/self/status)
	run signal_lines_of "$TEND" -- cat /proc/self/status
	assert_success
	assert_output "$expected"
	# And the check can tell: USR2 (bit 11) and SIGRTMIN (bit 33) blocked,
	# HUP (bit 0) ignored, whatever else the caller's shell ignores.
	local blocked ignored
	blocked=$(awk '/^SigBlk/ { print $2 }' <<<"$expected")
	ignored=$(awk '/^SigIgn/ { print $2 }' <<<"$expected")
	(( (0x$blocked & 0x200000800) == 0x200000800 ))
	(( 0x$ignored & 0x1 ))
}

@test "as PID 1 too, the child's mask and ignored set are the caller's" {
	run tend_as_pid1 -- sh -c 'grep -E "^Sig(Blk|Ign):" /proc/$$/status'
	assert_success
	assert_line "SigBlk:	0000000000000000"
}

@test "the child leads its own process group, apart from tend's" {
	run tend_plain -- sh -c 'echo "$$ $(cut -d" " -f5 /proc/$$/stat) $(cut -d" " -f5 /proc/$PPID/stat)"'
	assert_success
	read -r pid pgrp tend_pgrp <<<"$output"
	assert_equal "$pgrp" "$pid"
	[ "$tend_pgrp" != "$pgrp" ]
}

@test "tend moves to / and closes what it inherited; the child keeps it" {
	local dir=$BATS_TEST_TMPDIR/work
	mkdir -p "$dir"
	cd "$dir"
	start_tend_plain -- sh -c 'pwd; ls /proc/$$/fd | sort -n | tr "\n" " "; echo; exec sleep 60' 7<"$BATS_TEST_FILENAME"
	wait_for 5 test -s "$BATS_TEST_TMPDIR/bg.out"
	wait_for 5 cwd_is "$TEND_PID" /
	run cat "$BATS_TEST_TMPDIR/bg.out"
	assert_line "$dir"
	assert_line --partial " 7 "
	run ls /proc/$TEND_PID/fd
	assert_output "$(printf '0\n1\n2')"
}

@test "the child has the caller's descriptors, and no descriptor of tend's own" {
	# No pipeline in sh: its pipes would show up in the list while ls runs.
	exec 7<"$BATS_TEST_FILENAME"
	run timeout 5 sh -c 'ls /proc/$$/fd'
	local expected=$output
	assert_line 7
	run tend_plain -- sh -c 'ls /proc/$$/fd'
	exec 7<&-
	assert_success
	assert_output "$expected"
}

@test "options stop at the first non-option: tend sh -c 'echo hi' needs no --" {
	run tend_plain sh -c 'echo hi'
	assert_success
	assert_output "hi"
	run tend_plain -t 1 sh -c 'echo "$0 $1"' -t x
	assert_output "-t x"
}

@test "LISTEN_PID naming tend is rewritten to the child's PID, any other is kept" {
	run "$TEND" -- sh -c 'echo "$LISTEN_PID $$"' 
	assert_success
	# Unset: stays unset.
	assert_output --regexp "^ [0-9]+$"
	run bash -c 'export LISTEN_PID=$$ LISTEN_FDS=1; exec "$1" -- sh -c "echo \$LISTEN_PID \$\$"' bash "$TEND"
	read -r listen child <<<"$output"
	assert_equal "$listen" "$child"
	LISTEN_PID=1 run "$TEND" -- sh -c 'echo "$LISTEN_PID"'
	assert_output 1
}

@test "the child's environment is the caller's, unchanged" {
	env | sort > "$BATS_TEST_TMPDIR/expected"
	run "$TEND" -- env
	assert_success
	# Only bash's "_" (the last command run) may differ.
	assert_equal "$(grep -v '^_=' <<<"$output" | sort)" "$(grep -v '^_=' "$BATS_TEST_TMPDIR/expected")"
}

@test "a script without #! and 100 000 arguments: the child's stack has room for execvpe" {
	local script=$BATS_TEST_TMPDIR/no-shebang
	echo 'echo "$# arguments"' >"$script"
	chmod +x "$script"
	run tend_plain "$script" $(seq 100000)
	# musl refuses a file without #! (126); glibc (the sanitizer build)
	# runs it with /bin/sh and copies the arguments to the child's stack.
	if [ "$status" -eq 126 ]; then
		assert_output "tend: cannot run '$script': Exec format error"
	else
		assert_success
		assert_output "100000 arguments"
	fi
}
