/*
 * fefo_shape.c
 *	  Checking that stock, lots and the allocation indexes have the
 *	  definitions fefo_walk.c assumes.
 *
 * The walk reads columns of stock and lots by name with fixed types, scans
 * an index with scan keys on its leading columns and takes the index order
 * for the policy order; users may redefine what the extension created
 * (drop a column's copy, rebuild an index DESC, with another predicate or
 * other columns), and a walk over such a definition would miss rows or
 * return them in the wrong order.  So every assumption is checked (from the
 * relation, type and system caches, so that the checks cost no catalog
 * scan) by the first call of a backend, and again after anything that
 * could change the verdict (fefo_walk.c keeps it); any problem sends the
 * call to SQL, which stays right whatever the indexes are.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_am.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "nodes/nodeFuncs.h"
#include "nodes/primnodes.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/typcache.h"

#include "fefo.h"

static const char *const fefo_keys[] = {"lot_item", "lot_expires_at", "lot_produced_at", "lot_id", "location"};
static const char *const fifo_keys[] = {"lot_item", "lot_produced_at", "lot_id", "location"};

static const char *
column_problem(Relation rel, const char *column, Oid type)
{
	AttrNumber	attnum = get_attnum(RelationGetRelid(rel), column);
	Oid			actual;

	if (attnum == InvalidAttrNumber)
		return psprintf("Column %s of %s does not exist.", column, RelationGetRelationName(rel));
	actual = TupleDescAttr(RelationGetDescr(rel), attnum - 1)->atttypid;
	if (actual != type)
		return psprintf("Column %s of %s has type %s, not %s.", column, RelationGetRelationName(rel),
						format_type_be(actual), format_type_be(type));
	return NULL;
}

const char *
lottrace_fefo_columns_problem(Relation stock, Relation lots)
{
	AttrNumber	status = get_attnum(RelationGetRelid(lots), "status");
	Oid			status_type;
	const char *problem;

	if (status == InvalidAttrNumber)
		return "Column status of lots does not exist.";
	status_type = TupleDescAttr(RelationGetDescr(lots), status - 1)->atttypid;
	if (!type_is_enum(status_type))
		return "Column status of lots is not an enum.";
	if ((problem = column_problem(lots, "item", TEXTOID)) ||
		(problem = column_problem(lots, "expires_at", DATEOID)) ||
		(problem = column_problem(lots, "produced_at", TIMESTAMPTZOID)) ||
		(problem = column_problem(lots, "code", get_atttype(RelationGetRelid(lots),
															get_attnum(RelationGetRelid(lots), "code")))) ||
		(problem = column_problem(stock, "lot_id", INT8OID)) ||
		(problem = column_problem(stock, "location", TEXTOID)) ||
		(problem = column_problem(stock, "on_hand", NUMERICOID)) ||
		(problem = column_problem(stock, "reserved", NUMERICOID)) ||
		(problem = column_problem(stock, "lot_item", TEXTOID)) ||
		(problem = column_problem(stock, "lot_expires_at", DATEOID)) ||
		(problem = column_problem(stock, "lot_produced_at", TIMESTAMPTZOID)) ||
		(problem = column_problem(stock, "lot_status", status_type)))
		return problem;
	return NULL;
}

static bool
is_column(Node *node, Relation stock, const char *column)
{
	return node && IsA(node, Var) &&
		((Var *) node)->varattno == get_attnum(RelationGetRelid(stock), column);
}

/*
 * Is this clause of an index predicate one of those the walk tolerates:
 * lot_status = 'released' or on_hand > reserved?  An index whose predicate
 * has only such clauses holds every row the walk needs.
 */
static bool
tolerated_clause(Node *clause, Relation stock)
{
	OpExpr	   *op;
	Node	   *left;
	Node	   *right;

	if (!IsA(clause, OpExpr) || list_length(((OpExpr *) clause)->args) != 2)
		return false;
	op = (OpExpr *) clause;
	left = linitial(op->args);
	right = lsecond(op->args);
	if (op->opfuncid == F_ENUM_EQ)
	{
		Node	   *value = is_column(left, stock, "lot_status") ? right :
			is_column(right, stock, "lot_status") ? left : NULL;
		Const	   *c = (Const *) value;

		return value && IsA(value, Const) && !c->constisnull &&
			strcmp(DatumGetCString(DirectFunctionCall1(enum_out, c->constvalue)), "released") == 0;
	}
	if (op->opfuncid == F_NUMERIC_GT)
		return is_column(left, stock, "on_hand") && is_column(right, stock, "reserved");
	if (op->opfuncid == F_NUMERIC_LT)
		return is_column(left, stock, "reserved") && is_column(right, stock, "on_hand");
	return false;
}

const char *
lottrace_fefo_index_problem(Relation stock, Relation index, bool fefo)
{
	Form_pg_index form = index->rd_index;
	const char *const *keys = fefo ? fefo_keys : fifo_keys;
	int			nkeys = fefo ? lengthof(fefo_keys) : lengthof(fifo_keys);
	List	   *predicate;
	ListCell   *lc;

	if (form->indrelid != RelationGetRelid(stock))
		return "It is not an index of lottrace.stock.";
	if (index->rd_rel->relam != BTREE_AM_OID)
		return psprintf("It uses access method %s, not btree.", get_am_name(index->rd_rel->relam));
	if (!heap_attisnull(index->rd_indextuple, Anum_pg_index_indexprs, NULL))
		return "It has expressions among its columns.";
	if (form->indnkeyatts < nkeys)
		return psprintf("It has %d key columns, not %d.", form->indnkeyatts, nkeys);
	for (int i = 0; i < nkeys; i++)
	{
		AttrNumber	attnum = get_attnum(RelationGetRelid(stock), keys[i]);
		Form_pg_attribute att;

		if (attnum == InvalidAttrNumber || form->indkey.values[i] != attnum)
			return psprintf("Its key column %d is not %s.", i + 1, keys[i]);
		att = TupleDescAttr(RelationGetDescr(stock), attnum - 1);

		/*
		 * The policy order is the column's default btree order (the ORDER BY
		 * of SQL), ascending with NULLs last, in the column's collation.
		 */
		if (index->rd_opfamily[i] != lookup_type_cache(att->atttypid, TYPECACHE_BTREE_OPFAMILY)->btree_opf ||
			index->rd_opcintype[i] != att->atttypid)
			return psprintf("Its key column %s does not use the default operator class of its type.",
							keys[i]);
		if (index->rd_indoption[i] != 0)
			return psprintf("Its key column %s is not sorted ASC NULLS LAST.", keys[i]);
		if (index->rd_indcollation[i] != att->attcollation)
			return psprintf("Its key column %s does not use the column's collation.", keys[i]);
	}
	predicate = RelationGetIndexPredicate(index);
	foreach(lc, predicate)
	{
		if (!tolerated_clause(lfirst(lc), stock))
			return "Its predicate (WHERE clause) leaves out rows that can be allocated.";
	}
	return NULL;
}
