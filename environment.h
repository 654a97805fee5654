/*
 * The child's environment: the caller's, changed only as documented
 * (-L adds PYTHONUNBUFFERED and LD_PRELOAD; socket activation's LISTEN_PID
 * follows the child). tend's own environment is never modified.
 */
#ifndef TEND_ENVIRONMENT_H
#define TEND_ENVIRONMENT_H

#include <stddef.h>
#include <sys/types.h>

/* Slots a copy of the environment needs: the caller's, the additions, NULL. */
size_t environment_slots(void);

/* Copy the caller's environment into env (environment_slots() long). */
void environment_copy(char **env);

/* Set "NAME=value" in env, replacing NAME's entry or adding one. */
void environment_set(char **env, char *entry);

/* The value of NAME in env, or NULL. */
const char *environment_get(char *const *env, const char *name);

#endif
