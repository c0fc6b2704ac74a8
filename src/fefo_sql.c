/*
 * fefo_sql.c
 *	  The allocation walk as SQL, for when fefo_walk.c cannot read the index
 *	  (row-level security on stock or lots, which SQL applies; an index that
 *	  is missing, redefined or not ready yet).
 *
 * It reads lots and stock themselves, not the copies, through lots'
 * allocation indexes (lots_fefo_idx, lots_fifo_idx), one cursor per walk,
 * with the caller's snapshot (read-only SPI), fetching a batch at a time
 * until the quantity is met.  Operators are qualified: the caller's
 * search_path must not change what the query means.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "fefo.h"

#define FEFO_SQL_BATCH 64

#define FEFO_SQL_SELECT \
	"SELECT l.id, l.code, s.location, l.expires_at," \
	"       s.on_hand OPERATOR(pg_catalog.-) s.reserved" \
	"  FROM lottrace.lots l" \
	"  JOIN lottrace.stock s ON s.lot_id OPERATOR(pg_catalog.=) l.id" \
	" WHERE l.item OPERATOR(pg_catalog.=) $1" \
	"   AND l.status OPERATOR(pg_catalog.=) 'released'" \
	"   AND s.on_hand OPERATOR(pg_catalog.>) s.reserved" \
	"   AND ($2 IS NULL OR s.location OPERATOR(pg_catalog.=) $2)"

static const char *const walks[][2] = {
	[FEFO_POLICY_FEFO] = {
		FEFO_SQL_SELECT " AND l.expires_at OPERATOR(pg_catalog.>=) $3"
		" ORDER BY l.expires_at, l.produced_at, l.id, s.location",
		FEFO_SQL_SELECT " AND l.expires_at IS NULL"
		" ORDER BY l.expires_at, l.produced_at, l.id, s.location"
	},
	[FEFO_POLICY_FIFO] = {
		FEFO_SQL_SELECT " AND (l.expires_at OPERATOR(pg_catalog.>=) $3 OR l.expires_at IS NULL)"
		" ORDER BY l.produced_at, l.id, s.location",
		NULL
	},
	[FEFO_POLICY_LIFO] = {
		FEFO_SQL_SELECT " AND (l.expires_at OPERATOR(pg_catalog.>=) $3 OR l.expires_at IS NULL)"
		" ORDER BY l.produced_at DESC, l.id DESC, s.location DESC",
		NULL
	},
};

void
lottrace_fefo_walk_sql(const FefoRequest *request, FefoPick *pick)
{
	MemoryContext cxt = CurrentMemoryContext;
	Oid			argtypes[3] = {TEXTOID, TEXTOID, DATEOID};
	Datum		values[3];
	char		nulls[3] = {' ', request->location ? ' ' : 'n', ' '};
	bool		met = false;

	values[0] = PointerGetDatum(request->item);
	values[1] = PointerGetDatum(request->location);
	values[2] = DateADTGetDatum(request->bound);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	for (int w = 0; w < 2 && !met && walks[request->policy][w]; w++)
	{
		Portal		portal = SPI_cursor_open_with_args(NULL, walks[request->policy][w], 3, argtypes,
													   values, nulls, true, 0);

		while (!met)
		{
			SPI_cursor_fetch(portal, true, FEFO_SQL_BATCH);
			if (SPI_processed == 0)
				break;
			for (uint64 i = 0; i < SPI_processed && !met; i++)
			{
				HeapTuple	row = SPI_tuptable->vals[i];
				TupleDesc	desc = SPI_tuptable->tupdesc;
				bool		isnull;
				bool		expires_null;
				Datum		expires_at = SPI_getbinval(row, desc, 4, &expires_null);
				MemoryContext spi = MemoryContextSwitchTo(cxt);

				met = lottrace_fefo_take(pick,
										 DatumGetInt64(SPI_getbinval(row, desc, 1, &isnull)),
										 SPI_getbinval(row, desc, 2, &isnull),
										 SPI_getbinval(row, desc, 3, &isnull),
										 expires_null, DatumGetDateADT(expires_at),
										 DatumGetNumeric(SPI_getbinval(row, desc, 5, &isnull)));
				MemoryContextSwitchTo(spi);
			}
			SPI_freetuptable(SPI_tuptable);
		}
		SPI_cursor_close(portal);
	}
	SPI_finish();
}
