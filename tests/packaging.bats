#!/usr/bin/env bats
# How tend reaches users: make install, make dist, the man page,
# Dockerfile.example and the Kubernetes examples.
# suite: plain-only slow

load helper

ROOT=$BATS_TEST_DIRNAME/..

@test "make install puts the binary, the -L helper and the man page under DESTDIR/PREFIX" {
	local dest=$BATS_TEST_TMPDIR/dest
	run make --no-print-directory -C "$ROOT" install DESTDIR="$dest" PREFIX=/opt/tend
	assert_success
	[ -x "$dest/opt/tend/bin/tend" ]
	[ -f "$dest/opt/tend/lib/tend/tend-linebuf.so" ]
	[ -f "$dest/opt/tend/share/man/man1/tend.1" ]
	run find "$dest" -type f
	assert_equal "${#lines[@]}" 3
	# The installed tend finds its installed helper.
	run "$dest/opt/tend/bin/tend" -L -- sh -c 'echo "$LD_PRELOAD"'
	assert_success
	assert_output "$dest/opt/tend/lib/tend/tend-linebuf.so"
}

@test "make install defaults to PREFIX=/usr/local" {
	local dest=$BATS_TEST_TMPDIR/dest
	run make --no-print-directory -C "$ROOT" install DESTDIR="$dest"
	assert_success
	[ -x "$dest/usr/local/bin/tend" ]
	[ -f "$dest/usr/local/lib/tend/tend-linebuf.so" ]
	[ -f "$dest/usr/local/share/man/man1/tend.1" ]
}

@test "make dist makes tend-VERSION.tar.gz of the committed tree, which builds" {
	git -C "$ROOT" rev-parse HEAD >/dev/null 2>&1 || skip "not a git checkout"
	run make --no-print-directory -C "$ROOT" dist
	assert_success
	local version tarball
	version=$(sed -n 's/^VERSION := //p' "$ROOT/Makefile")
	tarball=$ROOT/build/tend-$version.tar.gz
	assert_line "build/tend-$version.tar.gz"
	diff <(tar -tzf "$tarball" | grep -v '/$' | sort) \
		<(git -C "$ROOT" ls-tree -r --name-only HEAD | sed "s|^|tend-$version/|" | sort)
	tar -xzf "$tarball" -C "$BATS_TEST_TMPDIR"
	run make --no-print-directory -C "$BATS_TEST_TMPDIR/tend-$version" tend
	assert_success
	run "$BATS_TEST_TMPDIR/tend-$version/tend" --version
	assert_output --regexp "^tend version $version - git\."
}

@test "the man page formats without a warning" {
	run groff -z -man -ww "$ROOT/tend.1"
	assert_success
	assert_output ""
	run --separate-stderr env MANWIDTH=80 man --warnings -l "$ROOT/tend.1"
	assert_success
	assert_equal "$stderr" ""
	assert_output --partial "EXIT STATUS"
}

@test "the man page names every option and variable that --help lists" {
	local page word
	page=$(MANWIDTH=200 man -l "$ROOT/tend.1" 2>/dev/null)
	run "$TEND" --help
	for word in $(grep -oE -- '--[a-z-]+|(^| )-[a-zA-Z]\b|[A-Z_]{6,}' <<<"$output" | tr -d ' ' | sort -u); do
		grep -qF -- "$word" <<<"$page" || fail "tend.1 does not mention $word"
	done
}

# The Dockerfile as a list of "INSTRUCTION arguments", one a line.
instructions() {
	sed -e '/^[[:space:]]*#/d' -e '/^[[:space:]]*$/d' "$ROOT/Dockerfile.example"
}

@test "Dockerfile.example: an alpine build stage, then images whose entrypoint is tend --" {
	run instructions
	assert_line --index 0 --regexp '^FROM alpine:[0-9.]+ AS build$'
	assert_line --regexp '^RUN make CC=gcc tend tend-linebuf.so$'
	assert_line --regexp '^FROM python:[0-9.]+-slim AS python$'
	assert_line 'ENTRYPOINT ["/usr/local/bin/tend", "--"]'
	assert_line 'ENTRYPOINT ["/sbin/tend", "--"]'
	# The last stage, the default image, is alpine with tend at /sbin/tend.
	run awk '/^FROM/ { last = $0 } END { print last }' < <(instructions)
	assert_output --regexp '^FROM alpine:[0-9.]+$'
	# Every instruction is one Docker knows, and every ENTRYPOINT/CMD is JSON.
	instructions | while read -r op rest; do
		case $op in
		FROM|RUN|COPY|WORKDIR|ENV) ;;
		ENTRYPOINT|CMD) python3 -c 'import json, sys; json.loads(sys.argv[1])' "$rest" ;;
		*) fail "unknown instruction: $op" ;;
		esac
	done
}

@test "Dockerfile.example: the make targets it runs build the files it copies, laid out so tend finds its helper" {
	local src=$BATS_TEST_TMPDIR/src image=$BATS_TEST_TMPDIR/image targets from to
	# COPY . . : the tree as a build context would send it.
	mkdir -p "$src"
	(cd "$ROOT" && git ls-files -co --exclude-standard | tar -cf - -T -) | tar -xf - -C "$src"
	targets=$(instructions | sed -n 's/^RUN make CC=gcc //p')
	# Debian's musl-gcc stands for alpine's gcc, which is a musl toolchain.
	run make --no-print-directory -C "$src" CC=musl-gcc $targets
	assert_success
	# The default image: the last stage's COPY --from=build lines.
	while read -r from to; do
		from=${from#/src/}
		[ -f "$src/$from" ] || fail "COPY --from=build: make did not build $from"
		install -D "$src/$from" "$image$to"
	done < <(instructions | awk '/^FROM/ { n++ } n == 3 && $1 == "COPY" { print $3, $4 }')
	run readelf -l "$image/sbin/tend"
	refute_output --partial "interpreter"
	run "$image/sbin/tend" -L -- sh -c 'echo "$LD_PRELOAD"'
	assert_output "$image/lib/tend/tend-linebuf.so"
}

# Each container in a manifest, as "TEND_GRACE TEND_STOP_DELAY
# terminationGracePeriodSeconds preStopSleep shareProcessNamespace command".
manifest() {
	/usr/bin/python3 - "$1" <<'EOF'
import sys, yaml
pod = yaml.safe_load(open(sys.argv[1]))
spec = pod["spec"]
for c in spec["containers"]:
    env = {e["name"]: e["value"] for e in c.get("env", [])}
    if "TEND_GRACE" not in env:
        continue
    stop = c.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
    pre_stop = float(stop[1]) if stop[:1] == ["sleep"] else 0
    print(env["TEND_GRACE"], env.get("TEND_STOP_DELAY", 0), spec["terminationGracePeriodSeconds"], pre_stop,
          spec.get("shareProcessNamespace", False), " ".join(c["command"]))
EOF
}

@test "the Kubernetes examples parse, and preStop, stop delay and grace fit inside terminationGracePeriodSeconds" {
	local file grace delay period pre_stop shared command
	for file in "$ROOT"/examples/kubernetes/*.yaml; do
		run manifest "$file"
		assert_success
		[ -n "$output" ] || fail "$file: no container sets TEND_GRACE"
		read -r grace delay period pre_stop shared command <<<"$output"
		awk -v g="$grace" -v d="$delay" -v p="$period" -v s="$pre_stop" 'BEGIN { exit !(s + d + g < p) }' ||
			fail "$file: preStop $pre_stop s + TEND_STOP_DELAY $delay s + TEND_GRACE $grace s is not below $period s"
		[[ $command == "/sbin/tend "*"--" ]] || fail "$file: tend is not the entrypoint: $command"
	done
	run manifest "$ROOT/examples/kubernetes/shared-pid.yaml"
	assert_output --partial "True /sbin/tend -s --"
}
