#include "environment.h"

#include <string.h>

extern char **environ;

/* -L's two variables and LISTEN_PID may each add an entry. */
enum { ADDED_AT_MOST = 3 };

size_t environment_slots(void)
{
	size_t n = 0;

	while (environ[n])
		n++;
	return n + ADDED_AT_MOST + 1;
}

void environment_copy(char **env)
{
	size_t n = 0;

	for (; environ[n]; n++)
		env[n] = environ[n];
	env[n] = NULL;
}

/* The entry of env for the variable that entry names, or the end of env. */
static char **slot_for(char **env, const char *entry)
{
	size_t name_len = (size_t)(strchrnul(entry, '=') - entry);

	for (; *env; env++)
		if (strncmp(*env, entry, name_len) == 0 && (*env)[name_len] == '=')
			break;
	return env;
}

void environment_set(char **env, char *entry)
{
	char **slot = slot_for(env, entry);

	if (!*slot)
		slot[1] = NULL;
	*slot = entry;
}

const char *environment_get(char *const *env, const char *name)
{
	size_t len = strlen(name);

	for (; *env; env++)
		if (strncmp(*env, name, len) == 0 && (*env)[len] == '=')
			return *env + len + 1;
	return NULL;
}
