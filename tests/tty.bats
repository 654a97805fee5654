#!/usr/bin/env bats
# With a terminal on stdin, the child's group becomes the terminal's
# foreground group: Ctrl-C goes to the child, as `docker run -it` users expect.

load helper

# The interactive program: says whether it is in the foreground, then waits
# for Ctrl-C.
INTERACTIVE='
import os, signal, time
print("foreground" if os.tcgetpgrp(0) == os.getpgrp() else "background", flush=True)
def interrupted(*_):
    print("child got SIGINT", flush=True)
    os._exit(130)
signal.signal(signal.SIGINT, interrupted)
print("ready", flush=True)
time.sleep(12)
print("no Ctrl-C came", flush=True)
'

@test "under a terminal the child is the foreground group and Ctrl-C reaches it" {
	run timeout 20 python3 "$HELPERS/pty_run.py" ready '\x03' -- "$TEND" -- python3 -c "$INTERACTIVE"
	assert_failure 130
	assert_line "foreground"
	assert_line --regexp "child got SIGINT$"
}

@test "as PID 1 under a terminal, Ctrl-C reaches the child too" {
	run timeout 20 python3 "$HELPERS/pty_run.py" ready '\x03' -- "${UNSHARE_PID1[@]}" "$TEND" -- python3 -c "$INTERACTIVE"
	assert_failure 130
	assert_line "foreground"
	assert_line --regexp "child got SIGINT$"
}

WHERE_AM_I='import os; print("foreground" if os.tcgetpgrp(0) == os.getpgrp() else "background")'

@test "a tend started in the background does not steal the terminal" {
	# An interactive shell runs tend as a background job; the shell keeps the terminal.
	run timeout 20 python3 "$HELPERS/pty_run.py" -- \
		bash --norc -i -c "\"$TEND\" -- python3 -c 'import os; print(\"foreground\" if os.tcgetpgrp(0) == os.getpgrp() else \"background\")' & wait"
	assert_success
	assert_line "background"
}

# Stops at Ctrl-Z (the default action); says where it is when continued.
SUSPENDABLE='
import os, signal, time
def continued(*_):
    where = "foreground" if os.tcgetpgrp(0) == os.getpgrp() else "background"
    os.write(1, ("continued in the %s\n" % where).encode())
    os._exit(0)
signal.signal(signal.SIGCONT, continued)
print("ready", flush=True)
time.sleep(12)
'

@test "Ctrl-Z stops the child and tend with it: the shell gets its prompt back, and fg resumes both" {
	local script=$BATS_TEST_TMPDIR/suspendable.py rc=$BATS_TEST_TMPDIR/bashrc
	echo "$SUSPENDABLE" > "$script"
	echo "PS1='prompt> '" > "$rc"
	TEND="$TEND" SCRIPT="$script" run timeout 20 python3 "$HELPERS/pty_run.py" \
		'prompt> ' '"$TEND" -- python3 "$SCRIPT"\n' \
		ready '\x1a' \
		Stopped 'fg\n' \
		'continued in the' 'echo "tend exited $?"; exit\n' \
		-- bash --noprofile --rcfile "$rc" -i
	assert_success
	assert_line --regexp 'Stopped +"\$TEND" -- python3'
	assert_line "continued in the foreground"
	assert_line --regexp 'tend exited 0$'
}

@test "when tend exits, the terminal is back with the shell that ran it" {
	run timeout 20 python3 "$HELPERS/pty_run.py" -- sh -c "\"$TEND\" true; python3 -c '$WHERE_AM_I'"
	assert_success
	assert_line "foreground"
}
