#include "log.h"

#include "deadline.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { EXIT_TEND_FAILED = 125 };

static int shown_verbosity;
static int mirror = -1;

void log_set_verbosity(int verbosity)
{
	shown_verbosity = verbosity;
}

void log_mirror(int fd)
{
	mirror = fd;
}

void write_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		/* stderr closed or a broken pipe: a message is not worth dying for. */
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

static size_t put_unsigned(char *out, size_t room, unsigned long value, int negative)
{
	char digits[24];
	size_t n = 0, used = 0;

	do {
		digits[n++] = (char)('0' + value % 10);
		value /= 10;
	} while (value > 0);
	if (negative)
		digits[n++] = '-';
	while (n > 0 && used < room)
		out[used++] = digits[--n];
	return used;
}

size_t vformat(char *buf, size_t size, const char *fmt, va_list ap)
{
	size_t len = 0;

	if (size == 0)
		return 0;
	for (const char *p = fmt; *p && len + 1 < size; p++) {
		size_t room = size - 1 - len;

		if (*p != '%') {
			buf[len++] = *p;
			continue;
		}
		switch (*++p) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			size_t n = strlen(s ? s : "(null)");
			if (n > room)
				n = room;
			memcpy(buf + len, s ? s : "(null)", n);
			len += n;
			break;
		}
		case 'd': {
			long v = va_arg(ap, int);
			len += put_unsigned(buf + len, room, v < 0 ? -(unsigned long)v : (unsigned long)v, v < 0);
			break;
		}
		case 'u':
			len += put_unsigned(buf + len, room, va_arg(ap, unsigned), 0);
			break;
		case 'l': {
			long v;
			if (p[1] != 'd') {
				buf[len] = '\0';
				return len;
			}
			p++;
			v = va_arg(ap, long);
			len += put_unsigned(buf + len, room, v < 0 ? -(unsigned long)v : (unsigned long)v, v < 0);
			break;
		}
		case '%':
			buf[len++] = '%';
			break;
		default:
			/* Unknown or truncated directive: stop rather than guess. */
			buf[len] = '\0';
			return len;
		}
	}
	buf[len] = '\0';
	return len;
}

size_t format(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	len = vformat(buf, size, fmt, ap);
	va_end(ap);
	return len;
}

void format_seconds(char *buf, size_t size, long long ns)
{
	long ms = (long)(ns % NS_PER_SECOND / 1000000);
	size_t len = format(buf, size, "%ld", (long)(ns / NS_PER_SECOND));

	if (ms > 0) {
		char frac[8];
		int digits = 3;

		while (ms % 10 == 0) {
			ms /= 10;
			digits--;
		}
		format(frac, sizeof frac, "%ld", ms + (digits == 3 ? 1000 : digits == 2 ? 100 : 10));
		len += format(buf + len, size - len, ".%s", frac + 1);
	}
	format(buf + len, size - len, "s");
}

/* Errors in the order of their texts, which are musl's words for them. */
static const unsigned char error_codes[] = {
	EPERM, ENOENT, ESRCH, EINTR, EIO, E2BIG, ENOEXEC, EBADF, ECHILD, EAGAIN,
	ENOMEM, EACCES, EEXIST, ENOTDIR, EISDIR, EINVAL, EMFILE, ETXTBSY, ENOSPC,
	EROFS, ENAMETOOLONG, ENOSYS, ELOOP,
};
static const char error_texts[] =
	"Operation not permitted\0"
	"No such file or directory\0"
	"No such process\0"
	"Interrupted system call\0"
	"I/O error\0"
	"Argument list too long\0"
	"Exec format error\0"
	"Bad file descriptor\0"
	"No child process\0"
	"Resource temporarily unavailable\0"
	"Out of memory\0"
	"Permission denied\0"
	"File exists\0"
	"Not a directory\0"
	"Is a directory\0"
	"Invalid argument\0"
	"No file descriptors available\0"
	"Text file busy\0"
	"No space left on device\0"
	"Read-only file system\0"
	"Filename too long\0"
	"Function not implemented\0"
	"Symbolic link loop\0";

const char *error_text(int error)
{
	static char other[24];
	const char *text = error_texts;

	for (size_t i = 0; i < sizeof error_codes; i++, text += strlen(text) + 1)
		if (error_codes[i] == error)
			return text;
	format(other, sizeof other, "error %d", error);
	return other;
}

static void vlog(const char *fmt, va_list ap)
{
	char line[1024];
	size_t len = 6;

	/* Not an initializer: that would zero the whole buffer, in code too. */
	memcpy(line, "tend: ", len);

	len += vformat(line + len, sizeof line - len - 1, fmt, ap);
	line[len++] = '\n';
	write_all(STDERR_FILENO, line, len);
	if (mirror >= 0)
		write_all(mirror, line, len);
}

void log_at(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > shown_verbosity)
		return;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
	exit(EXIT_TEND_FAILED);
}
