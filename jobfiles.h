/*
 * The pid file and the status file of a job. Both are replaced atomically
 * (a reader never sees half a line), and never through a symlink planted in
 * a shared directory. While the job runs, the pid file holds tend's PID and
 * the status file "status=running pid=N started=..."; when tend exits, both
 * hold the line that says how the job ended, so that `kill $(cat FILE)`
 * can no longer hit a stranger that inherited the PID.
 */
#ifndef TEND_JOBFILES_H
#define TEND_JOBFILES_H

#include "options.h"
#include "reaper.h"

#include <stdbool.h>
#include <sys/types.h>

struct job {
	pid_t pid;                   /* the tend running it; 0 once it ended */
	int status;                  /* once it ended */
	char line[256];              /* the file's first line, without "\n" */
};

/*
 * Before spawning: refuse (exit 125) a file that names a running tend, and
 * write this tend's PID and the running status. Paths are kept absolute:
 * tend moves to / later.
 */
void jobfiles_claim(const struct options *opts);

/* When tend is about to exit with status: how the job ended, in both files. */
void jobfiles_ended(const struct reaper *r, int status, bool timed_out);

/* A pid or status file, read; false if it is neither. */
bool jobfiles_read(const char *path, struct job *job);

/* The same, for a line already in job->line: "N", "status=running pid=N ...", "status=N ...". */
bool jobfiles_parse(struct job *job);

/* Is pid a tend (the same program as this one) that has not exited? */
bool jobfiles_is_tend(pid_t pid);

#endif
