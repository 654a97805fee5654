/*
 * -d: leaving the caller. The caller of `tend -d` forks the tend that will
 * supervise the job and waits, on a pipe, for its answer: tend's PID once
 * COMMAND runs, or the status a foreground tend would have exited with.
 */
#ifndef TEND_DETACH_H
#define TEND_DETACH_H

#include "options.h"

/*
 * In the caller: fork, wait for the answer, print the PID or take the
 * failure's status, and exit; never returns. In the detached tend: return
 * in a new session without a controlling terminal, stdin from /dev/null,
 * output appended to --log; until detach_release_caller, tend's messages
 * reach the caller's stderr too.
 */
void detach_from_caller(const struct options *opts);

/* COMMAND's exec is under way: let the caller return once it succeeds. No-op without -d. */
void detach_release_caller(void);

/* In the child, when exec failed: the caller must not report a start. */
void detach_exec_failed(void);

#endif
