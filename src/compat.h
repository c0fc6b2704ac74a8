/*
 * compat.h
 *	  The PostgreSQL versions lottrace builds against, and the few places
 *	  where their internal APIs differ.
 */
#ifndef LOTTRACE_COMPAT_H
#define LOTTRACE_COMPAT_H

#if PG_VERSION_NUM < 130000
#error "lottrace requires PostgreSQL 13 or later"
#endif

#endif							/* LOTTRACE_COMPAT_H */
