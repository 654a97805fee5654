/*
 * A workload that records every signal it gets, one name a line, in a file.
 *
 *   sigrecord [-i SIG]... [-x SIG]... [-g] [-s SECONDS] [-t] FILE
 *
 * -i SIG   set SIG to SIG_IGN: never recorded, as with `trap "" SIG`
 *          (every other signal is recorded, and then nothing happens)
 * -x SIG   exit with 128+SIG after recording SIG
 * -g       also fork a grandchild in the same process group that records
 *          into FILE.grandchild with the same rules
 * -s SEC   exit 0 by itself after SEC seconds (default: never)
 * -t       also write "NAME SECONDS.MICROSECONDS" to FILE.time for each
 *          signal, the wall-clock time its handler ran (the clock of
 *          bash's $EPOCHREALTIME), before its line goes to FILE
 *
 * Writes "ready" to FILE once its handlers are installed (and FILE.grandchild
 * for the grandchild), so that tests can wait for it instead of sleeping.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int out = -1, times = -1;
static unsigned char exit_on[65];

static void record(int sig)
{
	char line[64];
	int n = sig >= 34 ? snprintf(line, sizeof line, "RTMIN+%d", sig - 34)
			  : snprintf(line, sizeof line, "%s", sigabbrev_np(sig));

	if (times >= 0) {
		struct timespec now;
		char stamp[96];

		clock_gettime(CLOCK_REALTIME, &now);
		write(times, stamp, (size_t)snprintf(stamp, sizeof stamp, "%s %lld.%06ld\n", line,
							 (long long)now.tv_sec, now.tv_nsec / 1000));
	}
	line[n++] = '\n';
	write(out, line, (size_t)n);
	if (exit_on[sig])
		_exit(128 + sig);
}

static int parse_signal(const char *name)
{
	if (strncmp(name, "RTMIN+", 6) == 0)
		return 34 + atoi(name + 6);
	for (int sig = 1; sig < 32; sig++)
		if (sigabbrev_np(sig) && strcmp(sigabbrev_np(sig), name) == 0)
			return sig;
	return atoi(name);
}

static int open_record(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);

	if (fd < 0) {
		perror(path);
		exit(2);
	}
	return fd;
}

int main(int argc, char **argv)
{
	unsigned char ignore[65] = { 0 };
	int grandchild = 0, seconds = -1, timed = 0, opt;
	char path[4096], time_path[4200];

	while ((opt = getopt(argc, argv, "+i:x:gs:t")) != -1) {
		switch (opt) {
		case 'i': ignore[parse_signal(optarg)] = 1; break;
		case 'x': exit_on[parse_signal(optarg)] = 1; break;
		case 'g': grandchild = 1; break;
		case 's': seconds = atoi(optarg); break;
		case 't': timed = 1; break;
		default: return 2;
		}
	}
	if (optind >= argc)
		return 2;
	snprintf(path, sizeof path, "%s", argv[optind]);
	if (grandchild && fork() == 0)
		snprintf(path, sizeof path, "%s.grandchild", argv[optind]);
	out = open_record(path);
	if (timed) {
		snprintf(time_path, sizeof time_path, "%s.time", path);
		times = open_record(time_path);
	}
	for (int sig = 1; sig <= 64; sig++) {
		struct sigaction sa = { .sa_handler = ignore[sig] ? SIG_IGN : record };
		if (sig == SIGKILL || sig == SIGSTOP || sig == SIGCHLD || (sig >= 32 && sig < 34))
			continue;
		sigfillset(&sa.sa_mask);
		sa.sa_flags = SA_RESTART;
		sigaction(sig, &sa, NULL);
	}
	write(out, "ready\n", 6);
	if (seconds >= 0) {
		sleep((unsigned)seconds);
		return 0;
	}
	for (;;)
		pause();
}
