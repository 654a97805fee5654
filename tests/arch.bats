#!/usr/bin/env bats
# suite: plain-only
# A smoke set for every architecture tend ships for: the cross-built
# binary (build/cross/ARCH/tend) starts a command, forwards SIGTERM, reaps
# orphans, kills after the grace and exits with the child's status, as PID
# 1 of a PID namespace. Foreign binaries run under qemu-user through
# binfmt_misc (tests/setup/cross registers it), as they would on hardware;
# the workloads are the host's. tests/run-arch runs the whole PID-1 part
# of the suite on one architecture.

load helper

ARCHS=(amd64 arm64 armhf i386 ppc64el s390x riscv64)
ROOT=$BATS_TEST_DIRNAME/..

setup_file() {
	[ "$(id -u)" != 0 ] || "$ROOT/tests/setup/cross"
	make --no-print-directory -s -C "$ROOT" cross >&3
}

# The tend to run for ARCH: the binary itself, or where binfmt_misc runs
# no emulator for it, a script that runs it as qemu-ARCH-static FILE.
bin() {
	local tend=$ROOT/build/cross/$1/tend
	if ! "$tend" --version >/dev/null 2>&1; then
		make --no-print-directory -s -C "$ROOT" "build/cross/$1/tend-qemu" >&2
		tend=$tend-qemu
	fi
	echo "$tend"
}

# Issue 11: the release binaries for the two common architectures.
@test "the static binary is under 32 KiB on amd64 and on arm64" {
	local size
	for arch in amd64 arm64; do
		size=$(stat -c %s "$ROOT/build/cross/$arch/tend")
		[ "$size" -lt 32768 ] || fail "$arch: tend is $size bytes, not under 32 KiB (32768)"
	done
}

@test "on every architecture, tend runs COMMAND as PID 1 and exits with its status" {
	for arch in "${ARCHS[@]}"; do
		TEND=$(bin "$arch")
		run "$TEND" --version
		assert_output --regexp '^tend version [0-9.]+ - git\.'
		# (Not "pid 2" for the child: qemu-user's own thread may take that number.)
		run tend_as_pid1 -- sh -c "echo $arch: parent \$PPID; exit 7"
		assert_failure 7
		assert_output "$arch: parent 1"
		# A child killed by a signal: 128+N.
		run tend_as_pid1 -- sh -c 'kill -USR1 $$'
		assert_failure $((128 + 10))
	done
}

@test "on every architecture, tend as PID 1 forwards SIGTERM to the child's group" {
	for arch in "${ARCHS[@]}"; do
		TEND=$(bin "$arch")
		OUT=$BATS_TEST_TMPDIR/$arch.out start_tend_pid1 -- \
			sh -c 'trap "echo got TERM; exit 0" TERM; echo ready; sleep 30 & wait'
		wait_line "$BATS_TEST_TMPDIR/$arch.out" ready 10
		kill -TERM "$TEND_PID"
		wait_exit "$UNSHARE_PID" 10
		assert_equal "$arch: $STATUS" "$arch: 0"
		run cat "$BATS_TEST_TMPDIR/$arch.out"
		assert_output $'ready\ngot TERM'
	done
}

@test "on every architecture, tend as PID 1 reaps orphans: no zombie is left" {
	for arch in "${ARCHS[@]}"; do
		TEND=$(bin "$arch")
		run tend_as_pid1 -- sh -c "
			$HELPERS/orphans 50 100 >/dev/null
			sleep 1
			echo zombies=\$(cat /proc/[0-9]*/stat 2>/dev/null | grep -c ') Z ')"
		assert_success
		assert_output "zombies=0"
	done
}

@test "on every architecture, a child that ignores SIGTERM is killed when the grace expires" {
	for arch in "${ARCHS[@]}"; do
		TEND=$(bin "$arch")
		ERR=$BATS_TEST_TMPDIR/$arch.err OUT=$BATS_TEST_TMPDIR/$arch.out start_tend_pid1 -t 0.5 -- \
			sh -c 'trap "" TERM; echo ready; exec sleep 30'
		wait_line "$BATS_TEST_TMPDIR/$arch.out" ready 10
		kill -TERM "$TEND_PID"
		wait_exit "$UNSHARE_PID" 10
		assert_equal "$arch: $STATUS" "$arch: 137"
		run cat "$BATS_TEST_TMPDIR/$arch.err"
		assert_output --regexp "^tend: grace period of 0.5s expired: sent SIGKILL to 1 process: [0-9]+ \(sleep\)$"
	done
}

# 32-bit armhf and i386 included: musl's 64-bit time_t carries deadlines
# decades ahead, and the kernel's monotonic clock is read through the time64
# call; an overflow would end the grace or the run at once.
@test "on every architecture, a grace and a run deadline of years neither overflow nor fire" {
	for arch in "${ARCHS[@]}"; do
		TEND=$(bin "$arch")
		OUT=$BATS_TEST_TMPDIR/$arch.out start_tend_pid1 -t 11574d -T 11574d -- \
			sh -c 'trap "echo got TERM" TERM; echo ready; sleep 30 & wait; sleep 0.5; exit 3'
		wait_line "$BATS_TEST_TMPDIR/$arch.out" ready 10
		kill -TERM "$TEND_PID"
		wait_exit "$UNSHARE_PID" 10
		# The child finished its work after the TERM: no SIGKILL (137), no timeout (124).
		assert_equal "$arch: $STATUS" "$arch: 3"
	done
}

# Inside a runc container whose root holds busybox and tend, and no qemu:
# with binfmt_misc's F flag the kernel runs the emulator it opened when the
# handler was registered, so the container needs nothing, as on hardware.
@test "on every architecture, tend is PID 1 of a runc container and docker stop's SIGTERM ends it" {
	local root=$BATS_TEST_TMPDIR/rootfs state=$BATS_TEST_TMPDIR/runc bundle id
	mkdir -p "$root"/{bin,sbin,out,proc,dev,sys,tmp}
	cp /bin/busybox "$root/bin/busybox"
	for applet in sh sleep echo; do ln -s busybox "$root/bin/$applet"; done
	for arch in "${ARCHS[@]}"; do
		case $(bin "$arch") in
		*-qemu)
			echo "# $arch: binfmt_misc runs no qemu for it, so no container can run it" >&3
			continue
		esac
		cp "$(bin "$arch")" "$root/sbin/tend-$arch"
		bundle=$BATS_TEST_TMPDIR/bundle-$arch
		mkdir -p "$bundle"
		runc spec --bundle "$bundle"
		jq --arg root "$root" --arg out "$BATS_TEST_TMPDIR" --arg arch "$arch" \
			'.root.path = $root | .root.readonly = true | .process.terminal = false
			| .process.args = ["/sbin/tend-" + $arch, "--", "/bin/sh", "-c",
				"echo ready >/out/ready-" + $arch + "; exec sleep 1000"]
			| .mounts += [{destination: "/out", type: "bind", source: $out, options: ["rbind", "rw"]}]' \
			<"$bundle/config.json" >"$bundle/config.new"
		mv "$bundle/config.new" "$bundle/config.json"
		id=tend-arch-$$-$arch
		OUT=$BATS_TEST_TMPDIR/$arch.out ERR=$BATS_TEST_TMPDIR/$arch.err \
			start_bg runc --root "$state" run --bundle "$bundle" "$id"
		if ! wait_line "$BATS_TEST_TMPDIR/ready-$arch" ready 10; then
			runc --root "$state" delete -f "$id" || true
			cat "$BATS_TEST_TMPDIR/$arch.err" >&2
			false
		fi
		runc --root "$state" kill "$id" TERM
		wait_exit "$BG_PID" 10 || runc --root "$state" delete -f "$id"
		assert_equal "$arch: $STATUS" "$arch: 143"
	done
}
