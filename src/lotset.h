/*
 * lotset.h
 *	  A set of lot (or link) ids: a simplehash of 64-bit words, each word
 *	  holding the bits of 64 consecutive ids.
 *
 * Ids come from identity columns, so they are dense: a set of ten million
 * lots takes about six megabytes and stays in the CPU cache far better than
 * a hash of single ids would.  Sparse ids cost one entry (24 bytes) each,
 * like any hash set.
 */
#ifndef LOTTRACE_LOTSET_H
#define LOTTRACE_LOTSET_H

#include "postgres.h"

#include "port/pg_bitutils.h"

typedef struct LotSetEntry
{
	uint64		word;			/* id >> 6, as unsigned */
	uint64		bits;			/* bit (id & 63) set when id is in the set */
	char		status;			/* simplehash's */
} LotSetEntry;

/* splitmix64's finalizer: consecutive words spread over the whole table */
static inline uint32
lotset_hash_word(uint64 word)
{
	word ^= word >> 30;
	word *= UINT64CONST(0xbf58476d1ce4e5b9);
	word ^= word >> 27;
	word *= UINT64CONST(0x94d049bb133111eb);
	word ^= word >> 31;
	return (uint32) word;
}

#define SH_PREFIX lotset
#define SH_ELEMENT_TYPE LotSetEntry
#define SH_KEY_TYPE uint64
#define SH_KEY word
#define SH_HASH_KEY(tb, key) lotset_hash_word(key)
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

typedef lotset_hash LotSet;

static inline LotSet *
lotset_create_in(MemoryContext cxt, uint32 expected_ids)
{
	return lotset_create(cxt, Max(expected_ids / 16, 16), NULL);
}

/* Adds id; returns true if it was not in the set before. */
static inline bool
lotset_add(LotSet *set, int64 id)
{
	bool		found;
	LotSetEntry *entry = lotset_insert(set, ((uint64) id) >> 6, &found);
	uint64		mask = UINT64CONST(1) << (((uint64) id) & 63);

	if (!found)
		entry->bits = 0;
	if (entry->bits & mask)
		return false;
	entry->bits |= mask;
	return true;
}

static inline bool
lotset_contains(LotSet *set, int64 id)
{
	LotSetEntry *entry = lotset_lookup(set, ((uint64) id) >> 6);

	return entry != NULL && (entry->bits & (UINT64CONST(1) << (((uint64) id) & 63))) != 0;
}

/* number of ids in the set (a walk over the table) */
static inline int64
lotset_count_ids(LotSet *set)
{
	lotset_iterator it;
	LotSetEntry *entry;
	int64		n = 0;

	lotset_start_iterate(set, &it);
	while ((entry = lotset_iterate(set, &it)) != NULL)
		n += pg_popcount64(entry->bits);
	return n;
}

#endif							/* LOTTRACE_LOTSET_H */
