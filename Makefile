# tend: a static, stripped musl binary and its -L helper library.
# `make` builds, `make test` installs what it needs and runs the suite,
# `make check` is the quick loop while editing,
# `make run` shows tend as PID 1 on a demo workload.

VERSION := 0.1.0
COMMIT := $(shell git rev-parse --short=7 HEAD 2>/dev/null || echo unknown)
PREFIX ?= /usr/local
DESTDIR ?=

CC := musl-gcc
WARNINGS := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
ifeq ($(CI),true)
WARNINGS += -Werror
endif
# Size first: no frame pointer (gcc keeps one on arm64), no unwind tables, each function in its own section for --gc-sections.
# -fno-pie: the static binary is loaded at a fixed address anyway.
CFLAGS ?= -Os -fomit-frame-pointer -fno-pie -fno-asynchronous-unwind-tables -fno-unwind-tables -ffunction-sections -fdata-sections
CPPFLAGS += -D_GNU_SOURCE -DTEND_VERSION='"$(VERSION)"' -DTEND_COMMIT='"$(COMMIT)"'
# No page-aligned padding between segments (about 10 KiB of zeros): code and
# rodata share one segment, no RELRO (musl's static start-up never applies it),
# and the data segment follows the text in the file without a page gap.
LDFLAGS ?= -static -no-pie -s -Wl,--gc-sections -Wl,--build-id=none -Wl,-z,noseparate-code \
	-Wl,-z,norelro -Wl,-z,common-page-size=64

SOURCES := init.c options.c signals.c reaper.c log.c linebuf.c environment.c census.c \
	detach.c jobfiles.c jobwait.c
HEADERS := $(wildcard *.h)
HELPERS := $(patsubst %.c,%,$(wildcard tests/helpers/*.c))

.PHONY: all helpers test check run clean install
all: tend

tend: $(SOURCES) $(HEADERS) Makefile
	@command -v $(CC) >/dev/null || { echo "make: $(CC) missing: apt-get install musl-tools (or run 'make test' / 'make run')" >&2; exit 1; }
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARNINGS) $(LDFLAGS) -o $@ $(SOURCES)

# Test workloads are ordinary glibc programs: they stand for the user's app.
helpers: $(HELPERS)
tests/helpers/%: tests/helpers/%.c
	gcc -O2 -Wall -Wextra $(if $(filter true,$(CI)),-Werror) -o $@ $<

# test: everything CI runs. check: the quick loop, or one file: FILE=tests/grace.bats.
test:
	tests/run

check:
	tests/run --check $(FILE)

run:
	tests/demo

clean:
	rm -f tend $(HELPERS)

-include mk/*.mk
