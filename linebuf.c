#include "linebuf.h"

#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HELPER_NAME "tend-linebuf.so"
/* glibc and musl both split LD_PRELOAD on these; a path cannot escape them. */
#define SEPARATORS " \t\n:"

/*
 * NULL if the loader can map path, else why not. The loader prints an error
 * into the child's output for a file it cannot use, so tend checks first:
 * a regular file, readable by us, that starts like an ELF object.
 */
static const char *unusable(const char *path)
{
	char magic[4];
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	const char *why = NULL;

	if (fd < 0)
		return strerror(errno);
	if (fstat(fd, &st) < 0)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (read(fd, magic, sizeof magic) != sizeof magic || memcmp(magic, "\177ELF", 4) != 0)
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
		       n < 0 ? strerror(errno) : "empty");
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

/* Is helper already one of the entries of list? */
static bool listed(const char *list, const char *helper)
{
	size_t len = strlen(helper);

	for (const char *p = list; *p; ) {
		size_t n;

		p += strspn(p, SEPARATORS);
		n = strcspn(p, SEPARATORS);
		if (n == len && strncmp(p, helper, len) == 0)
			return true;
		p += n;
	}
	return false;
}

/* Add helper to LD_PRELOAD after what is there; false and why if it cannot be. */
static bool add_to_preload(const char *helper, char *why, size_t why_size)
{
	const char *existing = getenv("LD_PRELOAD");
	size_t old_len = existing ? strlen(existing) : 0;
	char *joined;
	bool ok;

	if (helper[strcspn(helper, SEPARATORS)]) {
		format(why, why_size, "cannot use %s: LD_PRELOAD cannot hold a path with a space or ':'",
		       helper);
		return false;
	}
	if (existing && listed(existing, helper))
		return true;
	if (!(joined = malloc(old_len + strlen(helper) + 2))) {
		format(why, why_size, "%s", strerror(ENOMEM));
		return false;
	}
	format(joined, old_len + strlen(helper) + 2, "%s%s%s", old_len ? existing : "",
	       old_len ? " " : "", helper);
	ok = setenv("LD_PRELOAD", joined, 1) == 0;
	if (!ok)
		format(why, why_size, "cannot set LD_PRELOAD: %s", strerror(errno));
	free(joined);
	return ok;
}

void linebuf_prepare_environment(const char *preload)
{
	char found[PATH_MAX], why[PATH_MAX + 128];
	const char *helper = preload, *problem;

	/* Python buffers on its own; it needs no helper for this. */
	setenv("PYTHONUNBUFFERED", "1", 0);
	if (!helper) {
		helper = find_helper(found, sizeof found, why, sizeof why);
	} else if ((problem = unusable(helper))) {
		format(why, sizeof why, "cannot use %s: %s", helper, problem);
		helper = NULL;
	}
	if (!helper || !add_to_preload(helper, why, sizeof why))
		log_at(LOG_WARN, "-L: %s; C programs keep their default buffering", why);
}
