# make install [PREFIX=/usr/local] [DESTDIR=]: the binary, the -L helper
# where tend looks for it (PREFIX/lib/tend/, beside PREFIX/bin/), and the
# man page. make dist: build/tend-VERSION.tar.gz of the committed tree.

.PHONY: install dist
install: all
	install -D -m 0755 tend $(DESTDIR)$(PREFIX)/bin/tend
	install -D -m 0644 tend-linebuf.so $(DESTDIR)$(PREFIX)/lib/tend/tend-linebuf.so
	install -D -m 0644 tend.1 $(DESTDIR)$(PREFIX)/share/man/man1/tend.1

dist:
	@mkdir -p build
	git archive --format=tar.gz --prefix=tend-$(VERSION)/ -o build/tend-$(VERSION).tar.gz HEAD
	@echo build/tend-$(VERSION).tar.gz
