/*
 * trace_bfs.c
 *	  The trace engine: breadth-first search over the genealogy, one level
 *	  at a time.
 *
 * Each level reads the links of the whole frontier at once (genealogy.c
 * picks the cheapest way) and collects the far ends not reached before.
 * Those become the next frontier, sorted by id, each with the smallest id
 * among the lots of the previous level it is linked from as its "via".  So a
 * lot is reported once, at the length of its shortest path from the nearest
 * root, and the whole output is determined by the data alone: rows come by
 * depth, then by lot id.  Cycles end because a lot is expanded only once.
 *
 * The visited set is a LotSet (bits of 64 ids per hash entry); the frontier
 * is a pair of arrays.  Memory is one bit or so per lot reached plus 32
 * bytes per lot of the widest level; the rows themselves go to the caller's
 * tuplestore, which spills to disk past work_mem.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "port/pg_bitutils.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "compat.h"
#include "genealogy.h"
#include "lotset.h"

typedef struct LotPair
{
	int64		lot;
	int64		via;
} LotPair;

/*
 * The arrays of a search are kept from level to level and only grow: for a
 * trace of millions of lots, fresh allocations per level cost more in page
 * faults than the work done in them.
 */
typedef struct GrowingArray
{
	void	   *data;
	int64		capacity;		/* in elements */
} GrowingArray;

struct TraceSide
{
	GenealogyStore *store;
	TraceDirection direction;
	int32		depth;			/* of the current frontier */
	MemoryContext cxt;			/* everything below */
	MemoryContext scratch_cxt;	/* per level, for the readers */
	LotSet	   *visited;
	int64		reached;
	int64	   *frontier;
	int64	   *vias;
	int64		nfrontier;
	GrowingArray ids_buf[2];	/* frontier of even and odd levels */
	GrowingArray vias_buf[2];
	GrowingArray pairs_buf;		/* lots reached in a level */
	GrowingArray sort_buf;
	GrowingArray bits_buf;		/* for place_dense */
	GrowingArray ranks_buf;
};

/* What one level collects while its links are read. */
typedef struct LevelCollector
{
	TraceSide  *side;
	bool		ordered;		/* links come in ascending order of near end */
	GenealogyLinkVisitor visit;
	void	   *visit_arg;
	LotPair    *pairs;
	int64		npairs;
	int64		maxpairs;
} LevelCollector;

static int
int64_cmp(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return (x > y) - (x < y);
}

int64
trace_sort_unique(int64 *ids, int64 n)
{
	int64		out = 0;

	if (n < 2)
		return n;
	qsort(ids, n, sizeof(int64), int64_cmp);
	for (int64 i = 0; i < n; i++)
		if (out == 0 || ids[out - 1] != ids[i])
			ids[out++] = ids[i];
	return out;
}

/* room for n elements of size "size", contents kept if "keep" */
static void *
grow_array(MemoryContext cxt, GrowingArray *a, int64 n, Size size, bool keep)
{
	if (n > a->capacity)
	{
		int64		capacity = Max(n, Max(a->capacity * 2, 64));

		if (a->data && keep)
			a->data = repalloc_huge(a->data, capacity * size);
		else
		{
			if (a->data)
				pfree(a->data);
			a->data = MemoryContextAllocHuge(cxt, capacity * size);
		}
		a->capacity = capacity;
	}
	return a->data;
}

static inline uint64
pair_key(const LotPair *pair)
{
	/* flip the sign bit so that unsigned order is signed order */
	return ((uint64) pair->lot) ^ (UINT64CONST(1) << 63);
}

/*
 * Stable sort of pairs by lot: least-significant-digit radix sort, twelve
 * bits at a time, over only the bits in which the keys differ (ids being
 * dense, ten million lots take two passes).
 */
#define RADIX_BITS 12
#define RADIX_MASK ((UINT64CONST(1) << RADIX_BITS) - 1)

static void
sort_pairs(LotPair *pairs, int64 n, LotPair *tmp)
{
	LotPair    *src = pairs;
	LotPair    *dst = tmp;
	uint64		first;
	uint64		differ = 0;

	if (n < 2)
		return;
	if (n < 48)
	{
		for (int64 i = 1; i < n; i++)
		{
			LotPair		p = pairs[i];
			int64		j = i;

			for (; j > 0 && pairs[j - 1].lot > p.lot; j--)
				pairs[j] = pairs[j - 1];
			pairs[j] = p;
		}
		return;
	}
	first = pair_key(&pairs[0]);
	for (int64 i = 1; i < n; i++)
		differ |= pair_key(&pairs[i]) ^ first;
	if (differ == 0)
		return;

	/* digits of RADIX_BITS over the bits in which keys differ */
	for (int shift = pg_rightmost_one_pos64(differ); shift <= pg_leftmost_one_pos64(differ);
		 shift += RADIX_BITS)
	{
		int64		count[1 << RADIX_BITS];
		int64		pos = 0;
		LotPair    *swap;

		memset(count, 0, sizeof(count));
		for (int64 i = 0; i < n; i++)
			count[(pair_key(&src[i]) >> shift) & RADIX_MASK]++;
		for (int b = 0; b < (1 << RADIX_BITS); b++)
		{
			int64		c = count[b];

			count[b] = pos;
			pos += c;
		}
		for (int64 i = 0; i < n; i++)
			dst[count[(pair_key(&src[i]) >> shift) & RADIX_MASK]++] = src[i];
		swap = src;
		src = dst;
		dst = swap;
		CHECK_FOR_INTERRUPTS();
	}
	if (src != pairs)
		memcpy(pairs, src, n * sizeof(LotPair));
}

/*
 * A level of a big trace reaches lots spread over a range of ids not much
 * wider than their number.  When each lot comes once (links read in
 * near-end order), the frontier need not be sorted: the lots are marked in
 * a bitmap of the range, which, walked in order, gives the ids sorted; a
 * lot's place is then the number of bits below its own, so each via goes
 * straight to its place.  This reads the pairs twice where the radix sort
 * moves them back and forth, and needs no more memory.
 *
 * Returns false, doing nothing, when the range is too wide for its lots
 * or the level too small for this to pay.
 */
#define DENSE_MIN_PAIRS 1024

static bool
place_dense(TraceSide *side, const LotPair *pairs, int64 n, int64 *ids, int64 *vias)
{
	uint64		lo = PG_UINT64_MAX;
	uint64		hi = 0;
	uint64		base;
	uint64		nwords;
	uint64	   *bits;
	int64	   *ranks;
	int64		k = 0;

	if (n < DENSE_MIN_PAIRS)
		return false;
	for (int64 i = 0; i < n; i++)
	{
		uint64		key = pair_key(&pairs[i]);

		lo = Min(lo, key);
		hi = Max(hi, key);
	}
	base = lo >> 6;
	nwords = (hi >> 6) - base + 1;
	if (nwords > (uint64) n)
		return false;

	bits = grow_array(side->cxt, &side->bits_buf, nwords, sizeof(uint64), false);
	ranks = grow_array(side->cxt, &side->ranks_buf, nwords, sizeof(int64), false);
	memset(bits, 0, nwords * sizeof(uint64));
	for (int64 i = 0; i < n; i++)
	{
		uint64		key = pair_key(&pairs[i]);

		bits[(key >> 6) - base] |= UINT64CONST(1) << (key & 63);
	}
	CHECK_FOR_INTERRUPTS();
	for (uint64 w = 0; w < nwords; w++)
	{
		uint64		word = bits[w];

		ranks[w] = k;
		while (word)
		{
			uint64		key = ((base + w) << 6) | pg_rightmost_one_pos64(word);

			ids[k++] = (int64) (key ^ (UINT64CONST(1) << 63));
			word &= word - 1;
		}
	}
	/* each lot once: one bit per pair */
	Assert(k == n);
	CHECK_FOR_INTERRUPTS();
	for (int64 i = 0; i < n; i++)
	{
		uint64		key = pair_key(&pairs[i]);
		uint64		w = (key >> 6) - base;
		uint64		below = bits[w] & ((UINT64CONST(1) << (key & 63)) - 1);

		vias[ranks[w] + pg_popcount64(below)] = pairs[i].via;
	}
	return true;
}

int64 *
trace_roots_from_array(ArrayType *roots, int64 *nroots)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int64	   *ids;

	if (ARR_ELEMTYPE(roots) != INT8OID)
		elog(ERROR, "roots must be a bigint array");
	deconstruct_array(roots, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &elems, &nulls, &n);
	ids = palloc(Max(n, 1) * sizeof(int64));
	for (int i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("root lot ids must not be null")));
		ids[i] = DatumGetInt64(elems[i]);
	}
	*nroots = trace_sort_unique(ids, n);
	return ids;
}

TraceSide *
trace_side_create(GenealogyStore *store, TraceDirection direction,
				  const int64 *roots, int64 nroots)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "lottrace trace",
											  ALLOCSET_DEFAULT_SIZES);
	TraceSide  *side = MemoryContextAllocZero(cxt, sizeof(TraceSide));

	side->store = store;
	side->direction = direction;
	side->cxt = cxt;
	side->scratch_cxt = AllocSetContextCreate(cxt, "lottrace level", ALLOCSET_DEFAULT_SIZES);
	side->visited = lotset_create_in(cxt, (uint32) Min(nroots * 16, 1 << 20));

	side->frontier = grow_array(cxt, &side->ids_buf[0], Max(nroots, 1), sizeof(int64), false);
	side->vias = grow_array(cxt, &side->vias_buf[0], Max(nroots, 1), sizeof(int64), false);
	for (int64 i = 0; i < nroots; i++)
	{
		side->frontier[i] = roots[i];
		side->vias[i] = 0;
		lotset_add(side->visited, roots[i]);
	}
	side->nfrontier = nroots;
	side->reached = nroots;
	return side;
}

void
trace_side_free(TraceSide *side)
{
	MemoryContextDelete(side->cxt);
}

static bool
collect_link(void *arg, const GenealogyLink *link)
{
	LevelCollector *c = (LevelCollector *) arg;

	if (c->visit && c->visit(c->visit_arg, link))
		return true;

	/*
	 * In near-end order the first link to reach a lot comes from the
	 * smallest via, so the lot can be marked at once; otherwise every
	 * candidate is kept and the smallest via chosen after sorting.
	 */
	if (c->ordered ? !lotset_add(c->side->visited, link->far)
		: lotset_contains(c->side->visited, link->far))
		return false;
	if (c->npairs == c->maxpairs)
	{
		c->pairs = grow_array(c->side->cxt, &c->side->pairs_buf, c->npairs + 1, sizeof(LotPair), true);
		c->maxpairs = c->side->pairs_buf.capacity;
	}
	c->pairs[c->npairs].lot = link->far;
	c->pairs[c->npairs].via = link->near;
	c->npairs++;
	return false;
}

/*
 * Without a visitor of its own, a level only wants links to lots not
 * reached yet: the others need not even be checked for visibility.
 */
static bool
far_not_reached(void *arg, int64 near pg_attribute_unused(), int64 far)
{
	return !lotset_contains(((LevelCollector *) arg)->side->visited, far);
}

bool
trace_side_expand(TraceSide *side, bool details, GenealogyLinkVisitor visit, void *arg)
{
	LevelCollector c;
	MemoryContext old;
	int			next = (side->depth + 1) % 2;
	TraceLevelStats *stats;
	LinkReadMethod method;
	bool		stopped;
	int64		n = 0;

	CHECK_FOR_INTERRUPTS();
	stats = genealogy_stats_level(side->store, side->direction, side->depth);
	stats->frontier = side->nfrontier;

	MemoryContextReset(side->scratch_cxt);
	old = MemoryContextSwitchTo(side->scratch_cxt);
	method = genealogy_choose_method(side->store, side->direction,
									 side->frontier, side->nfrontier, details);
	c.side = side;
	c.ordered = (method == LINK_READ_INDEX);
	c.visit = visit;
	c.visit_arg = arg;
	c.pairs = grow_array(side->cxt, &side->pairs_buf, Max(side->nfrontier, 64), sizeof(LotPair), false);
	c.maxpairs = side->pairs_buf.capacity;
	c.npairs = 0;
	stopped = genealogy_read_links(side->store, method, side->direction,
								   side->frontier, side->nfrontier, details,
								   (visit == NULL) ? far_not_reached : NULL,
								   collect_link, &c, stats);

	side->frontier = grow_array(side->cxt, &side->ids_buf[next], Max(c.npairs, 1), sizeof(int64), false);
	side->vias = grow_array(side->cxt, &side->vias_buf[next], Max(c.npairs, 1), sizeof(int64), false);
	if (c.ordered && place_dense(side, c.pairs, c.npairs, side->frontier, side->vias))
		n = c.npairs;
	else
	{
		sort_pairs(c.pairs, c.npairs,
				   grow_array(side->cxt, &side->sort_buf, c.npairs, sizeof(LotPair), false));
		if (!c.ordered)
		{
			/* keep the first pair of each lot, with the smallest via */
			for (int64 i = 0; i < c.npairs; i++)
			{
				if (n > 0 && c.pairs[n - 1].lot == c.pairs[i].lot)
				{
					if (c.pairs[i].via < c.pairs[n - 1].via)
						c.pairs[n - 1].via = c.pairs[i].via;
					continue;
				}
				c.pairs[n++] = c.pairs[i];
				lotset_add(side->visited, c.pairs[i].lot);
			}
		}
		else
			n = c.npairs;
		for (int64 i = 0; i < n; i++)
		{
			side->frontier[i] = c.pairs[i].lot;
			side->vias[i] = c.pairs[i].via;
		}
	}
	side->nfrontier = n;
	side->reached += n;
	side->depth++;
	MemoryContextSwitchTo(old);
	MemoryContextReset(side->scratch_cxt);

	stats->new_lots = n;
	genealogy_stats_level_done(side->store, stats);
	return stopped;
}

int32
trace_side_depth(TraceSide *side)
{
	return side->depth;
}

int64
trace_side_frontier(TraceSide *side, const int64 **ids, const int64 **vias)
{
	if (ids)
		*ids = side->frontier;
	if (vias)
		*vias = side->vias;
	return side->nfrontier;
}

int64
trace_side_reached_count(TraceSide *side)
{
	return side->reached;
}

/*
 * is_descendant: a search forward from the ancestor and one backward from
 * the lot, taking turns so that each has read about as many links as the
 * other, until a link read on one side lands on a lot the other side has
 * reached (a path of at least that one link), or one side runs out of lots
 * to expand (no path).  Following only links read, never the shared roots,
 * makes a lot its own descendant exactly when it is on a cycle.
 *
 * Balancing by links read rather than by lots matters for genealogies: a
 * lot has a handful of ingredients but may have gone into thousands of
 * lots, and which side is cheap is only known by reading.  A turn may stop
 * in the middle of a level, even in the middle of one lot's links (in index
 * order, so the next turn skips the links already seen); depths do not
 * matter here, only reachability.
 */
#define SEARCH_MIN_TURN 64

typedef struct SearchSide
{
	TraceDirection direction;
	LotSet	   *visited;
	int64	   *queue;			/* sorted lots to expand */
	int64		nqueue;
	int64		done;			/* queue[0 .. done - 1] expanded */
	int64		partial;		/* links of queue[done] already seen */
	int64	   *next;			/* lots reached, to expand after the queue */
	int64		nnext;
	int64		maxnext;
	int64		spent;			/* links read */
	int32		depth;
} SearchSide;

typedef struct SearchTurn
{
	SearchSide *self;
	SearchSide *other;
	bool		budgeted;		/* links come in index order: may stop */
	int64		budget;
	int64		current;		/* near end of the last link read */
	int64		current_seen;	/* links of it read, in this turn */
	bool		met;
} SearchTurn;

static void
search_side_init(SearchSide *side, TraceDirection direction, int64 root, MemoryContext cxt)
{
	memset(side, 0, sizeof(*side));
	side->direction = direction;
	side->visited = lotset_create_in(cxt, 1024);
	lotset_add(side->visited, root);
	side->maxnext = 64;
	side->next = MemoryContextAlloc(cxt, side->maxnext * sizeof(int64));
	side->next[side->nnext++] = root;
	side->depth = -1;
}

static bool
search_link(void *arg, const GenealogyLink *link)
{
	SearchTurn *turn = (SearchTurn *) arg;
	SearchSide *self = turn->self;

	if (link->near != turn->current)
	{
		turn->current = link->near;
		turn->current_seen = 0;
	}
	turn->current_seen++;
	/* links of a lot the last turn stopped in are seen again: pass them */
	if (link->near == self->queue[self->done] && turn->current_seen <= self->partial)
		return false;

	self->spent++;
	if (lotset_contains(turn->other->visited, link->far))
	{
		turn->met = true;
		return true;
	}
	if (lotset_add(self->visited, link->far))
	{
		if (self->nnext == self->maxnext)
		{
			self->maxnext *= 2;
			self->next = repalloc_huge(self->next, self->maxnext * sizeof(int64));
		}
		self->next[self->nnext++] = link->far;
	}
	return turn->budgeted && --turn->budget <= 0;
}

/*
 * One turn of a side: expand lots until the budget of links is spent.
 * Returns false when the side has no lots left to expand.
 */
static bool
search_turn(GenealogyStore *store, SearchSide *self, SearchSide *other, int64 budget,
			SearchTurn *turn)
{
	while (!turn->met)
	{
		const int64 *keys;
		int64		nkeys;
		LinkReadMethod method;
		TraceLevelStats *stats;
		bool		stopped;

		CHECK_FOR_INTERRUPTS();
		if (self->done == self->nqueue)
		{
			if (self->nnext == 0)
				return false;
			/* the lots reached become the queue */
			if (self->queue)
				pfree(self->queue);
			self->queue = self->next;
			self->nqueue = trace_sort_unique(self->next, self->nnext);
			self->done = 0;
			self->partial = 0;
			self->maxnext = Max(self->nqueue, 64);
			self->next = palloc_extended(self->maxnext * sizeof(int64), MCXT_ALLOC_HUGE);
			self->nnext = 0;
			self->depth++;
		}
		if (budget <= 0)
			return true;

		keys = self->queue + self->done;
		nkeys = self->nqueue - self->done;
		method = genealogy_choose_method(store, self->direction, keys, nkeys, false);
		turn->self = self;
		turn->other = other;
		turn->budgeted = (method == LINK_READ_INDEX);
		turn->budget = budget;
		turn->current = keys[0];
		turn->current_seen = 0;
		stats = genealogy_stats_level(store, self->direction, self->depth);
		stats->frontier = nkeys;
		stats->new_lots = -self->nnext;
		stopped = genealogy_read_links(store, method, self->direction, keys, nkeys, false,
									   NULL, search_link, turn, stats);
		stats->new_lots += self->nnext;
		genealogy_stats_level_done(store, stats);
		if (turn->met)
			return true;
		if (!stopped)
		{
			self->done = self->nqueue;
			self->partial = 0;
			budget = turn->budgeted ? turn->budget : 0;
			continue;
		}
		/* out of budget in the middle of a lot's links: resume there */
		while (self->queue[self->done] < turn->current)
			self->done++;
		self->partial = turn->current_seen;
		return true;
	}
	return true;
}

bool
trace_is_descendant(GenealogyStore *store, int64 lot, int64 ancestor)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "lottrace is_descendant",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	SearchSide	down;
	SearchSide	up;
	SearchTurn	turn;
	int64		reached;

	memset(&turn, 0, sizeof(turn));
	search_side_init(&down, TRACE_FORWARD, ancestor, cxt);
	search_side_init(&up, TRACE_BACKWARD, lot, cxt);
	for (;;)
	{
		/* the side that has read fewer links goes; ingredients first on a tie */
		SearchSide *self = (down.spent < up.spent) ? &down : &up;
		SearchSide *other = (self == &down) ? &up : &down;
		int64		budget = other->spent - self->spent + SEARCH_MIN_TURN;

		if (!search_turn(store, self, other, budget, &turn) || turn.met)
			break;
	}
	reached = lotset_count_ids(down.visited) + lotset_count_ids(up.visited);
	genealogy_stats_end(store, reached);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return turn.met;
}

/* trace_walk: hands links over with their depth, skipping repeats */
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
trace_walk(GenealogyStore *store, TraceWay way, const int64 *roots, int64 nroots,
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
		side = trace_side_create(store, walk.direction, roots, nroots);
		if (on_lots)
			on_lots(arg, side);
		while (side->nfrontier > 0 && (max_depth < 0 || side->depth < max_depth))
		{
			walk.depth = side->depth;
			trace_side_expand(side, on_link != NULL, on_link ? walk_link : NULL, &walk);
			if (on_lots)
				on_lots(arg, side);
		}
		reached += side->reached;
		trace_side_free(side);
	}
	MemoryContextDelete(cxt);
	return reached;
}
