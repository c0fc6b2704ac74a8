/*
 * trace_common.c
 *	  trace_common_sources: the ancestors a set of lots share, found by one
 *	  backward search from all of them at once.
 *
 * Each given lot ("case" lot) owns a bit; the known-clean lots share one
 * more.  Every lot the search meets carries a mask of the bits that have
 * reached it.  The search goes level by level, as the traces do, but a
 * frontier carries bits, not just lots: a lot is expanded again whenever
 * it receives bits it did not have, and passes only those on.  Each bit
 * thus travels exactly as a breadth-first trace from its own lot would, so
 * the level at which a bit first reaches a lot is that lot's distance from
 * the bit's lot, and the level at which a lot first receives a case bit is
 * its shortest depth from any case lot.  All bits move through the links
 * of one level in one read (the multi-source BFS of Then et al., "The More
 * the Merrier", VLDB 2014): a link is read once per level its near end is
 * on, not once per case lot.
 *
 * The bits of a lot start in its frontier, not among the bits that reached
 * it, so a given lot is its own ancestor only through a cycle, as with
 * is_descendant.  Clean lots propagate like case lots, under the same
 * max_depth; lots they reach that no case lot reaches are not reported.
 *
 * Memory.  Per lot met: its id in a hash, three masks of ceil((N + 1) / 64)
 * words (bits that reached it, bits to pass on from this level, bits for the
 * next), its depth, and its row for the final sort.  That grows with the
 * number of lots and with N, and has no bit-per-lot form to fall back to:
 * past work_mem the call stops with an error that says so rather than
 * spilling.  The frontiers are lot sets (lotset.h), as in the traces.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "port/pg_bitutils.h"
#include "utils/array.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "compat.h"
#include "lotset.h"
#include "trace.h"

PG_FUNCTION_INFO_V1(trace_common_sources);

/* a lot met by the search, and where its masks are */
typedef struct CommonLotEntry
{
	int64		lot;
	uint32		index;
	char		status;			/* simplehash's */
} CommonLotEntry;

#define SH_PREFIX commonlot
#define SH_ELEMENT_TYPE CommonLotEntry
#define SH_KEY_TYPE int64
#define SH_KEY lot
#define SH_HASH_KEY(tb, key) lotset_hash_word((uint64) (key))
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* a row of the result, sorted into rank order */
typedef struct CommonRow
{
	int64		lot;
	int32		hits;
	int32		depth;
	bool		reaches_clean;
} CommonRow;

typedef struct CommonSearch
{
	int64		ncases;			/* bits 0 .. ncases - 1: the case lots */
	int			nwords;			/* words of a mask; bit ncases: clean */
	commonlot_hash *lots;
	uint32		nlots;
	uint32		capacity;		/* of the arrays below, in lots */
	uint64	   *reached;		/* bits that have reached the lot */
	uint64	   *pending[2];		/* bits to pass on: this level's, next's */
	int32	   *depth;			/* of the first case bit, -1 until then */
	int			cur;			/* pending[cur] is this level's */
	int32		level;			/* depth of the frontier being expanded */
	Size		memory_limit;

	/* the level being read */
	LotSet	   *next;
	int64		nnext;
	int64		new_lots;
	bool		have_near;
	int64		last_near;		/* index reads come in near-end order */
	uint32		last_near_index;
} CommonSearch;

/* bytes a lot costs: hash entry (half full at worst), masks, depth, row */
static Size
common_lot_bytes(const CommonSearch *s)
{
	return 2 * sizeof(CommonLotEntry) + 3 * (Size) s->nwords * sizeof(uint64) +
		sizeof(int32) + sizeof(CommonRow);
}

static void
common_grow(CommonSearch *s)
{
	Size		lot_bytes = common_lot_bytes(s);
	Size		fit = s->memory_limit / lot_bytes;
	Size		capacity = (s->capacity == 0) ? 1024 : (Size) s->capacity * 2;
	Size		words;

	if ((Size) s->nlots + 1 > fit || (Size) s->nlots + 1 >= PG_UINT32_MAX / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("trace_common_sources needs more memory than work_mem allows"),
				 errdetail("The search from %lld lots has met %u lots, at %zu bytes each, and work_mem is %d kB.",
						   (long long) s->ncases, s->nlots, lot_bytes, work_mem),
				 errhint("Raise work_mem, pass fewer lots, or bound max_depth.")));
	capacity = Min(capacity, fit);
	words = capacity * s->nwords;
	if (s->capacity == 0)
	{
		s->reached = palloc_extended(words * sizeof(uint64), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
		s->pending[0] = palloc_extended(words * sizeof(uint64), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
		s->pending[1] = palloc_extended(words * sizeof(uint64), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
		s->depth = palloc_extended(capacity * sizeof(int32), MCXT_ALLOC_HUGE);
	}
	else
	{
		Size		old = (Size) s->capacity * s->nwords * sizeof(uint64);
		Size		new = words * sizeof(uint64);

		s->reached = repalloc_huge(s->reached, new);
		s->pending[0] = repalloc_huge(s->pending[0], new);
		s->pending[1] = repalloc_huge(s->pending[1], new);
		memset((char *) s->reached + old, 0, new - old);
		memset((char *) s->pending[0] + old, 0, new - old);
		memset((char *) s->pending[1] + old, 0, new - old);
		s->depth = repalloc_huge(s->depth, capacity * sizeof(int32));
	}
	s->capacity = (uint32) capacity;
}

/* the index of a lot, added (with empty masks) if it was not met before */
static uint32
common_lot_index(CommonSearch *s, int64 lot)
{
	bool		found;
	CommonLotEntry *entry = commonlot_insert(s->lots, lot, &found);

	if (!found)
	{
		if (s->nlots == s->capacity)
			common_grow(s);
		entry->index = s->nlots++;
		s->depth[entry->index] = -1;
		s->new_lots++;
	}
	return entry->index;
}

/* bits for the lot to pass on at the first level */
static void
common_seed(CommonSearch *s, LotSet *lots, int64 first_bit, bool one_bit)
{
	LotSetWalk	walk;
	int64		ids[256];
	int64		n;
	int64		bit = first_bit;

	lottrace_lotset_walk_begin(lots, &walk, PG_INT64_MIN);
	while ((n = lottrace_lotset_walk_ids(&walk, ids, lengthof(ids))) > 0)
	{
		CHECK_FOR_INTERRUPTS();
		for (int64 i = 0; i < n; i++)
		{
			uint32		index = common_lot_index(s, ids[i]);

			s->pending[s->cur][(Size) index * s->nwords + bit / 64] |= UINT64CONST(1) << (bit % 64);
			if (lotset_add(s->next, ids[i]))
				s->nnext++;
			if (!one_bit)
				bit++;
		}
	}
	lottrace_lotset_walk_end(&walk);
}

static bool
common_link(void *arg, const GenealogyLink *link)
{
	CommonSearch *s = (CommonSearch *) arg;
	uint32		far = common_lot_index(s, link->far);
	const uint64 *give;
	uint64	   *reached;
	uint64	   *pending;
	bool		gained = false;
	bool		had_case = false;
	bool		has_case = false;

	if (!s->have_near || link->near != s->last_near)
	{
		CommonLotEntry *entry = commonlot_lookup(s->lots, link->near);

		if (entry == NULL)
			elog(ERROR, "lot %lld of a common sources frontier was not met", (long long) link->near);
		s->have_near = true;
		s->last_near = link->near;
		s->last_near_index = entry->index;
	}
	/* after common_lot_index: it may have moved the masks */
	give = &s->pending[s->cur][(Size) s->last_near_index * s->nwords];
	reached = &s->reached[(Size) far * s->nwords];
	pending = &s->pending[1 - s->cur][(Size) far * s->nwords];
	for (int w = 0; w < s->nwords; w++)
	{
		uint64		fresh = give[w] & ~reached[w];
		uint64		cases = (w < s->ncases / 64) ? ~UINT64CONST(0)
			: (w == s->ncases / 64) ? (UINT64CONST(1) << (s->ncases % 64)) - 1 : 0;

		had_case |= (reached[w] & cases) != 0;
		if (fresh)
		{
			reached[w] |= fresh;
			pending[w] |= fresh;
			gained = true;
		}
		has_case |= (reached[w] & cases) != 0;
	}
	if (has_case && !had_case)
		s->depth[far] = s->level + 1;
	if (gained && lotset_add(s->next, link->far))
		s->nnext++;
	return false;
}

/* this level's bits are passed on: clear them for the level after next */
static void
common_clear_pending(CommonSearch *s, LotSet *frontier)
{
	LotSetWalk	walk;
	int64		ids[256];
	int64		n;

	lottrace_lotset_walk_begin(frontier, &walk, PG_INT64_MIN);
	while ((n = lottrace_lotset_walk_ids(&walk, ids, lengthof(ids))) > 0)
	{
		CHECK_FOR_INTERRUPTS();
		for (int64 i = 0; i < n; i++)
		{
			CommonLotEntry *entry = commonlot_lookup(s->lots, ids[i]);

			memset(&s->pending[s->cur][(Size) entry->index * s->nwords], 0,
				   s->nwords * sizeof(uint64));
		}
	}
	lottrace_lotset_walk_end(&walk);
}

/*
 * Expand levels until no lot has bits to pass on or max_depth (-1: none)
 * is reached.
 */
static void
common_search(GenealogyStore *store, CommonSearch *s, int32 max_depth)
{
	MemoryContext level_cxt[2];
	int			frontier_cxt = 0;
	LotSet	   *frontier = s->next;
	int64		nfrontier = s->nnext;

	level_cxt[0] = AllocSetContextCreate(CurrentMemoryContext, "lottrace common level",
										 ALLOCSET_DEFAULT_SIZES);
	level_cxt[1] = AllocSetContextCreate(CurrentMemoryContext, "lottrace common level",
										 ALLOCSET_DEFAULT_SIZES);
	while (nfrontier > 0 && (max_depth < 0 || s->level < max_depth))
	{
		MemoryContext next_cxt = level_cxt[1 - frontier_cxt];
		LinkReadMethod method;
		TraceLevelStats *stats;
		MemoryContext old;

		CHECK_FOR_INTERRUPTS();
		MemoryContextReset(next_cxt);
		s->next = lotset_create_in(next_cxt, (uint32) Min(nfrontier * 4, 1 << 20));
		s->nnext = 0;
		s->new_lots = 0;
		s->have_near = false;
		method = lottrace_genealogy_choose_method(store, TRACE_BACKWARD, nfrontier, false);
		stats = lottrace_genealogy_stats_level(store, TRACE_BACKWARD, s->level);
		stats->frontier = nfrontier;
		/* the readers allocate in the level's context, freed with it */
		old = MemoryContextSwitchTo(next_cxt);
		lottrace_genealogy_read_links(store, method, TRACE_BACKWARD, frontier, nfrontier,
									  PG_INT64_MIN, false, NULL, common_link, s, stats);
		MemoryContextSwitchTo(old);
		stats->new_lots = s->new_lots;
		lottrace_genealogy_stats_level_done(store, stats);

		common_clear_pending(s, frontier);
		MemoryContextReset(level_cxt[frontier_cxt]);
		frontier_cxt = 1 - frontier_cxt;
		frontier = s->next;
		nfrontier = s->nnext;
		s->cur = 1 - s->cur;
		s->level++;
	}
	MemoryContextDelete(level_cxt[0]);
	MemoryContextDelete(level_cxt[1]);
}

/* rank order: most case lots reached, not reaching clean lots, nearest, id */
static int
common_row_cmp(const void *a, const void *b)
{
	const CommonRow *x = (const CommonRow *) a;
	const CommonRow *y = (const CommonRow *) b;

	if (x->hits != y->hits)
		return (x->hits > y->hits) ? -1 : 1;
	if (x->reaches_clean != y->reaches_clean)
		return x->reaches_clean ? 1 : -1;
	if (x->depth != y->depth)
		return (x->depth < y->depth) ? -1 : 1;
	if (x->lot != y->lot)
		return (x->lot < y->lot) ? -1 : 1;
	return 0;
}

static void
common_put_rows(CommonSearch *s, ReturnSetInfo *rsinfo)
{
	CommonRow  *rows = palloc_extended(Max((Size) s->nlots, 1) * sizeof(CommonRow), MCXT_ALLOC_HUGE);
	int64		nrows = 0;
	commonlot_iterator it;
	CommonLotEntry *entry;
	int			clean_word = (int) (s->ncases / 64);
	uint64		clean_bit = UINT64CONST(1) << (s->ncases % 64);

	/* the next levels' masks are no longer needed */
	if (s->capacity > 0)
	{
		pfree(s->pending[0]);
		pfree(s->pending[1]);
	}
	commonlot_start_iterate(s->lots, &it);
	while ((entry = commonlot_iterate(s->lots, &it)) != NULL)
	{
		const uint64 *mask = &s->reached[(Size) entry->index * s->nwords];
		int32		hits = 0;

		if ((nrows & 4095) == 0)
			CHECK_FOR_INTERRUPTS();
		if (s->depth[entry->index] < 0)
			continue;
		for (int w = 0; w < s->nwords; w++)
			hits += pg_popcount64(w == clean_word ? mask[w] & (clean_bit - 1) : mask[w]);
		rows[nrows].lot = entry->lot;
		rows[nrows].hits = hits;
		rows[nrows].depth = s->depth[entry->index];
		rows[nrows].reaches_clean = (mask[clean_word] & clean_bit) != 0;
		nrows++;
	}
	CHECK_FOR_INTERRUPTS();
	qsort(rows, nrows, sizeof(CommonRow), common_row_cmp);
	for (int64 i = 0; i < nrows; i++)
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		if ((i & 4095) == 0)
			CHECK_FOR_INTERRUPTS();
		values[0] = Int64GetDatum(rows[i].lot);
		values[1] = Int32GetDatum(rows[i].hits);
		values[2] = Int32GetDatum(rows[i].depth);
		values[3] = BoolGetDatum(rows[i].reaches_clean);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

/* a lot id array argument: its set; NULL elements raise 22004 */
static LotSet *
common_lots_arg(FunctionCallInfo fcinfo, int argno, const char *name, int64 *nlots)
{
	ArrayType  *array = PG_GETARG_ARRAYTYPE_P(argno);

	if (array_contains_nulls(array))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not contain null lot ids", name)));
	return lottrace_trace_roots_from_array(array, nlots);
}

/* trace_common_sources(lots bigint[], max_depth int, clean_lots bigint[]) */
Datum
trace_common_sources(PG_FUNCTION_ARGS)
{
	int64		ncases;
	int64		nclean = 0;
	LotSet	   *cases;
	LotSet	   *clean = NULL;
	int32		max_depth;
	ReturnSetInfo *rsinfo;
	GenealogyStore *store;
	CommonSearch s;
	MemoryContext cxt;
	MemoryContext old;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("lots must not be null")));
	cases = common_lots_arg(fcinfo, 0, "lots", &ncases);
	max_depth = lottrace_trace_max_depth_arg(fcinfo, 1);
	if (!PG_ARGISNULL(2))
		clean = common_lots_arg(fcinfo, 2, "clean_lots", &nclean);

	InitMaterializedSRF(fcinfo, 0);
	rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	store = lottrace_genealogy_open("trace_common_sources", false, TRACE_WAY_BACKWARD);
	lottrace_genealogy_stats_begin(store, ncases + nclean);
	lottrace_genealogy_check_lots_exist(store, cases);
	if (clean)
		lottrace_genealogy_check_lots_exist(store, clean);

	cxt = AllocSetContextCreate(CurrentMemoryContext, "lottrace common sources",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	memset(&s, 0, sizeof(s));
	s.ncases = ncases;
	s.nwords = (int) ((ncases + 1 + 63) / 64);
	s.memory_limit = lottrace_trace_memory_limit();
	s.lots = commonlot_create(cxt, 1024, NULL);
	s.next = lotset_create_in(cxt, (uint32) Min(ncases + nclean, 1 << 20));
	common_seed(&s, cases, 0, false);
	if (clean)
		common_seed(&s, clean, ncases, true);
	common_search(store, &s, max_depth);
	lottrace_genealogy_stats_end(store, s.nlots);
	common_put_rows(&s, rsinfo);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	lottrace_genealogy_close(store);
	return (Datum) 0;
}
