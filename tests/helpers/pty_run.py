#!/usr/bin/env python3
"""Run a command on a fresh pseudo-terminal, as a user at a terminal would.

    pty_run.py PROMPT KEYS [PROMPT KEYS]... -- COMMAND [ARG...]

Each time the terminal has shown the next PROMPT (after what was typed
before), type its KEYS (Python escapes allowed: '\\x03' is Ctrl-C, '\\x1a'
Ctrl-Z, '\\n' Enter; '<hangup>' closes the terminal, as a dropped connection
does). Print everything the terminal showed, and exit with the command's
status. Everything is bounded: after 15 s the command is killed.
"""
import os
import pty
import select
import signal
import sys
import time

split = sys.argv.index("--")
words, command = sys.argv[1:split], sys.argv[split + 1:]
steps = [(words[i].encode(), words[i + 1].encode().decode("unicode_escape").encode())
         for i in range(0, len(words), 2)]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(command[0], command)

seen, searched_to, deadline, hung_up = b"", 0, time.monotonic() + 15, False
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
    if steps and steps[0][0] in seen[searched_to:]:
        prompt, keys = steps.pop(0)
        searched_to = seen.index(prompt, searched_to) + len(prompt)
        if keys == b"<hangup>":
            # The kernel hangs up the session: SIGHUP to its leader and foreground group.
            os.close(fd)
            hung_up = True
            break
        os.write(fd, keys)
else:
    os.kill(pid, signal.SIGKILL)

# After a hangup the command takes a moment to go: bounded too.
done = os.waitpid(pid, os.WNOHANG) if hung_up else (0, 0)
while hung_up and done[0] == 0 and time.monotonic() < deadline:
    time.sleep(0.02)
    done = os.waitpid(pid, os.WNOHANG)
if done[0] == 0:
    if hung_up:
        os.kill(pid, signal.SIGKILL)
    done = os.waitpid(pid, 0)
_, status = done
sys.stdout.write(seen.decode(errors="replace").replace("\r\n", "\n"))
sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
