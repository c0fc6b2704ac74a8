/*
 * fefo.h
 *	  FEFO allocation: the request, the greedy pick list it fills, and the
 *	  two ways of walking stock in policy order (an index read from C, or
 *	  SQL under row-level security or when the index cannot be read).
 */
#ifndef LOTTRACE_FEFO_H
#define LOTTRACE_FEFO_H

#include "nodes/pg_list.h"
#include "utils/date.h"
#include "utils/numeric.h"
#include "utils/relcache.h"

typedef enum FefoPolicy
{
	FEFO_POLICY_FEFO,
	FEFO_POLICY_FIFO,
	FEFO_POLICY_LIFO
} FefoPolicy;

/* allocate's arguments, checked */
typedef struct FefoRequest
{
	text	   *item;
	Numeric		quantity;
	text	   *location;		/* NULL: any location */
	FefoPolicy	policy;
	DateADT		bound;			/* earliest expiry still eligible */
} FefoRequest;

/* one line of the pick list */
typedef struct FefoLine
{
	int64		lot_id;
	Datum		code;
	Datum		location;
	bool		expires_null;
	DateADT		expires_at;
	Numeric		quantity;
} FefoLine;

/* the pick list being filled, greedily, in policy order */
typedef struct FefoPick
{
	Numeric		remaining;
	List	   *lines;			/* of FefoLine */
} FefoPick;

/*
 * Takes what is available (above zero) of one eligible stock row, up to
 * what remains; copies the datums.  True when the quantity is met.
 */
extern bool lottrace_fefo_take(FefoPick *pick, int64 lot_id, Datum code, Datum location,
							   bool expires_null, DateADT expires_at, Numeric available);

/*
 * Walks the allocation index from C.  False, with the reason in *why_not
 * and nothing taken, when it cannot (row-level security, an index it
 * cannot read, copies of a lot's keys that disagree with the lot): the
 * caller then walks with SQL.
 */
extern bool lottrace_fefo_walk_index(const FefoRequest *request, FefoPick *pick,
									 const char **why_not);

/* The same walk as SQL, through SPI. */
extern void lottrace_fefo_walk_sql(const FefoRequest *request, FefoPick *pick);

/*
 * What keeps an allocation index from being read by the walk (a sentence),
 * or NULL.  fefo: stock_fefo_idx, otherwise stock_fifo_idx.
 */
extern const char *lottrace_fefo_index_problem(Relation stock, Relation index, bool fefo);

/* What keeps stock's and lots' columns from being read by the walk, or NULL. */
extern const char *lottrace_fefo_columns_problem(Relation stock, Relation lots);

#endif							/* LOTTRACE_FEFO_H */
