/*
 * trace_bfs.c
 *	  The trace engine: breadth-first search over the genealogy, one level
 *	  at a time.
 *
 * Each level reads the links of the whole frontier at once (genealogy.c
 * picks the cheapest way) and collects the far ends not reached before:
 * they become the next frontier, each with the smallest id among the lots
 * of the previous level it is linked from as its "via".  So a lot is
 * reported once, at the length of its shortest path from the nearest root.
 * Cycles end because a lot is expanded only once.  Rows come by depth.
 *
 * Vias.  Links read through the index come in ascending order of their near
 * end, so the first link to reach a lot comes from its smallest via: a
 * caller that wants vias (lottrace_trace_side_stream) gets each lot then, as it is
 * reached.  The other read methods (a scan, SQL) come in no order: the
 * candidates of such a level are listed, and the frontier is handed out
 * afterwards in id order with the smallest via of each lot.
 *
 * Memory.  The lots reached, and those of the frontier, are sets of ids
 * (LotSet: a bit per lot where ids are dense).  The only thing that grows
 * with a level beyond that, the list of candidates of an unordered level,
 * goes through spools (spool.h), which keep part of work_mem in memory and
 * the rest in a temporary file; the frontier is then handed out in pieces
 * (runs of words of its set, with a via per lot) that fit the rest of
 * work_mem, each piece taking its vias from one pass over the list.  A
 * level that fits is handed out in one piece.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "port/pg_bitutils.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "compat.h"
#include "lotset.h"
#include "spool.h"
#include "trace.h"

/*
 * A piece of the frontier being handed out (TracePiece), with what finding
 * its vias needs: where each word's lots start among the piece's, and where
 * a word is found by its number.
 */
typedef struct FrontierPiece
{
	TracePiece	out;
	uint64	   *words;
	uint64	   *bits;
	int64	   *vias;
	int64	   *ranks;			/* lots of the piece in the words before */
	int32	   *slots;			/* word - words[0] -> its index, -1: none */
	bool		use_slots;		/* false when the words are too spread out */
	int64		maxlots;		/* room allocated */
	int64		maxwords;
	int64		maxslots;
} FrontierPiece;

struct TraceSide
{
	GenealogyStore *store;
	TraceDirection direction;
	int32		depth;			/* of the current frontier */
	MemoryContext cxt;			/* everything below */
	MemoryContext level_cxt[2];	/* the frontier's set, the next level's */
	int			cur;			/* level_cxt of the frontier */
	LotSet	   *visited;
	LotSet	   *frontier;
	int64		nfrontier;
	int64		reached;
	Size		memory_limit;

	/* candidates of an unordered level: lots as read, runs of their vias */
	int64		lots_base;		/* lots are listed as uint32 offsets from it */
	Spool		lots;
	Spool		runs;			/* (via, number of lots) */

	/* lots handed over as they are reached, when they can be */
	TraceRowSink sink;
	void	   *sink_arg;
	bool		streamed;		/* the frontier's lots went to the sink */

	/* handing the frontier out */
	bool		handing;
	bool		handed;
	LotSetWalk	walk;
	FrontierPiece piece;
};

/* What one level collects while its links are read. */
typedef struct LevelCollector
{
	TraceSide  *side;
	LotSet	   *level;
	int64		nlevel;
	bool		ordered;
	GenealogyLinkVisitor visit;
	void	   *visit_arg;
	int64		run_via;
	int64		run_length;
	int64		last_via;		/* of the last run stored */
	bool		stream;			/* new lots go to the sink */
	bool		list;			/* candidates go to the lists */
} LevelCollector;

Size
lottrace_trace_memory_limit(void)
{
	return (Size) work_mem * 1024;
}

/*
 * The elements go straight from the array into a set, which sorts and
 * removes duplicates as it goes (no copy, no sort of an array as long as
 * the argument), checking for interrupts every ROOTS_PER_CHECK of them: an
 * array of millions of roots is cancellable from the start.
 */
#define ROOTS_PER_CHECK 65536

LotSet *
lottrace_trace_roots_from_array(ArrayType *roots, int64 *nroots)
{
	int			n = ArrayGetNItems(ARR_NDIM(roots), ARR_DIMS(roots));
	const int64 *elems = (const int64 *) ARR_DATA_PTR(roots);
	LotSet	   *set = lotset_create_in(CurrentMemoryContext, (uint32) Min(n, 1 << 20));
	int64		count = 0;

	if (ARR_ELEMTYPE(roots) != INT8OID)
		elog(ERROR, "roots must be a bigint array");
	/* an int8 array without nulls is its elements, one after another */
	if (array_contains_nulls(roots))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("root lot ids must not be null")));
	for (int i = 0; i < n; i++)
	{
		if ((i % ROOTS_PER_CHECK) == 0)
			CHECK_FOR_INTERRUPTS();
		if (lotset_add(set, elems[i]))
			count++;
	}
	*nroots = count;
	return set;
}

TraceSide *
lottrace_trace_side_create(GenealogyStore *store, TraceDirection direction,
						   LotSet *roots, int64 nroots)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "lottrace trace",
											  ALLOCSET_DEFAULT_SIZES);
	TraceSide  *side = MemoryContextAllocZero(cxt, sizeof(TraceSide));
	MemoryContext old = MemoryContextSwitchTo(cxt);

	side->store = store;
	side->direction = direction;
	side->cxt = cxt;
	side->level_cxt[0] = AllocSetContextCreate(cxt, "lottrace level", ALLOCSET_DEFAULT_SIZES);
	side->level_cxt[1] = AllocSetContextCreate(cxt, "lottrace level", ALLOCSET_DEFAULT_SIZES);
	side->memory_limit = lottrace_trace_memory_limit();
	side->visited = lotset_create_in(cxt, (uint32) Min(nroots * 16, 1 << 20));
	side->frontier = lotset_create_in(side->level_cxt[0], (uint32) Min(nroots, 1 << 20));
	{
		LotSetWalk	walk;
		uint64		word;
		uint64		bits;
		int64		words = 0;

		lottrace_lotset_walk_begin(roots, &walk, PG_INT64_MIN);
		while (lottrace_lotset_walk_next_word(&walk, &word, &bits))
		{
			if ((++words % (ROOTS_PER_CHECK / 64)) == 0)
				CHECK_FOR_INTERRUPTS();
			lotset_add_word(side->visited, word, bits);
			lotset_add_word(side->frontier, word, bits);
		}
		lottrace_lotset_walk_end(&walk);
	}
	side->nfrontier = nroots;
	side->reached = nroots;

	/*
	 * The list of a level (4 bytes a lot) keeps an eighth of the memory, its
	 * runs a sixteenth; the rest goes to the pieces the frontier is handed
	 * out in (about 9 bytes a lot, so a level of a million lots per 11 MB of
	 * work_mem is one piece).  Reading the rest of a list from its file
	 * costs less than another pass over it.
	 */
	lottrace_spool_init(&side->lots, side->memory_limit / 8);
	lottrace_spool_init(&side->runs, side->memory_limit / 16);
	MemoryContextSwitchTo(old);
	return side;
}

void
lottrace_trace_side_free(TraceSide *side)
{
	if (side->handing)
		lottrace_lotset_walk_end(&side->walk);
	lottrace_spool_free(&side->lots);
	lottrace_spool_free(&side->runs);
	MemoryContextDelete(side->cxt);
}

/*
 * A run is stored as two varints: its via less the last run's (zigzag
 * encoded: in near-end order the difference is small and positive, in other
 * orders it may be anything) and its length.
 */
static inline uint64
zigzag(int64 v)
{
	return ((uint64) v << 1) ^ (uint64) (v >> 63);
}

static inline int64
unzigzag(uint64 v)
{
	return (int64) (v >> 1) ^ -(int64) (v & 1);
}

static inline void
end_run(LevelCollector *c)
{
	if (c->run_length > 0)
	{
		spool_put_varint(&c->side->runs, zigzag((int64) ((uint64) c->run_via - (uint64) c->last_via)));
		spool_put_varint(&c->side->runs, (uint64) c->run_length);
		c->last_via = c->run_via;
	}
	c->run_length = 0;
}

/*
 * Lots are listed in 4 bytes, as offsets from a base where the lots reached
 * lie (ids being dense, they all do but for a few); an offset of
 * PG_UINT32_MAX says the lot's id follows in full.
 */
static inline void
put_lot(TraceSide *side, int64 lot)
{
	uint64		offset = (uint64) lot - (uint64) side->lots_base;

	if (offset < PG_UINT32_MAX)
		spool_put_uint32(&side->lots, (uint32) offset);
	else
	{
		spool_put_uint32(&side->lots, PG_UINT32_MAX);
		spool_put_int64(&side->lots, lot);
	}
}

static inline bool
get_lot(TraceSide *side, int64 *lot)
{
	uint32		offset;

	if (!spool_get_uint32(&side->lots, &offset))
		return false;
	if (offset != PG_UINT32_MAX)
		*lot = (int64) ((uint64) side->lots_base + offset);
	else if (!spool_get_int64(&side->lots, lot))
		return false;
	return true;
}

static bool
collect_link(void *arg, const GenealogyLink *link)
{
	LevelCollector *c = (LevelCollector *) arg;
	TraceSide  *side = c->side;

	if (c->visit && c->visit(c->visit_arg, link))
		return true;

	/*
	 * In near-end order the first link to reach a lot comes from the
	 * smallest via, so the lot can be marked reached at once; otherwise every
	 * candidate is listed, and the lots are marked when the level is done.
	 */
	if (c->ordered ? !lotset_add(side->visited, link->far)
		: lotset_contains(side->visited, link->far))
		return false;
	if (lotset_add(c->level, link->far))
		c->nlevel++;
	if (c->stream)
	{
		side->sink(side->sink_arg, link->far, side->depth + 1, link->near);
		return false;
	}
	if (!c->list)
		return false;
	if (c->run_length == 0 || c->run_via != link->near)
	{
		end_run(c);
		c->run_via = link->near;
	}
	c->run_length++;
	put_lot(side, link->far);
	return false;
}

bool
lottrace_trace_side_expand(TraceSide *side, bool details, GenealogyLinkVisitor visit, void *arg)
{
	LevelCollector c;
	MemoryContext next_cxt = side->level_cxt[1 - side->cur];
	MemoryContext old;
	TraceLevelStats *stats;
	LinkReadMethod method;
	bool		stopped;

	CHECK_FOR_INTERRUPTS();
	if (side->handing)
		lottrace_lotset_walk_end(&side->walk);
	side->handing = false;
	side->handed = false;
	stats = lottrace_genealogy_stats_level(side->store, side->direction, side->depth);
	stats->frontier = side->nfrontier;

	MemoryContextReset(next_cxt);
	lottrace_spool_reset(&side->lots);
	lottrace_spool_reset(&side->runs);
	method = lottrace_genealogy_choose_method(side->store, side->direction, side->nfrontier, details);
	c.side = side;
	/* a big level lies where the lots reached do */
	if ((uint64) side->nfrontier * 16 >= side->visited->flat_words && side->visited->flat_words > 0)
		c.level = lottrace_lotset_create_spanning(next_cxt, side->visited);
	else
		c.level = lotset_create_in(next_cxt, (uint32) Min(side->nfrontier * 4, 1 << 20));
	c.nlevel = 0;
	c.ordered = (method == LINK_READ_INDEX);
	c.visit = visit;
	c.visit_arg = arg;
	c.run_length = 0;
	c.run_via = 0;
	c.last_via = 0;
	/*
	 * A caller that wants vias gets each lot as it is reached when its via
	 * is known then (in near-end order); otherwise the level's candidates
	 * are listed for the smallest via to be found afterwards.
	 */
	c.stream = c.ordered && side->sink != NULL;
	c.list = !c.ordered && side->sink != NULL;
	if (c.list)
	{
		/* where the flat set begins, or around the frontier (ids go both ways) */
		side->lots_base = (side->visited->flat_words > 0)
			? lotset_word_id(side->visited->flat_base, 0)
			: (int64) ((uint64) lottrace_lotset_first(side->frontier) - (UINT64CONST(1) << 31));
	}

	/* the readers allocate in the level's context, freed with it */
	old = MemoryContextSwitchTo(next_cxt);
	stopped = lottrace_genealogy_read_links(side->store, method, side->direction, side->frontier,
											side->nfrontier, PG_INT64_MIN, details,
											/* without a visitor of its own, links to lots
											* reached are of no use: not even their
											* visibility need be checked */
											(visit == NULL) ? side->visited : NULL,
											collect_link, &c, stats);
	MemoryContextSwitchTo(old);
	end_run(&c);
	if (!c.ordered)
	{
		LotSetWalk	walk;
		uint64		word;
		uint64		bits;

		int64		words = 0;

		lottrace_lotset_walk_begin(c.level, &walk, PG_INT64_MIN);
		while (lottrace_lotset_walk_next_word(&walk, &word, &bits))
		{
			if ((++words & 4095) == 0)
				CHECK_FOR_INTERRUPTS();
			lotset_add_word(side->visited, word, bits);
		}
		lottrace_lotset_walk_end(&walk);
	}

	/* the new level becomes the frontier; the old one's set goes */
	MemoryContextReset(side->level_cxt[side->cur]);
	side->cur = 1 - side->cur;
	side->frontier = c.level;
	side->nfrontier = c.nlevel;
	side->streamed = c.stream;
	side->reached += c.nlevel;
	side->depth++;

	stats->new_lots = c.nlevel;
	stats->spilled = spool_file_bytes(&side->lots) + spool_file_bytes(&side->runs);
	lottrace_genealogy_stats_level_done(side->store, stats);
	return stopped;
}

void
lottrace_trace_side_stream(TraceSide *side, TraceRowSink sink, void *arg)
{
	side->sink = sink;
	side->sink_arg = arg;
}

int32
lottrace_trace_side_depth(TraceSide *side)
{
	return side->depth;
}

int64
lottrace_trace_side_frontier_size(TraceSide *side)
{
	return side->nfrontier;
}

int64
lottrace_trace_side_reached_count(TraceSide *side)
{
	return side->reached;
}

/* room in the piece for maxlots lots in maxwords words */
static void
piece_reserve(TraceSide *side, FrontierPiece *p, int64 maxlots, int64 maxwords)
{
	if (p->maxlots < maxlots)
	{
		if (p->vias)
			pfree(p->vias);
		p->vias = MemoryContextAllocHuge(side->cxt, maxlots * sizeof(int64));
		p->maxlots = maxlots;
	}
	if (p->maxwords < maxwords)
	{
		if (p->words)
		{
			pfree(p->words);
			pfree(p->bits);
			pfree(p->ranks);
		}
		p->words = MemoryContextAllocHuge(side->cxt, maxwords * sizeof(uint64));
		p->bits = MemoryContextAllocHuge(side->cxt, maxwords * sizeof(uint64));
		p->ranks = MemoryContextAllocHuge(side->cxt, maxwords * sizeof(int64));
		p->maxwords = maxwords;
	}
}

/*
 * What the next piece may hold: as many of the next words of the frontier
 * as fit the memory the level's lists leave, at 8 bytes a lot (its via)
 * and 40 a word (word, bits, rank, and up to four slots), but at least one
 * word.  A level that fits is one piece.  (Counting ahead walks a copy of
 * the walk: only the bits are read.)
 */
static void
piece_capacity(TraceSide *side, int64 *maxlots, int64 *maxwords)
{
	Size		used = spool_memory(&side->lots) + spool_memory(&side->runs);
	Size		left = side->memory_limit > used ? side->memory_limit - used : 0;
	LotSetWalk	ahead = side->walk;
	uint64		word;
	uint64		bits;
	int64		nlots = 0;
	int64		nwords = 0;

	while (lottrace_lotset_walk_next_word(&ahead, &word, &bits))
	{
		int64		n = pg_popcount64(bits);

		if ((nwords & 4095) == 0)
			CHECK_FOR_INTERRUPTS();
		if (nwords > 0 && (Size) (nlots + n) * sizeof(int64) + (Size) (nwords + 1) * 40 > left)
			break;
		nlots += n;
		nwords++;
	}
	*maxlots = nlots;
	*maxwords = nwords;
}

/* the next words of the frontier, as many as the piece holds */
static void
piece_take_words(TraceSide *side, FrontierPiece *p, int64 maxwords)
{
	uint64		word;
	uint64		bits;

	p->out.nlots = 0;
	p->out.nwords = 0;
	while (p->out.nwords < maxwords && lottrace_lotset_walk_next_word(&side->walk, &word, &bits))
	{
		if ((p->out.nwords & 4095) == 0)
			CHECK_FOR_INTERRUPTS();
		p->words[p->out.nwords] = word;
		p->bits[p->out.nwords] = bits;
		p->ranks[p->out.nwords] = p->out.nlots;
		p->out.nwords++;
		p->out.nlots += pg_popcount64(bits);
	}
}

/*
 * A direct table from word number to index, when the piece's words are
 * close enough together for it to cost no more than the words themselves.
 */
static void
piece_index_words(TraceSide *side, FrontierPiece *p)
{
	uint64		span = p->words[p->out.nwords - 1] - p->words[0] + 1;

	p->use_slots = (span <= (uint64) p->out.nwords * 4);
	if (!p->use_slots)
		return;
	if ((uint64) p->maxslots < span)
	{
		if (p->maxslots > 0)
			pfree(p->slots);
		p->slots = MemoryContextAllocHuge(side->cxt, span * sizeof(int32));
		p->maxslots = span;
	}
	memset(p->slots, 0xff, span * sizeof(int32));
	for (int64 i = 0; i < p->out.nwords; i++)
	{
		if ((i & 4095) == 0)
			CHECK_FOR_INTERRUPTS();
		p->slots[p->words[i] - p->words[0]] = (int32) i;
	}
}

/* where the lot is in the piece, -1 if it is not */
static inline int64
piece_rank(const FrontierPiece *p, int64 lot)
{
	uint64		word = lotset_word(lot);
	uint64		mask = UINT64CONST(1) << (((uint64) lot) & 63);
	int64		i;

	if (word < p->words[0] || word > p->words[p->out.nwords - 1])
		return -1;
	if (p->use_slots)
		i = p->slots[word - p->words[0]];
	else
	{
		int64		lo = 0;
		int64		hi = p->out.nwords - 1;

		while (lo < hi)
		{
			int64		mid = lo + (hi - lo) / 2;

			if (p->words[mid] < word)
				lo = mid + 1;
			else
				hi = mid;
		}
		i = (p->words[lo] == word) ? lo : -1;
	}
	if (i < 0 || !(p->bits[i] & mask))
		return -1;
	return p->ranks[i] + pg_popcount64(p->bits[i] & (mask - 1));
}

/* the vias of the piece's lots: one pass over the level's lists */
static void
piece_find_vias(TraceSide *side, FrontierPiece *p)
{
	int64		via = 0;
	uint64		delta;
	uint64		length;

	for (int64 i = 0; i < p->out.nlots; i++)
	{
		if ((i & 65535) == 0)
			CHECK_FOR_INTERRUPTS();
		p->vias[i] = PG_INT64_MAX;
	}
	piece_index_words(side, p);
	lottrace_spool_rewind(&side->lots);
	lottrace_spool_rewind(&side->runs);
	while (spool_get_varint(&side->runs, &delta) && spool_get_varint(&side->runs, &length))
	{
		CHECK_FOR_INTERRUPTS();
		via = (int64) ((uint64) via + (uint64) unzigzag(delta));
		for (uint64 j = 0; j < length; j++)
		{
			int64		lot;
			int64		rank;

			/* a run may be a popular lot's millions of children */
			if ((j & 65535) == 65535)
				CHECK_FOR_INTERRUPTS();
			if (!get_lot(side, &lot))
				elog(ERROR, "list of lots of a trace level ended early");
			rank = piece_rank(p, lot);
			if (rank < 0)
				continue;
			if (via < p->vias[rank])
				p->vias[rank] = via;
		}
	}
}

bool
lottrace_trace_side_frontier_next(TraceSide *side, bool vias, TracePiece *piece)
{
	FrontierPiece *p = &side->piece;
	int64		maxlots;
	int64		maxwords;

	if (side->handed || side->streamed)
		return false;
	if (!side->handing)
	{
		MemoryContext old = MemoryContextSwitchTo(side->level_cxt[side->cur]);

		lottrace_lotset_walk_begin(side->frontier, &side->walk, PG_INT64_MIN);
		MemoryContextSwitchTo(old);
		side->handing = true;
	}
	piece_capacity(side, &maxlots, &maxwords);
	piece_reserve(side, p, Max(maxlots, 1), Max(maxwords, 1));
	piece_take_words(side, p, maxwords);
	if (p->out.nlots == 0)
	{
		lottrace_lotset_walk_end(&side->walk);
		side->handing = false;
		side->handed = true;
		return false;
	}
	CHECK_FOR_INTERRUPTS();
	p->out.words = p->words;
	p->out.bits = p->bits;
	p->out.vias = NULL;
	if (vias && side->depth > 0)
	{
		/* only a side with a sink lists what its vias are found from */
		if (side->sink == NULL)
			elog(ERROR, "vias of a trace level asked for without lottrace_trace_side_stream");
		piece_find_vias(side, p);
		p->out.vias = p->vias;
	}
	*piece = p->out;
	return true;
}

/* lottrace_trace_walk: hands links over with their depth, skipping repeats */
typedef struct LinkWalk
{
	TraceLinkCallback on_link;
	void	   *arg;
	TraceDirection direction;
	int32		depth;
	LotSet	   *seen;			/* link ids met going forward, with both */
	bool		record;
	bool		skip_seen;
} LinkWalk;

static bool
walk_link(void *arg, const GenealogyLink *link)
{
	LinkWalk   *walk = (LinkWalk *) arg;

	if (walk->skip_seen && lotset_contains(walk->seen, link->link_id))
		return false;
	if (walk->record)
		lotset_add(walk->seen, link->link_id);
	walk->on_link(walk->arg, link, walk->direction, walk->depth);
	return false;
}

int64
lottrace_trace_walk(GenealogyStore *store, TraceWay way, LotSet *roots, int64 nroots,
					int32 max_depth, TraceLinkCallback on_link, TraceLotsCallback on_lots, void *arg)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "lottrace links",
											  ALLOCSET_DEFAULT_SIZES);
	LinkWalk	walk;
	int64		reached = 0;

	walk.on_link = on_link;
	walk.arg = arg;
	walk.seen = (way == TRACE_WAY_BOTH) ? lotset_create_in(cxt, 1024) : NULL;
	for (int d = TRACE_FORWARD; d <= TRACE_BACKWARD; d++)
	{
		TraceSide  *side;

		if ((d == TRACE_FORWARD && way == TRACE_WAY_BACKWARD) ||
			(d == TRACE_BACKWARD && way == TRACE_WAY_FORWARD))
			continue;
		walk.direction = (TraceDirection) d;
		walk.record = (way == TRACE_WAY_BOTH && d == TRACE_FORWARD);
		walk.skip_seen = (way == TRACE_WAY_BOTH && d == TRACE_BACKWARD);
		side = lottrace_trace_side_create(store, walk.direction, roots, nroots);
		if (on_lots)
			on_lots(arg, side);
		while (side->nfrontier > 0 && (max_depth < 0 || side->depth < max_depth))
		{
			walk.depth = side->depth;
			lottrace_trace_side_expand(side, on_link != NULL, on_link ? walk_link : NULL, &walk);
			if (on_lots)
				on_lots(arg, side);
		}
		reached += side->reached;
		lottrace_trace_side_free(side);
	}
	MemoryContextDelete(cxt);
	return reached;
}
