/*
 * -L: make the child's stdio line-buffered through the environment, so
 * that logs reach `docker logs` as they are written.
 */
#ifndef TEND_LINEBUF_H
#define TEND_LINEBUF_H

/*
 * Set PYTHONUNBUFFERED (unless set) and add the helper library to
 * LD_PRELOAD in tend's environment, which the child inherits. preload is
 * the helper's absolute path, or NULL to look next to tend's own binary.
 * A missing or unreadable helper is one warning, never a failure.
 */
void linebuf_prepare_environment(const char *preload);

#endif
