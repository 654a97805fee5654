/*
 * -L: make the child's stdio line-buffered through the environment, so
 * that logs reach `docker logs` as they are written. The helper library
 * itself is linebuf_preload.c, built into tend-linebuf.so.
 */
#ifndef TEND_LINEBUF_H
#define TEND_LINEBUF_H

#include <stddef.h>

/*
 * In the child's environment env (see environment.h): set PYTHONUNBUFFERED
 * unless set, and add the helper library to LD_PRELOAD, after the entries
 * there and unless already one of them. The new LD_PRELOAD entry is
 * written into buf, which must live as long as env. preload is the
 * helper's absolute path, or NULL to look next to tend's own binary. A
 * helper that is missing or that the loader could not use is one warning,
 * never a failure: the child then runs without it.
 */
void linebuf_environment(char **env, const char *preload, char *buf, size_t size);

#endif
