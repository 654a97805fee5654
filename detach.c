#include "detach.h"

#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* What the pipe to the caller carries. */
enum { STARTED = 's', EXEC_FAILED = 'x', EXIT_SIGNALED_BASE = 128 };

/* Write ends, in the detached tend and in its child until exec; -1 after. */
static int answer = -1;
static int caller_stderr = -1;

/*
 * The pipe reaches end-of-file once the detached tend has answered and the
 * child's copy (close-on-exec) is gone: exec succeeded, or the child exited.
 */
static _Noreturn void wait_for_answer(int fd, pid_t tend)
{
	char got[16], line[16];
	bool started = false, failed = false;
	ssize_t n;
	int status;

	while ((n = read(fd, got, sizeof got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		for (ssize_t i = 0; i < n; i++)
			*(got[i] == STARTED ? &started : &failed) = true;
	}
	if (started && !failed) {
		write_all(STDOUT_FILENO, line, format(line, sizeof line, "%d\n", (int)tend));
		_exit(0);
	}
	/* It failed to start: its exit status is the one a foreground tend gives. */
	while (waitpid(tend, &status, 0) < 0 && errno == EINTR)
		;
	_exit(WIFSIGNALED(status) ? EXIT_SIGNALED_BASE + WTERMSIG(status) : WEXITSTATUS(status));
}

/* O_NOFOLLOW: a symlink planted in a shared directory is never written through. */
static int open_log(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0640);

	if (fd < 0)
		die("--log '%s': %s", path, errno == ELOOP ? "is a symbolic link" : error_text(errno));
	return fd;
}

void detach_from_caller(const struct options *opts)
{
	int pipe_ends[2], log = -1, null;
	pid_t tend;

	/* The terminal goes away with the session: output there would be lost. */
	if (!opts->log_file && (isatty(STDOUT_FILENO) || isatty(STDERR_FILENO)))
		die("-d: stdout or stderr is a terminal, which goes away with the session; give --log=FILE");
	/* 0-2 closed by the caller get /dev/null: what is opened next lands above them. */
	while ((null = open("/dev/null", O_RDWR)) >= 0 && null <= STDERR_FILENO)
		;
	if (null < 0)
		die("-d: /dev/null: %s", error_text(errno));
	if (opts->log_file)
		log = open_log(opts->log_file);
	/* _Fork: one thread, so none of fork()'s lock juggling is needed. */
	if (syscall(SYS_pipe2, pipe_ends, O_CLOEXEC) < 0 || (tend = _Fork()) < 0)
		die("-d: cannot start a background tend: %s", error_text(errno));
	if (tend > 0) {
		close(pipe_ends[1]);
		wait_for_answer(pipe_ends[0], tend);
	}
	close(pipe_ends[0]);
	answer = pipe_ends[1];
	/* A session of its own: no controlling terminal, so no SIGHUP when it closes. */
	setsid();
	dup2(null, STDIN_FILENO);
	close(null);
	if (log >= 0) {
		caller_stderr = (int)syscall(SYS_fcntl, STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
		log_mirror(caller_stderr);
		dup2(log, STDOUT_FILENO);
		dup2(log, STDERR_FILENO);
		close(log);
	}
}

void detach_release_caller(void)
{
	if (answer < 0)
		return;
	write_all(answer, (char[]){ STARTED }, 1);
	close(answer);
	answer = -1;
	log_mirror(-1);
	if (caller_stderr >= 0)
		close(caller_stderr);
	caller_stderr = -1;
}

void detach_exec_failed(void)
{
	if (answer >= 0)
		write_all(answer, (char[]){ EXEC_FAILED }, 1);
}
