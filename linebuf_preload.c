/*
 * tend-linebuf.so: the helper that tend -L puts in the child's LD_PRELOAD.
 * Before main, it makes stdout line-buffered and stderr unbuffered, as
 * `stdbuf -oL -e0` would; stdin is left alone.
 *
 * One file serves glibc and musl programs alike: it is linked with
 * -nostdlib, so it has no DT_NEEDED entry and its four undefined symbols
 * bind, at load time, to whichever libc the process already has. Both
 * libcs export stdout and stderr as FILE * variables and agree on the
 * values of _IOLBF and _IONBF. No libc header is included, since the
 * declarations must not depend on the libc we happen to be built with.
 *
 * The references are weak: in a process without a libc (or with one that
 * lacks these names) they stay NULL and the helper does nothing, where a
 * strong reference would make the loader refuse to start the program.
 */

struct libc_file;

extern struct libc_file *stdout __attribute__((weak));
extern struct libc_file *stderr __attribute__((weak));
int setvbuf(struct libc_file *stream, char *buf, int mode, unsigned long size) __attribute__((weak));
int fflush(struct libc_file *stream) __attribute__((weak));

enum { LINE_BUFFERED = 1, UNBUFFERED = 2 };  /* _IOLBF, _IONBF in glibc and musl */

/*
 * Both loaders run a preloaded object's constructors after libc and the
 * program's libraries are set up, and before the program's own
 * constructors and main. A program that calls setvbuf itself does so after
 * us, so it gets the buffering it asks for.
 *
 * setvbuf is meant to come before any other use of the stream. When a
 * library's constructor has already written to stdout, glibc records the
 * new mode but keeps filling the buffer as before, until its next write
 * resets the stream: the fflush does that write now (and does nothing to a
 * stream that holds no output).
 */
__attribute__((constructor)) static void line_buffer_stdio(void)
{
	if (!setvbuf || !fflush || !&stdout || !&stderr)
		return;
	setvbuf(stdout, 0, LINE_BUFFERED, 0);
	fflush(stdout);
	setvbuf(stderr, 0, UNBUFFERED, 0);
}
