/*
 * Who tend may signal: a snapshot, from /proc, of tend's descendants (as
 * PID 1, of every other process in its namespace), each with its name for
 * the messages that say what tend killed.
 */
#ifndef TEND_CENSUS_H
#define TEND_CENSUS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct process {
	pid_t pid;
	pid_t ppid;
	bool descendant;
	char name[16];
};

struct census {
	struct process *procs;       /* by ascending pid, as /proc lists them */
	size_t count;
	size_t room;
};

/*
 * Count tend's descendants, or with everyone every process but tend.
 * False when /proc cannot tell: not mounted, or another namespace's.
 * Memory comes from mmap, not malloc: PID 1 needs no allocator.
 */
bool census_take(struct census *c, bool everyone);

void census_free(struct census *c);

/* The name of one process; false if it is gone. */
bool census_name(pid_t pid, struct process *p);

#endif
