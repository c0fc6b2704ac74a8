/*
 * trace_quantities.c
 *	  trace_quantities: how much root material the traced lots hold
 *	  (forward), or how much of each ancestor went into the roots
 *	  (backward).  doc/quantities.md has the definitions, worked examples
 *	  and the proof that the answers exist and are found.
 *
 * The trace engine finds the lots (lottrace_trace_walk).  Forward, it walks
 * index-only, then one more read of the engine fetches the inputs of every
 * lot reached with their quantities and units; backward, the walk itself
 * reads the links with their details (and the inputs of the last level
 * when max_depth stopped it).  The engine then reads the rows of those
 * lots and of the inputs' parents (lottrace_genealogy_read_lots).  The
 * numbers are then linear systems over the reached subgraph, one unknown
 * per lot:
 *
 *	forward share	s(c) = sum over c's inputs l of w(l) s(parent), w(l) the
 *					link's quantity over all of c's inputs (in one unit);
 *					roots 1, lots not reached 0
 *	forward amount	a(c) = sum over links l from reached p of q(l) a(p)/Q(p),
 *					q(l) in p's unit, Q(p) p's quantity; a root gives its
 *					unit's factor to the first root's unit per unit of it
 *	backward share	g(p) = sum over links l to reached c of q(l)/Q(p) g(c);
 *					roots 1; the amount is g(p) Q(p)
 *
 * Each is x = c + M x with M >= 0.  Solved strongly connected component by
 * component in dependency order (Tarjan): a lot off any cycle is a sum; a
 * cycle is solved exactly by elimination on I - M, whose pivots are all
 * positive exactly when M's spectral radius is below one (I - M is then a
 * nonsingular M-matrix and the solution is the sum over all paths); a pivot
 * that is not means the sum over paths diverges, and the cycle's lots get
 * NULL and a note, as do lots whose numbers need a quantity or a
 * conversion that is missing, and every lot that depends on them.
 *
 * The working state (about 100 bytes a lot and 130 an input link) is held
 * in memory whatever work_mem is, as the time-respecting search holds its
 * labels: the answer is the same for any work_mem, and a recall view that
 * computes through this never fails for the size of the recall (the rows
 * go to a tuplestore, which spills beyond work_mem).  Lots
 * are numbered in the order the walk reaches them, which is the order of
 * the rows (depth, then id), so nothing is sorted.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/tuplestore.h"

#include "citus.h"
#include "compat.h"
#include "genealogy.h"
#include "lotset.h"
#include "trace.h"
#include "uom.h"

PG_FUNCTION_INFO_V1(lottrace_trace_quantities);

/* cycles up to this many lots are solved by elimination, larger by iteration */
#define DENSE_MAX			512
#define ITERATION_MAX		100000
#define PIVOT_MIN			1e-12

typedef enum QuantityState
{
	QTY_OK,
	QTY_MISSING,
	QTY_INVALID					/* negative, NaN or infinite */
} QuantityState;

typedef struct QLot
{
	int64		id;
	double		quantity;
	int32		depth;			/* -1: an input of a lot reached, not reached */
	int32		item_text;		/* lottrace_uom_text of its item, -1: none */
	int32		uom_text;		/* the same for its uom */
	UomItem		item;
	UomUnit		unit;
	uint8		qstate;			/* QuantityState */
	bool		root;
	bool		container;		/* respect_time: lots.container */
} QLot;

typedef struct QLink
{
	int64		link_id;
	int64		parent;			/* lot id, then index into lots */
	int64		child;
	double		quantity;
	UomUnit		unit;			/* -1: the parent's unit */
	uint8		qstate;			/* QuantityState */
	bool		admitted;		/* followed by the time-respecting walk */
	TimestampTz at;				/* linked_at, with respect_time */
} QLink;

/* lot id -> index into QTrace.lots */
typedef struct QLotEntry
{
	int64		id;
	int32		index;
	char		status;
} QLotEntry;

#define SH_PREFIX qlotmap
#define SH_ELEMENT_TYPE QLotEntry
#define SH_KEY_TYPE int64
#define SH_KEY id
#define SH_HASH_KEY(tb, key) lotset_hash_word((uint64) (key))
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

typedef struct QTrace
{
	TraceDirection direction;
	UomCatalog *cat;
	MemoryContext data;			/* the working state */
	MemoryContext scratch;
	LotSet	   *roots;
	LotSet	   *reached;
	LotSet	   *others;			/* parents of inputs, not reached */
	LotSet	   *unexpanded;		/* backward: the last level, max_depth */
	int32		max_depth;
	qlotmap_hash *map;
	QLot	   *lots;			/* reached lots (in order), then the others */
	int64		nlots;
	int64		nreached;
	int64		maxlots;
	QLink	   *links;
	int64		nlinks;
	int64		maxlinks;
	bool		links_indexed;	/* their ends are indices into lots already */
	int64		last_child;		/* the last link's child, by id and index */
	int64		last_child_index;

	/* respect_time */
	bool		respect_time;
	LotSet	   *admitted;		/* forward: the links the walk followed */
	LotSet	   *containers;
	int64	   *clean_lot;		/* every cleaning, by lot and then time */
	TimestampTz *clean_at;
	int64		ncleanings;
	int64		maxcleanings;
	/* the links into each container, by time; see draw_source */
	int64	   *fills;
	int64	   *fill_start;		/* by lot index, as links_by's */
	int64	   *fill_run;		/* first position of the run of its parent */
	int64	   *fill_carry;		/* carrying fills before the position */
} QTrace;

/* What a draw from a container holds, as far as the store says */
typedef enum DrawSource
{
	DRAW_NOTHING,				/* no root material was filled before it */
	DRAW_ONE,					/* every fill before it came from one lot */
	DRAW_MIXED					/* a mix the store does not record */
} DrawSource;

/*
 * x = c + M x over the lots (indices into QTrace.lots).  Lots that are not
 * variables are constants (roots, folded into c) or not involved.  origin
 * says why a value is unknown: the lot whose note explains it (-1: known).
 */
typedef struct QSystem
{
	QTrace	   *q;
	const QLot *lots;			/* for notes */
	int64		n;
	bool	   *var;
	double	   *c;
	double	   *x;
	int64	   *origin;
	char	  **note;
	/* terms (i, j, coefficient), then i's in [start[i], start[i + 1]) */
	int64		nterms;
	int64		maxterms;
	int64	   *term_i;
	int64	   *term_j;
	double	   *term_coef;
	int64	   *start;
	int64	   *dep;
	double	   *coef;
} QSystem;

/* ---- memory ---- */

/* an array of n elements of the size, in the trace's memory */
static void *
q_alloc(QTrace *q, int64 n, Size size, bool zero)
{
	Size		bytes = (Size) Max(n, 1) * size;

	return MemoryContextAllocExtended(q->data, bytes, MCXT_ALLOC_HUGE | (zero ? MCXT_ALLOC_ZERO : 0));
}

/* half as much room again */
static void *
q_grow(void *array, int64 *max, Size size)
{
	*max += *max / 2;
	return repalloc_huge(array, (Size) *max * size);
}

/* room for at least n links */
static void
reserve_links(QTrace *q, int64 n)
{
	if (n > q->maxlinks)
	{
		q->maxlinks = n;
		q->links = repalloc_huge(q->links, (Size) n * sizeof(QLink));
	}
}

/* ---- numbers ---- */

/*
 * A numeric as a double; MISSING or INVALID when it is no amount.  Reads
 * the stored form (base 10000 digits, stable on disk) in place when it has
 * at most three digits and a small weight: then the digits make an exact
 * integer and one multiplication or division by an exact power of ten
 * rounds it, as strtod would.  Others go through
 * numeric_float8_no_overflow.
 */
static QuantityState
read_quantity(Datum value, bool isnull, double *result)
{
	struct varlena *v;
	const char *p;
	int			len;
	uint16		header;
	int			weight;
	int			hdr;
	int			ndigits;
	double		acc = 0;
	int			exponent;
	static const double pow10000[] = {1, 1e4, 1e8, 1e12, 1e16, 1e20};

	*result = 0;
	if (isnull)
		return QTY_MISSING;
	v = (struct varlena *) DatumGetPointer(value);
	if (VARATT_IS_EXTENDED(v) && !VARATT_IS_SHORT(v))
		goto slow;
	p = VARDATA_ANY(v);
	len = VARSIZE_ANY_EXHDR(v);
	if (len < 2)
		goto slow;
	memcpy(&header, p, sizeof(header));
	if ((header & 0xC000) == 0xC000)
		return QTY_INVALID;		/* NaN, +-Infinity */
	if (header & 0x8000)
	{
		/* short: sign 0x2000, weight in the low 7 bits */
		if (header & 0x2000)
			return QTY_INVALID;
		weight = (header & 0x003F) | ((header & 0x0040) ? ~0x003F : 0);
		hdr = 2;
	}
	else
	{
		int16		w;

		if ((header & 0xC000) == 0x4000)
			return QTY_INVALID;
		if (len < 4)
			goto slow;
		memcpy(&w, p + 2, sizeof(w));
		weight = w;
		hdr = 4;
	}
	ndigits = (len - hdr) / 2;
	if (ndigits == 0)
		return QTY_OK;			/* zero */
	if (ndigits > 3)
		goto slow;
	for (int i = 0; i < ndigits; i++)
	{
		int16		digit;

		memcpy(&digit, p + hdr + 2 * i, sizeof(digit));
		acc = acc * 10000 + digit;
	}
	exponent = weight - ndigits + 1;
	if (exponent >= 0 && exponent < (int) lengthof(pow10000))
		*result = acc * pow10000[exponent];
	else if (exponent < 0 && -exponent < (int) lengthof(pow10000))
		*result = acc / pow10000[-exponent];
	else
		goto slow;
	return QTY_OK;

slow:
	{
		Numeric		n = DatumGetNumeric(value);

		if (numeric_is_nan(n) || numeric_is_inf(n))
			return QTY_INVALID;
		/* beyond double precision is no amount either (infinite, not an error) */
		*result = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, NumericGetDatum(n)));
		return (*result >= 0 && isfinite(*result)) ? QTY_OK : QTY_INVALID;
	}
}

/*
 * A double as numeric, as float8_numeric makes it (15 significant digits,
 * no trailing zeros), without its text round trip where that is safe: v
 * scaled to 15 digits before the point rounds to the digits %.15g would
 * print.  It is rounded from the exact product, the computed one plus its
 * error (fma), so that a product near half an integer rounds as the exact
 * value does; only an exact half (a tie, which printf breaks to even) goes
 * through the text.  The scale comes from exact powers of ten, not log10
 * and pow, which cost more than the rest of the conversion.
 */
static Datum
float8_to_numeric(double v)
{
	/* exact powers of ten (up to 1e22 they are doubles) */
	static const double powers[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
	double		a = fabs(v);

	if (v == 0)
		return NumericGetDatum(int64_to_numeric(0));
	if (isfinite(v) && a >= 1e-7 && a < 1e15)
	{
		int			scale = 0;
		double		x;
		double		frac;
		double		error;

		/*
		 * The smallest scale that puts 15 digits before the point: from the
		 * binary exponent's estimate of it, one step at most either way.
		 */
		scale = Max(0, Min((int) lengthof(powers) - 1, 14 - (int) floor(ilogb(a) * 0.30102999566398120)));
		while (scale > 0 && a * powers[scale - 1] >= 1e14)
			scale--;
		while (scale < (int) lengthof(powers) - 1 && a * powers[scale] < 1e14)
			scale++;
		x = a * powers[scale];
		frac = x - floor(x);
		/* the product's rounding error, exactly (the error of a product is a double) */
		error = fma(a, powers[scale], -x);
		if (x >= 1e14 && x < 1e15 && (frac - 0.5) + error != 0)
		{
			/* the sign of that sum is exact: which way the exact product rounds */
			int64		digits = (int64) floor(x) + ((frac - 0.5) + error > 0 ? 1 : 0);

			while (scale > 0 && digits % 10 == 0)
			{
				digits /= 10;
				scale--;
			}
			if (v < 0)
				digits = -digits;
			return NumericGetDatum(int64_div_fast_to_numeric(digits, scale));
		}
	}
	return DirectFunctionCall1(float8_numeric, Float8GetDatum(v));
}

/* ---- reading ---- */

static int64
lot_add(QTrace *q, int64 id, int32 depth)
{
	bool		found;
	QLotEntry  *entry;
	QLot	   *lot;

	if (q->nlots == q->maxlots)
	{
		if (q->nlots >= PG_INT32_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("trace_quantities cannot hold more than %d lots", PG_INT32_MAX)));
		q->lots = q_grow(q->lots, &q->maxlots, sizeof(QLot));
	}
	if (q->map)
	{
		entry = qlotmap_insert(q->map, id, &found);
		Assert(!found);
		entry->index = q->nlots;
	}
	lot = &q->lots[q->nlots];
	memset(lot, 0, sizeof(QLot));
	lot->id = id;
	lot->depth = depth;
	lot->item_text = -1;
	lot->uom_text = -1;
	lot->item = UOM_ANY_ITEM;
	lot->unit = UOM_NONE;
	lot->qstate = QTY_MISSING;
	lot->root = depth == 0;
	lot->container = q->containers && lotset_contains(q->containers, id);
	return q->nlots++;
}

static int64
lot_index(QTrace *q, int64 id)
{
	QLotEntry  *entry = qlotmap_lookup(q->map, id);

	if (entry == NULL)
		elog(ERROR, "lot %lld is not among the lots of the trace", (long long) id);
	return entry->index;
}

/*
 * The map from lot id to index, once the walk has found the lots (each
 * once): made at its size, not grown and rehashed level by level; with
 * room for "more" lots to come.
 */
static void
map_build(QTrace *q, int64 more)
{
	q->map = qlotmap_create(q->data, (uint32) Min(q->nlots + more, PG_INT32_MAX / 2), NULL);
	for (int64 i = 0; i < q->nlots; i++)
	{
		bool		found;
		QLotEntry  *entry = qlotmap_insert(q->map, q->lots[i].id, &found);

		Assert(!found);
		entry->index = i;
	}
}

/* the lots of a level, in order of id, numbered as they come */
static void
collect_lots(void *arg, TraceSide *side)
{
	QTrace	   *q = (QTrace *) arg;
	TracePiece	piece;
	int32		depth = lottrace_trace_side_depth(side);

	while (lottrace_trace_side_frontier_next(side, false, &piece))
	{
		TRACE_PIECE_FOREACH(&piece, i, bits, rank)
		{
			int64		lot = TRACE_PIECE_LOT(&piece, i, bits);

			if ((rank & 4095) == 0)
				CHECK_FOR_INTERRUPTS();
			lot_add(q, lot, depth);
			lotset_add(q->reached, lot);
			if (depth == q->max_depth && q->unexpanded)
				lotset_add(q->unexpanded, lot);
		}
	}
	q->nreached = q->nlots;
}

/* the number of a text value (lottrace_uom_text) */
static int32
text_number(QTrace *q, Datum value)
{
	text	   *t = (text *) PG_DETOAST_DATUM_PACKED(value);
	int32		number = lottrace_uom_text(q->cat, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));

	if ((Pointer) t != DatumGetPointer(value))
		pfree(t);
	return number;
}

/*
 * keep a link (near: the child, far: the parent) with its details; its
 * ends by lot id, or by index into lots where links_indexed
 */
static void
keep_link(QTrace *q, const GenealogyLink *link, int64 parent, int64 child)
{
	QLink	   *l;

	if (q->nlinks == q->maxlinks)
		q->links = q_grow(q->links, &q->maxlinks, sizeof(QLink));
	l = &q->links[q->nlinks++];
	l->link_id = link->link_id;
	l->parent = parent;
	l->child = child;
	l->qstate = read_quantity(link->quantity, link->quantity_isnull, &l->quantity);
	l->unit = link->uom_isnull ? -1 : lottrace_uom_text_unit(q->cat, text_number(q, link->uom));
	l->admitted = !q->admitted || lotset_contains(q->admitted, link->link_id);
	l->at = q->respect_time ? link->linked_at : 0;
}

/*
 * Forward: an input of a lot reached.  Roots need none; a parent not
 * reached is read too (its unit and item convert the link's quantity).
 * Every lot of the link is known by now, so it is kept by index: one
 * lookup for the parent, none for the child, whose inputs come together.
 */
static bool
collect_input(void *arg, const GenealogyLink *link)
{
	QTrace	   *q = (QTrace *) arg;
	QLotEntry  *entry;
	int64		parent;

	if (lotset_contains(q->roots, link->near))
		return false;
	if (link->near != q->last_child || q->last_child_index < 0)
	{
		q->last_child = link->near;
		q->last_child_index = lot_index(q, link->near);
	}
	entry = qlotmap_lookup(q->map, link->far);
	if (entry)
		parent = entry->index;
	else
	{
		lotset_add(q->others, link->far);
		parent = lot_add(q, link->far, -1);
	}
	keep_link(q, link, parent, q->last_child_index);
	return false;
}

/* backward: a link the walk read (every link into a lot it expanded) */
static void
collect_walk_link(void *arg, const GenealogyLink *link,
				  TraceDirection direction pg_attribute_unused(), int32 depth pg_attribute_unused())
{
	keep_link((QTrace *) arg, link, link->far, link->near);
}

/*
 * respect_time, and on Citus: a lot the walk reached, level by level and
 * in order of id within one; the time-respecting walk goes a level further
 * than max_depth (below), whose lots are not the trace's.
 */
static void
collect_time_lot(void *arg, int64 lot, int32 depth, int64 via pg_attribute_unused())
{
	QTrace	   *q = (QTrace *) arg;

	if (q->max_depth >= 0 && depth > q->max_depth)
		return;
	if ((q->nlots & 4095) == 0)
		CHECK_FOR_INTERRUPTS();
	lot_add(q, lot, depth);
	lotset_add(q->reached, lot);
	q->nreached = q->nlots;
}

/* respect_time: a link the walk followed */
static void
collect_time_link(void *arg, const GenealogyLink *link,
				  TraceDirection direction, int32 depth pg_attribute_unused())
{
	QTrace	   *q = (QTrace *) arg;

	if (direction == TRACE_FORWARD)
		lotset_add(q->admitted, link->link_id);
	else
		keep_link(q, link, link->far, link->near);
}

static void
collect_cleaning(void *arg, int64 lot, TimestampTz at)
{
	QTrace	   *q = (QTrace *) arg;

	if (q->ncleanings == q->maxcleanings)
	{
		q->maxcleanings *= 2;
		q->clean_lot = repalloc_huge(q->clean_lot, q->maxcleanings * sizeof(int64));
		q->clean_at = repalloc_huge(q->clean_at, q->maxcleanings * sizeof(TimestampTz));
	}
	q->clean_lot[q->ncleanings] = lot;
	q->clean_at[q->ncleanings++] = at;
}

static void
collect_container(void *arg, int64 lot)
{
	lotset_add(((QTrace *) arg)->containers, lot);
}

/* backward: an input of a lot of the last level, when from a lot reached */
static bool
collect_last_input(void *arg, const GenealogyLink *link)
{
	QTrace	   *q = (QTrace *) arg;

	if (lotset_contains(q->reached, link->far))
		keep_link(q, link, link->far, link->near);
	return false;
}

/* a row of lots: its item, quantity and unit */
static bool
collect_lot_row(void *arg, const GenealogyLot *row)
{
	QTrace	   *q = (QTrace *) arg;
	QLot	   *lot = &q->lots[lot_index(q, row->id)];

	if (!row->item_isnull)
	{
		lot->item_text = text_number(q, row->item);
		lot->item = lottrace_uom_text_item(q->cat, lot->item_text);
	}
	if (!row->uom_isnull)
	{
		lot->uom_text = text_number(q, row->uom);
		lot->unit = lottrace_uom_text_unit(q->cat, lot->uom_text);
	}
	lot->qstate = read_quantity(row->quantity, row->quantity_isnull, &lot->quantity);
	return false;
}

/* links by index into lots; a link without a unit is in its parent's */
static void
resolve_links(QTrace *q)
{
	for (int64 i = 0; i < q->nlinks; i++)
	{
		QLink	   *l = &q->links[i];

		if ((i & 4095) == 0)
			CHECK_FOR_INTERRUPTS();
		if (!q->links_indexed)
		{
			l->parent = lot_index(q, l->parent);
			l->child = lot_index(q, l->child);
		}
		if (l->unit < 0)
			l->unit = q->lots[l->parent].unit;
	}
}

/* ---- notes ---- */

static char *
link_quantity_note(QLink *l)
{
	return psprintf(l->qstate == QTY_MISSING ? "link %lld has no quantity" :
					"link %lld has an invalid quantity", (long long) l->link_id);
}

static char *
lot_quantity_note(QLot *lot)
{
	if (lot->qstate == QTY_MISSING)
		return psprintf("lot %lld has no quantity", (long long) lot->id);
	if (lot->qstate == QTY_INVALID)
		return psprintf("lot %lld has an invalid quantity", (long long) lot->id);
	return psprintf("lot %lld has quantity 0", (long long) lot->id);
}

static char *
conversion_note(QTrace *q, UomUnit from, UomUnit to, QLot *of, int64 link_id)
{
	char	   *note = psprintf("no conversion from %s to %s for item \"%s\"",
								lottrace_uom_unit_name(q->cat, from), lottrace_uom_unit_name(q->cat, to),
								of->item_text >= 0 ? lottrace_uom_text_string(q->cat, of->item_text) : "");

	return link_id > 0 ? psprintf("%s (link %lld)", note, (long long) link_id) : note;
}

/* a link's quantity in the unit "to", converted as its parent's item */
static bool
link_amount(QTrace *q, QLink *l, UomUnit to, double *amount)
{
	double		factor;

	if (!lottrace_uom_factor(q->cat, q->lots[l->parent].item, l->unit, to, &factor))
		return false;
	*amount = l->quantity * factor;
	return true;
}

/* ---- linear systems ---- */

static QSystem *
system_create(QTrace *q)
{
	QSystem    *sys = MemoryContextAllocZero(q->data, sizeof(QSystem));
	int64		n = q->nlots;
	int64		maxterms = q->nlinks;

	sys->q = q;
	sys->lots = q->lots;
	sys->n = n;
	sys->var = q_alloc(q, n, sizeof(bool), true);
	sys->c = q_alloc(q, n, sizeof(double), true);
	sys->x = q_alloc(q, n, sizeof(double), true);
	sys->origin = q_alloc(q, n, sizeof(int64), false);
	sys->note = q_alloc(q, n, sizeof(char *), true);
	for (int64 i = 0; i < n; i++)
		sys->origin[i] = -1;
	sys->maxterms = Max(maxterms, 1);
	sys->term_i = q_alloc(q, sys->maxterms, sizeof(int64), false);
	sys->term_j = q_alloc(q, sys->maxterms, sizeof(int64), false);
	sys->term_coef = q_alloc(q, sys->maxterms, sizeof(double), false);
	return sys;
}

static void
system_unknown(QSystem *sys, int64 i, char *note)
{
	if (sys->origin[i] >= 0)
		return;
	sys->origin[i] = i;
	sys->note[i] = note;
}

static void
system_term(QSystem *sys, int64 i, int64 j, double coef)
{
	if (sys->nterms == sys->maxterms)
	{
		/* draws from containers (backward_fill) may add more than a term a link */
		sys->maxterms *= 2;
		sys->term_i = repalloc_huge(sys->term_i, sys->maxterms * sizeof(int64));
		sys->term_j = repalloc_huge(sys->term_j, sys->maxterms * sizeof(int64));
		sys->term_coef = repalloc_huge(sys->term_coef, sys->maxterms * sizeof(double));
	}
	sys->term_i[sys->nterms] = i;
	sys->term_j[sys->nterms] = j;
	sys->term_coef[sys->nterms] = coef;
	sys->nterms++;
}

/* CSR of the terms by i (forward) and by j (reverse, for unknowns) */
static void
csr_build(QTrace *q, int64 n, int64 nterms, const int64 *from, const int64 *to, const double *coef,
		  int64 **start, int64 **adj, double **adjcoef)
{
	int64	   *s = q_alloc(q, n + 1, sizeof(int64), true);
	int64	   *a = q_alloc(q, nterms, sizeof(int64), false);
	double	   *ac = coef ? q_alloc(q, nterms, sizeof(double), false) : NULL;
	int64	   *fill = q_alloc(q, n + 1, sizeof(int64), false);

	for (int64 k = 0; k < nterms; k++)
		s[from[k] + 1]++;
	for (int64 i = 0; i < n; i++)
		s[i + 1] += s[i];
	memcpy(fill, s, (n + 1) * sizeof(int64));
	for (int64 k = 0; k < nterms; k++)
	{
		int64		at = fill[from[k]]++;

		a[at] = to[k];
		if (ac)
			ac[at] = coef[k];
	}
	pfree(fill);
	*start = s;
	*adj = a;
	if (adjcoef)
		*adjcoef = ac;
}

/* every variable that depends on an unknown one is unknown, by its origin */
static void
system_spread_unknowns(QSystem *sys)
{
	int64	   *rstart;
	int64	   *rdep;
	int64	   *queue = q_alloc(sys->q, sys->n, sizeof(int64), false);
	int64		head = 0;
	int64		tail = 0;

	for (int64 i = 0; i < sys->n; i++)
		if (sys->origin[i] >= 0)
			queue[tail++] = i;
	/* the usual case: nothing to spread, and no reverse terms to build */
	if (tail == 0)
	{
		pfree(queue);
		return;
	}
	csr_build(sys->q, sys->n, sys->nterms, sys->term_j, sys->term_i, NULL, &rstart, &rdep, NULL);
	while (head < tail)
	{
		int64		j = queue[head++];

		CHECK_FOR_INTERRUPTS();
		for (int64 k = rstart[j]; k < rstart[j + 1]; k++)
		{
			int64		i = rdep[k];

			if (sys->var[i] && sys->origin[i] < 0)
			{
				sys->origin[i] = sys->origin[j];
				queue[tail++] = i;
			}
		}
	}
	pfree(queue);
	pfree(rstart);
	pfree(rdep);
}

/*
 * One strongly connected component (members, dependencies solved): its
 * right-hand sides, then a sum, zeros, elimination or iteration.
 */
static void
solve_component(QSystem *sys, const int64 *members, int64 k, int64 *pos)
{
	double		one;
	/* most components are one lot: no allocation for those */
	double	   *r = (k == 1) ? &one : q_alloc(sys->q, k, sizeof(double), false);
	bool		any = false;
	bool		failed = false;

	for (int64 a = 0; a < k; a++)
		pos[members[a]] = a;
	for (int64 a = 0; a < k && sys->origin[members[0]] < 0; a++)
	{
		int64		i = members[a];

		r[a] = sys->c[i];
		for (int64 t = sys->start[i]; t < sys->start[i + 1]; t++)
		{
			int64		j = sys->dep[t];

			if (pos[j] >= 0)
				continue;
			if (sys->origin[j] >= 0)
			{
				/* depends on a cycle that did not converge */
				for (int64 b = 0; b < k; b++)
					sys->origin[members[b]] = sys->origin[j];
				break;
			}
			r[a] += sys->coef[t] * sys->x[j];
		}
		if (r[a] != 0)
			any = true;
	}

	if (sys->origin[members[0]] >= 0)
		;
	else if (k == 1)
		sys->x[members[0]] = r[0];
	else if (!any)
	{
		/* no material enters the cycle: none is in it (the least solution) */
		for (int64 a = 0; a < k; a++)
			sys->x[members[a]] = 0;
	}
	else if (k <= DENSE_MAX)
	{
		/*
		 * (I - M) x = r without pivoting: for a Z-matrix, all pivots are
		 * positive exactly when it is a nonsingular M-matrix, that is when
		 * M's spectral radius is below 1 (and then x >= 0 is the sum over
		 * paths).
		 */
		double	   *m = q_alloc(sys->q, k * k, sizeof(double), true);

		for (int64 a = 0; a < k; a++)
		{
			int64		i = members[a];

			m[a * k + a] = 1.0;
			for (int64 t = sys->start[i]; t < sys->start[i + 1]; t++)
				if (pos[sys->dep[t]] >= 0)
					m[a * k + pos[sys->dep[t]]] -= sys->coef[t];
		}
		for (int64 p = 0; p < k && !failed; p++)
		{
			double		pivot = m[p * k + p];

			CHECK_FOR_INTERRUPTS();
			if (!(pivot > PIVOT_MIN))
			{
				failed = true;
				break;
			}
			for (int64 row = p + 1; row < k; row++)
			{
				double		f = m[row * k + p] / pivot;

				if (f == 0)
					continue;
				for (int64 col = p; col < k; col++)
					m[row * k + col] -= f * m[p * k + col];
				r[row] -= f * r[p];
			}
		}
		for (int64 p = k - 1; p >= 0 && !failed; p--)
		{
			double		v = r[p];

			for (int64 col = p + 1; col < k; col++)
				v -= m[p * k + col] * r[col];
			r[p] = Max(v / m[p * k + p], 0.0);
			sys->x[members[p]] = r[p];
		}
		pfree(m);
	}
	else
	{
		/*
		 * Too big to eliminate: Gauss-Seidel from zero, which rises to the
		 * least solution, until a sweep changes nothing in 15 digits.
		 */
		double	   *x = q_alloc(sys->q, k, sizeof(double), true);
		int			sweep;

		for (sweep = 0; sweep < ITERATION_MAX; sweep++)
		{
			double		change = 0;
			double		largest = 0;

			CHECK_FOR_INTERRUPTS();
			for (int64 a = 0; a < k; a++)
			{
				int64		i = members[a];
				double		v = r[a];

				for (int64 t = sys->start[i]; t < sys->start[i + 1]; t++)
					if (pos[sys->dep[t]] >= 0)
						v += sys->coef[t] * x[pos[sys->dep[t]]];
				change = Max(change, fabs(v - x[a]));
				largest = Max(largest, fabs(v));
				x[a] = v;
			}
			if (!isfinite(largest) || largest > 1e300)
				sweep = ITERATION_MAX;
			else if (change <= 1e-15 * largest)
				break;
		}
		failed = (sweep >= ITERATION_MAX);
		for (int64 a = 0; a < k && !failed; a++)
			sys->x[members[a]] = x[a];
		pfree(x);
	}
	if (failed)
	{
		int64		smallest = sys->lots[members[0]].id;
		char	   *note;

		for (int64 a = 1; a < k; a++)
			smallest = Min(smallest, sys->lots[members[a]].id);
		note = psprintf("the cycle of %lld lots through lot %lld does not converge",
						(long long) k, (long long) smallest);
		for (int64 a = 0; a < k; a++)
		{
			sys->origin[members[a]] = members[a];
			sys->note[members[a]] = note;
		}
	}
	for (int64 a = 0; a < k; a++)
		pos[members[a]] = -1;
	if (r != &one)
		pfree(r);
}

/*
 * Solve the known variables: strongly connected components of the
 * dependencies (Tarjan, without recursion), each solved as it is completed,
 * which is after every component it depends on.
 */
static void
system_solve(QSystem *sys)
{
	int64		n = sys->n;
	int64	   *index = q_alloc(sys->q, n, sizeof(int64), false);
	int64	   *low = q_alloc(sys->q, n, sizeof(int64), false);
	int64	   *pos = q_alloc(sys->q, n, sizeof(int64), false);
	bool	   *onstack = q_alloc(sys->q, n, sizeof(bool), true);
	int64	   *stack = q_alloc(sys->q, n, sizeof(int64), false);
	int64	   *call_node = q_alloc(sys->q, n, sizeof(int64), false);
	int64	   *call_edge = q_alloc(sys->q, n, sizeof(int64), false);
	int64		nstack = 0;
	int64		counter = 0;

	csr_build(sys->q, n, sys->nterms, sys->term_i, sys->term_j, sys->term_coef,
			  &sys->start, &sys->dep, &sys->coef);
	system_spread_unknowns(sys);
	for (int64 i = 0; i < n; i++)
	{
		index[i] = -1;
		pos[i] = -1;
	}

	for (int64 v = 0; v < n; v++)
	{
		int64		ncall = 0;

		if (!sys->var[v] || sys->origin[v] >= 0 || index[v] >= 0)
			continue;
		index[v] = low[v] = counter++;
		stack[nstack++] = v;
		onstack[v] = true;
		call_node[ncall] = v;
		call_edge[ncall++] = sys->start[v];
		while (ncall > 0)
		{
			int64		u = call_node[ncall - 1];
			int64		t = call_edge[ncall - 1];

			if (t < sys->start[u + 1])
			{
				int64		w = sys->dep[t];

				call_edge[ncall - 1]++;
				if (!sys->var[w] || sys->origin[w] >= 0)
					continue;
				if (index[w] < 0)
				{
					CHECK_FOR_INTERRUPTS();
					index[w] = low[w] = counter++;
					stack[nstack++] = w;
					onstack[w] = true;
					call_node[ncall] = w;
					call_edge[ncall++] = sys->start[w];
				}
				else if (onstack[w])
					low[u] = Min(low[u], index[w]);
				continue;
			}
			ncall--;
			if (ncall > 0)
				low[call_node[ncall - 1]] = Min(low[call_node[ncall - 1]], low[u]);
			if (low[u] == index[u])
			{
				int64		first = nstack;

				do
					first--;
				while (stack[first] != u);
				for (int64 a = first; a < nstack; a++)
					onstack[stack[a]] = false;
				solve_component(sys, stack + first, nstack - first, pos);
				nstack = first;
			}
		}
	}
	pfree(index);
	pfree(low);
	pfree(pos);
	pfree(onstack);
	pfree(stack);
	pfree(call_node);
	pfree(call_edge);
	/* only the values and notes are wanted from here on */
	pfree(sys->term_i);
	pfree(sys->term_j);
	pfree(sys->term_coef);
	pfree(sys->start);
	pfree(sys->dep);
	pfree(sys->coef);
}

/* the note of an unknown value: its own reason, or the lot it depends on */
static char *
system_note(QTrace *q, QSystem *sys, int64 i)
{
	int64		o = sys->origin[i];

	if (o < 0)
		return NULL;
	if (o == i)
		return sys->note[o];
	return psprintf("depends on lot %lld: %s", (long long) q->lots[o].id, sys->note[o]);
}

/* ---- draws from containers (respect_time) ---- */

static void links_by(QTrace *q, bool by_child, int64 **order, int64 **start);

/*
 * The time a container's current epoch began at t: its latest cleaning at
 * or before t (a cleaning comes before a link at the same time); false
 * when it was not cleaned by then.
 */
static bool
epoch_start(QTrace *q, int64 lot, TimestampTz t, TimestampTz *start)
{
	int64		lo = 0;
	int64		hi = q->ncleanings;

	/* the first cleaning after (lot, t) */
	while (lo < hi)
	{
		int64		mid = lo + (hi - lo) / 2;

		if (q->clean_lot[mid] < lot || (q->clean_lot[mid] == lot && q->clean_at[mid] <= t))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || q->clean_lot[lo - 1] != lot)
		return false;
	*start = q->clean_at[lo - 1];
	return true;
}

static int
fill_cmp(const void *a, const void *b, void *arg)
{
	const QLink *x = &((const QLink *) arg)[*(const int64 *) a];
	const QLink *y = &((const QLink *) arg)[*(const int64 *) b];

	if (x->at != y->at)
		return (x->at > y->at) - (x->at < y->at);
	return (x->link_id > y->link_id) - (x->link_id < y->link_id);
}

/*
 * The links into each container that is not a root, by time; for each
 * position the first position of the run of fills from the same lot that
 * it ends, and how many fills before it carry root material (followed by
 * the walk, from a lot reached).
 */
static void
fills_build(QTrace *q)
{
	links_by(q, true, &q->fills, &q->fill_start);
	q->fill_run = q_alloc(q, q->nlinks, sizeof(int64), false);
	q->fill_carry = q_alloc(q, q->nlinks + 1, sizeof(int64), false);
	q->fill_carry[0] = 0;
	for (int64 k = 0; k < q->nlots; k++)
	{
		int64		from = q->fill_start[k];
		int64		to = q->fill_start[k + 1];

		if (q->lots[k].container && !q->lots[k].root && to - from > 1)
			qsort_arg(q->fills + from, to - from, sizeof(int64), fill_cmp, q->links);
		for (int64 a = from; a < to; a++)
		{
			QLink	   *l = &q->links[q->fills[a]];

			q->fill_run[a] = (a > from && q->links[q->fills[a - 1]].parent == l->parent)
				? q->fill_run[a - 1] : a;
			q->fill_carry[a + 1] = q->fill_carry[a] +
				(l->admitted && q->lots[l->parent].depth >= 0 ? 1 : 0);
		}
	}
}

/* the first position in [lo, hi) of container k's fills after time t (or at it, "at") */
static int64
fill_search(QTrace *q, int64 lo, int64 hi, TimestampTz t, bool at)
{
	while (lo < hi)
	{
		int64		mid = lo + (hi - lo) / 2;
		TimestampTz m = q->links[q->fills[mid]].at;

		if (m < t || (!at && m == t))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * What a draw at time t from container k (a lot index) may hold: the
 * fills of k since its last cleaning, up to t (a fill at t included).
 * *first is the position of the first of them; with DRAW_ONE, *parent
 * the lot they came from.
 */
static DrawSource
draw_source(QTrace *q, int64 k, TimestampTz t, int64 *first, int64 *parent)
{
	int64		lo = q->fill_start[k];
	int64		end;
	int64		carrying;
	TimestampTz start;

	if (epoch_start(q, q->lots[k].id, t, &start))
		lo = fill_search(q, lo, q->fill_start[k + 1], start, true);
	end = fill_search(q, lo, q->fill_start[k + 1], t, false);
	*first = lo;
	carrying = q->fill_carry[end] - q->fill_carry[lo];
	if (carrying == 0)
		return DRAW_NOTHING;
	*parent = q->links[q->fills[lo]].parent;
	/* a container filled from another holds what the other's draws held */
	if (carrying == end - lo && q->fill_run[end - 1] <= lo &&
		!(q->lots[*parent].container && !q->lots[*parent].root))
		return DRAW_ONE;
	return DRAW_MIXED;
}

static char *
draw_note(QTrace *q, const QLink *draw)
{
	return psprintf("link %lld draws from container %lld into lot %lld, which more than one lot (or another container) filled since its last cleaning: what the draw holds of each is not recorded",
					(long long) draw->link_id, (long long) q->lots[draw->parent].id,
					(long long) q->lots[draw->child].id);
}

/* true when a link's parent is a container whose draws are worked out by draw_source */
static inline bool
is_draw(QTrace *q, const QLink *l)
{
	return q->respect_time && q->lots[l->parent].container && !q->lots[l->parent].root;
}

/* ---- the three systems ---- */

static int
link_id_cmp(const void *a, const void *b, void *arg)
{
	const QLink *links = (const QLink *) arg;
	int64		x = links[*(const int64 *) a].link_id;
	int64		y = links[*(const int64 *) b].link_id;

	return (x > y) - (x < y);
}

/*
 * Links grouped by child (forward) or parent (backward): a counting sort,
 * then each group in order of link id.  The links come in the order the
 * genealogy was read, which follows the index's physical order (a child's
 * links by heap position) and, backward, the levels of the walk; in order
 * of id, the sums and the link a note names (the first unknown one) are the
 * same however the rows lie and however they were read (on Citus, by SQL).
 */
static void
links_by(QTrace *q, bool by_child, int64 **order, int64 **start)
{
	int64	   *ord = q_alloc(q, q->nlinks, sizeof(int64), false);
	int64	   *st = q_alloc(q, q->nlots + 1, sizeof(int64), true);
	int64	   *fill;

	for (int64 k = 0; k < q->nlinks; k++)
		st[(by_child ? q->links[k].child : q->links[k].parent) + 1]++;
	for (int64 i = 0; i < q->nlots; i++)
		st[i + 1] += st[i];
	fill = q_alloc(q, q->nlots + 1, sizeof(int64), false);
	memcpy(fill, st, (q->nlots + 1) * sizeof(int64));
	for (int64 k = 0; k < q->nlinks; k++)
		ord[fill[by_child ? q->links[k].child : q->links[k].parent]++] = k;
	pfree(fill);
	for (int64 i = 0; i < q->nlots; i++)
	{
		for (int64 a = st[i] + 1; a < st[i + 1]; a++)
		{
			if (q->links[ord[a - 1]].link_id > q->links[ord[a]].link_id)
			{
				qsort_arg(ord + st[i], st[i + 1] - st[i], sizeof(int64), link_id_cmp, q->links);
				break;
			}
		}
	}
	*order = ord;
	*start = st;
}

/*
 * The quantities of a lot's inputs in one unit, and their total; false
 * (and the note of the first failure, if asked) when one does not convert.
 */
static bool
inputs_in_unit(QTrace *q, const int64 *in, int64 from, int64 to, UomUnit unit,
			   double *amount, double *total, char **note)
{
	*total = 0;
	for (int64 a = from; a < to; a++)
	{
		QLink	   *l = &q->links[in[a]];

		if (!link_amount(q, l, unit, &amount[in[a]]))
		{
			if (note)
				*note = conversion_note(q, l->unit, unit, &q->lots[l->parent], l->link_id);
			return false;
		}
		*total += amount[in[a]];
	}
	return true;
}

/*
 * Forward shares: the weight of each input of a lot is its quantity over
 * the total of the lot's inputs, all in one unit: the lot's own if every
 * input converts to it, else the first input's that all convert to.
 */
static QSystem *
forward_shares(QTrace *q, const int64 *in, const int64 *in_start)
{
	QSystem    *sys = system_create(q);
	double	   *amount = q_alloc(q, q->nlinks, sizeof(double), false);

	for (int64 c = 0; c < q->nlots; c++)
	{
		QLot	   *lot = &q->lots[c];
		char	   *note = NULL;
		double		total = 0;
		bool		converted = false;

		if (lot->depth < 0)
			continue;
		if (lot->root)
		{
			sys->x[c] = 1;
			continue;
		}
		sys->var[c] = true;
		for (int64 a = in_start[c]; a < in_start[c + 1] && !note; a++)
			if (q->links[in[a]].qstate != QTY_OK)
				note = link_quantity_note(&q->links[in[a]]);
		/* candidate units: the lot's, then its inputs' in order of link id */
		if (!note)
			converted = inputs_in_unit(q, in, in_start[c], in_start[c + 1], lot->unit,
									   amount, &total, NULL);
		for (int64 cand = in_start[c]; cand < in_start[c + 1] && !note && !converted; cand++)
			converted = inputs_in_unit(q, in, in_start[c], in_start[c + 1],
									   q->links[in[cand]].unit, amount, &total, NULL);
		/* none does: name what fails for the lot's unit, or the first input's */
		if (!note && !converted)
			inputs_in_unit(q, in, in_start[c], in_start[c + 1],
						   lot->unit != UOM_NONE ? lot->unit : q->links[in[in_start[c]]].unit,
						   amount, &total, &note);
		if (!note && !(total > 0))
			note = psprintf("the inputs of lot %lld total zero", (long long) lot->id);
		if (note)
		{
			system_unknown(sys, c, note);
			continue;
		}
		for (int64 a = in_start[c]; a < in_start[c + 1]; a++)
		{
			QLink	   *l = &q->links[in[a]];
			double		w = amount[in[a]] / total;
			int64		first;
			int64		from;

			if (w == 0 || q->lots[l->parent].depth < 0 || !l->admitted)
				continue;		/* inputs not reached hold no root material */
			if (is_draw(q, l))
			{
				DrawSource	source = draw_source(q, l->parent, l->at, &first, &from);

				if (source == DRAW_ONE && q->lots[from].root)
					sys->c[c] += w;
				else if (source == DRAW_ONE)
					system_term(sys, c, from, w);
				else if (source == DRAW_MIXED)
					system_unknown(sys, c, draw_note(q, l));
			}
			else if (q->lots[l->parent].root)
				sys->c[c] += w;
			else
				system_term(sys, c, l->parent, w);
		}
	}
	pfree(amount);
	system_solve(sys);

	/*
	 * A share is a weighted mean of shares, in [0, 1]; on a cycle that root
	 * material barely enters or leaves, rounding can put it a hair outside
	 * (1 + 8e-8 was seen where the answer is 1).
	 */
	for (int64 c = 0; c < q->nlots; c++)
		if (sys->var[c])
			sys->x[c] = Min(Max(sys->x[c], 0.0), 1.0);
	return sys;
}

/*
 * Forward amounts, in the first root's unit: a link passes on its part of
 * its parent's root material, q(l) / Q(parent) of it.  Links from lots
 * not reached pass none.
 */
static QSystem *
forward_amounts(QTrace *q, const int64 *in, const int64 *in_start,
				UomUnit root_unit, double *root_factor, char **root_note)
{
	QSystem    *sys = system_create(q);

	/* the roots first: the lots made from them need their factors */
	for (int64 c = 0; c < q->nlots; c++)
	{
		QLot	   *lot = &q->lots[c];
		double		factor;

		if (!lot->root)
			continue;
		/* the root: its quantity; a lot made from it: a factor per unit */
		if (!lottrace_uom_factor(q->cat, lot->item, lot->unit, root_unit, &factor))
		{
			root_note[c] = conversion_note(q, lot->unit, root_unit, lot, 0);
			system_unknown(sys, c, root_note[c]);
		}
		else if (lot->qstate != QTY_OK)
			root_note[c] = lot_quantity_note(lot);
		else
			sys->x[c] = lot->quantity * factor;
		root_factor[c] = factor;
	}
	for (int64 c = 0; c < q->nlots; c++)
	{
		QLot	   *lot = &q->lots[c];

		if (lot->depth < 0 || lot->root)
			continue;
		sys->var[c] = true;
		for (int64 a = in_start[c]; a < in_start[c + 1]; a++)
		{
			QLink	   *l = &q->links[in[a]];
			QLot	   *parent = &q->lots[l->parent];
			double		amount;
			double		factor;
			int64		first;
			int64		from;
			int64		link_parent = l->parent;

			if (parent->depth < 0 || !l->admitted || (l->qstate == QTY_OK && l->quantity == 0))
				continue;
			if (is_draw(q, l))
			{
				DrawSource	source = draw_source(q, l->parent, l->at, &first, &from);

				if (source == DRAW_NOTHING)
					continue;
				if (source == DRAW_MIXED)
				{
					system_unknown(sys, c, draw_note(q, l));
					continue;
				}
				/* all of it is the one lot's material: as if drawn from it */
				link_parent = from;
				parent = &q->lots[from];
			}
			if (l->qstate != QTY_OK)
				system_unknown(sys, c, link_quantity_note(l));
			else if (!lottrace_uom_factor(q->cat, parent->item, l->unit, parent->unit, &factor))
				system_unknown(sys, c, conversion_note(q, l->unit, parent->unit, parent, l->link_id));
			else if ((amount = l->quantity * factor), parent->root)
			{
				if (root_note[link_parent] && sys->origin[link_parent] >= 0)
					system_term(sys, c, link_parent, 1);	/* its unknown spreads */
				else
					sys->c[c] += amount * root_factor[link_parent];
			}
			else if (parent->qstate != QTY_OK || parent->quantity == 0)
				system_unknown(sys, c, lot_quantity_note(parent));
			else
				system_term(sys, c, link_parent, amount / parent->quantity);
		}
	}
	system_solve(sys);
	return sys;
}

/*
 * Backward, respect_time: what lot p filled into a container (link fill)
 * went on in the draws of the container toward the roots that may hold it,
 * those of the same epoch at or after it.  A draw whose fills all came
 * from p passes on its own quantity of p (counted once, from p's first
 * fill); a draw that may hold other lots' material too is not recorded.
 */
static void
backward_fill(QTrace *q, QSystem *sys, const int64 *out, const int64 *out_start, int64 p, int64 fill)
{
	QLink	   *f = &q->links[fill];
	QLot	   *lot = &q->lots[p];
	int64		k = f->child;

	for (int64 a = out_start[k]; a < out_start[k + 1]; a++)
	{
		QLink	   *d = &q->links[out[a]];
		int64		first;
		int64		from;
		double		factor;
		double		amount;
		TimestampTz start;

		if (d->at < f->at || (epoch_start(q, q->lots[k].id, d->at, &start) && f->at < start))
			continue;
		if (d->qstate == QTY_OK && d->quantity == 0)
			continue;
		if (draw_source(q, k, d->at, &first, &from) != DRAW_ONE)
		{
			system_unknown(sys, p, draw_note(q, d));
			return;
		}
		if (q->fills[first] != fill)
			continue;			/* counted from p's first fill */
		if (d->qstate != QTY_OK)
			system_unknown(sys, p, link_quantity_note(d));
		else if (!lottrace_uom_factor(q->cat, lot->item, d->unit, lot->unit, &factor))
			system_unknown(sys, p, conversion_note(q, d->unit, lot->unit, lot, d->link_id));
		else if ((amount = d->quantity * factor), q->lots[d->child].root)
			sys->c[p] += amount / lot->quantity;
		else
			system_term(sys, p, d->child, amount / lot->quantity);
	}
}

/*
 * Backward shares: the part of an ancestor that went into the roots,
 * through each of its links to lots reached, q(l) / Q(ancestor) of it
 * times the part of that lot that did.
 */
static QSystem *
backward_shares(QTrace *q, const int64 *out, const int64 *out_start)
{
	QSystem    *sys = system_create(q);

	for (int64 p = 0; p < q->nlots; p++)
	{
		QLot	   *lot = &q->lots[p];

		if (lot->root)
		{
			sys->x[p] = 1;
			continue;
		}
		sys->var[p] = true;
		if (lot->qstate != QTY_OK || lot->quantity == 0)
		{
			system_unknown(sys, p, lot_quantity_note(lot));
			continue;
		}
		for (int64 a = out_start[p]; a < out_start[p + 1]; a++)
		{
			QLink	   *l = &q->links[out[a]];
			double		amount;

			if (l->qstate == QTY_OK && l->quantity == 0)
				continue;
			if (q->respect_time && q->lots[l->child].container && !q->lots[l->child].root)
				backward_fill(q, sys, out, out_start, p, out[a]);
			else if (l->qstate != QTY_OK)
				system_unknown(sys, p, link_quantity_note(l));
			else if (!link_amount(q, l, lot->unit, &amount))
				system_unknown(sys, p, conversion_note(q, l->unit, lot->unit, lot, l->link_id));
			else if (q->lots[l->child].root)
				sys->c[p] += amount / lot->quantity;
			else
				system_term(sys, p, l->child, amount / lot->quantity);
		}
	}
	system_solve(sys);
	return sys;
}

/*
 * The amount of an ancestor whose share is unknown for want of its own
 * quantity: the sum over its links of what went in times the share of the
 * lot it went into, when all of those are known.
 */
static bool
backward_amount_without_quantity(QTrace *q, QSystem *sys, const int64 *out,
								 const int64 *out_start, int64 p, double *result)
{
	QLot	   *lot = &q->lots[p];

	*result = 0;
	if (sys->origin[p] != p || (lot->qstate == QTY_OK && lot->quantity != 0))
		return false;
	for (int64 a = out_start[p]; a < out_start[p + 1]; a++)
	{
		QLink	   *l = &q->links[out[a]];
		double		amount;

		if (l->qstate == QTY_OK && l->quantity == 0)
			continue;
		if (l->qstate != QTY_OK || sys->origin[l->child] >= 0 ||
			!link_amount(q, l, lot->unit, &amount))
			return false;
		*result += amount * sys->x[l->child];
	}
	return true;
}

/* ---- the function ---- */

/* trace_quantities(roots bigint[], direction text, max_depth int, respect_time boolean) */
Datum
lottrace_trace_quantities(PG_FUNCTION_ARGS)
{
	int64		nroots;
	LotSet	   *roots = lottrace_trace_roots_arg(fcinfo, 0, &nroots);
	TraceWay	way = lottrace_trace_direction_arg(fcinfo, 1);
	int32		max_depth = lottrace_trace_max_depth_arg(fcinfo, 2);
	bool		respect_time = lottrace_trace_respect_time_arg(fcinfo, 3);
	ReturnSetInfo *rsinfo;
	GenealogyStore *store;
	MemoryContext cxt;
	MemoryContext old;
	QTrace		q;
	int64		reached;
	int64	   *grouped;
	int64	   *group_start;
	QSystem    *shares;
	QSystem    *amounts = NULL;
	double	   *root_factor = NULL;
	char	  **root_note = NULL;
	UomUnit		root_unit = UOM_NONE;
	const char *root_uom = NULL;
	Datum		root_uom_text = (Datum) 0;	/* every forward row's uom */
	int64		first_root = -1;
	bool		citus;

	if (way == TRACE_WAY_BOTH)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("trace_quantities traces \"forward\" or \"backward\", not \"both\"")));

	citus = lottrace_citus_links_distributed();
	if (citus && respect_time)
		lottrace_citus_refuse_time("trace_quantities");

	InitMaterializedSRF(fcinfo, 0);
	rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	cxt = AllocSetContextCreate(CurrentMemoryContext, "lottrace quantities", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);

	memset(&q, 0, sizeof(q));
	q.direction = (way == TRACE_WAY_FORWARD) ? TRACE_FORWARD : TRACE_BACKWARD;
	q.data = AllocSetContextCreate(cxt, "lottrace quantities data", ALLOCSET_DEFAULT_SIZES);
	q.scratch = AllocSetContextCreate(cxt, "lottrace quantities scratch", ALLOCSET_SMALL_SIZES);
	q.roots = roots;
	q.max_depth = max_depth;
	q.reached = lotset_create_in(cxt, 1024);
	q.others = lotset_create_in(cxt, 1024);
	if (q.direction == TRACE_BACKWARD && max_depth >= 0 && !respect_time)
		q.unexpanded = lotset_create_in(cxt, 1024);
	q.respect_time = respect_time;
	q.maxlots = 64;
	q.lots = q_alloc(&q, q.maxlots, sizeof(QLot), false);
	q.maxlinks = 64;
	q.links = q_alloc(&q, q.maxlinks, sizeof(QLink), false);

	if (citus)
	{
		int32		levels;

		/*
		 * On Citus the same reads through SQL (citus.c): the lots level by
		 * level; the inputs of every lot reached (forward, those of the
		 * roots skipped as below; backward, those from lots reached, which
		 * are the links the walk reads and those into its last level); the
		 * rows of the lots.
		 */
		MemoryContextSwitchTo(q.data);
		q.cat = lottrace_uom_catalog_load();
		MemoryContextSwitchTo(cxt);
		lottrace_citus_trace(q.direction, roots, nroots, max_depth, NULL, NULL,
							 collect_time_lot, NULL, &q, &levels);
		map_build(&q, q.nlots / 2);
		q.links_indexed = (q.direction == TRACE_FORWARD);
		q.last_child_index = -1;
		lottrace_citus_read_inputs(q.reached,
								   q.direction == TRACE_FORWARD ? collect_input : collect_last_input, &q);
		lottrace_citus_read_lots(q.reached, collect_lot_row, &q);
		lottrace_citus_read_lots(q.others, collect_lot_row, &q);
		MemoryContextSwitchTo(q.data);
		goto solve;
	}

	/*
	 * Under row-level security the store reads through SPI, whose calls
	 * leave the current context at SPI's, which lottrace_genealogy_close
	 * frees: so back to ours after each.
	 */
	store = lottrace_genealogy_open("trace_quantities", true,
									q.direction == TRACE_FORWARD ? TRACE_WAY_BOTH : TRACE_WAY_BACKWARD);
	lottrace_genealogy_read_units(store);
	if (respect_time)
		lottrace_genealogy_read_times(store);
	lottrace_genealogy_stats_begin(store, nroots);
	lottrace_genealogy_check_lots_exist(store, roots);
	MemoryContextSwitchTo(q.data);
	q.cat = lottrace_uom_catalog_load();
	MemoryContextSwitchTo(cxt);

	if (respect_time)
	{
		MemoryContextSwitchTo(q.data);
		q.containers = lotset_create_in(q.data, 64);
		q.maxcleanings = 64;
		q.clean_lot = palloc(q.maxcleanings * sizeof(int64));
		q.clean_at = palloc(q.maxcleanings * sizeof(TimestampTz));
		lottrace_genealogy_containers(store, collect_container, &q);
		MemoryContextSwitchTo(q.data);
		lottrace_genealogy_cleanings(store, collect_cleaning, &q);
		MemoryContextSwitchTo(q.data);
		if (q.direction == TRACE_FORWARD)
			q.admitted = lotset_create_in(q.data, 1024);

		/*
		 * One level past max_depth: its links are those between the lots of
		 * the trace that a plain trace reads after its walk (the inputs
		 * from lots reached, the links into the last level), followed or
		 * not under the keys the last level left; its lots are not kept.
		 */
		reached = lottrace_trace_time_walk(store, way, roots, nroots,
										   (max_depth >= 0 && max_depth < PG_INT32_MAX) ? max_depth + 1 : max_depth,
										   collect_time_link, collect_time_lot, &q);
		MemoryContextSwitchTo(cxt);
		reached = q.nreached;
		map_build(&q, q.nlots / 4);
		if (q.direction == TRACE_BACKWARD)
		{
			/* the parents of fills beyond the trace: what they filled mixes in */
			for (int64 i = 0; i < q.nlinks; i++)
				if (!lotset_contains(q.reached, q.links[i].parent) &&
					lotset_add(q.others, q.links[i].parent))
					lot_add(&q, q.links[i].parent, -1);
		}
	}
	if (q.direction == TRACE_FORWARD)
	{
		TraceLevelStats *stats;

		/* the lots, index-only; then the inputs of every lot reached */
		if (!respect_time)
		{
			reached = lottrace_trace_walk(store, way, roots, nroots, max_depth, NULL, collect_lots, &q);
			/* the inputs' parents not reached: a few per lot at most */
			map_build(&q, q.nlots / 2);
		}
		MemoryContextSwitchTo(cxt);
		stats = lottrace_genealogy_stats_level(store, TRACE_BACKWARD, -1);
		stats->frontier = q.nreached;
		q.links_indexed = true;
		q.last_child_index = -1;
		/*
		 * Room for the inputs expected (up to a million), not grown and
		 * copied step by step: the pages not written are never touched.
		 */
		reserve_links(&q, (int64) Min(q.nreached * lottrace_genealogy_links_per_lot(store) * 1.25,
									  1024.0 * 1024.0));
		lottrace_genealogy_read_links(store,
									  lottrace_genealogy_choose_method(store, TRACE_BACKWARD, q.nreached, true),
									  TRACE_BACKWARD, q.reached, q.nreached, PG_INT64_MIN, true, NULL,
									  collect_input, &q, stats);
		MemoryContextSwitchTo(cxt);
		lottrace_genealogy_stats_level_done(store, stats);
	}
	else if (!respect_time)
	{
		/* the walk reads the links among the lots, but not into the last level */
		reached = lottrace_trace_walk(store, way, roots, nroots, max_depth, collect_walk_link,
									  collect_lots, &q);
		MemoryContextSwitchTo(cxt);
		map_build(&q, 0);
		if (q.unexpanded && q.nreached > 0 && q.lots[q.nreached - 1].depth == max_depth)
		{
			int64		nlast = 0;
			TraceLevelStats *stats;

			for (int64 i = q.nreached - 1; i >= 0 && q.lots[i].depth == max_depth; i--)
				nlast++;
			stats = lottrace_genealogy_stats_level(store, TRACE_BACKWARD, max_depth);
			stats->frontier = nlast;
			lottrace_genealogy_read_links(store,
										  lottrace_genealogy_choose_method(store, TRACE_BACKWARD, nlast, true),
										  TRACE_BACKWARD, q.unexpanded, nlast, PG_INT64_MIN, true, NULL,
										  collect_last_input, &q, stats);
			MemoryContextSwitchTo(cxt);
			lottrace_genealogy_stats_level_done(store, stats);
		}
	}
	/* the rows of the lots reached and of the inputs' other parents */
	MemoryContextSwitchTo(q.scratch);
	lottrace_genealogy_read_lots(store, q.reached, collect_lot_row, &q);
	MemoryContextSwitchTo(q.scratch);
	lottrace_genealogy_read_lots(store, q.others, collect_lot_row, &q);
	MemoryContextSwitchTo(cxt);
	lottrace_genealogy_stats_end(store, reached);
	lottrace_genealogy_close(store);
	MemoryContextSwitchTo(q.data);
	MemoryContextReset(q.scratch);

solve:
	resolve_links(&q);
	if (nroots > 0)
		first_root = lot_index(&q, lottrace_lotset_first(roots));
	qlotmap_destroy(q.map);
	q.map = NULL;

	if (respect_time)
		fills_build(&q);
	if (q.direction == TRACE_FORWARD)
	{
		links_by(&q, true, &grouped, &group_start);
		shares = forward_shares(&q, grouped, group_start);
		root_factor = q_alloc(&q, q.nlots, sizeof(double), true);
		root_note = q_alloc(&q, q.nlots, sizeof(char *), true);
		if (first_root >= 0)
		{
			root_unit = q.lots[first_root].unit;
			if (q.lots[first_root].uom_text >= 0)
			{
				root_uom = lottrace_uom_text_string(q.cat, q.lots[first_root].uom_text);
				root_uom_text = CStringGetTextDatum(root_uom);
			}
		}
		amounts = forward_amounts(&q, grouped, group_start, root_unit, root_factor, root_note);
	}
	else
	{
		links_by(&q, false, &grouped, &group_start);
		shares = backward_shares(&q, grouped, group_start);
	}

	/* the lots reached come first, by depth and then id: the rows' order */
	for (int64 i = 0; i < q.nreached; i++)
	{
		QLot	   *lot = &q.lots[i];
		Datum		values[6];
		bool		nulls[6] = {false, false, false, false, false, false};
		char	   *share_note = system_note(&q, shares, i);
		char	   *amount_note = NULL;
		double		amount = 0;
		bool		have_amount;

		if ((i & 1023) == 0)
		{
			CHECK_FOR_INTERRUPTS();
			MemoryContextReset(q.scratch);
		}
		MemoryContextSwitchTo(q.scratch);
		if (q.direction == TRACE_FORWARD)
		{
			amount_note = lot->root ? root_note[i] : system_note(&q, amounts, i);
			have_amount = (amount_note == NULL);
			amount = amounts->x[i];
		}
		else if (lot->root)
		{
			have_amount = (lot->qstate == QTY_OK);
			amount = lot->quantity;
		}
		else if (share_note == NULL)
		{
			have_amount = true;
			amount = shares->x[i] * lot->quantity;
		}
		else
			have_amount = backward_amount_without_quantity(&q, shares, grouped, group_start,
														   i, &amount);

		values[0] = Int64GetDatum(lot->id);
		values[1] = Int32GetDatum(lot->depth);
		values[2] = Float8GetDatum(shares->x[i]);
		nulls[2] = (share_note != NULL);
		if (have_amount)
			values[3] = float8_to_numeric(amount);
		nulls[3] = !have_amount;
		if (q.direction == TRACE_FORWARD)
		{
			values[4] = root_uom_text;
			nulls[4] = (root_uom == NULL);
		}
		else if (lot->uom_text >= 0)
			values[4] = CStringGetTextDatum(lottrace_uom_text_string(q.cat, lot->uom_text));
		else
			nulls[4] = true;
		if (share_note && amount_note && strcmp(share_note, amount_note) != 0)
			values[5] = CStringGetTextDatum(psprintf("%s; %s", share_note, amount_note));
		else if (share_note || amount_note)
			values[5] = CStringGetTextDatum(share_note ? share_note : amount_note);
		else
			nulls[5] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		MemoryContextSwitchTo(q.data);
	}

	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return (Datum) 0;
}
