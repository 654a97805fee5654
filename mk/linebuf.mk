# tend -L: the LD_PRELOAD helper, and the musl-built test workloads.
#
# -nostdlib leaves the helper with no DT_NEEDED entry, so one file binds to
# glibc or musl, whichever the child has. --hash-style=both: old loaders
# read only DT_HASH. -z now: its three symbols are bound before it runs.

PRELOAD_CFLAGS := -Os -fPIC -fno-stack-protector -fno-asynchronous-unwind-tables
PRELOAD_LDFLAGS := -shared -nostdlib -s -Wl,--build-id=none -Wl,-z,noseparate-code \
	-Wl,-z,now -Wl,--hash-style=both

all: tend-linebuf.so

tend-linebuf.so: linebuf_preload.c mk/linebuf.mk
	$(CC) $(PRELOAD_CFLAGS) $(WARNINGS) $(PRELOAD_LDFLAGS) -o $@ linebuf_preload.c

# The same workload as a dynamic musl program (run by /lib/ld-musl-x86_64.so.1)
# and as a static one, which no preload can reach.
helpers: tests/helpers/ticker-musl tests/helpers/ticker-static
tests/helpers/ticker-musl: tests/helpers/ticker.c
	musl-gcc -O2 -Wall -Wextra $(if $(filter true,$(CI)),-Werror) -o $@ $<
tests/helpers/ticker-static: tests/helpers/ticker.c
	musl-gcc -O2 -static -Wall -Wextra $(if $(filter true,$(CI)),-Werror) -o $@ $<

.PHONY: clean-linebuf
clean: clean-linebuf
clean-linebuf:
	rm -f tend-linebuf.so tests/helpers/ticker-musl tests/helpers/ticker-static
