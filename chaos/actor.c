/*
 * The one workload of `make chaos`: every process of a scenario's tree runs
 * this, and logs what happens to it for the oracle (chaos/chaos.py).
 *
 *   actor node DIR ID      run node ID of DIR/tree (tend execs node 0)
 *   actor launch DIR PID1 UID NPROC -- TEND [ARG...]
 *                          reset signals, drop to UID under RLIMIT_NPROC,
 *                          (not PID1) setsid and leave a stranger in the new
 *                          group and session, then exec tend
 *
 * DIR/tree has one node a line:
 *   id parent fork_ms how life_ms end_kind end_val stop_ms delay_ms code disp
 * how: c child, d double-forked orphan, s setsid daemon, D both.
 * end_kind: x (exit end_val) or k (die of signal end_val) after life_ms.
 * stop_ms: raise SIGSTOP that long after start (-1: never).
 * disp: 64 letters, one per signal 1..64: d default, i ignore, l log,
 * e log and exit with code after delay_ms.
 *
 * DIR/log.ID gets one line per event, each a single O_APPEND write:
 *   T start PID PPID PGID SID | T sig SIG SI_PID SI_CODE | T stop | T cont
 *   T fork ID PID | T forkfail ID | T exit CODE | T die SIG
 * T is CLOCK_MONOTONIC in ns, the clock the driver reads too. Default
 * dispositions are emulated (log, then the default action) so that every
 * end but SIGKILL is on record. Everything is bounded: no process lives
 * more than CAP_MS.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MAX_NODES = 64, CAP_MS = 20000 };

struct node {
	int id, parent, fork_ms, life_ms, end_val, stop_ms, delay_ms, code;
	char how, end_kind;
	char disp[65];
};

static struct node nodes[MAX_NODES];
static int node_count;
static const char *dir;
static int out = -1;

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void say(const char *fmt, ...)
{
	char line[256];
	int n = snprintf(line, sizeof line, "%lld ", now_ns());
	va_list ap;

	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	va_end(ap);
	line[n++] = '\n';
	if (write(out, line, (size_t)n) < 0)
		_exit(99);
}

static void open_log(const char *name)
{
	char path[4096];

	if (out >= 0)
		close(out);
	snprintf(path, sizeof path, "%s/log.%s", dir, name);
	out = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
	if (out < 0)
		_exit(98);
}

static void read_tree(void)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/tree", dir);
	f = fopen(path, "r");
	if (!f)
		_exit(97);
	while (node_count < MAX_NODES) {
		struct node *n = &nodes[node_count];
		if (fscanf(f, "%d %d %d %c %d %c %d %d %d %d %64s", &n->id, &n->parent,
			   &n->fork_ms, &n->how, &n->life_ms, &n->end_kind, &n->end_val,
			   &n->stop_ms, &n->delay_ms, &n->code, n->disp) != 11)
			break;
		node_count++;
	}
	fclose(f);
}

/* Signals glibc keeps for itself, and those nobody can catch. */
static int untouchable(int sig)
{
	return sig == SIGKILL || sig == SIGSTOP || sig == 32 || sig == 33;
}

static int default_ignores(int sig)
{
	return sig == SIGCONT || sig == SIGURG || sig == SIGWINCH;
}

static int default_stops(int sig)
{
	return sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

static void reset_signals(void)
{
	sigset_t none;

	for (int sig = 1; sig <= 64; sig++)
		if (!untouchable(sig))
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static sigset_t waited;

/* Block what the node logs (taken with sigtimedwait); ignore or default the rest. */
static void take_signals(const struct node *n)
{
	sigset_t all;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	sigemptyset(&waited);
	for (int sig = 1; sig <= 64; sig++) {
		char d = n->disp[sig - 1];

		if (untouchable(sig))
			continue;
		if (sig == SIGCHLD) {
			signal(sig, SIG_DFL);
			sigaddset(&waited, sig);
		} else if (d == 'i') {
			signal(sig, SIG_IGN);
		} else if (d == 'd' && default_ignores(sig)) {
			signal(sig, SIG_DFL);
		} else {
			signal(sig, SIG_DFL);
			sigaddset(&waited, sig);
		}
	}
	sigprocmask(SIG_SETMASK, &waited, NULL);
}

static void reap(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

static void log_signal(const siginfo_t *info)
{
	if (info->si_signo == SIGCHLD && info->si_code != SI_USER) {
		reap();
		return;
	}
	say("sig %d %d %d", info->si_signo, (int)info->si_pid, info->si_code);
}

/* What is pending now was delivered before the end: on record, then gone. */
static void drain(void)
{
	struct timespec zero = { 0, 0 };
	siginfo_t info;

	while (sigtimedwait(&waited, &info, &zero) > 0)
		log_signal(&info);
}

static _Noreturn void end_exit(int code)
{
	drain();
	say("exit %d", code);
	_exit(code);
}

static _Noreturn void end_die(int sig)
{
	sigset_t none;

	drain();
	say("die %d", sig);
	signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	raise(sig);
	_exit(90);
}

static void self_stop(void)
{
	say("stop");
	raise(SIGSTOP);
	say("cont");
}

static _Noreturn void run_node(int id);

static void start_child(const struct node *c)
{
	pid_t pid = fork();

	if (pid < 0) {
		say("forkfail %d", c->id);
		return;
	}
	if (pid == 0) {
		if (c->how == 's')
			setsid();
		if (c->how == 'd' || c->how == 'D') {
			pid_t orphan = fork();
			if (orphan != 0)
				_exit(orphan < 0 ? 1 : 0);
			if (c->how == 'D')
				setsid();
		}
		run_node(c->id);
	}
	say("fork %d %d", c->id, (int)pid);
	if (c->how == 'd' || c->how == 'D')
		waitpid(pid, NULL, 0);
}

static _Noreturn void run_node(int id)
{
	const struct node *n = NULL;
	long long start, life_end, exit_at = -1, stop_at = -1;
	char name[16];
	int forked[MAX_NODES] = { 0 };

	for (int i = 0; i < node_count; i++)
		if (nodes[i].id == id)
			n = &nodes[i];
	if (!n)
		_exit(96);
	snprintf(name, sizeof name, "%d", id);
	take_signals(n);
	open_log(name);
	start = now_ns();
	say("start %d %d %d %d", (int)getpid(), (int)getppid(), (int)getpgrp(), (int)getsid(0));
	life_end = start + (long long)(n->life_ms < CAP_MS ? n->life_ms : CAP_MS) * 1000000;
	if (n->stop_ms >= 0)
		stop_at = start + (long long)n->stop_ms * 1000000;
	for (;;) {
		long long t = now_ns(), next = life_end;
		struct timespec wait;
		siginfo_t info;
		int sig;

		for (int i = 0; i < node_count; i++) {
			long long at = start + (long long)nodes[i].fork_ms * 1000000;
			if (nodes[i].parent != id || forked[i])
				continue;
			if (at <= t) {
				forked[i] = 1;
				start_child(&nodes[i]);
			} else if (at < next) {
				next = at;
			}
		}
		if (exit_at >= 0 && exit_at <= t)
			end_exit(n->code);
		if (life_end <= t) {
			if (n->end_kind == 'k')
				end_die(n->end_val);
			end_exit(n->end_val);
		}
		if (stop_at >= 0 && stop_at <= t) {
			stop_at = -1;
			self_stop();
			continue;
		}
		if (exit_at >= 0 && exit_at < next)
			next = exit_at;
		if (stop_at >= 0 && stop_at < next)
			next = stop_at;
		t = next - now_ns();
		if (t < 0)
			t = 0;
		wait.tv_sec = t / 1000000000;
		wait.tv_nsec = t % 1000000000;
		sig = sigtimedwait(&waited, &info, &wait);
		if (sig <= 0)
			continue;
		log_signal(&info);
		if (sig == SIGCHLD)
			continue;
		switch (n->disp[sig - 1]) {
		case 'e':
			if (exit_at < 0)
				exit_at = now_ns() + (long long)n->delay_ms * 1000000;
			break;
		case 'd':
			if (default_stops(sig))
				self_stop();
			else
				end_die(sig);
			break;
		default:
			break;
		}
	}
}

/* Someone of tend's user, in tend's group and session, but not its descendant. */
static _Noreturn void stranger(void)
{
	sigset_t all;
	siginfo_t info;
	struct timespec cap = { CAP_MS / 1000 * 3, 0 };

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	open_log("stranger");
	say("start %d %d %d %d", (int)getpid(), (int)getppid(), (int)getpgrp(), (int)getsid(0));
	for (;;) {
		int sig = sigtimedwait(&all, &info, &cap);
		if (sig <= 0)
			_exit(0);
		if (sig == SIGCHLD && info.si_code != SI_USER)
			continue;
		say("sig %d %d %d", sig, (int)info.si_pid, info.si_code);
	}
}

static int launch(char **argv)
{
	int pid1 = atoi(argv[0]);
	uid_t uid = (uid_t)atoi(argv[1]);
	struct rlimit nproc = { (rlim_t)atoi(argv[2]), (rlim_t)atoi(argv[2]) };
	struct rlimit core = { 0, 0 };
	char **tend = argv + 4;

	reset_signals();
	if (!pid1 && setsid() < 0)
		return 95;
	if (setrlimit(RLIMIT_CORE, &core) < 0 || setrlimit(RLIMIT_NPROC, &nproc) < 0)
		return 95;
	if (setgroups(0, NULL) < 0 || setgid(uid) < 0 || setuid(uid) < 0)
		return 95;
	if (!pid1) {
		pid_t middle = fork();
		char path[4096];

		if (middle == 0) {
			if (fork() == 0)
				stranger();
			_exit(0);
		}
		waitpid(middle, NULL, 0);
		/* The stranger must be listening before tend can signal anyone. */
		snprintf(path, sizeof path, "%s/log.stranger", dir);
		for (int i = 0; i < 400 && access(path, F_OK) < 0; i++)
			usleep(5000);
		usleep(2000);
	}
	execv(tend[0], tend);
	perror(tend[0]);
	return 94;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "node") == 0) {
		dir = argv[2];
		read_tree();
		run_node(atoi(argv[3]));
	}
	if (argc >= 8 && strcmp(argv[1], "launch") == 0 && strcmp(argv[6], "--") == 0) {
		dir = argv[2];
		return launch(argv + 3);
	}
	fprintf(stderr, "usage: actor node DIR ID | actor launch DIR PID1 UID NPROC -- TEND [ARG...]\n");
	return 2;
}
