# Hardening builds: the parsers under libFuzzer, tend under ASan+UBSan and
# under valgrind. The static musl build can use neither, so these are
# dynamic glibc builds of the same sources, kept apart in build/.
#
#   make fuzz [FUZZ_SECONDS=60]   fuzz every parser for a bounded time
#   make asan                     build/asan/tend, for TEND=build/asan/tend
#   make valgrind                 build/valgrind/tend, unoptimised with symbols

FUZZ_SECONDS ?= 60
FUZZ_CC := clang
SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
HARDENING_CFLAGS := -g -O1 $(WARNINGS) $(CPPFLAGS)
FUZZ_SOURCES := fuzz/fuzz_parsers.c options.c signals.c log.c environment.c jobfiles.c census.c

.PHONY: fuzz asan valgrind
asan: build/asan/tend build/asan/tend-linebuf.so
valgrind: build/valgrind/tend

build/fuzz/fuzz_parsers: $(FUZZ_SOURCES) $(HEADERS) mk/hardening.mk
	@mkdir -p $(@D)
	$(FUZZ_CC) $(HARDENING_CFLAGS) -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o $@ $(FUZZ_SOURCES)

# The corpus in git stays the seeds; what the fuzzer learns goes to build/.
fuzz: build/fuzz/fuzz_parsers
	@mkdir -p build/fuzz/corpus
	build/fuzz/fuzz_parsers -max_total_time=$(FUZZ_SECONDS) -timeout=5 \
		-rss_limit_mb=1024 -dict=fuzz/parsers.dict -print_final_stats=1 \
		-artifact_prefix=build/fuzz/ build/fuzz/corpus fuzz/corpus

build/asan/tend: $(SOURCES) $(HEADERS) fuzz/lsan_hooks.c mk/hardening.mk
	@mkdir -p $(@D)
	$(FUZZ_CC) $(HARDENING_CFLAGS) $(SANITIZE) -o $@ $(SOURCES) fuzz/lsan_hooks.c

# The -L helper is looked for next to the binary: the sanitized tend needs
# one there too for the suite's -L tests.
build/asan/tend-linebuf.so:
	@mkdir -p $(@D)
	ln -sf ../../tend-linebuf.so $@

build/valgrind/tend: $(SOURCES) $(HEADERS) mk/hardening.mk
	@mkdir -p $(@D)
	gcc -g -O0 $(WARNINGS) $(CPPFLAGS) -o $@ $(SOURCES)

.PHONY: clean-hardening
clean: clean-hardening
clean-hardening:
	rm -rf build/asan build/valgrind build/fuzz
