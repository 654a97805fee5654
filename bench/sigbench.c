/*
 * The sender side of the signal benchmarks. COMMAND is
 * `unshare -pf --mount-proc INIT ... -- sigchild MODE`; its stdout is ours.
 *
 *   sigbench latency TRIALS -- COMMAND...
 *       SIGTERM to the init from outside the namespace, TRIALS times; prints
 *       one latency a line, in nanoseconds: send -> the child's handler runs.
 *   sigbench grace SECONDS -- COMMAND...
 *       one SIGTERM to the init while the child ignores it; prints how long
 *       after send + SECONDS the child died (negative: before the deadline),
 *       in nanoseconds, or "none" if it was still alive 5 s after it.
 *
 * The init's host PID is the child of unshare, found through /proc.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void fail(const char *what)
{
	perror(what);
	exit(1);
}

/* The first process whose parent is ppid, or 0. */
static pid_t child_of(pid_t ppid)
{
	DIR *proc = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;

	while (proc && !found && (e = readdir(proc))) {
		char path[64], buf[512], *paren;
		int fd, parent;
		ssize_t n;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%d/stat", atoi(e->d_name));
		if ((fd = open(path, O_RDONLY)) < 0)
			continue;
		n = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		if ((paren = strrchr(buf, ')')) && sscanf(paren + 2, "%*c %d", &parent) == 1 &&
		    parent == ppid)
			found = atoi(e->d_name);
	}
	if (proc)
		closedir(proc);
	return found;
}

static int read_ns(int fd, int64_t *ns)
{
	size_t got = 0;

	while (got < sizeof *ns) {
		ssize_t n = read(fd, (char *)ns + got, sizeof *ns - got);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int pipefd[2];
	pid_t unshare_pid, init, child = 0;
	int64_t ready;
	long arg;

	if (argc < 5 || strcmp(argv[3], "--") != 0) {
		fprintf(stderr, "usage: sigbench latency TRIALS|grace SECONDS -- COMMAND...\n");
		return 2;
	}
	arg = atol(argv[2]);
	if (pipe(pipefd) < 0)
		fail("pipe");
	if ((unshare_pid = fork()) == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		close(pipefd[0]);
		close(pipefd[1]);
		execvp(argv[4], argv + 4);
		fail(argv[4]);
	}
	close(pipefd[1]);
	if (read_ns(pipefd[0], &ready) < 0)
		fail("sigbench: the child never got ready");
	for (int tries = 0; !(init = child_of(unshare_pid)) && tries < 1000; tries++)
		usleep(1000);
	for (int tries = 0; init && !(child = child_of(init)) && tries < 1000; tries++)
		usleep(1000);
	if (!init || !child)
		fail("sigbench: cannot find the init and its child");

	if (strcmp(argv[1], "latency") == 0) {
		for (long i = 0; i < arg; i++) {
			int64_t sent = now_ns(), handled;

			kill(init, SIGTERM);
			if (read_ns(pipefd[0], &handled) < 0)
				fail("sigbench: the child went away");
			printf("%lld\n", (long long)(handled - sent));
			/* Let everyone go back to sleep, so that signals never coalesce. */
			usleep(2000);
		}
	} else {
		int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		int64_t sent;

		if (pidfd < 0)
			fail("pidfd_open");
		sent = now_ns();
		kill(init, SIGTERM);
		if (poll(&p, 1, (int)(arg * 1000 + 5000)) == 1)
			printf("%lld\n", (long long)(now_ns() - sent - arg * 1000000000LL));
		else
			printf("none\n");
	}
	/* The init exits when its child is gone, and unshare with it. */
	kill(child, SIGKILL);
	waitpid(unshare_pid, NULL, 0);
	return 0;
}
