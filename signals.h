/*
 * Signals: names and numbers, the rewrite table, taking signals over from
 * the kernel's default actions, waiting for them, and forwarding them.
 */
#ifndef TEND_SIGNALS_H
#define TEND_SIGNALS_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* Linux numbers signals 1..64; 34..64 are the real-time ones. */
enum { SIGNAL_MAX = 64 };

/* "TERM", "SIGTERM", "term", "15", "RTMIN+2", "SIGRTMAX-1": the number, or -1. */
int signal_parse(const char *text);

/* "TERM" for 15, "RTMIN+3" for 37; buf holds at least 16 bytes. */
const char *signal_name(int sig, char *buf);

/* Each received signal is forwarded as to[sig]; 0 drops it. */
struct rewrite {
	unsigned char to[SIGNAL_MAX + 1];
};

void rewrite_identity(struct rewrite *table);

/* What the kernel would have done to tend had it not taken signals over. */
struct inherited_signals {
	uint64_t mask;
	bool sigchld_ignored;
};

/*
 * Block every signal so that all of them queue for signal_wait, and make
 * sure SIGCHLD is not ignored (else the kernel reaps for us and the main
 * child's status is lost). Returns what to give back to the child.
 */
struct inherited_signals signals_take_over(void);

/* In the child, before exec: the mask and dispositions tend started with. */
void signals_give_back(const struct inherited_signals *inherited);

/*
 * The next signal, with its sender in info. With a deadline (an absolute
 * CLOCK_MONOTONIC time), returns 0 once it passes; without one, sleeps in
 * a single blocking call for as long as nothing happens.
 */
int signal_wait(siginfo_t *info, const struct timespec *deadline);

/* SIGTERM, SIGINT and SIGQUIT ask for a stop and start the grace period. */
bool signal_asks_to_stop(int sig);

/* SIGTSTP, SIGTTIN and SIGTTOU suspend a job: tend suspends with its child. */
bool signal_suspends_job(int sig);

/* tend stops itself with its job, unless a SIGCONT already came. */
void signal_stop_self(void);

/* Send sig to the child's process group, or to the child alone. */
void signal_forward(pid_t child, bool single_child, int sig);

#endif
