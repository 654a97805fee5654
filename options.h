/*
 * The command line and its environment twins, parsed once into one struct
 * that is read-only afterwards. Environment first, then argv, so argv wins.
 */
#ifndef TEND_OPTIONS_H
#define TEND_OPTIONS_H

#include "signals.h"

#include <stdbool.h>

enum action { RUN, SHOW_HELP, SHOW_VERSION, SHOW_LICENSE };

struct options {
	enum action action;
	long long grace_ns;          /* 0: never escalate to SIGKILL */
	long long timeout_ns;        /* 0: no run deadline */
	long long stop_delay_ns;     /* 0: forward a stop signal at once */
	bool single_child;
	bool subreaper;
	bool pause;
	bool line_buffered;
	bool warn_on_reap;
	int verbosity;
	int pdeath_signal;           /* 0: none */
	const char *preload;         /* -L helper; NULL: found next to tend */
	bool detach;                 /* -d: leave the caller once COMMAND runs */
	const char *log_file;        /* -d's output; NULL: stdout and stderr as they are */
	const char *pid_file;        /* NULL: none */
	const char *status_file;     /* NULL: none */
	const char *wait_file;       /* --wait: the job to wait for; no COMMAND */
	struct rewrite rewrite;
	unsigned char remap_exit[256 / 8];
	char *const *command;        /* NULL-terminated; NULL with --pause or --wait */
};

struct options_error {
	char message[320];
	bool usage;                  /* a usage mistake: worth a hint to --help */
};

/* 0, or -1 with a one-line reason in err. Never exits, never prints. */
int options_parse(struct options *opts, int argc, char *const argv[],
		  char *const envp[], struct options_error *err);

bool options_remaps_exit(const struct options *opts, int code);

/* The --help text. */
extern const char options_usage[];

#endif
