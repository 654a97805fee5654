#!/usr/bin/env bats
# Storms: tend under load it cannot slow down — orphans by the hundred
# thousand, signals by the ten thousand, a fork bomb — loses nothing,
# leaves no zombie and does not grow.
# suite: slow

load helper

# tend's resident memory in kB.
rss_of() {
	awk '/^VmRSS:/ { print $2 }' /proc/"$1"/status
}

no_zombies_under() {
	[ "$(descendants_of "$1" | count_zombies)" -eq 0 ]
}

# Open the FIFO for writing with a timeout, so that a dead reader fails the test.
release() {
	timeout 10 sh -c 'echo go >"$1"' sh "$1"
}

@test "100 000 orphans in bursts from four processes are all reaped and tend does not grow" {
	local go=$BATS_TEST_TMPDIR/go storm=$BATS_TEST_TMPDIR/storm before after i
	mkfifo "$go"
	# A small storm first, so that every page tend touches is counted in "before".
	start_tend_pid1 -- sh -c '
		"$1" 500 100 >/dev/null && echo ready >"$2"
		read go <"$3"
		for i in 1 2 3 4; do "$1" 25000 500 >"$2.$i" & done
		wait
		echo finished >"$2"
		exec sleep 1000' sh "$HELPERS/orphanstorm" "$storm" "$go"
	wait_line "$storm" ready 20
	wait_for 10 no_zombies_under "$TEND_PID"
	before=$(rss_of "$TEND_PID")

	release "$go"
	wait_line "$storm" finished 120
	for i in 1 2 3 4; do
		assert_equal "$(cat "$storm.$i")" "done 25000"
	done
	wait_for 10 no_zombies_under "$TEND_PID"
	after=$(rss_of "$TEND_PID")
	assert_equal "$after kB" "$before kB"

	kill -TERM "$TEND_PID"
	wait_exit "$UNSHARE_PID" 10
	assert_equal "$STATUS" 143
}

@test "4 senders x 10 000 mixed signals: every kind reaches the child and tend keeps forwarding" {
	local record=$BATS_TEST_TMPDIR/record before after sender sig name
	local numbers=(1 10 12 14 28 23 13 18 35 36 64)
	local names=(HUP USR1 USR2 ALRM WINCH URG PIPE CONT RTMIN+1 RTMIN+2 RTMIN+30)
	start_tend_pid1 -- "$HELPERS/sigrecord" -x TERM "$record"
	wait_line "$record"
	# One of each first, so that every page forwarding touches is in "before".
	for sig in "${numbers[@]}"; do kill -n "$sig" "$TEND_PID"; done
	wait_for 10 file_has_line "$record" RTMIN+30
	before=$(rss_of "$TEND_PID")

	local senders=()
	for sender in 0 1 2 3; do
		# Each sender cycles through the kinds from its own starting point.
		start_bg bash -c '
			pid=$1 offset=$2; shift 2
			for ((i = 0; i < 10000; i++)); do
				kill -n "${@:$(((i + offset) % $# + 1)):1}" "$pid" 2>/dev/null
			done' sender "$TEND_PID" "$sender" "${numbers[@]}"
		senders+=("$BG_PID")
	done
	for sender in "${senders[@]}"; do
		wait_exit "$sender" 60
	done

	# Afterwards, a kind the storm never sent still gets through.
	kill -PWR "$TEND_PID"
	wait_for 20 file_has_line "$record" PWR
	for name in "${names[@]}"; do
		file_has_line "$record" "$name" || fail "SIG$name never reached the child"
	done
	run grep -c . "$record"
	(( output > 1000 )) || fail "only $output signals reached the child"
	after=$(rss_of "$TEND_PID")
	assert_equal "$after kB" "$before kB"
	run no_zombies_under "$TEND_PID"
	assert_success

	kill -TERM "$TEND_PID"
	wait_exit "$UNSHARE_PID" 10
	assert_equal "$STATUS" 143
}

@test "a fork bomb in the child tree is SIGKILLed and reaped by tend when the grace expires" {
	local dir killed reaped
	dir=$(open_tmpdir)
	# Bounded twice over: prlimit fails loudly if it cannot set the limit,
	# and forkbomb refuses to start as root or without a small RLIMIT_NPROC.
	start_bg "${UNSHARE_PID1[@]}" setpriv --reuid=65534 --regid=65534 --clear-groups -- \
		prlimit --nproc=100 -- "$TEND" -w -t 1 -- "$HELPERS/forkbomb" "$dir/full"
	UNSHARE_PID=$BG_PID
	wait_for 5 child_of "$UNSHARE_PID"
	TEND_PID=$(child_of "$UNSHARE_PID")
	wait_line "$dir/full" full 30

	kill -TERM "$TEND_PID"
	wait_exit "$UNSHARE_PID" 30
	# The main child was the first bomb: killed by SIGKILL.
	assert_equal "$STATUS" 137
	killed=$(grep -oE 'grace period of 1s expired: sent SIGKILL to [0-9]+ processes' \
		"$BATS_TEST_TMPDIR/bg.err" | grep -oE '[0-9]+ processes' | grep -oE '[0-9]+')
	(( killed >= 50 )) || fail "the bomb was only ${killed:-0} processes strong"
	# tend itself reaped every bomb process before it exited: the kernel's
	# clean-up of a dying namespace did not do it for tend.
	reaped=$(grep -c 'Reaped zombie process' "$BATS_TEST_TMPDIR/bg.err")
	(( reaped >= killed - 1 )) || fail "reaped only $reaped of $killed killed processes"
}
