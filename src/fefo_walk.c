/*
 * fefo_walk.c
 *	  The allocation walk read from C: stock_fefo_idx or stock_fifo_idx, in
 *	  policy order, with the caller's snapshot, until the quantity is met.
 *
 * The indexes hold only stock that can be allocated (lot released, on hand
 * above reserved), keyed by the lot's sort keys copied into stock; so the
 * walk reads the rows it returns, plus, for fifo and lifo, the rows of lots
 * too close to expiry.  fefo walks twice: the lots that expire on or after
 * the bound, then those that never do (NULL sorts last).
 *
 * Each row met is checked again against its heap tuple and its lot (read
 * through lots' primary key, which also gives the code): the index AM
 * returns the version the snapshot sees, and a copy that disagrees with
 * its lot (which the triggers do not let happen) sends the whole call to
 * SQL rather than giving an answer in the wrong order.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "catalog/pg_enum.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "rewrite/rowsecurity.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "compat.h"
#include "fefo.h"
#include "genealogy.h"

typedef struct FefoWalk
{
	const FefoRequest *request;
	Relation	stock;
	Relation	lots;
	Relation	index;
	Relation	lots_pkey;
	TupleTableSlot *stock_slot;
	TupleTableSlot *lots_slot;
	IndexScanDesc pkey_scan;
	Snapshot	snapshot;
	Oid			released;		/* the enum value lot_status 'released' */
	/* stock */
	AttrNumber	s_lot_id,
				s_location,
				s_on_hand,
				s_reserved,
				s_item,
				s_expires_at,
				s_produced_at,
				s_status;
	/* lots */
	AttrNumber	l_code,
				l_item,
				l_expires_at,
				l_produced_at,
				l_status;
	bool		disagrees;		/* a copy in stock differs from its lot */
} FefoWalk;

static bool
datums_equal(Datum a, bool a_null, Datum b, bool b_null, Form_pg_attribute att)
{
	if (a_null || b_null)
		return a_null && b_null;
	return datum_image_eq(a, b, att->attbyval, att->attlen);
}

/*
 * The lot of a stock row, through lots' primary key; false when the copies
 * of its keys in the stock row disagree with it (walk->disagrees is set).
 * Also false, without disagreement, when the snapshot sees no such lot
 * (a foreign key makes that impossible unless it was dropped).
 */
static bool
fetch_lot(FefoWalk *walk, int64 lot_id)
{
	ScanKeyData key;
	TupleTableSlot *s = walk->stock_slot;
	TupleTableSlot *l = walk->lots_slot;
	TupleDesc	desc = RelationGetDescr(walk->lots);
	bool		found;

	if (walk->pkey_scan == NULL)
		walk->pkey_scan = lottrace_index_beginscan(walk->lots, walk->lots_pkey, walk->snapshot, 1, 0);
	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(lot_id));
	index_rescan(walk->pkey_scan, &key, 1, NULL, 0);
	found = index_getnext_slot(walk->pkey_scan, ForwardScanDirection, l);
	if (!found)
		return false;
	slot_getallattrs(l);
	slot_getallattrs(s);
#define SAME(sa, la) datums_equal(s->tts_values[(sa) - 1], s->tts_isnull[(sa) - 1], \
								  l->tts_values[(la) - 1], l->tts_isnull[(la) - 1], \
								  TupleDescAttr(desc, (la) - 1))
	if (!SAME(walk->s_item, walk->l_item) || !SAME(walk->s_expires_at, walk->l_expires_at) ||
		!SAME(walk->s_produced_at, walk->l_produced_at) || !SAME(walk->s_status, walk->l_status))
	{
		walk->disagrees = true;
		return false;
	}
#undef SAME
	return true;
}

/*
 * One scan of the index; true when the quantity is met or a copy
 * disagrees (walk->disagrees).
 */
static bool
walk_scan(FefoWalk *walk, FefoPick *pick, bool never_expiring)
{
	const FefoRequest *request = walk->request;
	bool		fefo = request->policy == FEFO_POLICY_FEFO;
	Oid			item_collation = walk->index->rd_indcollation[0];
	Oid			location_collation = walk->index->rd_indcollation[fefo ? 4 : 3];
	ScanKeyData keys[3];
	int			nkeys = 0;
	IndexScanDesc scan;
	TupleTableSlot *s = walk->stock_slot;
	bool		met = false;

	ScanKeyEntryInitialize(&keys[nkeys++], 0, 1, BTEqualStrategyNumber, InvalidOid,
						   item_collation, F_TEXTEQ, PointerGetDatum(request->item));
	if (fefo && never_expiring)
		ScanKeyEntryInitialize(&keys[nkeys++], SK_ISNULL | SK_SEARCHNULL, 2, InvalidStrategy,
							   InvalidOid, InvalidOid, InvalidOid, (Datum) 0);
	else if (fefo)
		ScanKeyEntryInitialize(&keys[nkeys++], 0, 2, BTGreaterEqualStrategyNumber, InvalidOid,
							   InvalidOid, F_DATE_GE, DateADTGetDatum(request->bound));
	/* checked in the index tuples: other locations cost no heap access */
	if (request->location)
		ScanKeyEntryInitialize(&keys[nkeys++], 0, fefo ? 5 : 4, BTEqualStrategyNumber, InvalidOid,
							   location_collation, F_TEXTEQ, PointerGetDatum(request->location));

	scan = lottrace_index_beginscan(walk->stock, walk->index, walk->snapshot, nkeys, 0);
	index_rescan(scan, keys, nkeys, NULL, 0);
	while (!met && index_getnext_slot(scan, request->policy == FEFO_POLICY_LIFO ?
									  BackwardScanDirection : ForwardScanDirection, s))
	{
		bool		isnull;
		Datum		on_hand,
					reserved,
					expires_at,
					location;
		bool		expires_null;
		Numeric		available;
		int64		lot_id;
		Datum		item;

		CHECK_FOR_INTERRUPTS();

		/* the row as the snapshot sees it must still be eligible */
		item = slot_getattr(s, walk->s_item, &isnull);

		if (isnull || !DatumGetBool(DirectFunctionCall2Coll(texteq, item_collation, item,
															 PointerGetDatum(request->item))))
			continue;
		if (DatumGetObjectId(slot_getattr(s, walk->s_status, &isnull)) != walk->released || isnull)
			continue;
		on_hand = slot_getattr(s, walk->s_on_hand, &isnull);
		reserved = slot_getattr(s, walk->s_reserved, &isnull);
		if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, on_hand, reserved)) <= 0)
			continue;
		expires_at = slot_getattr(s, walk->s_expires_at, &expires_null);
		if (!expires_null && DatumGetDateADT(expires_at) < request->bound)
			continue;
		location = slot_getattr(s, walk->s_location, &isnull);
		if (request->location &&
			!DatumGetBool(DirectFunctionCall2Coll(texteq, location_collation, location,
												  PointerGetDatum(request->location))))
			continue;
		lot_id = DatumGetInt64(slot_getattr(s, walk->s_lot_id, &isnull));

		if (!fetch_lot(walk, lot_id))
		{
			if (walk->disagrees)
				break;
			continue;
		}
		available = DatumGetNumeric(DirectFunctionCall2(numeric_sub, on_hand, reserved));
		met = lottrace_fefo_take(pick, lot_id, slot_getattr(walk->lots_slot, walk->l_code, &isnull),
								 location, expires_null, DatumGetDateADT(expires_at), available);
	}
	index_endscan(scan);
	return met || walk->disagrees;
}

/* the enum value 'released' of lots.status's type */
static Oid
released_value(Relation lots, AttrNumber status)
{
	Oid			type = TupleDescAttr(RelationGetDescr(lots), status - 1)->atttypid;

	return GetSysCacheOid2(ENUMTYPOIDNAME, Anum_pg_enum_oid, ObjectIdGetDatum(type),
						   CStringGetDatum("released"));
}

bool
lottrace_fefo_walk_index(const FefoRequest *request, FefoPick *pick, const char **why_not)
{
	static const char *const stock_columns[] = {"lot_id", "location", "on_hand", "reserved"};
	static const char *const lots_columns[] = {"id", "item", "code", "produced_at", "expires_at", "status"};
	const char *index_name = request->policy == FEFO_POLICY_FEFO ? "stock_fefo_idx" : "stock_fifo_idx";
	FefoWalk	walk = {0};
	Oid			stock_oid;
	Oid			lots_oid;
	Oid			index_oid;
	const char *problem;
	bool		done = false;

	walk.request = request;
	stock_oid = RangeVarGetRelid(makeRangeVar("lottrace", "stock", -1), AccessShareLock, false);
	lots_oid = RangeVarGetRelid(makeRangeVar("lottrace", "lots", -1), AccessShareLock, false);
	walk.stock = table_open(stock_oid, NoLock);
	walk.lots = table_open(lots_oid, NoLock);
	lottrace_check_select(walk.stock, stock_columns, lengthof(stock_columns));
	lottrace_check_select(walk.lots, lots_columns, lengthof(lots_columns));

	if (check_enable_rls(stock_oid, InvalidOid, false) == RLS_ENABLED)
		problem = "row-level security on stock";
	else if (check_enable_rls(lots_oid, InvalidOid, false) == RLS_ENABLED)
		problem = "row-level security on lots";
	else
		problem = lottrace_fefo_columns_problem(walk.stock, walk.lots);
	if (problem == NULL)
	{
		index_oid = get_relname_relid(index_name, RelationGetNamespace(walk.stock));
		if (!OidIsValid(index_oid))
			problem = psprintf("index lottrace.%s does not exist", index_name);
		else
		{
			walk.index = index_open(index_oid, AccessShareLock);
			problem = lottrace_fefo_index_problem(walk.stock, walk.index,
												  request->policy == FEFO_POLICY_FEFO);
			if (problem == NULL && (problem = lottrace_genealogy_index_unready(walk.index)) != NULL)
				problem = psprintf("index lottrace.%s %s", index_name, problem);
		}
	}
	if (problem == NULL)
	{
		RelationGetIndexList(walk.lots);
		if (OidIsValid(walk.lots->rd_pkindex))
			walk.lots_pkey = index_open(walk.lots->rd_pkindex, AccessShareLock);
		problem = lottrace_genealogy_lots_pkey_problem(walk.lots, walk.lots_pkey);
	}

	if (problem == NULL)
	{
		walk.s_lot_id = get_attnum(stock_oid, "lot_id");
		walk.s_location = get_attnum(stock_oid, "location");
		walk.s_on_hand = get_attnum(stock_oid, "on_hand");
		walk.s_reserved = get_attnum(stock_oid, "reserved");
		walk.s_item = get_attnum(stock_oid, "lot_item");
		walk.s_expires_at = get_attnum(stock_oid, "lot_expires_at");
		walk.s_produced_at = get_attnum(stock_oid, "lot_produced_at");
		walk.s_status = get_attnum(stock_oid, "lot_status");
		walk.l_code = get_attnum(lots_oid, "code");
		walk.l_item = get_attnum(lots_oid, "item");
		walk.l_expires_at = get_attnum(lots_oid, "expires_at");
		walk.l_produced_at = get_attnum(lots_oid, "produced_at");
		walk.l_status = get_attnum(lots_oid, "status");
		walk.released = released_value(walk.lots, walk.l_status);
		walk.snapshot = RegisterSnapshot(GetActiveSnapshot());
		walk.stock_slot = table_slot_create(walk.stock, NULL);
		walk.lots_slot = table_slot_create(walk.lots, NULL);

		done = walk_scan(&walk, pick, false);
		if (!done && request->policy == FEFO_POLICY_FEFO)
			walk_scan(&walk, pick, true);
		if (walk.disagrees)
		{
			problem = "a stock row's copy of its lot's keys differs from the lot";
			list_free_deep(pick->lines);
			pick->lines = NIL;
			pick->remaining = request->quantity;
		}

		if (walk.pkey_scan)
			index_endscan(walk.pkey_scan);
		ExecDropSingleTupleTableSlot(walk.stock_slot);
		ExecDropSingleTupleTableSlot(walk.lots_slot);
		UnregisterSnapshot(walk.snapshot);
	}

	if (walk.lots_pkey)
		index_close(walk.lots_pkey, NoLock);
	if (walk.index)
		index_close(walk.index, NoLock);
	table_close(walk.stock, NoLock);
	table_close(walk.lots, NoLock);
	*why_not = problem;
	return problem == NULL;
}
