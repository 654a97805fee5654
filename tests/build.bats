#!/usr/bin/env bats
# `make` builds one static, stripped binary that needs nothing at run time.

load helper

@test "tend is a static, stripped executable with no interpreter or shared library" {
	needs_static_tend
	run readelf -lhd "$TEND"
	assert_success
	refute_output --partial "INTERP"
	refute_output --partial "NEEDED"
	assert_output --partial "There is no dynamic section in this file."
	run readelf -S "$TEND"
	refute_output --partial ".symtab"
}

@test "tend runs where no libc exists: an empty root with tend alone" {
	needs_static_tend
	local root=$BATS_TEST_TMPDIR/root
	mkdir -p "$root/bin"
	cp "$TEND" "$root/bin/tend"
	run timeout 10 chroot "$root" /bin/tend --version
	assert_success
	assert_output --regexp '^tend version '
}
