# Static builds of the test workloads, for the tiny container rootfs that
# tests/container.bats makes: it holds busybox and these, and no libc.
STATIC_HELPERS := build/static/sigrecord build/static/orphans

helpers: $(STATIC_HELPERS)
build/static/%: tests/helpers/%.c mk/container.mk
	@mkdir -p $(@D)
	gcc -O2 -static -Wall -Wextra $(if $(filter true,$(CI)),-Werror) -o $@ $<

.PHONY: clean-static
clean: clean-static
clean-static:
	rm -rf build/static
