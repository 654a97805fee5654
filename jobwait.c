#include "jobwait.h"

#include "jobfiles.h"
#include "log.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

static void read_job(const char *path, struct job *job)
{
	errno = 0;
	if (!jobfiles_read(path, job))
		die("--wait '%s': %s", path, errno ? error_text(errno) : "not a pid or status file of tend");
}

int job_wait(const char *path)
{
	struct job job;
	size_t len;
	int fd;

	read_job(path, &job);
	if (job.pid > 0) {
		fd = (int)syscall(SYS_pidfd_open, job.pid, 0);
		if (fd < 0 && errno != ESRCH)
			die("--wait '%s': cannot watch pid %d: %s", path, (int)job.pid, error_text(errno));
		/*
		 * tend writes the ending before it exits: if the file still says
		 * running now, the pidfd is that tend's, not a later holder's of its PID.
		 */
		read_job(path, &job);
		if (fd >= 0 && job.pid > 0 && jobfiles_is_tend(job.pid)) {
			struct pollfd exited = { .fd = fd, .events = POLLIN };

			/* The raw ppoll, with no timeout: smaller than libc's poll, which converts one. */
			while (syscall(SYS_ppoll, &exited, 1, NULL, NULL, 0) < 0 && errno == EINTR)
				;
			read_job(path, &job);
		}
		if (job.pid > 0)
			die("--wait '%s': tend %d ended without a status (SIGKILLed?)",
			    path, (int)job.pid);
	}
	len = strlen(job.line);
	job.line[len] = '\n';
	write_all(STDOUT_FILENO, job.line, len + 1);
	return job.status;
}
