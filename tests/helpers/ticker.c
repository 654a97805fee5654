/*
 * ticker COUNT MODE: a program that writes "tick 1" .. "tick COUNT" on stdout
 * through stdio and never flushes by itself, so whether a line reaches the
 * pipe early depends only on the stream's buffering. Built four ways: for
 * glibc (ticker), dynamic musl (ticker-musl), static musl (ticker-static),
 * and for glibc with a library that prints first (ticker-banner).
 *
 * MODE:
 *   print    write the lines and exit
 *   stop     after each line but the last, stop itself (SIGSTOP) so that a
 *            test can look at the pipe while it is paused, then SIGCONT it
 *   setvbuf  the same, after asking for full buffering with setvbuf(3)
 *   hang     write every line, ignore SIGTERM, say "ready" on stderr with
 *            write(2), then wait forever: only SIGKILL ends it
 *   partial  write "out:" to stdout and "err:" to stderr without a newline,
 *            stop, then end both lines with "done"
 *   readline read one line from stdin with fgets and write it back
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void ticks(int count, int stop_between)
{
	char line[32];

	for (int i = 1; i <= count; i++) {
		/* puts ends the line with putc, the path that must see the mode. */
		snprintf(line, sizeof line, "tick %d", i);
		puts(line);
		if (stop_between && i < count)
			raise(SIGSTOP);
	}
}

int main(int argc, char *argv[])
{
	const char *mode = argc > 2 ? argv[2] : "";
	int count = argc > 1 ? atoi(argv[1]) : 0;
	char line[256];

	if (count <= 0) {
		fprintf(stderr, "usage: ticker COUNT print|stop|setvbuf|hang|partial|readline\n");
		return 2;
	}
	if (strcmp(mode, "print") == 0) {
		ticks(count, 0);
	} else if (strcmp(mode, "stop") == 0) {
		ticks(count, 1);
	} else if (strcmp(mode, "setvbuf") == 0) {
		setvbuf(stdout, NULL, _IOFBF, BUFSIZ);
		ticks(count, 1);
	} else if (strcmp(mode, "hang") == 0) {
		signal(SIGTERM, SIG_IGN);
		ticks(count, 0);
		write(STDERR_FILENO, "ready\n", 6);
		for (;;)
			pause();
	} else if (strcmp(mode, "partial") == 0) {
		fputs("out:", stdout);
		fputs("err:", stderr);
		raise(SIGSTOP);
		fputs("done\n", stdout);
		fputs("done\n", stderr);
	} else if (strcmp(mode, "readline") == 0) {
		if (fgets(line, sizeof line, stdin))
			fputs(line, stdout);
	} else {
		fprintf(stderr, "ticker: unknown mode '%s'\n", mode);
		return 2;
	}
	return 0;
}
