#include "linebuf.h"

#include "environment.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#define HELPER_NAME "tend-linebuf.so"
/* glibc and musl both split LD_PRELOAD on these; a path cannot escape them. */
#define SEPARATORS " \t\n:"

/*
 * NULL if the loader can map path, else why not. The loader prints an error
 * into the child's output for a file it cannot use, so tend checks first: a
 * file readable by us that starts like an ELF object. O_NONBLOCK: a FIFO
 * must not hang tend; a directory fails the read with EISDIR.
 */
static const char *unusable(const char *path)
{
	char magic[4];
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ssize_t n;
	const char *why = NULL;

	if (fd < 0)
		return error_text(errno);
	n = read(fd, magic, sizeof magic);
	if (n < 0)
		why = error_text(errno);
	else if (n != sizeof magic || memcmp(magic, "\177ELF", 4) != 0)
		why = "not an ELF shared library";
	close(fd);
	return why;
}

/*
 * Installed: PREFIX/bin/tend and PREFIX/lib/tend/; built: side by side.
 * Fills path with the first candidate that is usable; NULL (and a message
 * in why) if none is.
 */
static const char *find_helper(char *path, size_t size, char *why, size_t why_size)
{
	char exe[PATH_MAX], prefix[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	char *slash;

	if (n <= 0) {
		format(why, why_size, "cannot find tend's own path in /proc/self/exe: %s",
		       n < 0 ? error_text(errno) : "empty");
		return NULL;
	}
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	format(prefix, sizeof prefix, "%s", exe);
	if ((slash = strrchr(prefix, '/')))
		*slash = '\0';

	format(path, size, "%s/lib/tend/" HELPER_NAME, prefix);
	if (!unusable(path))
		return path;
	format(path, size, "%s/" HELPER_NAME, exe);
	if (!unusable(path))
		return path;
	format(why, why_size, "no %s in %s/lib/tend/ or %s/ (see --preload, TEND_PRELOAD)",
	       HELPER_NAME, prefix, exe);
	return NULL;
}

/* Length of the LD_PRELOAD entry at s: up to a separator or the end. */
static size_t entry_length(const char *s)
{
	size_t n = 0;

	while (s[n] && !strchr(SEPARATORS, s[n]))
		n++;
	return n;
}

/* Is helper already one of the entries of list? */
static bool listed(const char *list, const char *helper)
{
	size_t len = strlen(helper);

	for (const char *p = list; *p; ) {
		size_t n = entry_length(p);

		if (n == len && strncmp(p, helper, len) == 0)
			return true;
		p += p[n] ? n + 1 : n;
	}
	return false;
}

/*
 * existing LD_PRELOAD, then helper, in buf; NULL and why if it cannot be.
 * The helper is not added twice.
 */
static const char *join_preload(const char *existing, const char *helper, char *buf,
				size_t size, char *why, size_t why_size)
{
	if (helper[entry_length(helper)]) {
		format(why, why_size, "cannot use %s: LD_PRELOAD cannot hold a path with a space or ':'",
		       helper);
		return NULL;
	}
	if (!existing || !*existing)
		existing = NULL;
	if (existing && listed(existing, helper))
		return existing;
	if ((existing ? strlen(existing) + 1 : 0) + strlen(helper) >= size) {
		format(why, why_size, "LD_PRELOAD is too long to add %s", helper);
		return NULL;
	}
	format(buf, size, "%s%s%s", existing ? existing : "", existing ? " " : "", helper);
	return buf;
}

void linebuf_environment(char **env, const char *preload, char *buf, size_t size)
{
	static char python_unbuffered[] = "PYTHONUNBUFFERED=1";
	static const char name[] = "LD_PRELOAD=";
	const char *existing = environment_get(env, "LD_PRELOAD");
	char found[PATH_MAX], why[PATH_MAX + 128];
	const char *helper = preload, *problem, *joined = NULL;

	/* Python buffers on its own; it needs no helper for this. */
	if (!environment_get(env, "PYTHONUNBUFFERED"))
		environment_set(env, python_unbuffered);
	if (!helper) {
		helper = find_helper(found, sizeof found, why, sizeof why);
	} else if ((problem = unusable(helper))) {
		format(why, sizeof why, "cannot use %s: %s", helper, problem);
		helper = NULL;
	}
	memcpy(buf, name, sizeof name);
	if (helper)
		joined = join_preload(existing, helper, buf + sizeof name - 1, size - sizeof name + 1,
				      why, sizeof why);
	if (!joined)
		log_at(LOG_WARN, "-L: %s; C programs keep their default buffering", why);
	else if (joined != existing)
		environment_set(env, buf);
}
