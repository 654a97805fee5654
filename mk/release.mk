# make release: from a clean checkout of a commit, every architecture's
# static tend and -L helper, one .deb each, the source tarball, and
# SHA256SUMS over them all, in build/release/. Two runs on the same commit
# give the same bytes: every time stamp is the commit's (SOURCE_DATE_EPOCH),
# and no build path, user or host name reaches an artifact.
#
# The release is assembled in build/release.part/ and renamed to
# build/release/ only when complete: a failed run leaves no release at all.

RELEASE := build/release
RELEASE_PART := build/release.part
RELEASE_ARCHS := $(CROSS_ARCHS)
SOURCE_DATE_EPOCH = $(shell git log -1 --format=%ct 2>/dev/null)
# The binaries take Docker's architecture names, so that a Dockerfile can
# name its own with ARG TARGETARCH; the packages take Debian's.
RELEASE_FILES := \
	$(foreach a,$(RELEASE_ARCHS),tend-$(VERSION)-linux-$(call docker_arch,$a) \
		tend-linebuf-$(VERSION)-linux-$(call docker_arch,$a).so tend_$(VERSION)_$a.deb) \
	tend-$(VERSION).tar.gz

.PHONY: release release-check
release:
	rm -rf $(RELEASE) $(RELEASE_PART)
	$(MAKE) --no-print-directory release-check
	$(MAKE) --no-print-directory $(addprefix $(RELEASE_PART)/,$(RELEASE_FILES))
	cd $(RELEASE_PART) && sha256sum $(sort $(RELEASE_FILES)) >SHA256SUMS
	mv $(RELEASE_PART) $(RELEASE)
	@echo "$(RELEASE)/: $(words $(RELEASE_FILES)) files and SHA256SUMS for tend $(VERSION) (git $(COMMIT))"

# Before anything is built: a commit to build, and every toolchain.
release-check: $(addprefix toolchain-,$(RELEASE_ARCHS))
	@[ -n "$(SOURCE_DATE_EPOCH)" ] || { echo "make release: needs a git checkout (the commit dates the release)" >&2; exit 1; }
	@git diff --quiet HEAD -- || { echo "make release: uncommitted changes: a release is built from a commit; commit or stash them" >&2; exit 1; }
	@command -v dpkg-deb >/dev/null || { echo "make release: dpkg-deb missing: apt-get install dpkg" >&2; exit 1; }

define release_binaries
$(RELEASE_PART)/tend-$(VERSION)-linux-$(call docker_arch,$1): build/cross/$1/tend
	install -D -m 0755 $$< $$@
$(RELEASE_PART)/tend-linebuf-$(VERSION)-linux-$(call docker_arch,$1).so: build/cross/$1/tend-linebuf.so
	install -D -m 0644 $$< $$@
endef
$(foreach a,$(RELEASE_ARCHS),$(eval $(call release_binaries,$a)))

# The tree dpkg-deb packs: fixed modes and time stamps, root-owned
# (--root-owner-group), compressed without names or times (gzip -n).
$(RELEASE_PART)/tend_$(VERSION)_%.deb: build/cross/%/tend build/cross/%/tend-linebuf.so \
		tend.1 $(wildcard packaging/*) mk/release.mk
	@mkdir -p $(@D)
	rm -rf build/deb/$*
	install -D -m 0755 build/cross/$*/tend build/deb/$*/usr/bin/tend
	install -D -m 0644 build/cross/$*/tend-linebuf.so build/deb/$*/usr/lib/tend/tend-linebuf.so
	mkdir -p build/deb/$*/usr/share/man/man1 build/deb/$*/usr/share/doc/tend build/deb/$*/DEBIAN \
		build/deb/$*/usr/share/lintian/overrides
	gzip -9n <tend.1 >build/deb/$*/usr/share/man/man1/tend.1.gz
	install -m 0644 packaging/copyright build/deb/$*/usr/share/doc/tend/copyright
	install -m 0644 packaging/lintian-overrides build/deb/$*/usr/share/lintian/overrides/tend
	sed -e 's/@VERSION@/$(VERSION)/' -e 's/@COMMIT@/$(COMMIT)/' \
		-e "s/@DATE@/$$(LC_ALL=C date -u -R -d @$(SOURCE_DATE_EPOCH))/" packaging/changelog | \
		gzip -9n >build/deb/$*/usr/share/doc/tend/changelog.gz
	sed -e 's/@VERSION@/$(VERSION)/' -e 's/@ARCH@/$*/' \
		-e "s/@SIZE@/$$(du -sk --apparent-size --exclude=DEBIAN build/deb/$* | cut -f1)/" \
		packaging/control >build/deb/$*/DEBIAN/control
	cd build/deb/$* && find usr -type f | LC_ALL=C sort | xargs md5sum >DEBIAN/md5sums
	chmod -R u=rwX,go=rX build/deb/$*
	find build/deb/$* -exec touch -h -d @$(SOURCE_DATE_EPOCH) {} +
	SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) dpkg-deb --root-owner-group -Zxz --build build/deb/$* $@ >/dev/null

# git archive stamps every file with the commit's time; gzip -n adds none.
$(RELEASE_PART)/tend-$(VERSION).tar.gz:
	@mkdir -p $(@D)
	git archive --format=tar --prefix=tend-$(VERSION)/ HEAD | gzip -9n >$@

.PHONY: clean-release
clean: clean-release
clean-release:
	rm -rf $(RELEASE) $(RELEASE_PART) build/deb
