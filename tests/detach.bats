#!/usr/bin/env bats
# tend -d: a background job on a server, done right. It leaves the caller
# once COMMAND runs, survives the end of the session, logs line by line,
# stops its whole tree on `kill $(cat FILE)`, and says how it ended.

load helper

setup() {
	LOG=$BATS_TEST_TMPDIR/job.log
	PIDF=$BATS_TEST_TMPDIR/job.pid
	STATUSF=$BATS_TEST_TMPDIR/job.status
}

# tend -d with the three files; sets TEND_PID (from its stdout) and
# remembers it for teardown, which stops it and its tree by PID.
detach() {
	local rc=0
	DETACH_OUT=$(timeout 10 "$TEND" -d --log="$LOG" --pid-file="$PIDF" --status-file="$STATUSF" "$@") || rc=$?
	remember_job
	[ "$rc" = 0 ] && TEND_PID=$DETACH_OUT
	return "$rc"
}

# Whatever runs under a pid file is stopped at teardown, even if the test failed.
remember_job() {
	local pid
	pid=$(cat "${1:-$PIDF}" 2>/dev/null) || return 0
	[[ $pid =~ ^[0-9]+$ ]] && STARTED_PIDS+=("$pid")
	return 0
}

lines_in_log() {
	grep -c '^line ' "$LOG" 2>/dev/null || echo 0
}

log_has_more_lines_than() {
	[ "$(lines_in_log)" -gt "$1" ]
}

status_matches() {
	grep -qE "$2" "$1" 2>/dev/null
}

children_count_is() {
	[ "$(cat /proc/"$1"/task/*/children 2>/dev/null | wc -w)" = "$2" ]
}

# Field N of /proc/PID/stat, counted from 1 after the command name: 1 is
# the state, 4 the session, 5 the controlling terminal.
stat_field() {
	local stat fields
	stat=$(cat /proc/"$1"/stat) || return 1
	fields=(${stat##*) })
	echo "${fields[$2 - 1]}"
}

# Prints "line N" ten times a second through Python's own buffer, which only
# -L (PYTHONUNBUFFERED) flushes line by line into a file.
TICKING='
import itertools, time
for i in itertools.count(1):
    print("line", i)
    time.sleep(0.1)
'

@test "a detached job survives the end of the terminal session that started it, and its log grows line by line" {
	local script=$BATS_TEST_TMPDIR/ticking.py rc=$BATS_TEST_TMPDIR/bashrc control=$BATS_TEST_TMPDIR/control.pid
	echo "$TICKING" > "$script"
	echo "PS1='prompt> '" > "$rc"
	# The shell starts the job, then a control in the foreground; then the
	# terminal closes, as when a connection drops: the kernel hangs up the session.
	TEND="$TEND" SCRIPT="$script" LOG="$LOG" PIDF="$PIDF" CONTROL="$control" \
		run timeout 20 python3 "$HELPERS/pty_run.py" \
		'prompt> ' '"$TEND" -d --log="$LOG" --pid-file="$PIDF" -- python3 "$SCRIPT"\n' \
		'prompt> ' 'sh -c '\''echo $$ > "$CONTROL"; echo "hold""ing"; exec sleep 60'\''\n' \
		'holding' '<hangup>' \
		-- bash --noprofile --rcfile "$rc" -i
	remember_job
	remember_job "$control"
	# The shell ended of the hangup (not of pty_run's deadline).
	assert_equal "$status" 129
	local tend
	tend=$(cat "$PIDF")
	assert_output --regexp "(^|[^0-9])$tend([^0-9]|$)"
	# The control's death shows the hangup reached the session; the job saw none of it.
	wait_for 5 not_running "$(cat "$control")"
	kill -0 "$tend"
	assert_equal "$(stat_field "$tend" 4)" "$tend"      # its own session
	assert_equal "$(stat_field "$tend" 5)" 0            # no controlling terminal
	local child
	child=$(child_of "$tend")
	assert_equal "$(readlink /proc/"$child"/fd/0)" /dev/null
	local before
	before=$(lines_in_log)
	wait_for 5 log_has_more_lines_than $((before + 5))
	# Every line whole: the log is written line by line.
	run grep -cvE '^line [0-9]+$' "$LOG"
	assert_output 0
}

@test "tend -d returns only once COMMAND runs: its exec has happened before the caller exits" {
	local trace=$BATS_TEST_TMPDIR/trace
	run timeout 10 strace -f -o "$trace" -e trace=execve,exit_group "$TEND" -d --log="$LOG" -- sleep 0.5
	assert_success
	local caller started left
	caller=$(awk 'NR == 1 { print $1 }' "$trace")
	# The PID printed is the detached tend's, another process than the caller.
	assert_output --regexp '^[0-9]+$'
	[ "$output" != "$caller" ]
	grep -qE "^$output +exit_group" "$trace"
	# The successful exec of sleep has begun (strace may show it unfinished: it closes
	# the caller's pipe on its way) before the caller's exit.
	started=$(grep -nE '^[0-9]+ +execve\("[^"]*/sleep", .*(= 0|<unfinished \.\.\.>)$' "$trace" | head -n 1 | cut -d: -f1)
	left=$(grep -nE "^$caller +exit_group" "$trace" | cut -d: -f1)
	[ -n "$started" ] && [ -n "$left" ] && [ "$started" -lt "$left" ]
}

@test "the PID printed is in the pid file, and its child is already COMMAND" {
	detach -- sleep 6007
	assert_equal "$(cat "$PIDF")" "$TEND_PID"
	local child
	child=$(child_of "$TEND_PID")
	assert_equal "$(cat /proc/"$child"/comm)" sleep
	assert status_matches "$STATUSF" "^status=running pid=$TEND_PID started=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"
	# The log is created for its owner and group only.
	assert_equal "$(stat -c %a "$LOG")" 640
}

@test "kill of the pid file's PID stops the whole tree within the grace, and the status file says so" {
	detach -t 1 -- sh -c "\"$HELPERS/ticker\" 1 hang & exec sleep 6007"
	wait_line "$LOG" ready
	local tree
	tree=($(descendants_of "$TEND_PID"))
	assert_equal "${#tree[@]}" 2
	kill "$(cat "$PIDF")"
	# The grace is 1 s; the rest is a margin for a loaded machine.
	wait_for 8 not_running "$TEND_PID"
	for pid in "${tree[@]}"; do
		not_running "$pid"
	done
	assert status_matches "$STATUSF" '^status=143 reason=signal signal=TERM started=[0-9T:-]+Z ended=[0-9T:-]+Z killed=1$'
	# The pid file says the same: `kill $(cat FILE)` can no longer hit a stranger.
	assert_equal "$(cat "$PIDF")" "$(cat "$STATUSF")"
	run grep -E '^tend: grace period of 1s expired: sent SIGKILL to 1 process: [0-9]+ \(ticker\)$' "$LOG"
	assert_success
}

@test "a detached job's orphans are reaped" {
	detach -- sh -c "\"$HELPERS/orphans\" 50 300; exec sleep 6007"
	wait_line "$LOG" "done 50"
	# Once the grandchildren have lived their 300 ms, only the main child is left.
	wait_for 10 children_count_is "$TEND_PID" 1
	no_zombies_under "$TEND_PID"
}

@test "a typo in COMMAND makes tend -d fail at once in the calling shell, as a foreground tend would" {
	run -127 --separate-stderr timeout 10 "$TEND" -- no-such-command-here
	assert_failure 127
	local foreground=$stderr

	run -127 --separate-stderr detach -- no-such-command-here
	assert_failure 127
	assert_equal "$stderr" "$foreground"
	assert_equal "$stderr" "tend: cannot run 'no-such-command-here': command not found"
	assert_output ""
	assert status_matches "$STATUSF" '^status=127 reason=exit '
	run grep -c "cannot run 'no-such-command-here'" "$LOG"
	assert_output 1

	printf 'echo never\n' > "$BATS_TEST_TMPDIR/not-executable"
	run --separate-stderr detach -- "$BATS_TEST_TMPDIR/not-executable"
	assert_failure 126
	assert_equal "$stderr" "tend: cannot run '$BATS_TEST_TMPDIR/not-executable': Permission denied"
}

@test "with stdin, stdout and stderr closed, tend -d still starts, and the log gets everything" {
	run bash -c '"$1" -d --log="$2" --pid-file="$3" -- sh -c "echo out; echo err >&2; readlink /proc/\$\$/fd/0" <&- >&- 2>&-' \
		_ "$TEND" "$LOG" "$PIDF"
	remember_job
	assert_success
	wait_line "$LOG" /dev/null
	file_has_line "$LOG" out
	file_has_line "$LOG" err
}

@test "a second tend -d on the same pid file is refused while the first runs" {
	detach -- sleep 6007
	local first=$TEND_PID
	run --separate-stderr timeout 10 "$TEND" -d --log="$LOG" --pid-file="$PIDF" -- sleep 6007
	remember_job
	assert_failure 125
	assert_equal "$stderr" "tend: --pid-file '$PIDF': tend $first is running that job"
	assert_output ""
	assert_equal "$(cat "$PIDF")" "$first"
	children_count_is "$first" 1
	kill -0 "$first"

	kill "$first"
	wait_for 10 not_running "$first"
	detach -- sleep 6007
	[ "$TEND_PID" != "$first" ]
}

@test "tend --wait returns the job's status, for a running job and for a finished one" {
	local go=$BATS_TEST_TMPDIR/go
	detach -- sh -c "while [ ! -e \"$go\" ]; do sleep 0.05; done; exit 7"
	OUT=$BATS_TEST_TMPDIR/wait-pid.out start_bg "$TEND" --wait "$PIDF"
	local by_pid=$BG_PID
	OUT=$BATS_TEST_TMPDIR/wait-status.out start_bg "$TEND" --wait "$STATUSF"
	local by_status=$BG_PID
	# Both block, asleep, while the job runs.
	wait_for 5 state_is "$by_pid" S
	wait_for 5 state_is "$by_status" S
	sleep 0.5
	kill -0 "$by_pid"
	kill -0 "$by_status"

	touch "$go"
	wait_exit "$by_pid" 10
	assert_equal "$STATUS" 7
	wait_exit "$by_status" 10
	assert_equal "$STATUS" 7
	run grep -E '^status=7 reason=exit started=[0-9T:-]+Z ended=[0-9T:-]+Z killed=0$' \
		"$BATS_TEST_TMPDIR/wait-pid.out" "$BATS_TEST_TMPDIR/wait-status.out"
	assert_equal "${#lines[@]}" 2

	# Ended: at once, from either file.
	run --separate-stderr timeout 5 "$TEND" --wait "$STATUSF"
	assert_failure 7
	assert_output "$(cat "$STATUSF")"
	run timeout 5 "$TEND" --wait "$PIDF"
	assert_failure 7
}

@test "-T ends a detached job with status=124 reason=timeout" {
	detach -T 0.5 -- sleep 6007
	wait_for 10 not_running "$TEND_PID"
	assert status_matches "$STATUSF" '^status=124 reason=timeout started=[0-9T:-]+Z ended=[0-9T:-]+Z killed=0$'
	run timeout 5 "$TEND" --wait "$STATUSF"
	assert_failure 124
}

@test "--status-file works in the foreground too" {
	run timeout 10 "$TEND" --status-file="$STATUSF" -- sh -c 'exit 3'
	assert_failure 3
	assert status_matches "$STATUSF" '^status=3 reason=exit '
	run timeout 10 "$TEND" --status-file="$STATUSF" -- sh -c 'kill -USR1 $$'
	assert_failure 138
	assert status_matches "$STATUSF" '^status=138 reason=signal signal=USR1 '
}

@test "the job files are replaced whole: a reader never sees a half-written line" {
	local reader=$BATS_TEST_TMPDIR/reader.py bad=$BATS_TEST_TMPDIR/bad
	# Reads the file as fast as it can until told to stop; keeps what was not one whole line.
	cat > "$reader" <<-'EOF'
	import os, sys
	path, stop, bad = sys.argv[1:]
	seen = 0
	while not os.path.exists(stop):
	    try:
	        with open(path) as f:
	            text = f.read()
	    except FileNotFoundError:
	        text = "(missing)"
	    seen += 1
	    if not (text.startswith("status=") and text.endswith("\n") and text.count("\n") == 1):
	        open(bad, "a").write(repr(text) + "\n")
	print(seen)
	EOF
	run timeout 10 "$TEND" --status-file="$STATUSF" -- true
	OUT=$BATS_TEST_TMPDIR/reads start_bg python3 "$reader" "$STATUSF" "$BATS_TEST_TMPDIR/stop" "$bad"
	for i in $(seq 40); do
		timeout 10 "$TEND" --status-file="$STATUSF" -- true
	done
	# A job's running line and its ending are two files: the second replaced the first.
	timeout 10 "$TEND" --status-file="$STATUSF" -- sh -c "stat -c %i \"$STATUSF\" > \"$BATS_TEST_TMPDIR/inode\""
	touch "$BATS_TEST_TMPDIR/stop"
	wait_exit "$BG_PID" 10
	[ ! -e "$bad" ] || { cat "$bad"; false; }
	[ "$(cat "$BATS_TEST_TMPDIR/reads")" -gt 40 ]
	[ "$(stat -c %i "$STATUSF")" != "$(cat "$BATS_TEST_TMPDIR/inode")" ]
	# No temporary file is left behind.
	run ls "$BATS_TEST_TMPDIR"
	refute_output --partial .tmp
}

@test "a symlink planted at the log, pid or status file is never followed" {
	local victim=$BATS_TEST_TMPDIR/victim
	echo precious > "$victim"
	ln -s "$victim" "$LOG"
	run --separate-stderr timeout 10 "$TEND" -d --log="$LOG" -- sleep 6007
	assert_failure 125
	assert_equal "$stderr" "tend: --log '$LOG': is a symbolic link"
	assert_output ""
	rm "$LOG"

	ln -s "$victim" "$PIDF"
	ln -s "$victim" "$STATUSF"
	detach -- true
	wait_for 10 status_matches "$STATUSF" '^status=0 '
	assert_equal "$(cat "$victim")" precious
	[ ! -L "$PIDF" ] && [ ! -L "$STATUSF" ]

	# The temporary file's name too: a foreground tend's PID is known in advance.
	run timeout 10 bash -c 'ln -sf "$1" "$2.$$.tmp"; exec "$3" --status-file="$2" -- true' _ "$victim" "$STATUSF" "$TEND"
	assert_success
	assert_equal "$(cat "$victim")" precious
	assert status_matches "$STATUSF" '^status=0 reason=exit '
}

@test "bad values and misuse exit 125 with one line, and start nothing" {
	local dir=$BATS_TEST_TMPDIR
	check() {
		run --separate-stderr timeout 10 "$@"
		assert_failure 125
		assert_output ""
		assert_equal "${#stderr_lines[@]}" 1
		assert_regex "$stderr" "^tend: $expected"
	}
	expected="-d: stdout or stderr is a terminal, .*--log=FILE"
	run timeout 20 python3 "$HELPERS/pty_run.py" -- "$TEND" -d -- sleep 6007
	assert_failure 125
	assert_output --regexp "^tend: $expected"

	expected="--log '$dir': Is a directory"
	check "$TEND" -d --log="$dir" -- sleep 6007
	expected="--log needs -d"
	check "$TEND" --log="$dir/x.log" -- sleep 6007
	expected="--pid-file '': expected a file name"
	check "$TEND" -d --log="$LOG" --pid-file= -- sleep 6007
	expected="--status-file '$dir/none/job.status': cannot write it: No such file or directory"
	check "$TEND" -d --log="$LOG" --status-file="$dir/none/job.status" -- sleep 6007
	expected="-d and -p"
	check "$TEND" -d -p TERM --log="$LOG" -- sleep 6007
	expected="--pause takes no -d"
	check "$TEND" -P -d --log="$LOG"
	expected="--pause takes no -d, --pid-file, --status-file or --wait"
	check "$TEND" -P --wait "$PIDF"
	expected="--wait takes no COMMAND"
	check "$TEND" --wait "$PIDF" sleep 6007
	expected="--wait '$dir/missing': No such file or directory"
	check "$TEND" --wait "$dir/missing"
	echo garbage > "$dir/garbage"
	expected="--wait '$dir/garbage': not a pid or status file of tend"
	check "$TEND" --wait "$dir/garbage"
	expected="TEND_DETACH='maybe': expected 1 or 0"
	check env TEND_DETACH=maybe "$TEND" -- sleep 6007
	# Nothing was started: no process runs the command line given above.
	local cmdline
	for cmdline in /proc/[0-9]*/cmdline; do
		[ "$(tr '\0' ' ' 2>/dev/null < "$cmdline")" != "sleep 6007 " ] || fail "started: $cmdline"
	done
}

@test "TEND_DETACH, TEND_LOG, TEND_PID_FILE and TEND_STATUS_FILE are the options' twins" {
	local pid
	pid=$(TEND_DETACH=1 TEND_LOG="$LOG" TEND_PID_FILE="$PIDF" TEND_STATUS_FILE="$STATUSF" \
		timeout 10 "$TEND" -- sh -c 'echo started; exec sleep 6007')
	remember_job
	assert_equal "$pid" "$(cat "$PIDF")"
	wait_line "$LOG" started
	assert status_matches "$STATUSF" "^status=running pid=$pid "
	# -d turns on -L, unless TEND_LINE_BUFFERED=0 says otherwise.
	assert_equal "$(tr '\0' '\n' < /proc/"$(child_of "$pid")"/environ | grep -c '^PYTHONUNBUFFERED=1$')" 1
	pid=$(env -u PYTHONUNBUFFERED TEND_LINE_BUFFERED=0 timeout 10 "$TEND" -d --log="$LOG" -- sleep 6007)
	STARTED_PIDS+=("$pid")
	wait_for 5 has_child "$pid"
	assert_equal "$(tr '\0' '\n' < /proc/"$(child_of "$pid")"/environ | grep -c '^PYTHONUNBUFFERED=')" 0
}
