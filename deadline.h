/* Deadlines are absolute CLOCK_MONOTONIC times, never countdowns of sleeps. */
#ifndef TEND_DEADLINE_H
#define TEND_DEADLINE_H

#include <stdbool.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NS_PER_SECOND 1000000000LL

/*
 * The system call, not libc's clock_gettime: finding the vDSO costs the
 * static binary 1 KiB, and tend reads a clock only when a deadline is set.
 */
static inline void clock_now(clockid_t clock, struct timespec *t)
{
#ifdef SYS_clock_gettime64
	/*
	 * 32-bit architectures: musl's time_t has 64 bits, which only the
	 * time64 call fills. Kernels before 5.1 have only the old call, whose
	 * 32-bit seconds last until 2038 (a monotonic clock, time since boot,
	 * for 68 years).
	 */
	long old[2];

	if (syscall(SYS_clock_gettime64, clock, t) == 0)
		return;
	syscall(SYS_clock_gettime32, clock, old);
	t->tv_sec = old[0];
	t->tv_nsec = old[1];
#else
	syscall(SYS_clock_gettime, clock, t);
#endif
}

static inline struct timespec deadline_in(long long ns)
{
	struct timespec t;

	clock_now(CLOCK_MONOTONIC, &t);
	t.tv_sec += ns / NS_PER_SECOND;
	t.tv_nsec += ns % NS_PER_SECOND;
	if (t.tv_nsec >= NS_PER_SECOND) {
		t.tv_sec++;
		t.tv_nsec -= NS_PER_SECOND;
	}
	return t;
}

/* What is left until the deadline; zero once it has passed. */
static inline struct timespec deadline_left(const struct timespec *deadline)
{
	struct timespec now, left;

	clock_now(CLOCK_MONOTONIC, &now);
	left.tv_sec = deadline->tv_sec - now.tv_sec;
	left.tv_nsec = deadline->tv_nsec - now.tv_nsec;
	if (left.tv_nsec < 0) {
		left.tv_sec--;
		left.tv_nsec += NS_PER_SECOND;
	}
	if (left.tv_sec < 0)
		left.tv_sec = left.tv_nsec = 0;
	return left;
}

static inline bool deadline_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

#endif
