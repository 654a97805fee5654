# make chaos [SEEDS=200] [SEED=S]: random scenarios of process trees and
# signal timelines, run on the real tend and checked against the contract
# by an oracle (chaos/chaos.py). SEED=S replays one scenario and prints it.
# make chaos-ci: the fixed seed set (1..56) that `make test` runs (about 60 s).
# make chaos-selftest: deliberately broken builds of tend, each of which the
# CI seed set must catch.

SEEDS ?= 200
CHAOS_CI_SEEDS := 56
CHAOS_JOBS ?= 2
CHAOS := python3 chaos/chaos.py --jobs $(CHAOS_JOBS)
MUTANTS := nokill twice killall signum early nocont dropheld

build/chaos/actor: chaos/actor.c mk/chaos.mk
	@mkdir -p $(@D)
	gcc -O2 -Wall -Wextra $(if $(filter true,$(CI)),-Werror) -o $@ $<

.PHONY: chaos chaos-ci chaos-selftest chaos-mutants clean-chaos
chaos: tend tend-linebuf.so build/chaos/actor
	$(CHAOS) $(if $(SEED),--seed $(SEED),--seeds $(SEEDS))

chaos-ci: tend tend-linebuf.so build/chaos/actor
	$(CHAOS) --seeds $(CHAOS_CI_SEEDS) --first 1 --shrink-seconds 30

# Each mutant: the sources copied, one line changed by chaos/mutate, built
# with the flags of the real tend.
chaos-mutants: $(MUTANTS:%=build/chaos/mutants/%/tend)
build/chaos/mutants/%/tend: $(SOURCES) $(HEADERS) chaos/mutate mk/chaos.mk
	chaos/mutate $* $(@D) $(SOURCES) $(HEADERS)
	cd $(@D) && $(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o tend $(SOURCES)

chaos-selftest: chaos-mutants tend-linebuf.so build/chaos/actor
	chaos/selftest $(CHAOS_CI_SEEDS) $(MUTANTS)

clean: clean-chaos
clean-chaos:
	rm -rf build/chaos
