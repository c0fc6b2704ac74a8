/*
 * trace_time.c
 *	  Time-respecting traces (respect_time => true): material reaches a lot
 *	  only along links at or after the time it arrived there, and a cleaning
 *	  of a container cuts every path through it at that time.  See
 *	  doc/trace.md, "Time-respecting traces", for the semantics.
 *
 * Labels.  Every lot reached has a key: forward, the earliest time material
 * of the roots arrived in it; backward, the latest time material of it left
 * toward the roots (stored as its bitwise complement, so that in both
 * directions a smaller key is better and a link of key k may be followed
 * from a lot of key at most k).  A container that was cleaned has one key
 * per epoch, the stretch of time between two cleanings: a link at time t
 * belongs to the epoch that holds t (a cleaning at t comes before a link at
 * t), and may only carry what arrived in that same epoch.
 *
 * The search.  Unlike a plain trace, a lot's key may improve after the lot
 * was first reached (a later level finds an earlier arrival), so this is a
 * label-correcting search, level by level like Bellman-Ford: each level
 * reads the links of the lots whose key improved in the level before
 * (through the same readers as trace_bfs.c, genealogy.c choosing the method
 * per level), against the keys as they stood when the level began; the
 * improvements of a level are committed when it ends.  After level d the
 * keys are the best over time-respecting paths of at most d links, so a
 * lot first reached at level d is at depth d: the fewest links of any
 * time-respecting path from a root, as in a plain trace; its via is the
 * smallest lot of level d - 1 it was reached from.
 *
 * Termination, cycles included: a lot is expanded again only when one of
 * its keys strictly decreased, and a key only ever takes the value of a
 * root's key or of a link's time, finitely many; so every lot is expanded
 * finitely often.  More tightly, a best path never needs to pass a (lot,
 * epoch) twice (the later passage arrives no earlier, so the loop between
 * can be cut), so keys settle within as many levels as there are (lot,
 * epoch) pairs reached.
 *
 * Memory: a label (about 48 bytes) per lot reached, and the sets of lots
 * of two levels (a bit or so per lot).
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "lotset.h"
#include "trace.h"

/* no key yet; the best key of all: no time limits the lot */
#define KEY_NONE	PG_INT64_MAX
#define KEY_MIN		PG_INT64_MIN

typedef struct TimeLabel
{
	uint64		lot;
	char		status;			/* simplehash's */
	int32		depth;
	int32		container;		/* index in TimeSearch.containers, or -1 */
	int64		via;
	int64		key;			/* as the level began (not for containers) */
	int64		pending;		/* best found during the level */
} TimeLabel;

#define SH_PREFIX timelabel
#define SH_ELEMENT_TYPE TimeLabel
#define SH_KEY_TYPE uint64
#define SH_KEY lot
#define SH_HASH_KEY(tb, key) lotset_hash_word(key)
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* a container that was cleaned, and its keys, one per epoch */
typedef struct Container
{
	int64		lot;
	int			ncleanings;
	TimestampTz *cleanings;		/* ascending */
	int64	   *keys;			/* ncleanings + 1 of them */
	int64	   *pending;
	int			maxcleanings;
} Container;

typedef struct TimeSearch
{
	GenealogyStore *store;
	TraceDirection direction;
	MemoryContext cxt;
	MemoryContext level_cxt[2];
	int			cur;
	timelabel_hash *labels;
	Container  *containers;		/* by lot */
	int			ncontainers;
	int			maxcontainers;
	int32		depth;			/* of the lots being expanded */
	LotSet	   *frontier;
	int64		nfrontier;
	LotSet	   *improved;		/* lots whose key improved: the next frontier */
	int64		nimproved;
	LotSet	   *fresh;			/* lots first reached by this level */
	int64		nfresh;
	int64		reached;

	TraceLinkCallback on_link;
	void	   *arg;
	LotSet	   *links_seen;		/* links passed to on_link */
	LotSet	   *links_skip;		/* with both directions: forward's, in backward */
} TimeSearch;

/* the key of a link or event time: smaller is better, in both directions */
static inline int64
time_key(TraceDirection direction, TimestampTz t)
{
	int64		key = (direction == TRACE_FORWARD) ? t : ~t;

	/* +infinity (or the complement of -infinity) would read as no key */
	return Min(key, KEY_NONE - 1);
}

static int
container_cmp(const void *a, const void *b)
{
	int64		x = ((const Container *) a)->lot;
	int64		y = ((const Container *) b)->lot;

	return (x > y) - (x < y);
}

static void
add_cleaning(void *arg, int64 lot, TimestampTz at)
{
	TimeSearch *s = (TimeSearch *) arg;
	Container  *c = s->ncontainers > 0 ? &s->containers[s->ncontainers - 1] : NULL;

	/* cleanings come by lot, then time */
	if (c == NULL || c->lot != lot)
	{
		if (s->ncontainers == s->maxcontainers)
		{
			s->maxcontainers = Max(16, s->maxcontainers * 2);
			s->containers = s->containers
				? repalloc(s->containers, s->maxcontainers * sizeof(Container))
				: palloc(s->maxcontainers * sizeof(Container));
		}
		c = &s->containers[s->ncontainers++];
		c->lot = lot;
		c->ncleanings = 0;
		c->maxcleanings = 4;
		c->cleanings = palloc(c->maxcleanings * sizeof(TimestampTz));
		c->keys = NULL;
		c->pending = NULL;
	}
	if (c->ncleanings == c->maxcleanings)
	{
		c->maxcleanings *= 2;
		c->cleanings = repalloc(c->cleanings, c->maxcleanings * sizeof(TimestampTz));
	}
	c->cleanings[c->ncleanings++] = at;
}

static void
reset_container_keys(TimeSearch *s)
{
	for (int i = 0; i < s->ncontainers; i++)
	{
		Container  *c = &s->containers[i];

		if (c->keys == NULL)
		{
			c->keys = palloc((c->ncleanings + 1) * sizeof(int64));
			c->pending = palloc((c->ncleanings + 1) * sizeof(int64));
		}
		for (int e = 0; e <= c->ncleanings; e++)
			c->keys[e] = c->pending[e] = KEY_NONE;
	}
}

/* the epoch of a container that holds time t: the cleanings at or before t */
static inline int
epoch_of(const Container *c, TimestampTz t)
{
	int			lo = 0;
	int			hi = c->ncleanings;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (c->cleanings[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static TimeLabel *
get_label(TimeSearch *s, int64 lot)
{
	bool		found;
	TimeLabel  *label = timelabel_insert(s->labels, (uint64) lot, &found);

	if (!found)
	{
		Container	probe;
		Container  *c;

		label->depth = -1;
		label->via = 0;
		label->key = label->pending = KEY_NONE;
		probe.lot = lot;
		c = s->ncontainers > 0
			? bsearch(&probe, s->containers, s->ncontainers, sizeof(Container), container_cmp)
			: NULL;
		label->container = c ? (int) (c - s->containers) : -1;
	}
	return label;
}

/* the key slot of a lot for a link at time t: committed or pending */
static inline int64 *
key_slot(TimeSearch *s, TimeLabel *label, TimestampTz t, bool pending)
{
	Container  *c;
	int			e;

	if (label->container < 0)
		return pending ? &label->pending : &label->key;
	c = &s->containers[label->container];
	e = epoch_of(c, t);
	return pending ? &c->pending[e] : &c->keys[e];
}

static bool
time_link(void *arg, const GenealogyLink *link)
{
	TimeSearch *s = (TimeSearch *) arg;
	int64		key = time_key(s->direction, link->linked_at);
	TimeLabel  *near = timelabel_lookup(s->labels, (uint64) link->near);
	TimeLabel  *far;
	int64	   *far_key;

	/* material that had not arrived (or had been cleaned out) by then */
	if (near == NULL || *key_slot(s, near, link->linked_at, false) > key)
		return false;

	/* with the depth of its near end, as in a plain trace */
	if (s->on_link &&
		!(s->links_skip && lotset_contains(s->links_skip, link->link_id)) &&
		lotset_add(s->links_seen, link->link_id))
		s->on_link(s->arg, link, s->direction, near->depth);

	far = get_label(s, link->far);
	far_key = key_slot(s, far, link->linked_at, true);
	if (key < *far_key)
	{
		*far_key = key;
		if (lotset_add(s->improved, link->far))
			s->nimproved++;
	}
	if (far->depth < 0)
	{
		far->depth = s->depth + 1;
		far->via = link->near;
		lotset_add(s->fresh, link->far);
		s->nfresh++;
	}
	else if (far->depth == s->depth + 1 && link->near < far->via)
		far->via = link->near;
	return false;
}

/* the roots' keys: forward, the time each was made or received */
static void
set_root_key(void *arg, int64 lot, bool found, TimestampTz at)
{
	TimeSearch *s = (TimeSearch *) arg;
	TimeLabel  *label = get_label(s, lot);

	if (label->container >= 0 && found)
	{
		Container  *c = &s->containers[label->container];
		int			e = epoch_of(c, at);

		c->keys[e] = c->pending[e] = time_key(s->direction, at);
	}
	else if (label->container >= 0)
	{
		/* a container of unknown time held the root's material all along */
		Container  *c = &s->containers[label->container];

		for (int e = 0; e <= c->ncleanings; e++)
			c->keys[e] = c->pending[e] = KEY_MIN;
	}
	else
		label->key = label->pending = found ? time_key(s->direction, at) : KEY_MIN;
}

/* hand out the lots of a set in id order, with their depth and via */
static void
emit_lots(TimeSearch *s, LotSet *lots, TraceRowSink on_lot, void *arg)
{
	LotSetWalk	walk;
	uint64		word;
	uint64		bits;

	lottrace_lotset_walk_begin(lots, &walk, PG_INT64_MIN);
	while (lottrace_lotset_walk_next_word(&walk, &word, &bits))
	{
		CHECK_FOR_INTERRUPTS();
		for (; bits != 0; bits &= bits - 1)
		{
			int64		lot = lotset_word_id(word, pg_rightmost_one_pos64(bits));
			TimeLabel  *label = timelabel_lookup(s->labels, (uint64) lot);

			on_lot(arg, lot, label->depth, label->via);
		}
	}
	lottrace_lotset_walk_end(&walk);
}

/* the improvements of a level become the keys the next one starts from */
static void
commit_level(TimeSearch *s)
{
	LotSetWalk	walk;
	uint64		word;
	uint64		bits;

	lottrace_lotset_walk_begin(s->improved, &walk, PG_INT64_MIN);
	while (lottrace_lotset_walk_next_word(&walk, &word, &bits))
	{
		CHECK_FOR_INTERRUPTS();
		for (; bits != 0; bits &= bits - 1)
		{
			int64		lot = lotset_word_id(word, pg_rightmost_one_pos64(bits));
			TimeLabel  *label = timelabel_lookup(s->labels, (uint64) lot);

			if (label->container < 0)
				label->key = label->pending;
			else
			{
				Container  *c = &s->containers[label->container];

				memcpy(c->keys, c->pending, (c->ncleanings + 1) * sizeof(int64));
			}
		}
	}
	lottrace_lotset_walk_end(&walk);
}

/* one direction of a walk */
static int64
time_search(TimeSearch *s, TraceDirection direction, LotSet *roots, int64 nroots, int32 max_depth,
			TraceRowSink on_lot)
{
	MemoryContext old;
	LotSetWalk	walk;
	uint64		word;
	uint64		bits;

	s->direction = direction;
	s->labels = timelabel_create(s->cxt, (uint32) Min(nroots * 16, 1 << 20), NULL);
	reset_container_keys(s);
	s->depth = 0;
	s->reached = nroots;
	MemoryContextReset(s->level_cxt[0]);
	MemoryContextReset(s->level_cxt[1]);
	s->cur = 0;
	s->frontier = lotset_create_in(s->level_cxt[0], (uint32) Min(nroots, 1 << 20));
	s->nfrontier = nroots;

	lottrace_lotset_walk_begin(roots, &walk, PG_INT64_MIN);
	while (lottrace_lotset_walk_next_word(&walk, &word, &bits))
	{
		CHECK_FOR_INTERRUPTS();
		lotset_add_word(s->frontier, word, bits);
		for (; bits != 0; bits &= bits - 1)
			get_label(s, lotset_word_id(word, pg_rightmost_one_pos64(bits)))->depth = 0;
	}
	lottrace_lotset_walk_end(&walk);
	if (direction == TRACE_FORWARD)
		lottrace_genealogy_lot_times(s->store, roots, set_root_key, s);
	else
	{
		/* backward, every root's material is wanted, whenever it left */
		lottrace_lotset_walk_begin(roots, &walk, PG_INT64_MIN);
		while (lottrace_lotset_walk_next_word(&walk, &word, &bits))
			for (; bits != 0; bits &= bits - 1)
				set_root_key(s, lotset_word_id(word, pg_rightmost_one_pos64(bits)), false, 0);
		lottrace_lotset_walk_end(&walk);
	}
	if (on_lot)
		emit_lots(s, roots, on_lot, s->arg);

	while (s->nfrontier > 0 && (max_depth < 0 || s->depth < max_depth))
	{
		MemoryContext next_cxt = s->level_cxt[1 - s->cur];
		TraceLevelStats *stats;
		LinkReadMethod method;

		CHECK_FOR_INTERRUPTS();
		stats = lottrace_genealogy_stats_level(s->store, direction, s->depth);
		stats->frontier = s->nfrontier;
		MemoryContextReset(next_cxt);
		s->improved = lotset_create_in(next_cxt, (uint32) Min(s->nfrontier * 4, 1 << 20));
		s->nimproved = 0;
		s->fresh = lotset_create_in(next_cxt, (uint32) Min(s->nfrontier * 4, 1 << 20));
		s->nfresh = 0;
		method = lottrace_genealogy_choose_method(s->store, direction, s->nfrontier, s->on_link != NULL);
		old = MemoryContextSwitchTo(next_cxt);
		lottrace_genealogy_read_links(s->store, method, direction, s->frontier, s->nfrontier,
									  PG_INT64_MIN, s->on_link != NULL, NULL, time_link, s, stats);
		MemoryContextSwitchTo(old);
		commit_level(s);
		s->depth++;
		if (on_lot)
			emit_lots(s, s->fresh, on_lot, s->arg);
		s->reached += s->nfresh;
		stats->new_lots = s->nfresh;
		lottrace_genealogy_stats_level_done(s->store, stats);

		MemoryContextReset(s->level_cxt[s->cur]);
		s->cur = 1 - s->cur;
		s->frontier = s->improved;
		s->nfrontier = s->nimproved;
	}
	timelabel_destroy(s->labels);
	return s->reached;
}

int64
lottrace_trace_time_walk(GenealogyStore *store, TraceWay way, LotSet *roots, int64 nroots,
						 int32 max_depth, TraceLinkCallback on_link, TraceRowSink on_lot, void *arg)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "lottrace time trace",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	TimeSearch	s;
	int64		reached = 0;

	memset(&s, 0, sizeof(s));
	s.store = store;
	s.cxt = cxt;
	s.level_cxt[0] = AllocSetContextCreate(cxt, "lottrace time level", ALLOCSET_DEFAULT_SIZES);
	s.level_cxt[1] = AllocSetContextCreate(cxt, "lottrace time level", ALLOCSET_DEFAULT_SIZES);
	s.on_link = on_link;
	s.arg = arg;
	lottrace_genealogy_cleanings(store, add_cleaning, &s);
	for (int d = TRACE_FORWARD; d <= TRACE_BACKWARD; d++)
	{
		if ((d == TRACE_FORWARD && way == TRACE_WAY_BACKWARD) ||
			(d == TRACE_BACKWARD && way == TRACE_WAY_FORWARD))
			continue;
		/* with both, a link met going forward is not passed again */
		s.links_skip = (way == TRACE_WAY_BOTH && d == TRACE_BACKWARD) ? s.links_seen : NULL;
		s.links_seen = lotset_create_in(cxt, 1024);
		reached += time_search(&s, (TraceDirection) d, roots, nroots, max_depth, on_lot);
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return reached;
}
