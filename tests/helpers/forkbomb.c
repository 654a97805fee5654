/*
 * A fork bomb that only SIGKILL stops: every process ignores SIGTERM and
 * forks forever, refilling every free process slot within 10 ms.
 *
 *   forkbomb FILE
 *
 * Writes "full" to FILE the first time a fork fails, that is once the
 * bomb has reached the process limit it runs under. It refuses to start
 * (exit 2) unless that limit exists: a non-root user with RLIMIT_NPROC at
 * most MAX_BOMB (root ignores RLIMIT_NPROC).
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

enum { MAX_BOMB = 500 };

int main(int argc, char **argv)
{
	struct timespec breath = { 0, 10 * 1000000L };
	int reported = 0;

	struct rlimit procs;

	if (argc < 2 || getuid() == 0 || geteuid() == 0 || getrlimit(RLIMIT_NPROC, &procs) < 0 ||
	    procs.rlim_cur > MAX_BOMB)
		return 2;
	signal(SIGTERM, SIG_IGN);
	for (;;) {
		if (fork() >= 0)
			continue;
		if (!reported) {
			int fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND, 0666);

			reported = write(fd, "full\n", 5) == 5;
			close(fd);
		}
		/* Full: wait for a slot without burning the CPU the test needs. */
		nanosleep(&breath, NULL);
	}
}
