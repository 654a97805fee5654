# Cross builds: tend and its -L helper for every architecture tend ships
# for, each a static musl binary built with Debian's cross gcc and the
# musl-dev of that architecture; for riscv64, which Debian 12 has no
# musl-dev for, with musl built from Debian's source package.
# tests/setup/cross installs them all.
#
#   make cross                  build/cross/ARCH/{tend,tend-linebuf.so}, every ARCH
#   make build/cross/arm64/tend one of them
#
# The top-level ./tend stays the host's build.

# Debian architecture : prefix of musl-dev's gcc wrapper : of the gcc it
# wraps : Docker's name (TARGETARCH, as in linux/arm/v7 or linux/386) : qemu's
CROSS_TARGETS := \
	amd64:x86_64-linux-musl:x86_64-linux-gnu:amd64:x86_64 \
	arm64:aarch64-linux-musl:aarch64-linux-gnu:arm64:aarch64 \
	armhf:arm-linux-musleabihf:arm-linux-gnueabihf:arm:arm \
	i386:i386-linux-musl:i686-linux-gnu:386:i386 \
	ppc64el:powerpc64le-linux-musl:powerpc64le-linux-gnu:ppc64le:ppc64le \
	s390x:s390x-linux-musl:s390x-linux-gnu:s390x:s390x \
	riscv64:riscv64-linux-musl:riscv64-linux-gnu:riscv64:riscv64
CROSS_ARCHS := $(foreach t,$(CROSS_TARGETS),$(firstword $(subst :, ,$t)))

cross_field = $(word $2,$(subst :, ,$(filter $1:%,$(CROSS_TARGETS))))
cross_cc = $(call cross_field,$1,2)-gcc
docker_arch = $(call cross_field,$1,4)
comma := ,
cross_hint_amd64 := $(comma) or apt-get install gcc musl-dev
cross_hint_riscv64 := ; Debian 12 has gcc-riscv64-linux-gnu but no musl-dev:riscv64, so it builds musl from Debian's source package
cross_hint = $(or $(cross_hint_$1),$(comma) or dpkg --add-architecture $1 && apt-get update && apt-get install gcc-$(call cross_field,$1,3) musl-dev:$1)

# A missing toolchain stops the build with the one command that installs it.
define cross_need_toolchain
@command -v $(call cross_cc,$1) >/dev/null && command -v $(call cross_field,$1,3)-gcc >/dev/null || \
	{ echo "make: no $1 toolchain: run tests/setup/cross$(call cross_hint,$1)" >&2; exit 1; }
endef

.PHONY: toolchain-%
toolchain-%:
	$(call cross_need_toolchain,$*)

# No build path in any artifact: debug info is never kept, and __FILE__ is not used,
# but a path must not slip in through either.
# Link-time optimization where it pays: it makes every binary smaller
# (arm64's by 0.75 KiB, which brings it under 32 KiB; ppc64el's by 1.7 KiB)
# but amd64's, which it grows by 0.1 KiB.
NO_LTO_ARCHS := amd64
CROSS_CFLAGS = $(CFLAGS) -ffile-prefix-map=$(CURDIR)=. $(if $(filter $*,$(NO_LTO_ARCHS)),,-flto) \
	$(CROSS_CFLAGS_$*)
# arm64: one adr instead of adrp+add for each address (0.8 KiB less); the
# tiny model's limit, a 1 MiB image, is far off.
CROSS_CFLAGS_arm64 := -mcmodel=tiny

.PHONY: cross
cross: $(foreach a,$(CROSS_ARCHS),build/cross/$a/tend build/cross/$a/tend-linebuf.so)

# The commit is part of the binary (--version): a new one rebuilds it.
build/cross/commit: FORCE
	@mkdir -p $(@D)
	@echo $(COMMIT) | cmp -s - $@ || echo $(COMMIT) >$@

build/cross/%/tend: $(SOURCES) $(HEADERS) Makefile mk/cross.mk build/cross/commit
	$(call cross_need_toolchain,$*)
	@mkdir -p $(@D)
	$(call cross_cc,$*) $(CPPFLAGS) $(CROSS_CFLAGS) $(WARNINGS) $(LDFLAGS) -o $@ $(SOURCES)

build/cross/%/tend-linebuf.so: linebuf_preload.c mk/linebuf.mk mk/cross.mk
	$(call cross_need_toolchain,$*)
	@mkdir -p $(@D)
	$(call cross_cc,$*) $(PRELOAD_CFLAGS) -ffile-prefix-map=$(CURDIR)=. $(WARNINGS) \
		$(PRELOAD_LDFLAGS) -o $@ linebuf_preload.c

# Where binfmt_misc is missing, the tests run a foreign tend through this.
build/cross/%/tend-qemu: mk/cross.mk
	@mkdir -p $(@D)
	printf '#!/bin/sh\nexec qemu-%s-static "$$(dirname "$$0")/tend" "$$@"\n' $(call cross_field,$*,5) >$@
	chmod +x $@

.PHONY: FORCE clean-cross
FORCE:
clean: clean-cross
clean-cross:
	rm -rf build/cross

# The PID-1 part of the suite against each architecture's tend, under
# qemu-user (tests/run-arch): `make test-arch` for all, `make test-arch-armhf`
# for one. tests/run runs it for arm64, and tests/arch.bats (a smoke set)
# for all.
.PHONY: test-arch test-arch-%
test-arch:
	tests/run-arch $(filter-out amd64,$(CROSS_ARCHS))
test-arch-%:
	tests/run-arch $*
