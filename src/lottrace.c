/*
 * lottrace.c
 *	  Module entry point of the lottrace extension.
 */
#include "postgres.h"

#include "fmgr.h"

#include "compat.h"
#include "genealogy.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	lottrace_genealogy_init();
}
