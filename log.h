/* Messages to stderr, prefixed "tend: ". Never stdout: that is the child's. */
#ifndef TEND_LOG_H
#define TEND_LOG_H

#include <stdarg.h>
#include <stddef.h>

/* The verbosity a message needs to be shown. */
enum { LOG_WARN = 0, LOG_INFO = 1, LOG_DEBUG = 2 };

/* Set once from the options, before the first message that depends on it. */
void log_set_verbosity(int verbosity);

/*
 * A tiny printf: %s, %d, %ld, %u and %% only. tend avoids stdio so that the
 * static binary stays a few kilobytes.
 */
size_t format(char *buf, size_t size, const char *fmt, ...);
size_t vformat(char *buf, size_t size, const char *fmt, va_list ap);

/* A duration for messages: "8s", "0.5s", "1.25s" (to the millisecond). */
void format_seconds(char *buf, size_t size, long long ns);

/*
 * Until it is set back to -1, every message goes to fd as well as to
 * stderr: the caller of tend -d sees why its job did not start.
 */
void log_mirror(int fd);

/*
 * strerror's words for the errors tend can meet, "error N" for the rest:
 * musl's full table would be 2 KiB of the binary.
 */
const char *error_text(int error);

/* One line, "tend: " + message + "\n", in a single write(2). */
void log_at(int level, const char *fmt, ...);

/* tend's own failure: one line, then exit 125 (the child never started). */
_Noreturn void die(const char *fmt, ...);

/* Write a whole string to a descriptor, retrying short writes. */
void write_all(int fd, const char *s, size_t len);

#endif
