#include "jobfiles.h"

#include "census.h"
#include "deadline.h"
#include "log.h"
#include "signals.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>             /* rename(), not the FILE functions */
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Absolute, so that they still name the same files after tend moved to /. */
static char pid_path[PATH_MAX], status_path[PATH_MAX];
static time_t started;

/* "2026-12-07T10:31:02Z": days since 1970 to a civil date, after H. Hinnant. */
static void iso_utc(char *out, time_t t)
{
	unsigned z = (unsigned)(t / 86400) + 719468, seconds = (unsigned)(t % 86400);
	unsigned era = z / 146097, day_of_era = z - era * 146097;
	unsigned year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 -
				day_of_era / 146096) / 365;
	unsigned day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
	unsigned mp = (5 * day_of_year + 2) / 153;
	unsigned fields[6] = {
		year_of_era + era * 400 + (mp >= 10), mp < 10 ? mp + 3 : mp - 9,
		day_of_year - (153 * mp + 2) / 5 + 1, seconds / 3600, seconds / 60 % 60, seconds % 60,
	};

	for (int i = 0; i < 6; i++) {
		int width = i ? 2 : 4;

		for (int k = width; k-- > 0; fields[i] /= 10)
			out[k] = (char)('0' + fields[i] % 10);
		out += width;
		*out++ = "--T::Z"[i];
	}
	*out = '\0';
}

static time_t now(void)
{
	struct timespec t;

	clock_now(CLOCK_REALTIME, &t);
	return t.tv_sec;
}

static void make_absolute(char *out, const char *path, const char *option)
{
	size_t len = 0;

	if (path[0] != '/') {
		/* The system call: libc's getcwd brings malloc along. */
		if (syscall(SYS_getcwd, out, PATH_MAX) < 0)
			die("%s '%s': cannot find the working directory: %s", option, path, error_text(errno));
		len = strlen(out);
		out[len++] = '/';
	}
	if (len + strlen(path) >= PATH_MAX)
		die("%s '%s': path too long", option, path);
	memcpy(out + len, path, strlen(path) + 1);
}

/*
 * Write a file whole, then rename it over path: a reader sees the old line
 * or the new one. The temporary file is created with O_EXCL, which follows
 * no symlink, and rename replaces a symlink at path instead of following it.
 */
static bool replace(const char *path, const char *text)
{
	char temp[PATH_MAX + 32];
	int fd, error;

	format(temp, sizeof temp, "%s.%d.tmp", path, (int)getpid());
	fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	/* Left by an earlier process with our PID: its own file, or a planted one; neither is followed. */
	if (fd < 0 && errno == EEXIST && unlink(temp) == 0)
		fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return false;
	write_all(fd, text, strlen(text));
	if (close(fd) == 0 && rename(temp, path) == 0)
		return true;
	error = errno;
	unlink(temp);
	errno = error;
	return false;
}

/* The number at s, or -1 (also beyond INT_MAX); true in *whole if nothing follows it. */
static long number_at(const char *s, bool *whole)
{
	long n = -1;

	for (; *s >= '0' && *s <= '9' && n <= INT_MAX; s++)
		n = (n < 0 ? 0 : n * 10) + (*s - '0');
	*whole = !*s;
	return n <= INT_MAX ? n : -1;
}

bool jobfiles_parse(struct job *job)
{
	char *line = job->line;
	bool whole;
	long pid;

	*strchrnul(line, '\n') = '\0';
	job->pid = 0;
	job->status = -1;
	if (strncmp(line, "status=running pid=", 19) == 0)
		line += 19;
	else if (strncmp(line, "status=", 7) == 0)
		return (job->status = (int)number_at(line + 7, &whole)) >= 0 && job->status < 256;
	pid = number_at(line, &whole);
	job->pid = pid > 0 && (whole || line != job->line) ? (pid_t)pid : 0;
	return job->pid > 0;
}

bool jobfiles_read(const char *path, struct job *job)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, job->line, sizeof job->line - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return false;
	job->line[n] = '\0';
	return jobfiles_parse(job);
}

bool jobfiles_is_tend(pid_t pid)
{
	struct process them, us;

	return census_name(pid, &them) && census_name(getpid(), &us) &&
	       strcmp(them.name, us.name) == 0;
}

void jobfiles_claim(const struct options *opts)
{
	static const char *const option[2] = { "--pid-file", "--status-file" };
	const char *given[2] = { opts->pid_file, opts->status_file };
	char *path[2] = { pid_path, status_path }, line[2][96], when[32];
	struct job job;

	if (!given[0] && !given[1])
		return;
	started = now();
	iso_utc(when, started);
	format(line[0], sizeof line[0], "%d\n", (int)getpid());
	format(line[1], sizeof line[1], "status=running pid=%d started=%s\n", (int)getpid(), when);
	/* A file that names a running tend is that tend's job: never start it twice. */
	for (int i = 0; i < 2; i++)
		if (given[i] && jobfiles_read(given[i], &job) && job.pid > 0 && jobfiles_is_tend(job.pid))
			die("%s '%s': tend %d is running that job", option[i], given[i], (int)job.pid);
	for (int i = 0; i < 2; i++) {
		if (!given[i])
			continue;
		make_absolute(path[i], given[i], option[i]);
		if (!replace(path[i], line[i]))
			die("%s '%s': cannot write it: %s", option[i], given[i], error_text(errno));
	}
}

void jobfiles_ended(const struct reaper *r, int status, bool timed_out)
{
	char line[256], start[32], end[32], name[16], killed[16] = "?";
	bool signaled = WIFSIGNALED(r->main_status) && !timed_out;

	if (!*pid_path && !*status_path)
		return;
	iso_utc(start, started);
	iso_utc(end, now());
	if (r->killed >= 0)
		format(killed, sizeof killed, "%d", r->killed);
	format(line, sizeof line, "status=%d reason=%s%s%s started=%s ended=%s killed=%s\n", status,
	       timed_out ? "timeout" : signaled ? "signal" : "exit", signaled ? " signal=" : "",
	       signaled ? signal_name(WTERMSIG(r->main_status), name) : "", start, end, killed);
	for (int i = 0; i < 2; i++) {
		const char *path = i ? pid_path : status_path;

		if (*path && !replace(path, line))
			log_at(LOG_WARN, "cannot write %s: %s", path, error_text(errno));
	}
}
