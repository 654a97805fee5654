/* tend --wait FILE: block until the job of a pid or status file has ended. */
#ifndef TEND_JOBWAIT_H
#define TEND_JOBWAIT_H

/*
 * Print the line that says how the job ended and return its status; at
 * once if it has ended. The wait is one poll on a pidfd: no wakeups.
 */
int job_wait(const char *path);

#endif
