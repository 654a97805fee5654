# tend -L: the LD_PRELOAD helper, and the builds of its test workload that
# the glibc-only `make helpers` pattern rule cannot make.
#
# -nostdlib leaves the helper with no DT_NEEDED entry, so one file binds to
# glibc or musl, whichever the child has. --hash-style=both: old loaders
# read only DT_HASH. -z now: its symbols are bound before it runs.
# -z norelro: its GOT is read once, by the constructor; RELRO would pad the
# file to the maximum page size (64 KiB of zeros on arm64 and ppc64el).

PRELOAD_CFLAGS := -Os -fPIC -fno-stack-protector -fno-asynchronous-unwind-tables
PRELOAD_LDFLAGS := -shared -nostdlib -s -Wl,--build-id=none -Wl,-z,noseparate-code \
	-Wl,-z,now -Wl,-z,norelro -Wl,--hash-style=both

all: tend-linebuf.so

tend-linebuf.so: linebuf_preload.c mk/linebuf.mk
	$(CC) $(PRELOAD_CFLAGS) $(WARNINGS) $(PRELOAD_LDFLAGS) -o $@ linebuf_preload.c

HELPER_WARNINGS := -Wall -Wextra $(if $(filter true,$(CI)),-Werror)

# The same workload as a dynamic musl program (run by /lib/ld-musl-x86_64.so.1),
# as a static one, which no preload can reach, and linked with a library
# that writes to stdout before the helper runs.
helpers: tests/helpers/ticker-musl tests/helpers/ticker-static tests/helpers/ticker-banner
tests/helpers/ticker-musl: tests/helpers/ticker.c
	musl-gcc -O2 $(HELPER_WARNINGS) -o $@ $<
tests/helpers/ticker-static: tests/helpers/ticker.c
	musl-gcc -O2 -static $(HELPER_WARNINGS) -o $@ $<
# An explicit rule, so the Makefile's pattern rule does not link it as a program.
tests/helpers/banner: tests/helpers/banner.c
	gcc -O2 -fPIC -shared -Wl,-soname,banner $(HELPER_WARNINGS) -o $@ $<
tests/helpers/ticker-banner: tests/helpers/ticker.c tests/helpers/banner
	gcc -O2 $(HELPER_WARNINGS) -o $@ $< -Wl,--no-as-needed tests/helpers/banner -Wl,-rpath,'$$ORIGIN'

.PHONY: clean-linebuf
clean: clean-linebuf
clean-linebuf:
	rm -f tend-linebuf.so tests/helpers/ticker-musl tests/helpers/ticker-static \
		tests/helpers/ticker-banner
