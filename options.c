#include "options.h"

#include "deadline.h"
#include "environment.h"
#include "log.h"

#include <string.h>

enum { DEFAULT_GRACE_SECONDS = 8, MAX_VERBOSITY = 9 };
/* About 31 years: far beyond any real deadline, and safe from overflow. */
#define MAX_SECONDS 1000000000LL

enum option_id {
	OPT_GRACE, OPT_SINGLE_CHILD, OPT_GROUP, OPT_REWRITE, OPT_SUBREAPER,
	OPT_PDEATH, OPT_REMAP_EXIT, OPT_STOP_DELAY, OPT_TIMEOUT, OPT_PAUSE, OPT_LINE_BUFFERED,
	OPT_PRELOAD, OPT_DETACH, OPT_LOG, OPT_PID_FILE, OPT_STATUS_FILE, OPT_WAIT,
	OPT_WARN_ON_REAP, OPT_VERBOSE, OPT_LICENSE, OPT_HELP, OPT_VERSION, OPTION_COUNT
};

/* An option's environment twin is TEND_ and its long name, upper case, '_' for '-'. */
enum twin { NO_TWIN, SWITCH_TWIN, VALUE_TWIN, LIST_TWIN };

/* Long names in place, not pointers to them: the table is a third smaller. */
static const struct {
	char short_name;
	bool takes_value;
	unsigned char twin;	/* an enum twin, in one byte */
	char long_name[sizeof "line-buffered"];
} specs[OPTION_COUNT] = {
	[OPT_GRACE] = { 't', true, VALUE_TWIN, "grace" },
	[OPT_SINGLE_CHILD] = { 'c', false, SWITCH_TWIN, "single-child" },
	[OPT_GROUP] = { 'g', false, NO_TWIN, "" },
	[OPT_REWRITE] = { 'r', true, LIST_TWIN, "rewrite" },
	[OPT_SUBREAPER] = { 's', false, SWITCH_TWIN, "subreaper" },
	[OPT_PDEATH] = { 'p', true, VALUE_TWIN, "pdeath" },
	[OPT_REMAP_EXIT] = { 'e', true, LIST_TWIN, "remap-exit" },
	[OPT_STOP_DELAY] = { 'D', true, VALUE_TWIN, "stop-delay" },
	[OPT_TIMEOUT] = { 'T', true, VALUE_TWIN, "timeout" },
	[OPT_PAUSE] = { 'P', false, NO_TWIN, "pause" },
	[OPT_LINE_BUFFERED] = { 'L', false, SWITCH_TWIN, "line-buffered" },
	[OPT_PRELOAD] = { 0, true, VALUE_TWIN, "preload" },
	[OPT_DETACH] = { 'd', false, SWITCH_TWIN, "detach" },
	[OPT_LOG] = { 0, true, VALUE_TWIN, "log" },
	[OPT_PID_FILE] = { 0, true, VALUE_TWIN, "pid-file" },
	[OPT_STATUS_FILE] = { 0, true, VALUE_TWIN, "status-file" },
	[OPT_WAIT] = { 0, true, NO_TWIN, "wait" },
	[OPT_WARN_ON_REAP] = { 'w', false, SWITCH_TWIN, "warn-on-reap" },
	/* -v's twin is a level, TEND_VERBOSITY: apply_env reads it. */
	[OPT_VERBOSE] = { 'v', false, NO_TWIN, "verbose" },
	[OPT_LICENSE] = { 'l', false, NO_TWIN, "license" },
	[OPT_HELP] = { 'h', false, NO_TWIN, "help" },
	[OPT_VERSION] = { 'V', false, NO_TWIN, "version" },
};

/*
 * Descriptions go on their own line under the option, indented 6: a hanging
 * indent past the longest option would cost hundreds of bytes of spaces.
 */
const char options_usage[] =
	"Usage: tend [OPTIONS] [--] COMMAND [ARG...]\n"
	"       tend -P\n"
	"       tend --wait FILE\n"
	"\n"
	"A tiny init for containers: runs COMMAND, forwards signals to its process\n"
	"group, reaps zombies, and SIGKILLs what is left after a grace period.\n"
	"Options stop at the first non-option. Each option has an environment twin,\n"
	"in brackets; options win over the environment.\n"
	"\n"
	"  -t, --grace=SECONDS [TEND_GRACE]\n"
	"      grace before SIGKILL after a stop signal or after COMMAND exits\n"
	"      (default 8; 0 never SIGKILLs)\n"
	"  -c, --single-child [TEND_SINGLE_CHILD=1, DUMB_INIT_SETSID=0]\n"
	"      forward signals to COMMAND only, not its group\n"
	"  -g [TINI_KILL_PROCESS_GROUP]\n"
	"      forward to the process group (the default)\n"
	"  -r, --rewrite=S:R [TEND_REWRITE=S:R,S:R]\n"
	"      forward signal S as R; R=0 drops S; repeatable\n"
	"  -s, --subreaper [TEND_SUBREAPER=1, TINI_SUBREAPER]\n"
	"      register as child subreaper (automatic unless PID 1)\n"
	"  -p, --pdeath=SIGNAL [TEND_PDEATH]\n"
	"      signal tend gets when its parent dies\n"
	"  -e, --remap-exit=CODE [TEND_REMAP_EXIT=CODE,CODE]\n"
	"      exit 0 when COMMAND exits with CODE; repeatable\n"
	"  -D, --stop-delay=SECONDS [TEND_STOP_DELAY]\n"
	"      hold a stop signal SECONDS before forwarding it, while load balancers\n"
	"      drain (default 0)\n"
	"  -T, --timeout=SECONDS [TEND_TIMEOUT]\n"
	"      stop COMMAND as on SIGTERM after SECONDS, then exit 124\n"
	"  -P, --pause      no COMMAND: sleep and reap until SIGINT/SIGTERM\n"
	"  -L, --line-buffered [TEND_LINE_BUFFERED=1]\n"
	"      line-buffered stdout, unbuffered stderr for the child\n"
	"  --preload=PATH [TEND_PRELOAD]\n"
	"      the -L helper library\n"
	"  -d, --detach [TEND_DETACH=1]\n"
	"      leave the caller once COMMAND runs, in a new session; print tend's PID;\n"
	"      implies -L\n"
	"  --log=FILE [TEND_LOG]\n"
	"      with -d: append all output to FILE\n"
	"  --pid-file=FILE [TEND_PID_FILE]\n"
	"      tend's PID, then how the job ended\n"
	"  --status-file=FILE [TEND_STATUS_FILE]\n"
	"      running, then how the job ended\n"
	"  --wait FILE\n"
	"      wait for the job of a pid or status file to end; print how, exit with\n"
	"      its status\n"
	"  -w, --warn-on-reap [TEND_WARN_ON_REAP=1]\n"
	"      log each orphan zombie reaped\n"
	"  -v, --verbose [TEND_VERBOSITY=N, TINI_VERBOSITY, DUMB_INIT_DEBUG=1]\n"
	"      more logging; repeatable\n"
	"  -l, --license    show the license\n"
	"  -h, --help       show this help\n"
	"  -V, --version    show the version\n"
	"\n"
	"SECONDS is a decimal number, e.g. 0.5, with an optional s, m, h or d unit.\n"
	"SIGNAL is a name (TERM, SIGTERM, RTMIN+1) or a number.\n"
	"Exit status: COMMAND's, or 128+N if it died of signal N; 124 after\n"
	"--timeout; 125 when tend itself fails; 126 COMMAND not executable;\n"
	"127 COMMAND not found.\n";

static int fail(struct options_error *err, bool usage, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vformat(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
	err->usage = usage;
	return -1;
}

/* A bad value, named as it came: "-t 'abc': not a number of seconds". */
static int bad_value(struct options_error *err, const char *label, const char *value,
		     const char *why)
{
	return fail(err, true, "%s'%s': %s", label, value, why);
}

/* A whole decimal number in [min, max], or -1. */
static long parse_number(const char *s, long min, long max)
{
	long n = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		n = n * 10 + (*s - '0');
		if (n > max)
			return -1;
	}
	return n < min ? -1 : n;
}

/* "8", "0.5", "1.5s", "2m", "1h", "1d": nanoseconds, or -1. */
static long long parse_seconds(const char *s)
{
	long long whole = 0, fraction = 0, scale = NS_PER_SECOND, unit = 1;
	int digits = 0;
	bool nonzero = false;

	for (; *s >= '0' && *s <= '9'; s++, digits++) {
		whole = whole * 10 + (*s - '0');
		nonzero |= *s != '0';
		if (whole > MAX_SECONDS)
			return -1;
	}
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++, digits++) {
			scale /= 10;
			fraction += (*s - '0') * scale;
			nonzero |= *s != '0';
		}
	/* Below a nanosecond would round to 0, which means "never": refuse it. */
	if (digits == 0 || (nonzero && whole == 0 && fraction == 0))
		return -1;
	switch (*s) {
	case 's': unit = 1; s++; break;
	case 'm': unit = 60; s++; break;
	case 'h': unit = 3600; s++; break;
	case 'd': unit = 86400; s++; break;
	}
	if (*s || whole > MAX_SECONDS / unit)
		return -1;
	return (whole * NS_PER_SECOND + fraction) * unit;
}

static int parse_rewrite(struct options *opts, const char *spec, const char *label,
			 struct options_error *err)
{
	char from_text[32];
	const char *colon = strchr(spec, ':');
	size_t from_len = colon ? (size_t)(colon - spec) : 0;
	int from, to;

	if (!colon || from_len >= sizeof from_text)
		return bad_value(err, label, spec, "expected SIGNAL:SIGNAL, e.g. TERM:INT");
	memcpy(from_text, spec, from_len);
	from_text[from_len] = '\0';
	from = signal_parse(from_text);
	to = signal_parse(colon + 1);
	if (from <= 0)
		return fail(err, true, "%s'%s': unknown signal '%s'", label, spec, from_text);
	if (to < 0)
		return fail(err, true, "%s'%s': unknown signal '%s'", label, spec, colon + 1);
	if (from == SIGKILL || from == SIGSTOP)
		return fail(err, true, "%s'%s': %s cannot be caught, so never forwarded", label,
			    spec, from == SIGKILL ? "SIGKILL" : "SIGSTOP");
	if (from == SIGCHLD)
		return bad_value(err, label, spec, "SIGCHLD is never forwarded");
	opts->rewrite.to[from] = (unsigned char)to;
	return 0;
}

/* Apply one option's value; label names its source in messages ("-t ", "TEND_GRACE="). */
static int apply(struct options *opts, enum option_id id, const char *value,
		 const char *label, struct options_error *err)
{
	long n;
	long long ns;

	switch (id) {
	case OPT_GRACE:
	case OPT_STOP_DELAY:
	case OPT_TIMEOUT:
		if ((ns = parse_seconds(value)) < 0)
			return bad_value(err, label, value, "not a number of seconds");
		*(id == OPT_GRACE ? &opts->grace_ns :
		  id == OPT_STOP_DELAY ? &opts->stop_delay_ns : &opts->timeout_ns) = ns;
		return 0;
	case OPT_SINGLE_CHILD: opts->single_child = true; return 0;
	case OPT_GROUP: opts->single_child = false; return 0;
	case OPT_REWRITE: return parse_rewrite(opts, value, label, err);
	case OPT_SUBREAPER: opts->subreaper = true; return 0;
	case OPT_PDEATH:
		if ((n = signal_parse(value)) <= 0)
			return bad_value(err, label, value, "unknown signal");
		opts->pdeath_signal = (int)n;
		return 0;
	case OPT_REMAP_EXIT:
		if ((n = parse_number(value, 0, 255)) < 0)
			return bad_value(err, label, value, "not an exit code (0-255)");
		opts->remap_exit[n / 8] |= (unsigned char)(1u << (n % 8));
		return 0;
	case OPT_PAUSE: opts->pause = true; return 0;
	case OPT_LINE_BUFFERED: opts->line_buffered = true; return 0;
	case OPT_PRELOAD:
		if (value[0] != '/')
			return bad_value(err, label, value, "the helper path must be absolute");
		opts->preload = value;
		return 0;
	case OPT_DETACH: opts->detach = true; return 0;
	case OPT_LOG:
	case OPT_PID_FILE:
	case OPT_STATUS_FILE:
	case OPT_WAIT:
		if (!*value)
			return bad_value(err, label, value, "expected a file name");
		*(id == OPT_LOG ? &opts->log_file : id == OPT_PID_FILE ? &opts->pid_file :
		  id == OPT_STATUS_FILE ? &opts->status_file : &opts->wait_file) = value;
		return 0;
	case OPT_WARN_ON_REAP: opts->warn_on_reap = true; return 0;
	case OPT_VERBOSE:
		if (opts->verbosity < MAX_VERBOSITY)
			opts->verbosity++;
		return 0;
	case OPT_LICENSE: opts->action = SHOW_LICENSE; return 0;
	case OPT_HELP: opts->action = SHOW_HELP; return 0;
	case OPT_VERSION: opts->action = SHOW_VERSION; return 0;
	case OPTION_COUNT: break;
	}
	return 0;
}

/* A TEND_* switch: 1/0, true/false, yes/no, on/off; the empty string is off. */
static int env_switch(char *const envp[], const char *name, bool *on, struct options_error *err)
{
	static const char yes[][sizeof "true"] = { "1", "true", "yes", "on" };
	static const char no[][sizeof "false"] = { "", "0", "false", "no", "off" };
	const char *value = environment_get(envp, name);

	*on = false;
	if (!value)
		return 0;
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		if (strcmp(value, yes[i]) == 0)
			return *on = true, 0;
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		if (strcmp(value, no[i]) == 0)
			return 0;
	return fail(err, false, "%s='%s': expected 1 or 0", name, value);
}

/* A TEND_* variable with a value; a list applies each comma-separated item. */
static int env_value(struct options *opts, char *const envp[], const char *name,
		     enum option_id id, bool is_list, struct options_error *err)
{
	const char *list = environment_get(envp, name);
	char label[32], item[64];

	if (!list || !*list)
		return 0;
	format(label, sizeof label, "%s=", name);
	if (!is_list) {
		if (apply(opts, id, list, label, err) < 0)
			return err->usage = false, -1;
		return 0;
	}
	for (const char *start = list;; ) {
		const char *end = strchr(start, ',');
		size_t len = end ? (size_t)(end - start) : strlen(start);

		if (len >= sizeof item)
			return fail(err, false, "%s'%s': item too long", label, list);
		memcpy(item, start, len);
		item[len] = '\0';
		if (apply(opts, id, item, label, err) < 0)
			return err->usage = false, -1;
		if (!end)
			return 0;
		start = end + 1;
	}
}

/* A verbosity variable, 0-9: 1 and *level when set, 0 when not, -1 when bad. */
static int env_level(char *const envp[], const char *name, int *level, struct options_error *err)
{
	const char *value = environment_get(envp, name);
	long n;

	if (!value)
		return 0;
	if ((n = parse_number(value, 0, MAX_VERBOSITY)) < 0)
		return fail(err, false, "%s='%s': expected a number 0-%d", name, value, MAX_VERBOSITY);
	*level = (int)n;
	return 1;
}

/* tini's and dumb-init's variables, with the meaning they have there. */
static int apply_foreign_env(struct options *opts, char *const envp[], struct options_error *err)
{
	const char *value;
	int level, set;

	if (environment_get(envp, "TINI_SUBREAPER"))
		opts->subreaper = true;
	if ((value = environment_get(envp, "DUMB_INIT_SETSID")) && strcmp(value, "0") == 0)
		opts->single_child = true;
	if ((value = environment_get(envp, "DUMB_INIT_DEBUG")) && strcmp(value, "1") == 0)
		opts->verbosity = LOG_DEBUG;
	if ((set = env_level(envp, "TINI_VERBOSITY", &level, err)) < 0)
		return -1;
	/* tini counts 1 as its default; tend counts 0. */
	if (set)
		opts->verbosity = level > 0 ? level - 1 : 0;
	return 0;
}

/* "TEND_STOP_DELAY" for "stop-delay". */
static void twin_name(char *name, const char *long_name)
{
	memcpy(name, "TEND_", 5);
	for (name += 5; *long_name; long_name++)
		*name++ = *long_name == '-' ? '_' : (char)(*long_name - 'a' + 'A');
	*name = '\0';
}

static int apply_env(struct options *opts, char *const envp[], struct options_error *err)
{
	char name[sizeof "TEND_" + sizeof specs[0].long_name];
	bool on;

	if (apply_foreign_env(opts, envp, err) < 0)
		return -1;
	for (int id = 0; id < OPTION_COUNT; id++) {
		if (specs[id].twin == NO_TWIN)
			continue;
		twin_name(name, specs[id].long_name);
		if (specs[id].twin != SWITCH_TWIN) {
			if (env_value(opts, envp, name, id, specs[id].twin == LIST_TWIN, err) < 0)
				return -1;
			continue;
		}
		if (env_switch(envp, name, &on, err) < 0)
			return -1;
		if (on)
			apply(opts, id, NULL, NULL, err);
	}
	return env_level(envp, "TEND_VERBOSITY", &opts->verbosity, err) < 0 ? -1 : 0;
}

static int find_short(char name)
{
	for (int id = 0; id < OPTION_COUNT; id++)
		if (specs[id].short_name == name)
			return id;
	return -1;
}

/* "--name" or "--name=value": the option's id, or -1. */
static int find_long(const char *arg, const char **inline_value)
{
	const char *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);

	*inline_value = eq ? eq + 1 : NULL;
	for (int id = 0; id < OPTION_COUNT; id++)
		if (specs[id].long_name[0] && strlen(specs[id].long_name) == len &&
		    strncmp(specs[id].long_name, arg, len) == 0)
			return id;
	return -1;
}

/* An option's value in the next word; NULL at the end of argv. */
static const char *next_word(int argc, char *const argv[], int *i)
{
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

/* One argv word that starts with '-'; *i moves past any value it takes. */
static int parse_word(struct options *opts, int argc, char *const argv[], int *i,
		      struct options_error *err)
{
	const char *arg = argv[*i];
	char label[48];

	if (arg[1] == '-') {
		const char *value;
		int id = find_long(arg + 2, &value);

		if (id < 0)
			return fail(err, true, "unknown option '%s'", arg);
		format(label, sizeof label, "--%s ", specs[id].long_name);
		if (!specs[id].takes_value) {
			if (value)
				return fail(err, true, "option '--%s' takes no value", specs[id].long_name);
			return apply(opts, id, NULL, label, err);
		}
		if (!value && (value = next_word(argc, argv, i)) == NULL)
			return fail(err, true, "option '--%s' needs a value", specs[id].long_name);
		return apply(opts, id, value, label, err);
	}
	for (const char *p = arg + 1; *p; p++) {
		int id = find_short(*p);

		if (id < 0)
			return fail(err, true, "unknown option '-%s'", (char[]){ *p, '\0' });
		format(label, sizeof label, "-%s ", (char[]){ *p, '\0' });
		if (!specs[id].takes_value) {
			if (apply(opts, id, NULL, label, err) < 0)
				return -1;
			continue;
		}
		/* "-t5" or "-t 5": the rest of the word, else the next one. */
		const char *value = p[1] ? p + 1 : next_word(argc, argv, i);
		if (!value)
			return fail(err, true, "option '-%s' needs a value", (char[]){ *p, '\0' });
		return apply(opts, id, value, label, err);
	}
	return 0;
}

int options_parse(struct options *opts, int argc, char *const argv[],
		  char *const envp[], struct options_error *err)
{
	int i;

	memset(opts, 0, sizeof *opts);
	opts->grace_ns = DEFAULT_GRACE_SECONDS * NS_PER_SECOND;
	rewrite_identity(&opts->rewrite);
	err->message[0] = '\0';
	err->usage = false;

	if (apply_env(opts, envp, err) < 0)
		return -1;
	for (i = 1; i < argc && argv[i]; i++) {
		const char *arg = argv[i];

		if (strcmp(arg, "--") == 0) {
			i++;
			break;
		}
		/* No argv permutation: the first non-option is COMMAND. */
		if (arg[0] != '-' || arg[1] == '\0')
			break;
		if (parse_word(opts, argc, argv, &i, err) < 0)
			return -1;
		if (opts->action != RUN)
			return 0;
	}
	opts->command = i < argc && argv[i] ? argv + i : NULL;
	if ((opts->pause || opts->wait_file) && opts->command)
		return fail(err, true, "%s takes no COMMAND (got '%s')",
			    opts->pause ? "--pause" : "--wait", opts->command[0]);
	if (!opts->pause && !opts->wait_file && !opts->command)
		return fail(err, true, "no COMMAND to run");
	if (opts->pause && (opts->detach || opts->pid_file || opts->status_file || opts->wait_file))
		return fail(err, true, "--pause takes no -d, --pid-file, --status-file or --wait");
	if (opts->log_file && !opts->detach)
		return fail(err, true, "--log needs -d (in the foreground, use > FILE 2>&1)");
	/* A parent-death signal would stop the job as soon as its caller returns. */
	if (opts->detach && opts->pdeath_signal)
		return fail(err, true, "-d and -p: a detached tend's parent exits at once");
	/* A log file is read with tail -f, line by line. */
	if (opts->detach && !environment_get(envp, "TEND_LINE_BUFFERED"))
		opts->line_buffered = true;
	return 0;
}

bool options_remaps_exit(const struct options *opts, int code)
{
	return code >= 0 && code < 256 && (opts->remap_exit[code / 8] & (1u << (code % 8)));
}
