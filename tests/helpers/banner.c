/*
 * banner: not a program but a shared library (see mk/linebuf.mk) whose
 * constructor writes a line to stdout without flushing it, as a library
 * that prints a banner at load time would. The loader runs it before tend's
 * -L helper, so the helper finds stdout already in use. ticker-banner is
 * the ticker linked with it.
 */
#include <stdio.h>

__attribute__((constructor)) static void banner(void)
{
	fputs("banner\n", stdout);
}
