/*
 * genealogy_shape.c
 *	  Checking that the genealogy store has the definitions the direct
 *	  readers assume.
 *
 * The readers of genealogy.c and genealogy_btree.c take the columns of
 * links and of the genealogy indexes as NOT NULL int8 read at fixed places,
 * compare keys inline as ascending int8, and probe lots' primary key with
 * int8 keys.  Users may redefine what the extension created (rebuild an
 * index DESC or partial, alter a column's type), and a reader that met such
 * a definition would return a wrong answer or crash: so every assumption is
 * checked here, each time the store is opened (from the relation cache,
 * which every ALTER, REINDEX, DROP and CREATE invalidates; nothing of this
 * is kept between calls).  genealogy.c decides what a problem means: an
 * error for columns and index definitions, SQL for an index that is not
 * ready yet or a primary key that cannot be probed with int8 keys; and
 * genealogy_info() reports the same findings.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/transam.h"
#include "access/xact.h"
#include "catalog/pg_am.h"
#include "catalog/pg_index.h"
#include "catalog/pg_opfamily.h"
#include "catalog/pg_opclass.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "genealogy.h"

static const char *const near_columns[2] = {"parent_id", "child_id"};

/* the type lottrace.link_kind: in the schema of links */
static Oid
link_kind_type(Relation links)
{
	return GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum("link_kind"),
						   ObjectIdGetDatum(RelationGetNamespace(links)));
}

const char *
lottrace_genealogy_links_column_problem(Relation links, const char *column)
{
	AttrNumber	attnum = get_attnum(RelationGetRelid(links), column);
	Form_pg_attribute att;
	Oid			expected;

	if (attnum == InvalidAttrNumber)
		return psprintf("Column %s does not exist.", column);
	att = TupleDescAttr(RelationGetDescr(links), attnum - 1);
	if (strcmp(column, "quantity") == 0)
		expected = NUMERICOID;
	else if (strcmp(column, "kind") == 0)
		expected = link_kind_type(links);
	else if (strcmp(column, "uom") == 0)
		expected = TEXTOID;
	else if (strcmp(column, "linked_at") == 0)
		expected = TIMESTAMPTZOID;
	else
		expected = INT8OID;
	if (att->atttypid != expected)
		return psprintf("Column %s has type %s, not %s.", column,
						format_type_be(att->atttypid),
						OidIsValid(expected) ? format_type_be(expected) : "lottrace.link_kind");
	/* a NULL end would be read as lot 0, a NULL time as a time */
	if ((expected == INT8OID || expected == TIMESTAMPTZOID) && !att->attnotnull)
		return psprintf("Column %s is not NOT NULL.", column);
	return NULL;
}

/* the name of the operator class of the index's first column, for messages */
static char *
opclass_name(Relation index)
{
	bool		isnull;
	Datum		indclass = SysCacheGetAttr(INDEXRELID, index->rd_indextuple,
										   Anum_pg_index_indclass, &isnull);
	Oid			opclass = ((oidvector *) DatumGetPointer(indclass))->values[0];
	HeapTuple	tuple = SearchSysCache1(CLAOID, ObjectIdGetDatum(opclass));
	char	   *name;

	if (!HeapTupleIsValid(tuple))
		return psprintf("%u", opclass);
	name = pstrdup(NameStr(((Form_pg_opclass) GETSTRUCT(tuple))->opcname));
	ReleaseSysCache(tuple);
	return name;
}

const char *
lottrace_genealogy_index_problem(Relation links, Relation index, TraceDirection direction,
								 AttrNumber *far_col, AttrNumber *id_col)
{
	Form_pg_index form = index->rd_index;
	AttrNumber	near = get_attnum(RelationGetRelid(links), near_columns[direction]);
	AttrNumber	far = get_attnum(RelationGetRelid(links), near_columns[1 - direction]);
	AttrNumber	id = get_attnum(RelationGetRelid(links), "id");

	*far_col = InvalidAttrNumber;
	*id_col = InvalidAttrNumber;
	if (form->indrelid != RelationGetRelid(links))
		return "It is not an index of lottrace.links.";
	if (index->rd_rel->relam != BTREE_AM_OID)
		return psprintf("It uses access method %s, not btree.",
						get_am_name(index->rd_rel->relam));
	if (!heap_attisnull(index->rd_indextuple, Anum_pg_index_indexprs, NULL))
		return "It has expressions among its columns.";
	if (!heap_attisnull(index->rd_indextuple, Anum_pg_index_indpred, NULL))
		return "It is a partial index (it has a WHERE clause).";
	if (form->indnkeyatts != 1)
		return psprintf("It has %d key columns, not one.", form->indnkeyatts);
	if (form->indkey.values[0] != near)
		return psprintf("Its key column is %s, not %s.",
						get_attname(RelationGetRelid(links), form->indkey.values[0], false),
						near_columns[direction]);
	if (TupleDescAttr(RelationGetDescr(index), 0)->atttypid != INT8OID)
		return psprintf("Its key is stored as %s, not bigint.",
						format_type_be(TupleDescAttr(RelationGetDescr(index), 0)->atttypid));

	/*
	 * The reader compares keys as int8 in ascending order: the operator
	 * class must order them so (int8_ops, or another of integer_ops for
	 * int8, which shares its operators), and the key must be ASC NULLS LAST.
	 */
	if (index->rd_opfamily[0] != INTEGER_BTREE_FAM_OID || index->rd_opcintype[0] != INT8OID)
		return psprintf("Its key column uses operator class %s, not int8_ops.",
						opclass_name(index));
	if (index->rd_indoption[0] & INDOPTION_DESC)
		return "Its key column is sorted DESC.";
	if (index->rd_indoption[0] & INDOPTION_NULLS_FIRST)
		return "Its key column is sorted NULLS FIRST.";

	for (int i = form->indnkeyatts; i < form->indnatts; i++)
	{
		if (form->indkey.values[i] == far && *far_col == InvalidAttrNumber)
			*far_col = i + 1;
		else if (form->indkey.values[i] == id && *id_col == InvalidAttrNumber)
			*id_col = i + 1;
	}
	if (*far_col == InvalidAttrNumber)
		return psprintf("Column %s is not among its INCLUDE columns.", near_columns[1 - direction]);
	if (*id_col == InvalidAttrNumber)
		return "Column id is not among its INCLUDE columns.";
	return NULL;
}

AttrNumber
lottrace_genealogy_index_include_col(Relation links, Relation index, const char *column)
{
	Form_pg_index form = index->rd_index;
	AttrNumber	attnum = get_attnum(RelationGetRelid(links), column);

	for (int i = form->indnkeyatts; i < form->indnatts; i++)
		if (attnum != InvalidAttrNumber && form->indkey.values[i] == attnum)
			return i + 1;
	return InvalidAttrNumber;
}

const char *
lottrace_genealogy_index_unready(Relation index)
{
	Form_pg_index form = index->rd_index;

	if (!form->indisvalid || !form->indisready || !form->indislive)
		return "is not valid";

	/*
	 * Built over broken HOT chains: only transactions whose snapshots are
	 * newer than the build may use it (as the planner decides).
	 */
	if (form->indcheckxmin &&
		!TransactionIdPrecedes(HeapTupleHeaderGetXmin(index->rd_indextuple->t_data),
							   TransactionXmin))
		return "is newer than the snapshot";
	return NULL;
}

/* what keeps an index of lots from being probed with int8 keys of id, or NULL */
static const char *
lots_id_key_problem(Relation lots, Relation index, const char *what)
{
	Form_pg_index form = index->rd_index;

	if (index->rd_rel->relam != BTREE_AM_OID)
		return psprintf("%s is not a btree", what);
	if (form->indnkeyatts != 1 ||
		form->indkey.values[0] != get_attnum(RelationGetRelid(lots), "id"))
		return psprintf("%s is not (id)", what);
	if (TupleDescAttr(RelationGetDescr(index), 0)->atttypid != INT8OID ||
		index->rd_opfamily[0] != INTEGER_BTREE_FAM_OID || index->rd_opcintype[0] != INT8OID ||
		index->rd_indoption[0] != 0)
		return psprintf("lottrace.lots.id is %s, not bigint",
						format_type_be(TupleDescAttr(RelationGetDescr(index), 0)->atttypid));
	return NULL;
}

const char *
lottrace_genealogy_lots_pkey_problem(Relation lots, Relation pkey)
{
	const char *problem;

	if (pkey == NULL)
		return "lottrace.lots has no primary key";
	if ((problem = lots_id_key_problem(lots, pkey, "the primary key of lottrace.lots")) != NULL)
		return problem;
	if ((problem = lottrace_genealogy_index_unready(pkey)) != NULL)
		return psprintf("the primary key of lottrace.lots %s", problem);
	return NULL;
}

const char *
lottrace_genealogy_lots_cover_problem(Relation lots, Relation index, AttrNumber *item_col,
									  AttrNumber *quantity_col, AttrNumber *uom_col)
{
	const char *problem;

	if (index->rd_index->indrelid != RelationGetRelid(lots))
		return "it is not an index of lottrace.lots";
	if (!heap_attisnull(index->rd_indextuple, Anum_pg_index_indexprs, NULL) ||
		!heap_attisnull(index->rd_indextuple, Anum_pg_index_indpred, NULL))
		return "it has expressions or a WHERE clause";
	if ((problem = lots_id_key_problem(lots, index, "lots_quantities_idx")) != NULL)
		return problem;
	*item_col = lottrace_genealogy_index_include_col(lots, index, "item");
	*quantity_col = lottrace_genealogy_index_include_col(lots, index, "quantity");
	*uom_col = lottrace_genealogy_index_include_col(lots, index, "uom");
	if (*item_col == InvalidAttrNumber || *quantity_col == InvalidAttrNumber ||
		*uom_col == InvalidAttrNumber)
		return "it does not include item, quantity and uom";
	return NULL;
}
