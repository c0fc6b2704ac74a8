/*
 * sanitizer.c
 *		Glue between an uninstrumented server and the sanitizers of a
 *		SANITIZE=1 build (linked into no other).
 *
 * A backend loads the sanitizer runtimes with the library, not at exec (see
 * test/with-cluster.sh), and two things follow from that.
 *
 * Options.  The runtimes look up ASAN_OPTIONS and UBSAN_OPTIONS in
 * /proc/self/environ, which a backend has overwritten with its process title
 * by the time it loads the library: they would find nothing and run with
 * their defaults (reports to stderr, no log files).  The hooks they call at
 * start-up pass them the options from getenv(), which sees the copy of the
 * environment the postmaster kept.  The names are the runtimes', hence no
 * lottrace_ prefix.
 *
 * Errors.  ASan poisons the redzones around an instrumented function's
 * locals on entry and clears them on return.  An error longjmps past those
 * returns, and the C library's siglongjmp, which would clear the abandoned
 * stack, is not ASan's here (the runtime was loaded after the server bound
 * it).  The stale poison stays, and when the server's own frames later grow
 * over it, an instrumented function reading its caller's locals (a
 * ReturnSetInfo, a FunctionCallInfo) is reported as overflowing the stack.
 * So every (sub)transaction abort, which every caught error passes through
 * before any of our code runs again, clears the poison below it.
 */
#include "postgres.h"

#include <sanitizer/asan_interface.h>

#include "access/xact.h"
#include "tcop/tcopprot.h"

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

/*
 * Clear the poison of the stack below this frame (which has no redzones of
 * its own): as deep as max_stack_depth lets the server go, with a megabyte
 * more for the frame that notices it went too far.
 */
__attribute__((no_sanitize("address"), noinline))
static void
unpoison_abandoned_stack(void)
{
	char	   *frame = (char *) __builtin_frame_address(0);
	Size		depth = (Size) max_stack_depth * 1024 + 1024 * 1024;

	__asan_unpoison_memory_region(frame - depth, depth);
}

static void
sanitizer_xact_callback(XactEvent event, void *arg pg_attribute_unused())
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		unpoison_abandoned_stack();
}

static void
sanitizer_subxact_callback(SubXactEvent event,
						   SubTransactionId mySubid pg_attribute_unused(),
						   SubTransactionId parentSubid pg_attribute_unused(),
						   void *arg pg_attribute_unused())
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		unpoison_abandoned_stack();
}

/* when the library is loaded, so that no other file needs to know */
__attribute__((constructor))
static void
sanitizer_register_callbacks(void)
{
	RegisterXactCallback(sanitizer_xact_callback, NULL);
	RegisterSubXactCallback(sanitizer_subxact_callback, NULL);
}
