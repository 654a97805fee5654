# Shared by every test file: `load helper`.
#
# Every process a test starts goes through start_bg (or a function built on
# it), so that teardown can stop it by PID. Every wait has a timeout.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

TEND=${TEND:-$BATS_TEST_DIRNAME/../tend}
HELPERS=$BATS_TEST_DIRNAME/helpers
STARTED_PIDS=()

# Root makes a PID namespace directly; anyone else needs a user namespace too.
if [ "$(id -u)" = 0 ]; then
	UNSHARE_PID1=(unshare -pf --mount-proc)
else
	UNSHARE_PID1=(unshare -Urpf --mount-proc)
fi

# Run tend as PID 1 in a fresh PID namespace, in the foreground, for `run`.
# Killed after $LIMIT seconds (default 30) so that no test can hang.
tend_as_pid1() {
	timeout -k 2 "${LIMIT:-30}" "${UNSHARE_PID1[@]}" "$TEND" "$@"
}

# Run tend as a plain process (it becomes a subreaper), for `run`.
tend_plain() {
	timeout -k 2 "${LIMIT:-30}" "$TEND" "$@"
}

# Start a command in the background, remembered for teardown; sets BG_PID.
# Its stdout and stderr go to $BATS_TEST_TMPDIR/bg.out and bg.err unless
# redirected by the caller through OUT= / ERR=.
start_bg() {
	"$@" >"${OUT:-$BATS_TEST_TMPDIR/bg.out}" 2>"${ERR:-$BATS_TEST_TMPDIR/bg.err}" &
	BG_PID=$!
	STARTED_PIDS+=("$BG_PID")
}

# Start tend as PID 1 in the background. Sets UNSHARE_PID (the unshare
# process, whose exit status is tend's) and TEND_PID (tend itself, as the
# host sees it), to which tests send signals from outside the namespace.
start_tend_pid1() {
	start_bg "${UNSHARE_PID1[@]}" "$TEND" "$@"
	UNSHARE_PID=$BG_PID
	wait_for 5 child_of "$UNSHARE_PID"
	TEND_PID=$(child_of "$UNSHARE_PID")
	STARTED_PIDS+=("$TEND_PID")
}

# Start tend as a plain process in the background; sets TEND_PID.
start_tend_plain() {
	start_bg "$TEND" "$@"
	TEND_PID=$BG_PID
}

# The first child of PID, if it has one.
child_of() {
	local kids
	kids=$(cat /proc/"$1"/task/*/children 2>/dev/null) || return 1
	set -- $kids
	[ -n "${1:-}" ] && echo "$1"
}

# Every descendant of PID (not PID itself), one a line.
descendants_of() {
	local kid
	for kid in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		echo "$kid"
		descendants_of "$kid"
	done
}

# Wait for PID to exit (it must be our child) within SECONDS; sets STATUS.
# Fails the test if it is still running then.
wait_exit() {
	local pid=$1 seconds=$2
	wait_for "$seconds" not_running "$pid" || {
		echo "process $pid still running after ${seconds}s" >&2
		return 1
	}
	STATUS=0
	wait "$pid" || STATUS=$?
}

not_running() {
	! kill -0 "$1" 2>/dev/null || [ "$(state_of "$1")" = Z ]
}

# The one-letter state of PID from /proc/PID/stat (R, S, T, Z, ...).
state_of() {
	local stat
	stat=$(cat /proc/"$1"/stat 2>/dev/null) || return 1
	stat=${stat##*) }
	echo "${stat%% *}"
}

# Poll COMMAND every 20 ms until it succeeds or SECONDS pass.
wait_for() {
	local seconds=$1
	shift
	local deadline=$((SECONDS + seconds + 1)) start=$EPOCHREALTIME
	while ! "$@"; do
		if (( SECONDS >= deadline )) || \
			awk -v s="$start" -v n="$EPOCHREALTIME" -v l="$seconds" 'BEGIN { exit !(n - s > l) }'; then
			echo "timed out after ${seconds}s waiting for: $*" >&2
			return 1
		fi
		sleep 0.02
	done
}

# FILE has a line that is exactly LINE.
file_has_line() {
	[ -f "$1" ] && grep -qxF -- "$2" "$1"
}

# Wait until FILE has LINE (default "ready", as the helper workloads write).
wait_line() {
	wait_for "${3:-5}" file_has_line "$1" "${2:-ready}"
}

# Processes in state Z among PIDs given on stdin.
count_zombies() {
	local pid n=0
	while read -r pid; do
		[ "$(state_of "$pid")" = Z ] && n=$((n + 1))
	done
	echo "$n"
}

# Stop what the test started, and everything below it, by PID.
teardown() {
	local pid tree=()
	for pid in "${STARTED_PIDS[@]}"; do
		tree+=("$pid" $(descendants_of "$pid"))
	done
	for pid in "${tree[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	for pid in "${STARTED_PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
}

# A directory any user may write to, for tests that run tend as another
# user (bats makes its temporary directories root's alone). Prints its path.
open_tmpdir() {
	local dir=$BATS_TEST_TMPDIR/open parent=$BATS_TEST_TMPDIR
	mkdir -p "$dir"
	chmod 1777 "$dir"
	while [ "$parent" != "$(dirname "$BATS_RUN_TMPDIR")" ] && [ "$parent" != / ]; do
		chmod a+x "$parent"
		parent=$(dirname "$parent")
	done
	echo "$dir"
}

# Predicates for wait_for, which must re-run the check on every poll
# (`wait_for 5 test "$(state_of P)" = S` would expand once, then poll a
# constant): `wait_for 5 state_is PID S`, `wait_for 5 has_child PID`.
state_is() {
	[ "$(state_of "$1")" = "$2" ]
}

has_child() {
	child_of "$1" >/dev/null
}

# For tests about the static binary itself (no libc, a bare container
# root): the sanitizer pass of tests/run runs a dynamic build of tend.
needs_static_tend() {
	[ -z "${TEND_SANITIZED:-}" ] || skip "the sanitizer build of tend is dynamic"
}

no_zombies_under() {
	[ "$(descendants_of "$1" | count_zombies)" -eq 0 ]
}

cwd_is() {
	[ "$(readlink /proc/"$1"/cwd)" = "$2" ]
}

# Another architecture's tend run by an emulator: tests/run-arch sets TEND
# to build/cross/ARCH/tend and TEND_EMULATED to the emulator's name. What
# the emulator cannot do is skipped, naming the emulator: it is not tend's
# failure, and tend is tested for it on this machine's own architecture.
emulator_cannot() {
	[ -z "${TEND_EMULATED:-}" ] || skip "$TEND_EMULATED cannot $1 (the emulator's limit, not tend's)"
}

# qemu-user (7.2) answers prctl(PR_SET_CHILD_SUBREAPER) with EINVAL.
EMULATOR_NO_SUBREAPER="make tend a child subreaper: prctl(PR_SET_CHILD_SUBREAPER) fails with EINVAL"
SUBREAPER_WARNING="tend: cannot become a subreaper: Invalid argument; orphans will not be reaped"

# After `run` of tend not as PID 1 under the emulator: its first line is
# the warning that the subreaper call failed. Check it is there, and take
# it out of $output and $lines, so the test sees what hardware would show.
drop_emulator_warning() {
	[ -n "${TEND_EMULATED:-}" ] && [ "${lines[0]:-}" = "$SUBREAPER_WARNING" ] || return 0
	echo "# $TEND_EMULATED: $SUBREAPER_WARNING" >&3
	lines=("${lines[@]:1}")
	output=${output#"$SUBREAPER_WARNING"}
	output=${output#$'\n'}
}
