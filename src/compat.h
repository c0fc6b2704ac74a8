/*
 * compat.h
 *	  The PostgreSQL versions lottrace builds against, and the few places
 *	  where their internal APIs differ.
 */
#ifndef LOTTRACE_COMPAT_H
#define LOTTRACE_COMPAT_H

#if PG_VERSION_NUM < 130000
#error "lottrace requires PostgreSQL 13 or later"
#endif

/*
 * InitMaterializedSRF: set up a materialize-mode set-returning function
 * (a tuplestore in the per-query context).  15.0 calls it
 * SetSingleFuncCall; before 15 we build it by hand.
 */
#if PG_VERSION_NUM < 150000

#include "funcapi.h"
#include "miscadmin.h"
#include "utils/tuplestore.h"

#define MAT_SRF_USE_EXPECTED_DESC	0x01
#define MAT_SRF_BLESS				0x02

static inline void
InitMaterializedSRF(FunctionCallInfo fcinfo, bits32 flags)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext oldcxt;
	TupleDesc	tupdesc;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		(rsinfo->allowedModes & SFRM_Materialize) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	oldcxt = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	if ((flags & MAT_SRF_USE_EXPECTED_DESC) && rsinfo->expectedDesc != NULL)
		tupdesc = CreateTupleDescCopy(rsinfo->expectedDesc);
	else if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (flags & MAT_SRF_BLESS)
		BlessTupleDesc(tupdesc);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = tuplestore_begin_heap((rsinfo->allowedModes & SFRM_Materialize_Random) != 0,
											  false, work_mem);
	rsinfo->setDesc = tupdesc;
	MemoryContextSwitchTo(oldcxt);
}

#elif PG_VERSION_NUM < 150001
#define InitMaterializedSRF(fcinfo, flags) SetSingleFuncCall(fcinfo, flags)
#endif

/*
 * The varlena macros (VARDATA, VARSIZE_ANY_EXHDR...) moved out of
 * postgres.h into varatt.h in 16.
 */
#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

/*
 * A function that does not return: 18 replaced the pg_attribute_noreturn()
 * attribute with pg_noreturn, a specifier written first, as C11's _Noreturn
 * is.  Older compilers accept the attribute there too.
 */
#ifndef pg_noreturn
#define pg_noreturn pg_attribute_noreturn()
#endif

/*
 * index_beginscan takes where to count the scan's work (EXPLAIN ANALYZE
 * of index scans) from 18; lottrace's scans report their own.
 */
#if PG_VERSION_NUM >= 180000
#define lottrace_index_beginscan(heap, index, snapshot, nkeys, norderbys) \
	index_beginscan(heap, index, snapshot, NULL, nkeys, norderbys)
#else
#define lottrace_index_beginscan(heap, index, snapshot, nkeys, norderbys) \
	index_beginscan(heap, index, snapshot, nkeys, norderbys)
#endif

/*
 * btree pages (genealogy_btree.c, after access/nbtree.h): the level moved
 * out of a union in 14, the opaque-area macro arrived in 15.
 */
#if PG_VERSION_NUM < 140000
#define LOTTRACE_BTPO_LEVEL(opaque) ((opaque)->btpo.level)
#else
#define LOTTRACE_BTPO_LEVEL(opaque) ((opaque)->btpo_level)
#endif
#if PG_VERSION_NUM < 150000
#define BTPageGetOpaque(page) ((BTPageOpaque) PageGetSpecialPointer(page))
#endif

/*
 * qsort_interruptible (a sort that checks for interrupts) arrived in 15;
 * before, sorts of a lot set's scattered words cannot be cancelled.
 */
#if PG_VERSION_NUM < 150000
#define qsort_interruptible(base, nel, elsize, cmp, arg) qsort_arg(base, nel, elsize, cmp, arg)
#endif

/*
 * Reserving the prefix of the extension's settings: 15 makes a new
 * placeholder under a reserved prefix an error; before, the same call only
 * warns about the placeholders that exist when it runs.
 */
#if PG_VERSION_NUM < 150000
#define MarkGUCPrefixReserved(prefix) EmitWarningsOnPlaceholders(prefix)
#endif

/*
 * Where a relation's storage is, as ReadRecentBuffer takes it: a
 * RelFileLocator from 16, a RelFileNode before.
 */
#if PG_VERSION_NUM >= 160000
#define LOTTRACE_REL_LOCATOR(rel) ((rel)->rd_locator)
#else
#define LOTTRACE_REL_LOCATOR(rel) ((rel)->rd_node)
#endif

#endif							/* LOTTRACE_COMPAT_H */
