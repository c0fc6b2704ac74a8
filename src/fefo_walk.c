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
#include "storage/lmgr.h"
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
#include "kept.h"

/*
 * Where the walk reads: the relations, the attribute numbers of the columns
 * it reads, and the enum value lot_status 'released'.
 */
typedef struct FefoStore
{
	Oid			stock;
	Oid			lots;
	Oid			index;
	Oid			lots_pkey;
	Oid			released;
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
				l_status,
				l_last;			/* the highest of the five */
} FefoStore;

/*
 * The store as the first call of a backend found it (by name) and checked
 * it (fefo_shape.c), kept per allocation index (kept.h): finding and
 * checking it costs some sixty catalog-cache probes and a copy of the index
 * predicate, which every call paid before its walk began.  Only a store
 * that passed the checks is kept; it is forgotten on any change to stock,
 * lots, the index or lots' primary key, and on the changes kept.h lists
 * ('released' renamed, another default operator class...).
 * Privileges, row-level security and whether the indexes may be used with
 * this transaction's snapshot depend on the caller: checked on every call.
 */
typedef struct KeptStore
{
	KeptRelations rels;			/* stock, lots, index, lots_pkey */
	FefoStore	store;
} KeptStore;

static KeptStore kept_stores[2];	/* stock_fefo_idx, stock_fifo_idx */

typedef struct FefoWalk
{
	const FefoRequest *request;
	FefoStore	store;
	Relation	stock;
	Relation	lots;
	Relation	index;
	Relation	lots_pkey;
	TupleTableSlot *stock_slot;
	TupleTableSlot *lots_slot;
	IndexScanDesc pkey_scan;
	Snapshot	snapshot;
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
	/* not the columns after those read: a user's additions to lots */
	slot_getsomeattrs(l, walk->store.l_last);
	slot_getallattrs(s);
#define SAME(sa, la) datums_equal(s->tts_values[(sa) - 1], s->tts_isnull[(sa) - 1], \
								  l->tts_values[(la) - 1], l->tts_isnull[(la) - 1], \
								  TupleDescAttr(desc, (la) - 1))
	if (!SAME(walk->store.s_item, walk->store.l_item) ||
		!SAME(walk->store.s_expires_at, walk->store.l_expires_at) ||
		!SAME(walk->store.s_produced_at, walk->store.l_produced_at) ||
		!SAME(walk->store.s_status, walk->store.l_status))
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
		item = slot_getattr(s, walk->store.s_item, &isnull);

		if (isnull || !DatumGetBool(DirectFunctionCall2Coll(texteq, item_collation, item,
															 PointerGetDatum(request->item))))
			continue;
		if (DatumGetObjectId(slot_getattr(s, walk->store.s_status, &isnull)) != walk->store.released || isnull)
			continue;
		on_hand = slot_getattr(s, walk->store.s_on_hand, &isnull);
		reserved = slot_getattr(s, walk->store.s_reserved, &isnull);
		if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, on_hand, reserved)) <= 0)
			continue;
		expires_at = slot_getattr(s, walk->store.s_expires_at, &expires_null);
		if (!expires_null && DatumGetDateADT(expires_at) < request->bound)
			continue;
		location = slot_getattr(s, walk->store.s_location, &isnull);
		if (request->location &&
			!DatumGetBool(DirectFunctionCall2Coll(texteq, location_collation, location,
												  PointerGetDatum(request->location))))
			continue;
		lot_id = DatumGetInt64(slot_getattr(s, walk->store.s_lot_id, &isnull));

		if (!fetch_lot(walk, lot_id))
		{
			if (walk->disagrees)
				break;
			continue;
		}
		available = DatumGetNumeric(DirectFunctionCall2(numeric_sub, on_hand, reserved));
		met = lottrace_fefo_take(pick, lot_id, slot_getattr(walk->lots_slot, walk->store.l_code, &isnull),
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

/*
 * Finds the store by name and checks it, with walk->stock and walk->lots
 * open; opens walk->index and walk->lots_pkey, as far as they exist.  What
 * keeps the walk from reading it (a sentence), or NULL, with walk->store
 * filled and kept.
 */
static const char *
find_store(FefoWalk *walk, bool fefo)
{
	const char *index_name = fefo ? "stock_fefo_idx" : "stock_fifo_idx";
	FefoStore  *store = &walk->store;
	Oid			index_oid;
	const char *problem;

	if ((problem = lottrace_fefo_columns_problem(walk->stock, walk->lots)) != NULL)
		return problem;
	index_oid = get_relname_relid(index_name, RelationGetNamespace(walk->stock));
	if (!OidIsValid(index_oid))
		return psprintf("index lottrace.%s does not exist", index_name);
	walk->index = index_open(index_oid, AccessShareLock);
	if ((problem = lottrace_fefo_index_problem(walk->stock, walk->index, fefo)) != NULL)
		return problem;
	RelationGetIndexList(walk->lots);
	if (OidIsValid(walk->lots->rd_pkindex))
		walk->lots_pkey = index_open(walk->lots->rd_pkindex, AccessShareLock);
	if ((problem = lottrace_genealogy_lots_pkey_problem(walk->lots, walk->lots_pkey)) != NULL)
		return problem;

	store->stock = RelationGetRelid(walk->stock);
	store->lots = RelationGetRelid(walk->lots);
	store->index = index_oid;
	store->lots_pkey = RelationGetRelid(walk->lots_pkey);
	store->s_lot_id = get_attnum(store->stock, "lot_id");
	store->s_location = get_attnum(store->stock, "location");
	store->s_on_hand = get_attnum(store->stock, "on_hand");
	store->s_reserved = get_attnum(store->stock, "reserved");
	store->s_item = get_attnum(store->stock, "lot_item");
	store->s_expires_at = get_attnum(store->stock, "lot_expires_at");
	store->s_produced_at = get_attnum(store->stock, "lot_produced_at");
	store->s_status = get_attnum(store->stock, "lot_status");
	store->l_code = get_attnum(store->lots, "code");
	store->l_item = get_attnum(store->lots, "item");
	store->l_expires_at = get_attnum(store->lots, "expires_at");
	store->l_produced_at = get_attnum(store->lots, "produced_at");
	store->l_status = get_attnum(store->lots, "status");
	store->l_last = Max(Max(Max(store->l_code, store->l_item), Max(store->l_expires_at, store->l_produced_at)),
						store->l_status);
	store->released = released_value(walk->lots, store->l_status);

	kept_stores[fefo ? 0 : 1].store = *store;
	kept_stores[fefo ? 0 : 1].rels.relids[0] = store->stock;
	kept_stores[fefo ? 0 : 1].rels.relids[1] = store->lots;
	kept_stores[fefo ? 0 : 1].rels.relids[2] = store->index;
	kept_stores[fefo ? 0 : 1].rels.relids[3] = store->lots_pkey;
	lottrace_kept_track(&kept_stores[fefo ? 0 : 1].rels);
	return NULL;
}

bool
lottrace_fefo_walk_index(const FefoRequest *request, FefoPick *pick, const char **why_not)
{
	static const char *const stock_columns[] = {"lot_id", "location", "on_hand", "reserved"};
	static const char *const lots_columns[] = {"id", "item", "code", "produced_at", "expires_at", "status"};
	bool		fefo = request->policy == FEFO_POLICY_FEFO;
	KeptStore  *kept = &kept_stores[fefo ? 0 : 1];
	bool		known = false;
	FefoWalk	walk = {0};
	const char *problem;
	bool		done = false;

	walk.request = request;
	if (kept->rels.valid)
	{
		/* in the order a call without a kept store locks them */
		LockRelationOid(kept->store.stock, AccessShareLock);
		LockRelationOid(kept->store.lots, AccessShareLock);
		LockRelationOid(kept->store.index, AccessShareLock);
		LockRelationOid(kept->store.lots_pkey, AccessShareLock);
		known = kept->rels.valid;
	}
	if (known)
	{
		walk.store = kept->store;
		walk.stock = table_open(walk.store.stock, NoLock);
		walk.lots = table_open(walk.store.lots, NoLock);
	}
	else
	{
		walk.stock = table_open(RangeVarGetRelid(makeRangeVar("lottrace", "stock", -1),
												 AccessShareLock, false), NoLock);
		walk.lots = table_open(RangeVarGetRelid(makeRangeVar("lottrace", "lots", -1),
												AccessShareLock, false), NoLock);
	}
	lottrace_check_select(walk.stock, stock_columns, lengthof(stock_columns));
	lottrace_check_select(walk.lots, lots_columns, lengthof(lots_columns));

	if (check_enable_rls(RelationGetRelid(walk.stock), InvalidOid, false) == RLS_ENABLED)
		problem = "row-level security on stock";
	else if (check_enable_rls(RelationGetRelid(walk.lots), InvalidOid, false) == RLS_ENABLED)
		problem = "row-level security on lots";
	else if (known)
	{
		walk.index = index_open(walk.store.index, NoLock);
		walk.lots_pkey = index_open(walk.store.lots_pkey, NoLock);
		problem = NULL;
	}
	else
		problem = find_store(&walk, fefo);
	/* the kept checks do not cover these: they depend on the snapshot */
	if (problem == NULL && (problem = lottrace_genealogy_index_unready(walk.index)) != NULL)
		problem = psprintf("index lottrace.%s %s", RelationGetRelationName(walk.index), problem);
	if (problem == NULL && (problem = lottrace_genealogy_index_unready(walk.lots_pkey)) != NULL)
		problem = psprintf("the primary key of lottrace.lots %s", problem);

	if (problem == NULL)
	{
		walk.snapshot = RegisterSnapshot(GetActiveSnapshot());
		walk.stock_slot = table_slot_create(walk.stock, NULL);
		walk.lots_slot = table_slot_create(walk.lots, NULL);

		done = walk_scan(&walk, pick, false);
		if (!done && fefo)
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
