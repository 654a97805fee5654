#!/usr/bin/env bats
# tend exits with the main child's status; 128+N if it died of signal N;
# 127/126 when COMMAND cannot run; 125, with one clear line on stderr and no
# child started, when tend itself fails.

load helper

@test "the child's exit code passes through, as PID 1 and not" {
	run tend_as_pid1 -- sh -c 'exit 42'
	assert_failure 42
	run tend_plain sh -c 'exit 3'
	assert_failure 3
	run tend_plain true
	assert_success
}

@test "a child killed by signal N makes tend exit 128+N" {
	run tend_as_pid1 -- sh -c 'kill -KILL $$'
	assert_failure 137
	run tend_plain sh -c 'kill -SEGV $$'
	assert_failure 139
}

@test "-e remaps an exit code to 0, and TEND_REMAP_EXIT takes a list" {
	run tend_plain -e 3 -- sh -c 'exit 3'
	assert_success
	run tend_plain -e 3 -- sh -c 'exit 4'
	assert_failure 4
	TEND_REMAP_EXIT=5,6 run tend_plain -e 3 -- sh -c 'exit 6'
	assert_success
	# A signal death is not an exit code: -e 143 does not hide a SIGTERM.
	run tend_plain -e 143 -- sh -c 'kill -TERM $$'
	assert_failure 143
}

@test "a command that does not exist: 127 and a line naming it" {
	run -127 tend_as_pid1 -- no-such-command-xyz arg
	assert_output "tend: cannot run 'no-such-command-xyz': command not found"
	run -127 tend_plain ./no/such/file
	drop_emulator_warning
	assert_output "tend: cannot run './no/such/file': No such file or directory"
}

@test "a command that is not executable: 126 and the reason" {
	local file=$BATS_TEST_TMPDIR/not-executable
	echo 'echo hi' > "$file"
	chmod 644 "$file"
	run -126 tend_plain "$file"
	drop_emulator_warning
	assert_output "tend: cannot run '$file': Permission denied"
	run -126 tend_plain /
	assert_output --partial "tend: cannot run '/': "
}

# tend's own failures: 125, one line, a hint for usage mistakes, no child.
expect_tend_failure() {
	local message=$1
	shift
	local marker=$BATS_TEST_TMPDIR/child-ran
	run "$@" -- sh -c "touch '$marker'"
	assert_failure 125
	assert_equal "${#lines[@]}" 1
	assert_output "$message"
	[ ! -e "$marker" ]
}

@test "bad options exit 125 with one line, a hint, and no child started" {
	expect_tend_failure "tend: unknown option '-x' (see 'tend --help')" "$TEND" -x
	expect_tend_failure "tend: unknown option '--frobnicate' (see 'tend --help')" "$TEND" --frobnicate
	expect_tend_failure "tend: -t 'abc': not a number of seconds (see 'tend --help')" "$TEND" -t abc
	expect_tend_failure "tend: --grace '-1': not a number of seconds (see 'tend --help')" "$TEND" --grace=-1
	expect_tend_failure "tend: -T '5x': not a number of seconds (see 'tend --help')" "$TEND" -T 5x
	expect_tend_failure "tend: -r 'FOO:INT': unknown signal 'FOO' (see 'tend --help')" "$TEND" -r FOO:INT
	expect_tend_failure "tend: -r 'TERM': expected SIGNAL:SIGNAL, e.g. TERM:INT (see 'tend --help')" "$TEND" -r TERM
	expect_tend_failure "tend: -r 'KILL:TERM': SIGKILL cannot be caught, so never forwarded (see 'tend --help')" "$TEND" -r KILL:TERM
	expect_tend_failure "tend: -p 'SIGNOPE': unknown signal (see 'tend --help')" "$TEND" -p SIGNOPE
	expect_tend_failure "tend: -e '256': not an exit code (0-255) (see 'tend --help')" "$TEND" -e 256
	expect_tend_failure "tend: option '--pause' takes no value (see 'tend --help')" "$TEND" --pause=1
}

@test "a missing value or a missing COMMAND exits 125" {
	run "$TEND" -t
	assert_failure 125
	assert_output "tend: option '-t' needs a value (see 'tend --help')"
	run "$TEND"
	assert_failure 125
	assert_output "tend: no COMMAND to run (see 'tend --help')"
	run "$TEND" -t 5 --
	assert_failure 125
	assert_output "tend: no COMMAND to run (see 'tend --help')"
}

@test "invalid environment values exit 125, naming the variable" {
	TEND_GRACE=soon expect_tend_failure "tend: TEND_GRACE='soon': not a number of seconds" "$TEND"
	TEND_SINGLE_CHILD=maybe expect_tend_failure "tend: TEND_SINGLE_CHILD='maybe': expected 1 or 0" "$TEND"
	TEND_REWRITE=TERM:INT,BOGUS:1 expect_tend_failure "tend: TEND_REWRITE='BOGUS:1': unknown signal 'BOGUS'" "$TEND"
	TEND_VERBOSITY=loud expect_tend_failure "tend: TEND_VERBOSITY='loud': expected a number 0-9" "$TEND"
	TEND_PDEATH=99 expect_tend_failure "tend: TEND_PDEATH='99': unknown signal" "$TEND"
}

@test "fork failing exits 125 and names the command" {
	# One process allowed for this user: tend itself, so its fork must fail.
	command -v setpriv >/dev/null || skip "setpriv missing"
	emulator_cannot "start under RLIMIT_NPROC=1: qemu-user starts a thread of its own"
	run timeout 10 setpriv --reuid=65534 --regid=65534 --clear-groups \
		prlimit --nproc=1 "$TEND" -- true
	assert_failure 125
	assert_output --regexp "^tend: cannot start 'true': fork: "
}
