/*
 * Linked into the sanitizer build of tend only (build/asan/tend), never
 * into tend itself. At exit, LeakSanitizer stops the process from a helper
 * process that ptraces it. It cannot when tend is already traced (the
 * suite's strace tests), when /proc is not mounted, or when RLIMIT_NPROC
 * allows no new process (the fault tests), and then it fails the exit
 * status. Only in those cases is the leak check skipped.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int __lsan_is_turned_off(void);

static int can_start_a_process(void)
{
	pid_t probe = vfork();

	if (probe == 0)
		_exit(0);
	if (probe < 0)
		return 0;
	waitpid(probe, NULL, 0);
	return 1;
}

int __lsan_is_turned_off(void)
{
	char status[4096];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, status, sizeof status - 1);
	const char *tracer;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return 1;
	status[n] = '\0';
	tracer = strstr(status, "\nTracerPid:");
	if (!tracer || atoi(tracer + strlen("\nTracerPid:")) != 0)
		return 1;
	return !can_start_a_process();
}
