/*
 * lot.h
 *	  The lottrace.lot type: a lot (batch) code of 1 to 64 GS1 CSET 82
 *	  characters, ordered naturally (digit runs by numeric value).
 *
 * A lot is stored exactly like text (a varlena of its bytes), so that it
 * packs into a short header on disk and converts to text without a copy;
 * only the rules for making one and the ordering differ.
 */
#ifndef LOTTRACE_LOT_H
#define LOTTRACE_LOT_H

#include "fmgr.h"

#include "compat.h"

#define LOT_MAX_LENGTH		64
#define LOT_GS1_MAX_LENGTH	20	/* longest code AI (10) can carry */

#define DatumGetLotPP(X)		((text *) PG_DETOAST_DATUM_PACKED(X))
#define PG_GETARG_LOT_PP(n)		DatumGetLotPP(PG_GETARG_DATUM(n))

/*
 * Build a lot from "len" bytes of input, trimming surrounding white space
 * and validating the rest.  Every way into the type (text input, binary
 * receive, casts) goes through here, so all enforce the same rules.
 */
extern text *lottrace_lot_from_chars(const char *str, int len);

/* Natural comparison of two lot codes, byte order breaking ties. */
extern int	lottrace_lot_compare(const char *a, int alen, const char *b, int blen);

#endif							/* LOTTRACE_LOT_H */
