/*
 * lotset.h
 *	  A set of lot (or link) ids: 64-bit words each holding the bits of 64
 *	  consecutive ids, in a simplehash, and once the set is big and its ids
 *	  dense, in a flat array as well.
 *
 * Ids come from identity columns, so they are dense: a set of ten million
 * lots takes 1.2 to 1.9 MB in the flat array (a bit per id, and up to half
 * as much again as room for new ids, see lotset.c), and a lookup is an
 * array access.  Small sets, and ids far from the rest, stay in the hash:
 * 24-byte entries in a table simplehash keeps 45% to 90% full, so 27 to 53
 * bytes per word in use (per id, for ids far apart), as in any hash set.
 */
#ifndef LOTTRACE_LOTSET_H
#define LOTTRACE_LOTSET_H

#include "postgres.h"

#include "miscadmin.h"
#include "port/pg_bitutils.h"

typedef struct LotSetEntry
{
	uint64		word;			/* lotset_word(id) */
	uint64		bits;			/* bit (id & 63) set when id is in the set */
	char		status;			/* simplehash's */
} LotSetEntry;

/*
 * An id's word number: the id with its sign bit flipped, so that words in
 * unsigned order are ids in signed order, shifted by the 64 ids of a word.
 */
static inline uint64
lotset_word(int64 id)
{
	return (((uint64) id) ^ (UINT64CONST(1) << 63)) >> 6;
}

static inline int64
lotset_word_id(uint64 word, int bit)
{
	return (int64) (((word << 6) | (uint64) bit) ^ (UINT64CONST(1) << 63));
}

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

/*
 * The set.  Words in [flat_base, flat_base + flat_words) live in "flat",
 * the others in the hash.  The hash entry used last is remembered: ids met
 * in a row are often neighbours; it stays valid until an insert adds a word
 * (which may move entries), and such inserts replace it.
 */
typedef struct LotSet
{
	lotset_hash *hash;
	uint64		last_word;
	LotSetEntry *last;
	uint64	   *flat;
	uint64		flat_base;
	uint64		flat_words;
	uint64		hash_lo;		/* span of the words in the hash */
	uint64		hash_hi;
	MemoryContext cxt;
} LotSet;

/*
 * The hash's words go flat once there are this many and they fill at least
 * one word in LOTSET_DENSITY of their span.
 */
#define LOTSET_FLAT_MIN_WORDS 4096
#define LOTSET_DENSITY 8

/* lotset.c: moves the dense part of the hash into the flat array */
extern void lottrace_lotset_densify(LotSet *set);

/*
 * An empty set whose flat array spans that of "model", for ids expected to
 * lie mostly there (they then never go through the hash).
 */
extern LotSet *lottrace_lotset_create_spanning(MemoryContext cxt, const LotSet *model);

static inline LotSet *
lotset_create_in(MemoryContext cxt, uint32 expected_ids)
{
	LotSet	   *set = MemoryContextAllocZero(cxt, sizeof(LotSet));

	set->hash = lotset_create(cxt, Max(expected_ids / 16, 16), NULL);
	set->hash_lo = PG_UINT64_MAX;
	set->cxt = cxt;
	return set;
}

/* Adds id; returns true if it was not in the set before. */
static inline bool
lotset_add(LotSet *set, int64 id)
{
	uint64		word = lotset_word(id);
	uint64		mask = UINT64CONST(1) << (((uint64) id) & 63);
	LotSetEntry *entry;

	if (word - set->flat_base < set->flat_words)
	{
		uint64	   *flat = &set->flat[word - set->flat_base];

		if (*flat & mask)
			return false;
		*flat |= mask;
		return true;
	}
	entry = set->last;
	if (entry == NULL || set->last_word != word)
	{
		bool		found;

		entry = lotset_insert(set->hash, word, &found);
		if (!found)
		{
			entry->bits = 0;
			set->hash_lo = Min(set->hash_lo, word);
			set->hash_hi = Max(set->hash_hi, word);
			if (set->hash->members >= LOTSET_FLAT_MIN_WORDS &&
				set->hash_hi - set->hash_lo < (uint64) set->hash->members * LOTSET_DENSITY)
			{
				entry->bits = mask;
				set->last = NULL;
				lottrace_lotset_densify(set);
				return true;
			}
		}
		set->last = entry;
		set->last_word = word;
	}
	if (entry->bits & mask)
		return false;
	entry->bits |= mask;
	return true;
}

static inline bool
lotset_contains(LotSet *set, int64 id)
{
	uint64		word = lotset_word(id);
	uint64		mask = UINT64CONST(1) << (((uint64) id) & 63);
	LotSetEntry *entry;

	if (word - set->flat_base < set->flat_words)
		return (set->flat[word - set->flat_base] & mask) != 0;
	entry = set->last;
	if (entry == NULL || set->last_word != word)
	{
		entry = lotset_lookup(set->hash, word);
		if (entry == NULL)
			return false;
		set->last = entry;
		set->last_word = word;
	}
	return (entry->bits & mask) != 0;
}

/* Adds the ids of a word: lotset_add for each bit of "bits". */
static inline void
lotset_add_word(LotSet *set, uint64 word, uint64 bits)
{
	while (bits)
	{
		lotset_add(set, lotset_word_id(word, pg_rightmost_one_pos64(bits)));
		bits &= bits - 1;
	}
}

/*
 * Walking a set's ids in ascending order, a word (64 ids) at a time: the
 * flat array in order, merged with the hash's words, sorted once when the
 * walk begins.  The set must not change during a walk.
 */
typedef struct LotSetWalk
{
	LotSet	   *set;
	uint64		flat_next;		/* index of the next flat word to look at */
	LotSetEntry *hash_words;	/* the hash's words, sorted */
	uint64		nhash;
	uint64		hash_next;
	uint64		pending_word;	/* ids of a word not handed out yet */
	uint64		pending_bits;
} LotSetWalk;

/* begins a walk over the ids of the set that are at least "from" */
extern void lottrace_lotset_walk_begin(LotSet *set, LotSetWalk *walk, int64 from);
/* the next word with ids in it; false at the end */
extern bool lottrace_lotset_walk_next_word(LotSetWalk *walk, uint64 *word, uint64 *bits);
/* the next ids, at most max of them; returns how many (0 at the end) */
extern int64 lottrace_lotset_walk_ids(LotSetWalk *walk, int64 *ids, int64 max);
extern void lottrace_lotset_walk_end(LotSetWalk *walk);

/* the smallest id of a set that is not empty */
extern int64 lottrace_lotset_first(LotSet *set);

/* number of ids in the set */
static inline int64
lotset_count_ids(LotSet *set)
{
	lotset_iterator it;
	LotSetEntry *entry;
	int64		n = 0;

	for (uint64 i = 0; i < set->flat_words; i++)
	{
		if ((i & 65535) == 0)
			CHECK_FOR_INTERRUPTS();
		n += pg_popcount64(set->flat[i]);
	}
	lotset_start_iterate(set->hash, &it);
	while ((entry = lotset_iterate(set->hash, &it)) != NULL)
	{
		CHECK_FOR_INTERRUPTS();
		n += pg_popcount64(entry->bits);
	}
	return n;
}

#endif							/* LOTTRACE_LOTSET_H */
