/*
 * trace_search.c
 *	  is_descendant: a search forward from the ancestor and one backward
 *	  from the lot, taking turns.
 *
 * The two sides take turns so that each has read about as many links as
 * the other, until a link read on one side lands on a lot the other side
 * has reached (a path of at least that one link), or one side runs out of
 * lots to expand (no path).  Following only links read, never the shared
 * roots, makes a lot its own descendant exactly when it is on a cycle.
 *
 * Balancing by links read rather than by lots matters for genealogies: a
 * lot has a handful of ingredients but may have gone into thousands of
 * lots, and which side is cheap is only known by reading.  A turn may stop
 * in the middle of a level, even in the middle of one lot's links (in index
 * order, so the next turn skips the links already seen); depths do not
 * matter here, only reachability.
 *
 * Each side keeps sets of lots (LotSet): those reached, those of the level
 * being expanded and those reached for the next level, so its memory is a
 * bit or so per lot whatever the size of the genealogy.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/memutils.h"

#include "lotset.h"
#include "trace.h"

#define SEARCH_MIN_TURN 64

typedef struct SearchSide
{
	TraceDirection direction;
	LotSet	   *visited;
	MemoryContext level_cxt[2]; /* of the queue and of next */
	int			cur;			/* level_cxt of the queue */
	LotSet	   *queue;			/* lots of the level being expanded */
	int64		nqueue;
	bool		queue_done;
	int64		resume;			/* queue lots below it are expanded */
	int64		partial;		/* links of lot "resume" already seen */
	LotSet	   *next;			/* lots reached, to expand after the queue */
	int64		nnext;
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
	side->level_cxt[0] = AllocSetContextCreate(cxt, "lottrace search level", ALLOCSET_DEFAULT_SIZES);
	side->level_cxt[1] = AllocSetContextCreate(cxt, "lottrace search level", ALLOCSET_DEFAULT_SIZES);
	lotset_add(side->visited, root);
	side->queue_done = true;	/* the root is the first "next" */
	side->next = lotset_create_in(side->level_cxt[1], 16);
	lotset_add(side->next, root);
	side->nnext = 1;
	side->cur = 0;
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
	if (link->near == self->resume && turn->current_seen <= self->partial)
		return false;

	self->spent++;
	if (lotset_contains(turn->other->visited, link->far))
	{
		turn->met = true;
		return true;
	}
	if (lotset_add(self->visited, link->far))
	{
		lotset_add(self->next, link->far);
		self->nnext++;
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
		LinkReadMethod method;
		TraceLevelStats *stats;
		bool		stopped;
		MemoryContext old;

		CHECK_FOR_INTERRUPTS();
		if (self->queue_done)
		{
			if (self->nnext == 0)
				return false;
			/* the lots reached become the queue; its old set goes */
			MemoryContextReset(self->level_cxt[self->cur]);
			self->queue = self->next;
			self->nqueue = self->nnext;
			self->cur = 1 - self->cur;
			self->next = lotset_create_in(self->level_cxt[1 - self->cur], 1024);
			self->nnext = 0;
			self->queue_done = false;
			self->resume = PG_INT64_MIN;
			self->partial = 0;
			self->depth++;
		}
		if (budget <= 0)
			return true;

		method = lottrace_genealogy_choose_method(store, self->direction, self->nqueue, false);
		turn->self = self;
		turn->other = other;
		turn->budgeted = (method == LINK_READ_INDEX);
		turn->budget = budget;
		turn->current = self->resume;
		turn->current_seen = 0;
		stats = lottrace_genealogy_stats_level(store, self->direction, self->depth);
		stats->frontier = self->nqueue;
		stats->new_lots = -self->nnext;
		old = MemoryContextSwitchTo(self->level_cxt[self->cur]);
		stopped = lottrace_genealogy_read_links(store, method, self->direction, self->queue,
												self->nqueue, self->resume, false, NULL, search_link,
												turn, stats);
		MemoryContextSwitchTo(old);
		stats->new_lots += self->nnext;
		lottrace_genealogy_stats_level_done(store, stats);
		if (turn->met)
			return true;
		if (!stopped)
		{
			self->queue_done = true;
			budget = turn->budgeted ? turn->budget : 0;
			continue;
		}
		/* out of budget in the middle of a lot's links: resume there */
		self->resume = turn->current;
		self->partial = turn->current_seen;
		return true;
	}
	return true;
}

bool
lottrace_trace_is_descendant(GenealogyStore *store, int64 lot, int64 ancestor)
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
	lottrace_genealogy_stats_end(store, reached);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return turn.met;
}
