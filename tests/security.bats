#!/usr/bin/env bats
# Security: tend touches no stranger, leaks no descriptor, changes the
# environment only as documented, and never loads code from the working
# directory.

load helper

# A process of the same user, in tend's own process group, outside its tree.
start_stranger() {
	STRANGER_RECORD=$BATS_TEST_TMPDIR/stranger
	start_bg "$HELPERS/sigrecord" "$STRANGER_RECORD"
	STRANGER_PID=$BG_PID
	wait_line "$STRANGER_RECORD"
}

stranger_untouched() {
	run state_of "$STRANGER_PID"
	assert_success
	refute_output Z
	run cat "$STRANGER_RECORD"
	assert_output ready
}

@test "not as PID 1, a stranger of the same user survives forwarded stop signals and the grace kill" {
	start_stranger
	run tend_plain -t 1 -- sh -c '
		trap "" TERM INT QUIT
		sleep 100 &
		kill -INT $PPID; kill -QUIT $PPID; kill -TERM $PPID
		wait'
	assert_equal "$status" 137
	assert_line --regexp '^tend: grace period of 1s expired: sent SIGKILL to 2 processes'
	stranger_untouched
}

@test "not as PID 1, a stranger of the same user survives the clean-up of what the main child left" {
	start_stranger
	run tend_plain -t 1 -- sh -c '
		setsid sh -c "trap \"\" TERM; exec sleep 100" &
		sleep 0.2'
	assert_equal "$status" 0
	assert_line --regexp '^tend: grace period of 1s expired: sent SIGKILL to 1 process'
	stranger_untouched
}

# The descriptors of the shell that lists them, as "fd target" lines. A
# pipe's inode number differs between runs: only its being a pipe counts.
LIST_FDS='for f in /proc/$$/fd/*; do t=$(readlink "$f"); echo "${f##*/} ${t%%:\[*}"; done'

# Run `"$@" sh -c LIST_FDS` with the test's extra descriptors; prints the list.
fds_seen_by() {
	local out=$BATS_TEST_TMPDIR/fds extra_in extra_out
	exec {extra_in}<"$BATS_TEST_FILENAME" {extra_out}>>"$BATS_TEST_TMPDIR/extra"
	"$@" sh -c "$LIST_FDS" >"$out" 2>>"$BATS_TEST_TMPDIR/stderr"
	exec {extra_in}<&- {extra_out}>&-
	cat "$out"
}

@test "the child's open descriptors are exactly the caller's, with any option" {
	local direct
	direct=$(fds_seen_by)
	[[ $direct == *"$BATS_TEST_TMPDIR/extra"* ]] || fail "the caller's extra fd is not listed"
	assert_equal "$(fds_seen_by "$TEND" --)" "$direct"
	assert_equal "$(fds_seen_by "$TEND" -v -w -c -t 1 --)" "$direct"
	assert_equal "$(fds_seen_by "$TEND" -L --)" "$direct"
}

@test "as PID 1, the child's open descriptors are exactly the caller's" {
	local direct
	direct=$(fds_seen_by "${UNSHARE_PID1[@]}")
	assert_equal "$(fds_seen_by "${UNSHARE_PID1[@]}" "$TEND" --)" "$direct"
}

# The environment "$@" gives env, one variable a line; bash's own "_" aside.
sorted_env() {
	"$@" env -0 | grep -zv '^_=' | sort -z | tr '\0' '\n'
}

@test "the child's environment is the caller's, TEND_ variables included" {
	# LISTEN_PID names no process: one naming tend is rewritten, as documented.
	export TEND_GRACE=3 TEND_VERBOSITY=0 TINI_SUBREAPER=1 LISTEN_PID=99999999 NOTE=$'two\nlines'
	assert_equal "$(sorted_env "$TEND" --)" "$(sorted_env)"
	assert_equal "$(sorted_env "${UNSHARE_PID1[@]}" "$TEND" --)" "$(sorted_env "${UNSHARE_PID1[@]}")"
}

@test "-L adds only PYTHONUNBUFFERED and an absolute helper at the end of LD_PRELOAD" {
	export LD_PRELOAD=libc.so.6
	run diff <(sorted_env) <(sorted_env "$TEND" -L --)
	# Only lines for those two variables differ.
	while read -r line; do
		case $line in
		'> PYTHONUNBUFFERED=1') ;;
		'< LD_PRELOAD=libc.so.6') ;;
		'> LD_PRELOAD=libc.so.6 /'*) ;;
		[\<\>]*) fail "unexpected change: $line" ;;
		esac
	done <<<"$output"
	# What was set stays as it was.
	export PYTHONUNBUFFERED=0
	run "$TEND" -L -- sh -c 'echo "$PYTHONUNBUFFERED"'
	assert_line 0
}

@test "LISTEN_PID naming tend is handed to the child, any other value is left alone" {
	run sh -c 'LISTEN_PID=$$ exec "$@"' sh "$TEND" -- sh -c 'echo "$LISTEN_PID $$"'
	assert_success
	read -r listen_pid child_pid <<<"$output"
	assert_equal "$listen_pid" "$child_pid"
	LISTEN_PID=12345 run "$TEND" -- sh -c 'echo "$LISTEN_PID"'
	assert_output 12345
}

@test "a relative -L helper path is refused with 125, from the option and from TEND_PRELOAD" {
	run "$TEND" -L --preload=tend-linebuf.so -- true
	assert_equal "$status" 125
	assert_output --regexp "^tend: --preload 'tend-linebuf.so': .*absolute"
	TEND_PRELOAD=lib/tend-linebuf.so run "$TEND" -L -- true
	assert_equal "$status" 125
	assert_output --regexp "^tend: TEND_PRELOAD='lib/tend-linebuf.so': .*absolute"
}

@test "-L never takes a helper from the working directory, even when tend was run by a relative path" {
	local dir=$BATS_TEST_TMPDIR
	mkdir -p "$dir/bin" "$dir/cwd/lib/tend" "$dir/cwd/bin"
	cp "$TEND" "$dir/bin/tend"
	# Planted where a lookup relative to the working directory would find it.
	touch "$dir/cwd/tend-linebuf.so" "$dir/cwd/lib/tend/tend-linebuf.so" "$dir/cwd/bin/tend-linebuf.so"
	cd "$dir/cwd"
	run ../bin/tend -L -- sh -c 'echo "LD_PRELOAD=${LD_PRELOAD-}"'
	assert_success
	assert_line 'LD_PRELOAD='
	assert_line --regexp '^tend: .*tend-linebuf\.so'
}
