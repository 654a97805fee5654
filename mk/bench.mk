# make bench: tend side by side with tini, dumb-init and catatonit, written
# to bench/RESULTS.md. Not a test: `make test` never runs it. bench/run
# installs the peers and hyperfine when missing, then builds and measures.

BENCH_PROGRAMS := $(patsubst bench/%.c,build/bench/%,$(wildcard bench/*.c)) build/bench/tend-fork

.PHONY: bench bench-programs clean-bench
bench:
	bench/run

bench-programs: $(BENCH_PROGRAMS)

# Ordinary glibc programs, like the user's app (lines needs a dynamic libc for -L).
build/bench/%: bench/%.c mk/bench.mk
	@mkdir -p $(@D)
	gcc -O2 -Wall -Wextra $(if $(filter true,$(CI)),-Werror) -o $@ $<

# tend as it started its child before clone(CLONE_VM | CLONE_VFORK): the same
# sources, with bench/fork/clone.c in place of libc's clone().
build/bench/tend-fork: $(SOURCES) $(HEADERS) bench/fork/clone.c Makefile mk/bench.mk
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARNINGS) $(LDFLAGS) -o $@ bench/fork/clone.c $(SOURCES)

clean: clean-bench
clean-bench:
	rm -rf build/bench
