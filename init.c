/*
 * tend: a tiny init for containers. Read top to bottom, this file is the
 * life of the process: read the options, take signals over, spawn the
 * command, settle in, then supervise until the main child and everything it
 * left behind are gone, and exit with the main child's status.
 */
#include "deadline.h"
#include "detach.h"
#include "environment.h"
#include "jobfiles.h"
#include "jobwait.h"
#include "linebuf.h"
#include "log.h"
#include "options.h"
#include "reaper.h"
#include "signals.h"

#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef TEND_VERSION
#define TEND_VERSION "0.0.0"
#endif
#ifndef TEND_COMMIT
#define TEND_COMMIT "unknown"
#endif

enum {
	EXIT_TIMED_OUT = 124,
	EXIT_CANNOT_EXECUTE = 126,
	EXIT_NOT_FOUND = 127,
	EXIT_SIGNALED_BASE = 128,
};

extern char **environ;

static const char license[] =
	"MIT License\n\n"
	"Copyright (c) 2026 The tend authors\n\n"
	"Permission is hereby granted, free of charge, to any person obtaining a copy\n"
	"of this software and associated documentation files (the \"Software\"), to deal\n"
	"in the Software without restriction, including without limitation the rights\n"
	"to use, copy, modify, merge, publish, distribute, sublicense, and/or sell\n"
	"copies of the Software, and to permit persons to whom the Software is\n"
	"furnished to do so, subject to the following conditions:\n\n"
	"The above copyright notice and this permission notice shall be included in all\n"
	"copies or substantial portions of the Software.\n\n"
	"THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR\n"
	"IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,\n"
	"FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE\n"
	"AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER\n"
	"LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,\n"
	"OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE\n"
	"SOFTWARE.\n";

/*
 * Docker's daemon runs INIT --version and accepts only tini's format, so
 * under the names Docker gives its init, tend answers in that format.
 */
static int show(enum action action, const char *argv0)
{
	const char *base = strrchr(argv0, '/') ? strrchr(argv0, '/') + 1 : argv0;
	bool as_tini = strcmp(base, "docker-init") == 0 || strcmp(base, "tini") == 0;
	/* The version lines are literals: no format() and no buffer for them. */
	const char *text = action == SHOW_HELP ? options_usage
		: action == SHOW_LICENSE ? license
		: as_tini ? "tini version " TEND_VERSION "_tend - git." TEND_COMMIT "\n"
		: "tend version " TEND_VERSION " - git." TEND_COMMIT "\n";

	write_all(STDOUT_FILENO, text, strlen(text));
	return 0;
}

/* Orphans of our tree come to us; PID 1 gets them from the kernel anyway. */
static void adopt_orphans(const struct options *opts)
{
	/* prctl reads five arguments whatever the option: the unused ones are 0. */
	if (getpid() != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		log_at(LOG_WARN, "cannot become a subreaper: %s; orphans will not be reaped",
		       error_text(errno));
	if (opts->pdeath_signal && prctl(PR_SET_PDEATHSIG, opts->pdeath_signal, 0, 0, 0) < 0)
		die("-p: cannot set the parent-death signal: %s", error_text(errno));
}

/* systemd socket activation: the sockets were meant for whoever we run. In the child. */
static void hand_over_listen_pid(char **env, char *entry, size_t size)
{
	const char *listen_pid = environment_get(env, "LISTEN_PID");
	char ours[16];

	/* tend is the child's parent, suspended until the child's exec. */
	format(ours, sizeof ours, "%d", (int)getppid());
	if (listen_pid && strcmp(listen_pid, ours) == 0) {
		format(entry, size, "LISTEN_PID=%d", (int)getpid());
		environment_set(env, entry);
	}
}

/* In the child: exec failed. 127 when there is no such command, else 126. */
static _Noreturn void exec_failed(const char *command, int error)
{
	bool missing = error == ENOENT || error == ENOTDIR;

	if (missing && !strchr(command, '/'))
		log_at(LOG_WARN, "cannot run '%s': command not found", command);
	else
		log_at(LOG_WARN, "cannot run '%s': %s", command, error_text(error));
	detach_exec_failed();
	_exit(missing ? EXIT_NOT_FOUND : EXIT_CANNOT_EXECUTE);
}

/*
 * The terminal's foreground process group, by the raw ioctl: libc's
 * tcgetpgrp and tcsetpgrp bring its ioctl(), which converts 32-bit time
 * structures tend never passes.
 */
static pid_t terminal_group(void)
{
	pid_t group;

	return syscall(SYS_ioctl, STDIN_FILENO, TIOCGPGRP, &group) < 0 ? -1 : group;
}

static void give_terminal(pid_t group)
{
	syscall(SYS_ioctl, STDIN_FILENO, TIOCSPGRP, &group);
}

/*
 * Only a foreground tend may hand the terminal on: never steal it from the
 * shell. Without a terminal on stdin there is no group to compare: -1.
 */
static bool in_foreground(void)
{
	return terminal_group() == getpgrp();
}

/* What the child needs, in spawn()'s frame; it writes env and listen_pid. */
struct command_start {
	const struct options *opts;
	const struct inherited_signals *inherited;
	bool owns_terminal;
	char **env;
	char listen_pid[32];
};

/*
 * The child, from clone() to exec. It shares tend's memory (CLONE_VM) while
 * tend is suspended (CLONE_VFORK), so it must leave tend's memory as tend
 * expects to find it. It runs on its own stack; it uses tend's thread
 * pointer (no CLONE_SETTLS), hence tend's errno, which tend reads only when
 * clone() failed, and then there was no child. The libc functions it calls
 * take no lock and allocate nothing, and no signal handler can run in it:
 * tend has one thread and installs none, and every signal stays blocked
 * until signals_give_back. It never returns: exec replaces it, or
 * exec_failed ends it.
 */
static int start_command(void *arg)
{
	struct command_start *c = arg;

	/* Process groups and the terminal's foreground are per process: tend's stay. */
	setpgid(0, 0);
	/* SIGTTOU is still blocked here, so a background write cannot stop us. */
	if (c->owns_terminal)
		give_terminal(getpid());
	/* Writes env and listen_pid, in spawn()'s frame: tend does not read them again. */
	hand_over_listen_pid(c->env, c->listen_pid, sizeof c->listen_pid);
	/* The mask is per thread, and without CLONE_SIGHAND the dispositions are a copy. */
	signals_give_back(c->inherited);
	execvpe(c->opts->command[0], c->opts->command, c->env);
	/* exec_failed formats on this stack and writes; _exit ends this process alone (no CLONE_THREAD). */
	exec_failed(c->opts->command[0], errno);
}

/*
 * The child's stack: its own frames, musl's execvpe's path buffer (PATH_MAX
 * + NAME_MAX bytes) and log_at's line fit in 32 KiB, sanitizer redzones
 * included. glibc's execvpe (the sanitizer build) also copies argv to the
 * stack, to run a script without #! through /bin/sh: room for that too
 * (exec lets argv's pointers take at most a quarter of the stack limit).
 */
static size_t child_stack_size(char *const *command)
{
	size_t args = 0;

	while (command[args])
		args++;
	return 32 * 1024 + (args + 3) * sizeof(char *);
}

/*
 * clone(CLONE_VM | CLONE_VFORK) rather than fork: fork copies tend's page
 * tables and makes its memory copy-on-write, which on a virtual machine
 * costs nearly as much as all the rest of tend's start (make bench).
 * posix_spawn could not hand the child a SIGCHLD ignored by the caller,
 * the terminal (musl), or its own PID in LISTEN_PID. libc's clone() wrapper, not the raw system
 * call, whose argument order differs between architectures. It takes the
 * top of the child's stack: the stack grows down on every architecture
 * musl supports (of Linux's, only hppa's grows up).
 */
static pid_t spawn(const struct options *opts, const struct inherited_signals *inherited,
		   bool owns_terminal)
{
	char *env[environment_slots()];
	char preload[8192];
	char stack[child_stack_size(opts->command)];
	struct command_start start = {
		.opts = opts, .inherited = inherited, .owns_terminal = owns_terminal, .env = env,
	};
	/* The ABIs want the stack pointer 16-byte aligned. */
	void *top = (void *)((uintptr_t)(stack + sizeof stack) & ~(uintptr_t)15);
	pid_t child;

	environment_copy(env);
	if (opts->line_buffered)
		linebuf_environment(env, opts->preload, preload, sizeof preload);
	/* tend resumes once the child has exec'd or exited: its group exists by then. */
	child = clone(start_command, top, CLONE_VM | CLONE_VFORK | SIGCHLD, &start);
	if (child < 0)
		die("cannot start '%s': fork: %s", opts->command[0], error_text(errno));
	log_at(LOG_INFO, "started '%s' as pid %d", opts->command[0], (int)child);
	return child;
}

/* PID 1 must pin no mount and hold no socket it was started with. */
static void settle_in(void)
{
	struct rlimit files;

	if (chdir("/") < 0)
		log_at(LOG_WARN, "cannot move to /: %s", error_text(errno));
	if (syscall(SYS_close_range, 3, ~0U, 0) == 0)
		return;
	/* Kernels before 5.9 have no close_range. The raw prlimit64: musl's getrlimit is bigger. */
	if (syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &files) < 0 || files.rlim_cur > 65536)
		files.rlim_cur = 65536;
	for (int fd = 3; fd < (int)files.rlim_cur; fd++)
		close(fd);
}

/* The signal as forwarded; does it ask the child to stop? */
static bool starts_grace(const struct options *opts, int received)
{
	int forwarded = opts->rewrite.to[received];

	return (signal_asks_to_stop(received) && forwarded) || signal_asks_to_stop(forwarded);
}

static void forward(const struct options *opts, struct reaper *r, int received)
{
	int sig = opts->rewrite.to[received];

	if (sig) {
		if (r->main_child > 0)
			signal_forward(r->main_child, opts->single_child, sig);
		else
			signal_descendants(r, sig);
	}
	if (starts_grace(opts, received))
		reaper_start_grace(r);
	/* As dumb-init does: a job-control stop suspends tend along with its child. */
	if (signal_suspends_job(received) && !r->is_pid1)
		signal_stop_self();
}

static int exit_status(const struct options *opts, const struct reaper *r, bool timed_out)
{
	int status = r->main_status;

	if (timed_out)
		return EXIT_TIMED_OUT;
	if (WIFSIGNALED(status))
		return EXIT_SIGNALED_BASE + WTERMSIG(status);
	if (options_remaps_exit(opts, WEXITSTATUS(status)))
		return 0;
	return WEXITSTATUS(status);
}

/*
 * -D: the first stop signal from outside waits while load balancers stop
 * routing to the container. signal is that signal as received (rewritten
 * only when it is forwarded); 0 while none is held.
 */
struct held_stop {
	int signal;
	struct timespec until;
};

/* Only while the main child runs, and only the stop signal that starts the stop. */
static bool holds(const struct options *opts, const struct reaper *r, int received)
{
	return opts->stop_delay_ns > 0 && r->main_child > 0 && !r->stopping &&
	       starts_grace(opts, received);
}

static void hold(const struct options *opts, struct held_stop *held, int received)
{
	char name[16], delay[32];

	held->signal = received;
	held->until = deadline_in(opts->stop_delay_ns);
	format_seconds(delay, sizeof delay, opts->stop_delay_ns);
	log_at(LOG_INFO, "stop delay: holding SIG%s for %s", signal_name(received, name), delay);
}

/* The held signal goes now, and with it the grace starts. */
static void release(const struct options *opts, struct reaper *r, struct held_stop *held,
		    const char *why)
{
	char name[16];
	int sig = held->signal;

	held->signal = 0;
	log_at(LOG_INFO, "stop delay %s: forwarding SIG%s", why, signal_name(sig, name));
	forward(opts, r, sig);
}

/*
 * A signal from outside. Held, if it is the first stop signal and -D asks
 * for it; else forwarded at once. A second stop signal hurries the held
 * one: it is forwarded first, then the second, as they came.
 */
static void receive(const struct options *opts, struct reaper *r, struct held_stop *held,
		    int received)
{
	if (held->signal && starts_grace(opts, received)) {
		release(opts, r, held, "cut short by a second stop signal");
	} else if (holds(opts, r, received)) {
		hold(opts, held, received);
		return;
	}
	forward(opts, r, received);
}

/*
 * The grace's deadline while it runs; before that, the earlier of the stop
 * delay's and --timeout's. NULL: nothing to wake up for but a signal.
 */
static const struct timespec *next_deadline(const struct reaper *r, const struct held_stop *held,
					    const struct timespec *run_deadline)
{
	const struct timespec *grace = reaper_deadline(r);

	if (grace)
		return grace;
	if (held->signal && (!run_deadline || deadline_before(&held->until, run_deadline)))
		return &held->until;
	return run_deadline;
}

/*
 * Ctrl-Z stopped the child at a terminal. tend stops too, so that the shell
 * sees its job stop and takes the terminal back. On `fg` the shell hands
 * the terminal to tend, which passes it on to the child; the shell's
 * SIGCONT, forwarded next, wakes the child.
 */
static void stop_with_child(pid_t child)
{
	signal_stop_self();
	if (in_foreground())
		give_terminal(child);
}

static int supervise(const struct options *opts, pid_t child, bool job_control)
{
	struct reaper r;
	struct held_stop held = { 0 };
	struct timespec run_end;
	const struct timespec *run_deadline = NULL;
	bool timed_out = false;
	int status;

	reaper_init(&r, child, opts);
	if (opts->timeout_ns > 0) {
		run_end = deadline_in(opts->timeout_ns);
		run_deadline = &run_end;
	}
	/* A child that exits before we wait leaves its SIGCHLD pending: none is missed. */
	while (!reaper_done(&r)) {
		siginfo_t info;
		const struct timespec *deadline = next_deadline(&r, &held, run_deadline);
		int sig = signal_wait(&info, deadline);

		if (sig == SIGCHLD) {
			reap_zombies(&r);
			if (r.main_stopped && r.main_child > 0 && job_control)
				stop_with_child(r.main_child);
			/* The deadlines are the main child's: what it leaves has the grace. */
			if (r.main_child == 0) {
				run_deadline = NULL;
				if (held.signal) {
					log_at(LOG_INFO, "stop delay ended: the main child exited");
					held.signal = 0;
				}
			}
		} else if (sig > 0) {
			receive(opts, &r, &held, sig);
		} else if (deadline == &held.until) {
			release(opts, &r, &held, "over");
		} else if (reaper_deadline(&r)) {
			reaper_escalate(&r);
		} else {
			log_at(LOG_WARN, "--timeout expired: stopping '%s'", opts->command[0]);
			timed_out = true;
			run_deadline = NULL;
			/* tend's own decision waits for nothing; the held signal goes first. */
			if (held.signal)
				release(opts, &r, &held, "cut short by --timeout");
			forward(opts, &r, SIGTERM);
			reaper_start_grace(&r);
		}
	}
	status = exit_status(opts, &r, timed_out);
	jobfiles_ended(&r, status, timed_out);
	return status;
}

/* --pause: the Kubernetes pause container's job. Reap, and wait to be told to go. */
static int pause_until_stopped(const struct options *opts)
{
	struct reaper r;

	reaper_init(&r, 0, opts);
	for (;;) {
		siginfo_t info;
		int sig = signal_wait(&info, NULL);

		if (sig == SIGINT || sig == SIGTERM)
			return 0;
		if (sig == SIGCHLD)
			reap_zombies(&r);
	}
}

int main(int argc, char *argv[])
{
	struct options opts;
	struct options_error err;
	struct inherited_signals inherited;
	bool foreground;
	pid_t child = 0;
	int status;

	if (options_parse(&opts, argc, argv, environ, &err) < 0)
		die("%s%s", err.message, err.usage ? " (see 'tend --help')" : "");
	if (opts.action != RUN)
		return show(opts.action, argv[0]);
	if (opts.wait_file)
		return job_wait(opts.wait_file);
	log_set_verbosity(opts.verbosity);
	if (opts.detach)
		detach_from_caller(&opts);
	jobfiles_claim(&opts);

	foreground = in_foreground();
	inherited = signals_take_over();
	adopt_orphans(&opts);
	if (!opts.pause)
		child = spawn(&opts, &inherited, foreground);
	detach_release_caller();
	settle_in();

	if (opts.pause)
		return pause_until_stopped(&opts);
	/* PID 1 cannot stop: there is no shell above it to resume it. */
	status = supervise(&opts, child, foreground && getpid() != 1);
	/* The terminal goes back to whoever ran tend, before tend's status reaches them. */
	if (foreground)
		give_terminal(getpgrp());
	return status;
}
