/*
 * lotset.c
 *	  Growing the flat part of a lot set (see lotset.h).
 *
 * When the hash holds many words, and they are dense in their span (see
 * lotset_add), the span becomes a flat array of words: from then on a lookup
 * there is an array access.  The array covers the span, whatever part of
 * it an earlier array covered, and half as much again (and 1024 words) as
 * room to the right, where identity ids grow.  At the least density that
 * goes flat, one word in use in LOTSET_DENSITY of the span, that is at most
 * 12 words (96 bytes) per word in use, against 27 to 53 in the hash; at
 * full density 1.5 words (12 bytes) per 64 ids; lookups are many times
 * faster either way.  The hash keeps the size of its table.  Words outside
 * the array stay in the hash, and when enough of those gather densely
 * again, the array is rebuilt over the new span (for a moment both arrays
 * are allocated).
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/memutils.h"

#include "compat.h"
#include "lotset.h"

void
lottrace_lotset_densify(LotSet *set)
{
	lotset_iterator it;
	LotSetEntry *entry;
	uint64		lo = set->hash_lo;
	uint64		hi = set->hash_hi;
	uint64		base;
	uint64		words;
	uint64	   *flat;
	LotSetEntry *outside;
	uint64		noutside = 0;

	if (set->flat_words > 0)
	{
		lo = Min(lo, set->flat_base);
		hi = Max(hi, set->flat_base + set->flat_words - 1);
	}
	words = hi - lo + 1;
	words += words / 2 + 1024;	/* room to the right, where new ids come */
	if (words > MaxAllocHugeSize / sizeof(uint64) / 2)
	{
		/* absurdly wide: stay with the hash */
		set->hash_lo = 0;
		set->hash_hi = PG_UINT64_MAX;
		return;
	}
	base = lo;
	flat = MemoryContextAllocExtended(set->cxt, words * sizeof(uint64),
									  MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	if (set->flat_words > 0)
	{
		memcpy(&flat[set->flat_base - base], set->flat, set->flat_words * sizeof(uint64));
		pfree(set->flat);
	}

	/* move the hash's words in; keep the others aside to put back */
	outside = palloc(Max(set->hash->members, 1) * sizeof(LotSetEntry));
	lotset_start_iterate(set->hash, &it);
	while ((entry = lotset_iterate(set->hash, &it)) != NULL)
	{
		CHECK_FOR_INTERRUPTS();
		if (entry->word - base < words)
			flat[entry->word - base] |= entry->bits;
		else
			outside[noutside++] = *entry;
	}
	lotset_reset(set->hash);
	set->hash_lo = PG_UINT64_MAX;
	set->hash_hi = 0;
	for (uint64 i = 0; i < noutside; i++)
	{
		bool		found;

		CHECK_FOR_INTERRUPTS();
		lotset_insert(set->hash, outside[i].word, &found)->bits = outside[i].bits;
		set->hash_lo = Min(set->hash_lo, outside[i].word);
		set->hash_hi = Max(set->hash_hi, outside[i].word);
	}
	pfree(outside);

	set->flat = flat;
	set->flat_base = base;
	set->flat_words = words;
	set->last = NULL;
}

LotSet *
lottrace_lotset_create_spanning(MemoryContext cxt, const LotSet *model)
{
	LotSet	   *set = lotset_create_in(cxt, 1024);

	if (model->flat_words > 0)
	{
		set->flat = MemoryContextAllocExtended(cxt, model->flat_words * sizeof(uint64),
											   MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
		set->flat_base = model->flat_base;
		set->flat_words = model->flat_words;
	}
	return set;
}

static int
entry_word_cmp(const void *a, const void *b, void *arg pg_attribute_unused())
{
	uint64		x = ((const LotSetEntry *) a)->word;
	uint64		y = ((const LotSetEntry *) b)->word;

	return (x > y) - (x < y);
}

void
lottrace_lotset_walk_begin(LotSet *set, LotSetWalk *walk, int64 from)
{
	uint64		from_word = lotset_word(from);
	lotset_iterator it;
	LotSetEntry *entry;

	walk->set = set;
	walk->nhash = 0;
	walk->hash_next = 0;
	walk->hash_words = NULL;
	if (set->hash->members > 0)
	{
		walk->hash_words = MemoryContextAllocHuge(CurrentMemoryContext,
												  set->hash->members * sizeof(LotSetEntry));
		lotset_start_iterate(set->hash, &it);
		while ((entry = lotset_iterate(set->hash, &it)) != NULL)
		{
			CHECK_FOR_INTERRUPTS();
			if (entry->word >= from_word && entry->bits != 0)
				walk->hash_words[walk->nhash++] = *entry;
		}
		/* millions of words, when ids are scattered: may be cancelled */
		qsort_interruptible(walk->hash_words, walk->nhash, sizeof(LotSetEntry),
							entry_word_cmp, NULL);
	}
	walk->flat_next = (from_word > set->flat_base) ? Min(from_word - set->flat_base, set->flat_words) : 0;
	walk->pending_bits = 0;

	/* ids below "from" in its own word */
	if (lottrace_lotset_walk_next_word(walk, &walk->pending_word, &walk->pending_bits) &&
		walk->pending_word == from_word)
		walk->pending_bits &= ~((UINT64CONST(1) << (((uint64) from) & 63)) - 1);
}

bool
lottrace_lotset_walk_next_word(LotSetWalk *walk, uint64 *word, uint64 *bits)
{
	LotSet	   *set = walk->set;

	if (walk->pending_bits)
	{
		*word = walk->pending_word;
		*bits = walk->pending_bits;
		walk->pending_bits = 0;
		return true;
	}
	while (walk->flat_next < set->flat_words && set->flat[walk->flat_next] == 0)
		walk->flat_next++;
	if (walk->flat_next < set->flat_words &&
		(walk->hash_next >= walk->nhash ||
		 set->flat_base + walk->flat_next < walk->hash_words[walk->hash_next].word))
	{
		*word = set->flat_base + walk->flat_next;
		*bits = set->flat[walk->flat_next++];
		return true;
	}
	if (walk->hash_next < walk->nhash)
	{
		*word = walk->hash_words[walk->hash_next].word;
		*bits = walk->hash_words[walk->hash_next++].bits;
		return true;
	}
	return false;
}

int64
lottrace_lotset_walk_ids(LotSetWalk *walk, int64 *ids, int64 max)
{
	int64		n = 0;
	uint64		word;
	uint64		bits;

	while (n < max && lottrace_lotset_walk_next_word(walk, &word, &bits))
	{
		while (bits && n < max)
		{
			ids[n++] = lotset_word_id(word, pg_rightmost_one_pos64(bits));
			bits &= bits - 1;
		}
		/* keep the rest of the word for the next call */
		walk->pending_word = word;
		walk->pending_bits = bits;
	}
	return n;
}

void
lottrace_lotset_walk_end(LotSetWalk *walk)
{
	if (walk->hash_words)
		pfree(walk->hash_words);
	walk->hash_words = NULL;
}

int64
lottrace_lotset_first(LotSet *set)
{
	LotSetWalk	walk;
	int64		id = 0;

	lottrace_lotset_walk_begin(set, &walk, PG_INT64_MIN);
	lottrace_lotset_walk_ids(&walk, &id, 1);
	lottrace_lotset_walk_end(&walk);
	return id;
}
