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
	run timeout 20 python3 "$HELPERS/pty_run.py" ready '\x03' "$TEND" -- python3 -c "$INTERACTIVE"
	assert_failure 130
	assert_line "foreground"
	assert_line --regexp "child got SIGINT$"
}

@test "as PID 1 under a terminal, Ctrl-C reaches the child too" {
	run timeout 20 python3 "$HELPERS/pty_run.py" ready '\x03' "${UNSHARE_PID1[@]}" "$TEND" -- python3 -c "$INTERACTIVE"
	assert_failure 130
	assert_line "foreground"
	assert_line --regexp "child got SIGINT$"
}

@test "a tend started in the background does not steal the terminal" {
	# An interactive shell runs tend as a background job; the shell keeps the terminal.
	run timeout 20 python3 "$HELPERS/pty_run.py" never '' \
		bash --norc -i -c "\"$TEND\" -- python3 -c 'import os; print(\"foreground\" if os.tcgetpgrp(0) == os.getpgrp() else \"background\")' & wait"
	assert_success
	assert_line "background"
}
