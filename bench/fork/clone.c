/*
 * For `make bench` only: linked into build/bench/tend-fork, never into
 * tend. It starts the child as tend did before it used clone(CLONE_VM |
 * CLONE_VFORK): by a fork that copies tend's address space, the child
 * running on its copy of the stack and tend going on at once. A static
 * link takes this clone() and leaves libc's out, so the rest of the
 * comparison build is the very source of the tend it is compared with.
 */
#include <sched.h>
#include <unistd.h>

int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...)
{
	pid_t child = _Fork();

	(void)stack;
	(void)flags;
	if (child == 0)
		_exit(fn(arg));
	return child;
}
