/*
 * Reaping, the descendants of tend, the grace period and the escalation to
 * SIGKILL. Everything here that signals more than the main child goes
 * through one census of descendants, so that tend never touches strangers.
 */
#ifndef TEND_REAPER_H
#define TEND_REAPER_H

#include "options.h"

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

struct reaper {
	pid_t main_child;            /* 0 once reaped, and in --pause mode */
	pid_t group;                 /* the main child's process group: outlives it */
	int main_status;             /* its wait status, once reaped */
	bool main_stopped;           /* the last reap_zombies saw it stop (Ctrl-Z) */
	bool children_left;          /* after the last reap_zombies */
	bool is_pid1;
	bool only_main_child;        /* -c outside PID 1: leave the others be */
	bool warn_on_reap;
	long long grace_ns;          /* 0: never escalate */
	bool stopping;               /* a stop signal (or --timeout) came */
	bool grace_started;
	bool escalated;
	int killed;                  /* SIGKILLed when the grace expired; -1: not counted (no /proc) */
	struct timespec deadline;    /* while grace_started */
};

void reaper_init(struct reaper *r, pid_t main_child, const struct options *opts);

/*
 * Reap every zombie there is, without blocking. When the main child is
 * among them, the processes it leaves behind get SIGTERM and SIGCONT and
 * the grace period starts.
 */
void reap_zombies(struct reaper *r);

/* The main child is gone, and so is everything tend has to wait for. */
bool reaper_done(const struct reaper *r);

/* A stop signal came: the grace period starts, unless it already runs. */
void reaper_start_grace(struct reaper *r);

/* When tend must wake up next, or NULL to sleep until a signal comes. */
const struct timespec *reaper_deadline(const struct reaper *r);

/* The grace period is over: SIGKILL whatever is left, and say so. */
void reaper_escalate(struct reaper *r);

/* Send sig to every descendant (as PID 1: every process in the namespace). */
void signal_descendants(const struct reaper *r, int sig);

#endif
