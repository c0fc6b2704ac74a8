/*
 * drop_guard.h
 *	  Refusing DROP EXTENSION lottrace while the store holds data.
 */
#ifndef LOTTRACE_DROP_GUARD_H
#define LOTTRACE_DROP_GUARD_H

extern void lottrace_drop_guard_init(void);

#endif							/* LOTTRACE_DROP_GUARD_H */
