#include "census.h"

#include "log.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The kernel's record for getdents64, which libcs declare differently. */
struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

enum { FIRST_ROOM = 256 };

/* The decimal number s starts with; /proc writes no sign and no overflow. */
static pid_t number(const char *s)
{
	pid_t n = 0;

	while (*s >= '0' && *s <= '9')
		n = n * 10 + (*s++ - '0');
	return n;
}

/* "pid (name) S ppid ...": the name may hold spaces and parentheses. */
static bool read_stat(const char *path, struct process *p)
{
	char buf[512];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	char *open_paren, *close_paren;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (!open_paren || !close_paren || close_paren < open_paren || close_paren[1] != ' ')
		return false;
	p->pid = number(buf);
	p->ppid = number(close_paren + 4);
	p->descendant = false;
	n = close_paren - open_paren - 1;
	if (n > (ssize_t)sizeof p->name - 1)
		n = sizeof p->name - 1;
	memcpy(p->name, open_paren + 1, (size_t)n);
	p->name[n] = '\0';
	return true;
}

bool census_name(pid_t pid, struct process *p)
{
	char path[32];

	format(path, sizeof path, "/proc/%d/stat", (int)pid);
	return read_stat(path, p);
}

/*
 * /proc is useful only when it shows our own PID namespace: a /proc of
 * the host would make tend count (and signal) other namespaces' processes.
 */
static bool proc_is_ours(void)
{
	struct process self;

	return read_stat("/proc/self/stat", &self) && self.pid == getpid();
}

static bool add(struct census *c, const struct process *p)
{
	if (c->count == c->room) {
		size_t room = c->room ? c->room * 2 : FIRST_ROOM;
		void *grown = c->procs
			? mremap(c->procs, c->room * sizeof *c->procs, room * sizeof *c->procs, MREMAP_MAYMOVE)
			: mmap(NULL, room * sizeof *c->procs, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (grown == MAP_FAILED)
			return false;
		c->procs = grown;
		c->room = room;
	}
	c->procs[c->count++] = *p;
	return true;
}

static void read_all(struct census *c, int proc)
{
	char buf[4096] __attribute__((aligned(8)));
	long n;

	while ((n = syscall(SYS_getdents64, proc, buf, sizeof buf)) > 0) {
		for (long at = 0; at < n;) {
			struct linux_dirent64 *entry = (struct linux_dirent64 *)(buf + at);
			char path[64];
			struct process p;

			at += entry->d_reclen;
			if (entry->d_name[0] < '1' || entry->d_name[0] > '9')
				continue;
			format(path, sizeof path, "/proc/%s/stat", entry->d_name);
			if (!read_stat(path, &p) || p.pid == getpid())
				continue;
			if (!add(c, &p))
				return;
		}
	}
}

/* The process with this pid, by binary search. */
static struct process *find(const struct census *c, pid_t pid)
{
	size_t low = 0, high = c->count;

	while (low < high) {
		size_t mid = low + (high - low) / 2;

		if (c->procs[mid].pid == pid)
			return &c->procs[mid];
		if (c->procs[mid].pid < pid)
			low = mid + 1;
		else
			high = mid;
	}
	return NULL;
}

/* A process whose parent is tend or a descendant of tend is one too. */
static void keep_descendants(struct census *c, pid_t self)
{
	bool changed = true;
	size_t kept = 0;

	while (changed) {
		changed = false;
		for (size_t i = 0; i < c->count; i++) {
			struct process *parent;

			if (c->procs[i].descendant)
				continue;
			parent = find(c, c->procs[i].ppid);
			if (c->procs[i].ppid == self || (parent && parent->descendant))
				c->procs[i].descendant = changed = true;
		}
	}
	for (size_t i = 0; i < c->count; i++)
		if (c->procs[i].descendant)
			c->procs[kept++] = c->procs[i];
	c->count = kept;
}

/* /proc lists pids in ascending order; should a kernel not, sort them. */
static void sort_by_pid(struct census *c)
{
	for (size_t i = 1; i < c->count; i++) {
		struct process p = c->procs[i];
		size_t j = i;

		for (; j > 0 && c->procs[j - 1].pid > p.pid; j--)
			c->procs[j] = c->procs[j - 1];
		c->procs[j] = p;
	}
}

bool census_take(struct census *c, bool everyone)
{
	int proc;

	memset(c, 0, sizeof *c);
	if (!proc_is_ours())
		return false;
	proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (proc < 0)
		return false;
	read_all(c, proc);
	close(proc);
	if (!everyone) {
		sort_by_pid(c);
		keep_descendants(c, getpid());
	}
	return true;
}

void census_free(struct census *c)
{
	if (c->procs)
		munmap(c->procs, c->room * sizeof *c->procs);
	memset(c, 0, sizeof *c);
}
