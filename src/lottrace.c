/*
 * lottrace.c
 *	  Module entry point of the lottrace extension.
 */
#include "postgres.h"

#include "fmgr.h"

#include "compat.h"

PG_MODULE_MAGIC;
