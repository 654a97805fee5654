#include "reaper.h"

#include "census.h"
#include "deadline.h"
#include "log.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* After the SIGKILL, how often to look again for late forks. */
#define RESWEEP_NS (100 * 1000000LL)
enum { NAMES_IN_WARNING = 8 };

void reaper_init(struct reaper *r, pid_t main_child, const struct options *opts)
{
	memset(r, 0, sizeof *r);
	r->main_child = main_child;
	r->group = main_child;
	r->children_left = main_child > 0;
	r->is_pid1 = getpid() == 1;
	r->only_main_child = opts->single_child && !r->is_pid1;
	r->warn_on_reap = opts->warn_on_reap;
	r->grace_ns = opts->grace_ns;
}

/*
 * As PID 1, kill(-1) reaches the whole namespace in one atomic step, which
 * no fork can outrun. Elsewhere only the census names whom tend may touch;
 * without /proc (counted false), the main child's group is all it knows of.
 */
static void signal_all(const struct reaper *r, const struct census *c, bool counted, int sig)
{
	if (r->is_pid1) {
		kill(-1, sig);
		return;
	}
	for (size_t i = 0; i < c->count; i++)
		kill(c->procs[i].pid, sig);
	if (!counted && r->group > 0)
		kill(-r->group, sig);
}

/* sig, then then_sig unless 0, to every descendant: one census for both. */
static void send_to_descendants(const struct reaper *r, int sig, int then_sig)
{
	struct census c = { 0 };
	/* As PID 1 there is nobody to name: kill(-1) needs no census. */
	bool counted = r->is_pid1 || census_take(&c, false);

	signal_all(r, &c, counted, sig);
	if (then_sig)
		signal_all(r, &c, counted, then_sig);
	census_free(&c);
}

void signal_descendants(const struct reaper *r, int sig)
{
	send_to_descendants(r, sig, 0);
}

void reaper_start_grace(struct reaper *r)
{
	r->stopping = true;
	if (r->grace_started || r->grace_ns == 0)
		return;
	r->deadline = deadline_in(r->grace_ns);
	r->grace_started = true;
}

/*
 * The main child exited on its own: SIGTERM, then SIGCONT so that a
 * stopped process can act on it. Not after a stop signal: the group has
 * had it already, and the grace covers the rest.
 */
static void stop_leftovers(struct reaper *r)
{
	if (r->stopping)
		return;
	log_at(LOG_INFO, "main child exited; sending SIGTERM to what it left behind");
	send_to_descendants(r, SIGTERM, SIGCONT);
	reaper_start_grace(r);
}

static void log_exit(pid_t pid, int status)
{
	char name[16];

	if (WIFSIGNALED(status))
		log_at(LOG_INFO, "main child %d killed by SIG%s", (int)pid,
		       signal_name(WTERMSIG(status), name));
	else
		log_at(LOG_INFO, "main child %d exited with status %d", (int)pid, WEXITSTATUS(status));
}

void reap_zombies(struct reaper *r)
{
	bool main_exited = false;

	r->main_stopped = false;
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG | WUNTRACED);

		if (pid <= 0) {
			/* 0: children remain, none is a zombie; -1: ECHILD, none at all. */
			r->children_left = pid == 0;
			break;
		}
		if (WIFSTOPPED(status)) {
			/* Stopped, not gone: only the main child's stop matters, to job control. */
			r->main_stopped |= pid == r->main_child;
			continue;
		}
		if (pid == r->main_child) {
			log_exit(pid, status);
			r->main_status = status;
			r->main_child = 0;
			main_exited = true;
		} else {
			log_at(r->warn_on_reap ? LOG_WARN : LOG_DEBUG,
			       "Reaped zombie process with pid=%d", (int)pid);
		}
	}
	if (main_exited && r->children_left && !r->only_main_child)
		stop_leftovers(r);
}

bool reaper_done(const struct reaper *r)
{
	return r->main_child == 0 && (!r->children_left || r->only_main_child);
}

const struct timespec *reaper_deadline(const struct reaper *r)
{
	return r->grace_started ? &r->deadline : NULL;
}

/* The one line a user looks for when work went missing. */
static void warn_killed(const struct reaper *r, const struct census *c, bool counted)
{
	char line[900], grace[32];
	size_t len;

	format_seconds(grace, sizeof grace, r->grace_ns);
	if (!counted) {
		log_at(LOG_WARN, "grace period of %s expired: sent SIGKILL to all remaining processes",
		       grace);
		return;
	}
	len = format(line, sizeof line, "grace period of %s expired: sent SIGKILL to %ld process%s:",
		     grace, (long)c->count, c->count == 1 ? "" : "es");
	for (size_t i = 0; i < c->count && i < NAMES_IN_WARNING; i++)
		len += format(line + len, sizeof line - len, "%s %d (%s)", i ? "," : "",
			      (int)c->procs[i].pid, c->procs[i].name);
	if (c->count > NAMES_IN_WARNING)
		format(line + len, sizeof line - len, " and %ld more",
		       (long)(c->count - NAMES_IN_WARNING));
	log_at(LOG_WARN, "%s", line);
}

static void kill_main_child_only(struct reaper *r)
{
	struct census c = { 0 };
	struct process p = { .pid = r->main_child };

	census_name(r->main_child, &p);
	kill(r->main_child, SIGKILL);
	c.procs = &p;
	c.count = 1;
	warn_killed(r, &c, true);
}

void reaper_escalate(struct reaper *r)
{
	struct census c;
	bool counted;

	if (r->only_main_child) {
		if (!r->escalated && r->main_child > 0) {
			kill_main_child_only(r);
			r->killed = 1;
		}
		r->escalated = true;
		r->grace_started = false;
		return;
	}
	/* As PID 1 too: the census names the victims in the warning. */
	counted = census_take(&c, r->is_pid1);
	signal_all(r, &c, counted, SIGKILL);
	if (!r->escalated && (c.count > 0 || !counted)) {
		warn_killed(r, &c, counted);
		r->killed = counted ? (int)c.count : -1;
	}
	census_free(&c);
	r->escalated = true;
	/* A process that forked just before the SIGKILL may have left a child. */
	r->deadline = deadline_in(RESWEEP_NS);
}
