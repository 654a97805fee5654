/*
 * Reaping benchmark, run as the child of the init under test, as PID 2 of
 * a fresh PID namespace:
 *
 *   orphanstorm COUNT
 *
 * Makes COUNT double-forked orphans: each grandchild exits at once, its
 * parent right after, so the zombie is reparented to PID 1. Then waits until no zombie is left in the
 * namespace, or for 5 s after the last fork. Prints one line of key=value:
 *
 *   orphans=N seconds=S zombies_left=Z init_cpu_ticks=T clk_tck=HZ init_cpu_ns=NS
 *
 * init_cpu_ticks is PID 1's utime+stime spent during the storm (from
 * /proc/1/stat), init_cpu_ns the same from /proc/1/schedstat, exact to the
 * nanosecond (-1 without schedstats). Both are read here, inside the
 * namespace, because the init is gone once we exit.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * fork() copies page tables and costs milliseconds on small VMs; clone with
 * CLONE_VM|CLONE_VFORK costs what a process must. Each level runs on its own
 * stack while its parent is suspended, so the two stacks are never shared.
 */
static char parent_stack[64 * 1024] __attribute__((aligned(16)));
static char orphan_stack[16 * 1024] __attribute__((aligned(16)));

static int orphan(void *unused)
{
	(void)unused;
	_exit(0);
}

static int parent(void *unused)
{
	(void)unused;
	clone(orphan, orphan_stack + sizeof orphan_stack, CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
	_exit(0);
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* Fields after "pid (comm) ": state is the 1st, utime the 12th, stime the 13th. */
static const char *stat_fields(int pid, char *buf, size_t size)
{
	char path[64];
	int fd;
	ssize_t n;
	char *paren;

	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	if ((fd = open(path, O_RDONLY)) < 0)
		return NULL;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	paren = strrchr(buf, ')');
	return paren ? paren + 2 : NULL;
}

static long long init_cpu_ticks(void)
{
	char buf[1024];
	const char *f = stat_fields(1, buf, sizeof buf);
	unsigned long long utime, stime;

	if (!f || sscanf(f, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			 &utime, &stime) != 2)
		return -1;
	return (long long)(utime + stime);
}

/* Time on the CPU, from the first field of /proc/1/schedstat. */
static long long init_cpu_ns(void)
{
	char buf[128];
	int fd = open("/proc/1/schedstat", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return atoll(buf);
}

static int count_zombies(void)
{
	DIR *proc = opendir("/proc");
	struct dirent *e;
	int zombies = 0;

	if (!proc)
		return -1;
	while ((e = readdir(proc))) {
		char buf[1024];
		const char *f;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		f = stat_fields(atoi(e->d_name), buf, sizeof buf);
		if (f && *f == 'Z')
			zombies++;
	}
	closedir(proc);
	return zombies;
}

int main(int argc, char **argv)
{
	long count = argc > 1 ? atol(argv[1]) : 20000;
	long long ticks_before = init_cpu_ticks(), ns_before = init_cpu_ns();
	double start = now(), forked, end;
	int zombies;

	for (long i = 0; i < count; i++) {
		pid_t child = clone(parent, parent_stack + sizeof parent_stack,
				    CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);

		if (child < 0) {
			perror("orphanstorm: clone");
			return 1;
		}
		waitpid(child, NULL, 0);
	}
	/* The init reaps while we fork; the storm ends when the last zombie is gone. */
	forked = now();
	while ((zombies = count_zombies()) > 0 && now() - forked < 5)
		usleep(1000);
	end = now();
	printf("orphans=%ld seconds=%.6f zombies_left=%d init_cpu_ticks=%lld clk_tck=%ld init_cpu_ns=%lld\n",
	       count, end - start, zombies, init_cpu_ticks() - ticks_before, sysconf(_SC_CLK_TCK),
	       ns_before < 0 ? -1 : init_cpu_ns() - ns_before);
	return 0;
}
