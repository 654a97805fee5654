#!/usr/bin/env bats
# suite: plain-only slow
# make release: every architecture's binaries and .deb, the source tarball
# and SHA256SUMS; byte-identical when built twice from the same commit.
# Built from two clones of HEAD in different directories (so a build path
# in an artifact would show as a difference): what is committed is tested.

load helper

REPO=$BATS_TEST_DIRNAME/..
ARCHS=(amd64 arm64 armhf i386 ppc64el s390x riscv64)
# Docker's name of each (TARGETARCH), which the binaries' file names take.
declare -gA DOCKER=([amd64]=amd64 [arm64]=arm64 [armhf]=arm [i386]=386 [ppc64el]=ppc64le [s390x]=s390x
	[riscv64]=riscv64)

setup_file() {
	"$REPO/tests/setup/cross"
	for clone in one two; do
		git clone -q "$REPO" "$BATS_FILE_TMPDIR/$clone"
		make -s -C "$BATS_FILE_TMPDIR/$clone" release >"$BATS_FILE_TMPDIR/$clone.log" 2>&1 ||
			{ cat "$BATS_FILE_TMPDIR/$clone.log" >&3; return 1; }
	done
	VERSION=$(sed -n 's/^VERSION := //p' "$REPO/Makefile")
	export VERSION
}

release_dir() {
	echo "$BATS_FILE_TMPDIR/${1:-one}/build/release"
}

@test "make release writes every architecture's binary, helper and .deb, the tarball and SHA256SUMS" {
	local dir
	dir=$(release_dir)
	local expected=(SHA256SUMS "tend-$VERSION.tar.gz")
	for arch in "${ARCHS[@]}"; do
		expected+=("tend-$VERSION-linux-${DOCKER[$arch]}" "tend-linebuf-$VERSION-linux-${DOCKER[$arch]}.so"
			"tend_${VERSION}_$arch.deb")
	done
	run ls "$dir"
	assert_output "$(printf '%s\n' "${expected[@]}" | LC_ALL=C sort)"
	cd "$dir"
	run sha256sum -c SHA256SUMS
	assert_success
	assert_equal "${#lines[@]}" $((${#expected[@]} - 1))
}

@test "two releases of the same commit, built in different directories, are byte-identical" {
	run diff "$(release_dir one)/SHA256SUMS" "$(release_dir two)/SHA256SUMS"
	assert_success
	for file in "$(release_dir one)"/*; do
		cmp "$file" "$(release_dir two)/${file##*/}"
	done
}

# The numeric owner and the time stamp of every member of a tar archive on stdin.
tar_members() {
	python3 -c 'import sys, tarfile
for m in tarfile.open(fileobj=sys.stdin.buffer, mode="r|*"):
    print(m.uid, m.gid, m.mtime)' | sort -u
}

@test "no build path, user or host name in any artifact, and every time stamp is the commit's" {
	local dir unpacked=$BATS_TEST_TMPDIR/unpacked epoch deb
	dir=$(release_dir)
	epoch=$(git -C "$REPO" log -1 --format=%ct)
	mkdir -p "$unpacked"
	for arch in "${ARCHS[@]}"; do
		deb=$dir/tend_${VERSION}_$arch.deb
		dpkg-deb -x "$deb" "$unpacked/$arch"
		dpkg-deb -e "$deb" "$unpacked/$arch/DEBIAN"
		run tar_members < <(dpkg-deb --fsys-tarfile "$deb")
		assert_output "0 0 $epoch"
		run tar_members < <(dpkg-deb --ctrl-tarfile "$deb")
		assert_output "0 0 $epoch"
	done
	run tar_members <"$dir/tend-$VERSION.tar.gz"
	assert_output "0 0 $epoch"
	tar -xzf "$dir/tend-$VERSION.tar.gz" -C "$unpacked"
	for needle in "$BATS_FILE_TMPDIR" "$(cd "$REPO" && pwd -P)" "$(id -un)@"; do
		run grep -rlaF -e "$needle" "$dir" "$unpacked"
		assert_failure 1
	done
	# The host's name could be any word of the sources: look for it in the binaries alone.
	run grep -laF -e "$(hostname)" "$dir"/tend-*-linux-* "$unpacked"/*/usr/bin/tend
	assert_failure 1
}

@test "each binary and helper is built for its architecture, static, stripped, named as Docker names it" {
	local dir
	dir=$(release_dir)
	declare -A machine=([amd64]="X86-64" [arm64]="AArch64" [armhf]="ARM" [i386]="80386"
		[ppc64el]="PowerPC64" [s390x]="S/390" [riscv64]="RISC-V")
	for arch in "${ARCHS[@]}"; do
		run readelf -h "$dir/tend-$VERSION-linux-${DOCKER[$arch]}"
		assert_output --regexp "Machine: +(Advanced Micro Devices |Intel |IBM )?${machine[$arch]}"
		assert_output --regexp "Type: +EXEC"
		run readelf -lS "$dir/tend-$VERSION-linux-${DOCKER[$arch]}"
		refute_output --partial INTERP
		refute_output --partial .symtab
		run readelf -hd "$dir/tend-linebuf-$VERSION-linux-${DOCKER[$arch]}.so"
		assert_output --regexp "Machine: +(Advanced Micro Devices |Intel |IBM )?${machine[$arch]}"
		assert_output --regexp "Type: +DYN"
		refute_output --partial NEEDED
	done
}

@test "each .deb installs /usr/bin/tend, its -L helper and the man page, and the installed tend runs" {
	local dir root
	dir=$(release_dir)
	for arch in "${ARCHS[@]}"; do
		# An empty dpkg database of its own, so the host's packages are not touched.
		root=$BATS_TEST_TMPDIR/root-$arch
		mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
		touch "$root/var/lib/dpkg/status"
		run dpkg --root="$root" --force-architecture --log=/dev/null -i "$dir/tend_${VERSION}_$arch.deb"
		assert_success
		run dpkg --root="$root" -L tend
		assert_line /usr/bin/tend
		assert_line /usr/lib/tend/tend-linebuf.so
		assert_line /usr/share/man/man1/tend.1.gz
		run "$root/usr/bin/tend" --version
		assert_success
		assert_output --regexp "^tend version $VERSION - git\.[0-9a-f]{7}$"
		# The installed tend finds the installed helper for -L.
		run "$root/usr/bin/tend" -L -- sh -c 'echo "$LD_PRELOAD"'
		assert_output --partial "$root/usr/lib/tend/tend-linebuf.so"
	done
}

@test "lintian finds no error in any .deb" {
	local dir
	dir=$(release_dir)
	run lintian --tag-display-limit 0 "$dir"/*.deb
	assert_success
	refute_output --regexp '^E: '
}

@test "the source tarball builds tend" {
	local src=$BATS_TEST_TMPDIR/src
	mkdir -p "$src"
	tar -xzf "$(release_dir)/tend-$VERSION.tar.gz" -C "$src"
	run make -s -C "$src/tend-$VERSION" tend
	assert_success
	run "$src/tend-$VERSION/tend" -- true
	assert_success
}

@test "a missing toolchain stops make release before anything is built, naming the package" {
	local clone=$BATS_TEST_TMPDIR/clone
	git clone -q "$REPO" "$clone"
	# A release from before must not survive a failed run and pass for its result.
	mkdir -p "$clone/build/release" && touch "$clone/build/release/SHA256SUMS"
	run make -s -C "$clone" release \
		CROSS_TARGETS="amd64:x86_64-linux-musl:x86_64-linux-gnu:amd64 sparc64:sparc64-linux-musl:sparc64-linux-gnu:sparc64"
	assert_failure
	assert_line "make: no sparc64 toolchain: run tests/setup/cross, or dpkg --add-architecture sparc64 && apt-get update && apt-get install gcc-sparc64-linux-gnu musl-dev:sparc64"
	[ ! -e "$clone/build/release" ]
	[ ! -e "$clone/build/release.part" ]
	[ ! -e "$clone/build/cross/amd64/tend" ]
}
