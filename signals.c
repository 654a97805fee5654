#include "signals.h"

#include "deadline.h"
#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The kernel's view, as bash's `kill -l` and glibc print them. */
enum { RT_FIRST = 34 };

/* Names in place, not pointers to them: the table is about half the size. */
static const char standard_names[][sizeof "STKFLT"] = {
	[SIGHUP] = "HUP",     [SIGINT] = "INT",       [SIGQUIT] = "QUIT",
	[SIGILL] = "ILL",     [SIGTRAP] = "TRAP",     [SIGABRT] = "ABRT",
	[SIGBUS] = "BUS",     [SIGFPE] = "FPE",       [SIGKILL] = "KILL",
	[SIGUSR1] = "USR1",   [SIGSEGV] = "SEGV",     [SIGUSR2] = "USR2",
	[SIGPIPE] = "PIPE",   [SIGALRM] = "ALRM",     [SIGTERM] = "TERM",
	[SIGSTKFLT] = "STKFLT", [SIGCHLD] = "CHLD",   [SIGCONT] = "CONT",
	[SIGSTOP] = "STOP",   [SIGTSTP] = "TSTP",     [SIGTTIN] = "TTIN",
	[SIGTTOU] = "TTOU",   [SIGURG] = "URG",       [SIGXCPU] = "XCPU",
	[SIGXFSZ] = "XFSZ",   [SIGVTALRM] = "VTALRM", [SIGPROF] = "PROF",
	[SIGWINCH] = "WINCH", [SIGIO] = "IO",         [SIGPWR] = "PWR",
	[SIGSYS] = "SYS",
};

enum { STANDARD_COUNT = sizeof standard_names / sizeof standard_names[0] };

/* A decimal number of at most three digits, the whole string; else -1. */
static int small_number(const char *s)
{
	int n = 0;

	if (!*s || strlen(s) > 3)
		return -1;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		n = n * 10 + (*s - '0');
	}
	return n;
}

/* "RTMIN", "RTMIN+n", "RTMAX", "RTMAX-n". */
static int realtime_signal(const char *s)
{
	int base, sign, offset = 0;

	if (strncmp(s, "RTMIN", 5) == 0)
		base = RT_FIRST, sign = '+';
	else if (strncmp(s, "RTMAX", 5) == 0)
		base = SIGNAL_MAX, sign = '-';
	else
		return -1;
	s += 5;
	if (*s) {
		if (*s != sign || (offset = small_number(s + 1)) < 0)
			return -1;
	}
	offset = sign == '+' ? base + offset : base - offset;
	return offset >= RT_FIRST && offset <= SIGNAL_MAX ? offset : -1;
}

int signal_parse(const char *text)
{
	/* Upper case in a copy; "SIGRTMAX-30", the longest name, fits. */
	char upper[16];
	const char *name = upper;
	int n = small_number(text);
	size_t i;

	if (n >= 0)
		return n <= SIGNAL_MAX ? n : -1;
	for (i = 0; text[i] && i < sizeof upper - 1; i++)
		upper[i] = text[i] >= 'a' && text[i] <= 'z' ? (char)(text[i] - 'a' + 'A') : text[i];
	if (text[i])
		return -1;
	upper[i] = '\0';
	if (strncmp(name, "SIG", 3) == 0)
		name += 3;
	for (int sig = 1; sig < STANDARD_COUNT; sig++)
		if (standard_names[sig][0] && strcmp(name, standard_names[sig]) == 0)
			return sig;
	return realtime_signal(name);
}

const char *signal_name(int sig, char *buf)
{
	if (sig > 0 && sig < STANDARD_COUNT && standard_names[sig][0])
		return standard_names[sig];
	if (sig >= RT_FIRST && sig <= SIGNAL_MAX)
		format(buf, 16, "RTMIN+%d", sig - RT_FIRST);
	else
		format(buf, 16, "%d", sig);
	return buf;
}

void rewrite_identity(struct rewrite *table)
{
	for (int sig = 0; sig <= SIGNAL_MAX; sig++)
		table->to[sig] = (unsigned char)sig;
}

/*
 * The raw system call, because libc wrappers hide the signals a libc keeps
 * for itself (musl: 32-34). tend must block those too: a real-time signal's
 * default action is to terminate.
 */
static void set_mask(int how, const uint64_t *set, uint64_t *old)
{
	syscall(SYS_rt_sigprocmask, how, set, old, sizeof(uint64_t));
}

/*
 * The raw system call again, for SIGCHLD's disposition: musl's sigaction
 * and signal are a kilobyte of the binary. The kernel's struct sigaction
 * starts with the handler on every architecture tend is built for (MIPS,
 * where it does not, is not one); with flags, restorer and mask all zero,
 * the rest of its layout does not matter.
 */
struct kernel_sigaction {
	void (*handler)(int);
	unsigned long rest[4];
};

/* sig's handler before the call; set to handler when set is true. */
static void (*disposition(int sig, bool set, void (*handler)(int)))(int)
{
	struct kernel_sigaction now = { .handler = handler }, old = { 0 };

	syscall(SYS_rt_sigaction, sig, set ? &now : NULL, &old, sizeof(uint64_t));
	return old.handler;
}

struct inherited_signals signals_take_over(void)
{
	struct inherited_signals inherited = { 0 };
	uint64_t all = ~(uint64_t)0;

	set_mask(SIG_SETMASK, &all, &inherited.mask);
	if (disposition(SIGCHLD, false, NULL) == SIG_IGN) {
		inherited.sigchld_ignored = true;
		disposition(SIGCHLD, true, SIG_DFL);
	}
	return inherited;
}

void signals_give_back(const struct inherited_signals *inherited)
{
	if (inherited->sigchld_ignored)
		disposition(SIGCHLD, true, SIG_IGN);
	set_mask(SIG_SETMASK, &inherited->mask, NULL);
}

int signal_wait(siginfo_t *info, const struct timespec *deadline)
{
	/* Asked once: it never changes, and each forwarded signal would pay a system call. */
	static pid_t self;
	sigset_t every;

	if (!self)
		self = getpid();
	/* Not sigfillset: libcs leave their own signals out of it. */
	memset(&every, 0xff, sizeof every);
	for (;;) {
		int sig;

		if (deadline) {
			struct timespec left = deadline_left(deadline);
			sig = sigtimedwait(&every, info, &left);
		} else {
			sig = sigwaitinfo(&every, info);
		}
		/*
		 * What this process sent itself is no message for the child: a
		 * log line written to a closed pipe raises SIGPIPE on tend (and
		 * forwarding it would kill the child), and a signal left pending
		 * across exec by whoever ran in this process before tend (runc's
		 * Go runtime sends itself SIGURG) was never meant for anyone.
		 */
		if (sig > 0 && (info->si_code == SI_USER || info->si_code == SI_TKILL) &&
		    info->si_pid == self)
			continue;
		if (sig > 0)
			return sig;
		if (errno == EAGAIN)
			return 0;
		/* EINTR: tend was stopped and continued; wait again. */
	}
}

bool signal_asks_to_stop(int sig)
{
	return sig == SIGTERM || sig == SIGINT || sig == SIGQUIT;
}

bool signal_suspends_job(int sig)
{
	return sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/*
 * A SIGCONT that came since the stop was asked for waits here, blocked; the
 * stop would throw it away and leave tend, and its job, stopped for good.
 * Then tend does not stop, and the SIGCONT is forwarded next. What is left
 * of the race is the width of one system call.
 */
void signal_stop_self(void)
{
	uint64_t pending = 0;

	syscall(SYS_rt_sigpending, &pending, sizeof pending);
	if (!(pending & (UINT64_C(1) << (SIGCONT - 1))))
		kill(getpid(), SIGSTOP);
}

void signal_forward(pid_t child, bool single_child, int sig)
{
	char name[16];

	log_at(LOG_DEBUG, "forwarding SIG%s to %s %d", signal_name(sig, name),
	       single_child ? "child" : "process group", (int)child);
	kill(single_child ? child : -child, sig);
}
