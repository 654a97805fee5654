/*
 * The child of the init under test in the signal benchmarks.
 *
 *   sigchild catch    on each SIGTERM, write the CLOCK_MONOTONIC time of
 *                     the handler (8 bytes, nanoseconds) to stdout
 *   sigchild ignore   ignore SIGTERM, so that only SIGKILL ends it
 *
 * Either way it first writes 8 zero bytes to stdout once its disposition
 * is set, so that the sender knows when to start, then sleeps forever.
 * CLOCK_MONOTONIC is the same clock inside and outside a PID namespace.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void put(uint64_t ns)
{
	(void)!write(STDOUT_FILENO, &ns, sizeof ns);
}

static void on_term(int sig)
{
	struct timespec t;

	(void)sig;
	clock_gettime(CLOCK_MONOTONIC, &t);
	put((uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec);
}

int main(int argc, char **argv)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = argc > 1 && strcmp(argv[1], "ignore") == 0 ? SIG_IGN : on_term;
	sigaction(SIGTERM, &sa, NULL);
	put(0);
	for (;;)
		pause();
}
