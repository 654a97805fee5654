/*
 * An orphan storm: makes COUNT orphans, BURST at a time, as fast as the
 * kernel allows.
 *
 *   orphanstorm COUNT [BURST]
 *
 * Each orphan is a grandchild whose parent exits at once, so it is
 * reparented to the nearest reaper, and it exits itself right away. After
 * each burst of BURST (default 1000) orphans, a 10 ms pause lets zombies
 * pile up before the next burst. Prints "done N" when all have been made.
 *
 * Unlike orphans.c, it uses clone(CLONE_VM) instead of fork: copying the
 * address space is what makes fork slow (milliseconds in some VMs), and a
 * storm of 100 000 orphans must fit in a test's time.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * The grandchildren share our memory, so each needs its own stack; they
 * exit at once, so a ring of stacks is never reused while one still runs.
 */
enum { STACK_SIZE = 16384, GRANDCHILD_STACKS = 512 };

static char child_stack[STACK_SIZE] __attribute__((aligned(16)));
static char grandchild_stacks[GRANDCHILD_STACKS][STACK_SIZE] __attribute__((aligned(16)));
static long made;

static int grandchild(void *unused)
{
	(void)unused;
	return 0;
}

static int child(void *unused)
{
	char *stack = grandchild_stacks[made % GRANDCHILD_STACKS] + STACK_SIZE;

	(void)unused;
	/* SIGCHLD: the reaper gets the usual notice when the orphan exits. */
	return clone(grandchild, stack, CLONE_VM | SIGCHLD, NULL) < 0;
}

int main(int argc, char **argv)
{
	long count = argc > 1 ? atol(argv[1]) : 1000;
	long burst = argc > 2 ? atol(argv[2]) : 1000;
	struct timespec pause = { 0, 10 * 1000000L };

	for (made = 0; made < count; made++) {
		int status;
		/* CLONE_VFORK: we sleep until the child has exited, so one stack does. */
		pid_t pid = clone(child, child_stack + STACK_SIZE, CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);

		if (pid < 0 || waitpid(pid, &status, 0) < 0 || status != 0) {
			perror("orphanstorm: clone");
			return 1;
		}
		if (burst > 0 && (made + 1) % burst == 0)
			nanosleep(&pause, NULL);
	}
	printf("done %ld\n", count);
	return 0;
}
