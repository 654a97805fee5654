#!/usr/bin/env python3
"""Run a command on a fresh pseudo-terminal, as a user at a terminal would.

    pty_run.py PROMPT KEYS COMMAND [ARG...]

When the terminal has shown PROMPT, type KEYS (Python escapes allowed, e.g.
'\\x03' for Ctrl-C). Print everything the terminal showed, and exit with the
command's status. Everything is bounded: after 15 s the command is killed.
"""
import os
import pty
import select
import signal
import sys
import time

prompt, keys = sys.argv[1].encode(), sys.argv[2].encode().decode("unicode_escape").encode()
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[3], sys.argv[3:])

seen, typed, deadline = b"", False, time.monotonic() + 15
while time.monotonic() < deadline:
    ready, _, _ = select.select([fd], [], [], 0.1)
    if ready:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    if not typed and prompt in seen:
        os.write(fd, keys)
        typed = True
else:
    os.kill(pid, signal.SIGKILL)

_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode(errors="replace").replace("\r\n", "\n"))
sys.exit(os.waitstatus_to_exitcode(status) % 256 if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
