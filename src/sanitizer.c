/*
 * sanitizer.c
 *		Sanitizer options of a SANITIZE=1 build (linked into no other).
 *
 * The sanitizer runtimes take their options from ASAN_OPTIONS and
 * UBSAN_OPTIONS, which they look up in /proc/self/environ.  A backend has
 * overwritten that memory with its process title by the time it loads the
 * library (and with it the runtimes), so they would find nothing there and
 * run with their defaults: reports on stderr, which is the server log, and
 * no logging to the files test/with-cluster.sh collects.  These hooks, which
 * the runtimes call at start-up, pass them the options from the environment
 * as getenv() sees it: the copy the postmaster kept.  The names are the
 * runtimes', hence no lottrace_ prefix.
 */
#include <stdlib.h>

const char *__asan_default_options(void);
const char *__ubsan_default_options(void);

/* called before the runtime is set up: nothing here may be instrumented */
__attribute__((no_sanitize("address", "undefined")))
const char *
__asan_default_options(void)
{
	const char *options = getenv("ASAN_OPTIONS");

	return options ? options : "";
}

__attribute__((no_sanitize("address", "undefined")))
const char *
__ubsan_default_options(void)
{
	const char *options = getenv("UBSAN_OPTIONS");

	return options ? options : "";
}
