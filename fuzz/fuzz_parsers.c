/*
 * libFuzzer target over everything tend parses: the command line and its
 * environment twins (options_parse), signal names and numbers (signal_parse,
 * signal_name), the tiny printf every message goes through (format), and the
 * line of a pid or status file that tend --wait reads (jobfiles_parse).
 *
 * Input encoding, so that short inputs reach deep:
 *   byte 0          how many of the words that follow are argv words (% 32)
 *   the rest        words separated by NUL bytes; the first ones are argv
 *                   after argv[0] = "tend", the others environment entries
 *   an environment entry whose first byte is 0x01..0x1f is "NAME=" + the
 *   rest, NAME being the variable tend reads with that index, so that the
 *   fuzzer need not spell TEND_REMAP_EXIT to reach its parser.
 * Every word is also fed to signal_parse, to jobfiles_parse and, cut at
 * each '%', to format.
 *
 * Beyond the sanitizers, each parser's promises are checked: a crash here
 * is a broken promise, not only a memory error.
 */
#include "../jobfiles.h"
#include "../log.h"
#include "../options.h"
#include "../signals.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_WORDS = 64, FORMAT_BUF = 300 };

static const char *const variables[] = {
	"TEND_GRACE", "TEND_TIMEOUT", "TEND_PDEATH", "TEND_PRELOAD", "TEND_REWRITE",
	"TEND_REMAP_EXIT", "TEND_SINGLE_CHILD", "TEND_SUBREAPER", "TEND_LINE_BUFFERED",
	"TEND_WARN_ON_REAP", "TEND_VERBOSITY", "TINI_SUBREAPER", "TINI_VERBOSITY",
	"TINI_KILL_PROCESS_GROUP", "DUMB_INIT_SETSID", "DUMB_INIT_DEBUG", "TEND_STOP_DELAY",
	"TEND_DETACH", "TEND_LOG", "TEND_PID_FILE", "TEND_STATUS_FILE",
};
enum { VARIABLE_COUNT = sizeof variables / sizeof variables[0] };

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "broken promise: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
	abort(); } } while (0)

static bool within(const char *p, char *const words[], int count)
{
	for (int i = 0; i < count; i++)
		if (p >= words[i] && p <= words[i] + strlen(words[i]))
			return true;
	return false;
}

static void check_options(int argc, char *argv[], char *envp[], int envc)
{
	struct options opts;
	struct options_error err;
	int rc = options_parse(&opts, argc, argv, envp, &err);

	CHECK(rc == 0 || rc == -1);
	CHECK(strnlen(err.message, sizeof err.message) < sizeof err.message);
	if (rc < 0) {
		CHECK(err.message[0] != '\0');
		return;
	}
	CHECK(opts.grace_ns >= 0 && opts.timeout_ns >= 0 && opts.stop_delay_ns >= 0);
	CHECK(opts.verbosity >= 0 && opts.verbosity <= 9);
	CHECK(opts.pdeath_signal >= 0 && opts.pdeath_signal <= SIGNAL_MAX);
	for (int sig = 0; sig <= SIGNAL_MAX; sig++)
		CHECK(opts.rewrite.to[sig] <= SIGNAL_MAX);
	CHECK(opts.rewrite.to[SIGCHLD] == SIGCHLD);
	CHECK(opts.rewrite.to[SIGKILL] == SIGKILL && opts.rewrite.to[SIGSTOP] == SIGSTOP);
	if (opts.preload) {
		/* Never relative to the working directory. */
		CHECK(opts.preload[0] == '/');
		CHECK(within(opts.preload, argv, argc) || within(opts.preload, envp, envc));
	}
	/* A job file is named, never empty, and never a copy. */
	const char *files[] = { opts.log_file, opts.pid_file, opts.status_file, opts.wait_file };
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		CHECK(!files[i] || (files[i][0] && (within(files[i], argv, argc) || within(files[i], envp, envc))));
	if (opts.action != RUN)
		return;
	CHECK((opts.pause || opts.wait_file) == (opts.command == NULL));
	CHECK(!(opts.pause && opts.wait_file));
	CHECK(!opts.log_file || opts.detach);
	CHECK(!opts.detach || (!opts.pause && opts.pdeath_signal == 0));
	if (opts.command) {
		CHECK(opts.command > argv && opts.command < argv + argc);
		CHECK(opts.command[0] != NULL);
	}
}

static void check_job_line(const char *word)
{
	struct job job;
	bool known;

	snprintf(job.line, sizeof job.line, "%s", word);
	known = jobfiles_parse(&job);
	CHECK(!strchr(job.line, '\n'));
	if (known)
		CHECK((job.pid > 0 && job.status == -1) || (job.pid == 0 && job.status >= 0 && job.status < 256));
	else
		CHECK(job.pid == 0);
}

static void check_signal(const char *text)
{
	char buf[16], prefixed[24];
	int sig = signal_parse(text);
	const char *name;

	CHECK(sig >= -1 && sig <= SIGNAL_MAX);
	if (sig <= 0)
		return;
	name = signal_name(sig, buf);
	CHECK(strnlen(name, 16) < 16);
	CHECK(signal_parse(name) == sig);
	/* Names take a SIG prefix; numbers (32 and 33 have no name) do not. */
	snprintf(prefixed, sizeof prefixed, "SIG%s", name);
	if (name[0] < '0' || name[0] > '9')
		CHECK(signal_parse(prefixed) == sig);
}

/* format must print what snprintf prints, up to the first directive it lacks. */
static void check_format_piece(const char *piece, size_t size, const char *arg, long number)
{
	char got[FORMAT_BUF], want[FORMAT_BUF];
	const char *percent = strchr(piece, '%');
	char directive = percent ? percent[1] : '\0';
	size_t len;

	memset(got, 'X', sizeof got);
	if (directive == 's') {
		len = format(got, size, piece, arg);
		snprintf(want, size ? size : 1, piece, arg);
	} else if (directive == 'd') {
		len = format(got, size, piece, (int)number);
		snprintf(want, size ? size : 1, piece, (int)number);
	} else if (directive == 'u') {
		len = format(got, size, piece, (unsigned)number);
		snprintf(want, size ? size : 1, piece, (unsigned)number);
	} else if (directive == 'l' && percent[2] == 'd') {
		len = format(got, size, piece, number);
		snprintf(want, size ? size : 1, piece, number);
	} else if (directive == '%') {
		len = format(got, size, piece);
		snprintf(want, size ? size : 1, "%.*s%%", (int)(percent - piece), piece);
	} else {
		len = format(got, size, piece);
		snprintf(want, size ? size : 1, "%.*s",
			 (int)(percent ? (size_t)(percent - piece) : strlen(piece)), piece);
	}
	if (size == 0) {
		CHECK(len == 0 && got[0] == 'X');
		return;
	}
	CHECK(len < size && got[len] == '\0');
	CHECK(strcmp(got, want) == 0);
}

/* Cut word after each directive, so that each piece takes at most one value. */
static void check_format(const char *word, size_t size, const char *arg, long number)
{
	char piece[FORMAT_BUF];
	const char *start = word;

	while (*start) {
		const char *p = strchr(start, '%');
		size_t len;

		if (!p)
			len = strlen(start);
		else if (!p[1])
			len = (size_t)(p - start) + 1;
		else
			len = (size_t)(p - start) + (p[1] == 'l' && p[2] ? 3 : 2);
		if (len >= sizeof piece)
			len = sizeof piece - 1;
		memcpy(piece, start, len);
		piece[len] = '\0';
		check_format_piece(piece, size, arg, number);
		start += len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy, *words[MAX_WORDS], *argv[MAX_WORDS + 2], *envp[MAX_WORDS + 1];
	int word_count = 0, argc = 1, envc = 0, want_args;
	long number = 0;

	if (size == 0)
		return 0;
	want_args = data[0] % 32;
	/* One NUL more, so that the last word ends too. */
	copy = malloc(size);
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	for (char *p = copy; p < copy + size && word_count < MAX_WORDS; p += strlen(p) + 1)
		words[word_count++] = p;

	argv[0] = "tend";
	for (int i = 0; i < word_count; i++) {
		char *w = words[i];

		if (i < want_args) {
			argv[argc++] = w;
		} else if (w[0] > 0 && w[0] < 0x20) {
			size_t len = strlen(variables[(w[0] - 1) % VARIABLE_COUNT]);
			char *entry = malloc(len + 1 + strlen(w));

			memcpy(entry, variables[(w[0] - 1) % VARIABLE_COUNT], len);
			entry[len] = '=';
			strcpy(entry + len + 1, w + 1);
			envp[envc++] = entry;
		} else {
			envp[envc++] = w;
		}
	}
	argv[argc] = NULL;
	envp[envc] = NULL;
	check_options(argc, argv, envp, envc);

	for (size_t i = 1; i < size && i < 9; i++)
		number = (long)((unsigned long)number << 8 | data[i]);
	for (int i = 0; i < word_count; i++) {
		char buf[16];

		check_signal(words[i]);
		check_job_line(words[i]);
		check_format(words[i], data[size - 1] % (FORMAT_BUF + 1), words[(i + 1) % word_count], number);
		CHECK(strnlen(signal_name((int)number, buf), 16) < 16);
		CHECK(strnlen(signal_name(words[i][0] - 'A', buf), 16) < 16);
	}
	for (int i = 0; i < envc; i++)
		if (envp[i] < copy || envp[i] >= copy + size)
			free(envp[i]);
	free(copy);
	return 0;
}
