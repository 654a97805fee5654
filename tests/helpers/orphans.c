/*
 * Makes orphans: forks COUNT children, each of which forks a grandchild and
 * exits at once, so the grandchild is reparented to the nearest reaper.
 *
 *   orphans COUNT [LIFETIME_MS]
 *
 * Each grandchild lives LIFETIME_MS (default 0) and exits. orphans reaps
 * its own children, so every zombie left behind is the reaper's fault.
 * It prints "done N" when all have been forked, then exits 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long count = argc > 1 ? atol(argv[1]) : 1000;
	long lifetime_ms = argc > 2 ? atol(argv[2]) : 0;
	struct timespec life = { lifetime_ms / 1000, (lifetime_ms % 1000) * 1000000L };

	for (long i = 0; i < count; i++) {
		pid_t child = fork();

		if (child < 0) {
			perror("fork");
			return 1;
		}
		if (child == 0) {
			if (fork() == 0) {
				nanosleep(&life, NULL);
				_exit(0);
			}
			_exit(0);
		}
		waitpid(child, NULL, 0);
	}
	printf("done %ld\n", count);
	return 0;
}
