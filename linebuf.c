#include "linebuf.h"

#include "log.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HELPER_NAME "tend-linebuf.so"

/* Installed: PREFIX/bin/tend and PREFIX/lib/tend/; built: side by side. */
static const char *find_helper(char *path, size_t size)
{
	static const char *const beside_binary[] = { "/../lib/tend/" HELPER_NAME, "/" HELPER_NAME };
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	char *slash;

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	if (!(slash = strrchr(exe, '/')))
		return NULL;
	*slash = '\0';
	for (size_t i = 0; i < sizeof beside_binary / sizeof beside_binary[0]; i++) {
		format(path, size, "%s%s", exe, beside_binary[i]);
		if (access(path, R_OK) == 0)
			return path;
	}
	return NULL;
}

void linebuf_prepare_environment(const char *preload)
{
	char found[PATH_MAX], joined[8192];
	const char *helper = preload ? preload : find_helper(found, sizeof found);
	const char *existing = getenv("LD_PRELOAD");

	setenv("PYTHONUNBUFFERED", "1", 0);
	if (!helper || access(helper, R_OK) != 0) {
		log_at(LOG_WARN, "-L: helper library %s not readable; the child runs without it",
		       helper ? helper : HELPER_NAME);
		return;
	}
	if (existing && *existing)
		format(joined, sizeof joined, "%s %s", existing, helper);
	else
		format(joined, sizeof joined, "%s", helper);
	setenv("LD_PRELOAD", joined, 1);
}
