/*
 * lot_compare.c
 *	  Natural ordering, equality and hashing of lottrace.lot.
 *
 * Lot codes are compared token by token, a token being a run of digits or a
 * single other character: digit runs compare by numeric value (so L9 < L10),
 * other characters by byte.  Codes equal under that rule (L09, L9) are then
 * ordered by their bytes, so that equality stays byte equality: that keeps
 * hashing trivial, lets btree deduplicate (equalimage), and means no two
 * distinct labels are ever "the same lot".
 *
 * Digit runs are compared without converting them, so codes of any length
 * compare exactly.  Since a digit run and any other character never tie, the
 * token order is total and the resulting order is a valid btree ordering.
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "fmgr.h"
#include "utils/sortsupport.h"

#include "charset.h"
#include "lot.h"

PG_FUNCTION_INFO_V1(lot_cmp);
PG_FUNCTION_INFO_V1(lot_eq);
PG_FUNCTION_INFO_V1(lot_ne);
PG_FUNCTION_INFO_V1(lot_lt);
PG_FUNCTION_INFO_V1(lot_le);
PG_FUNCTION_INFO_V1(lot_gt);
PG_FUNCTION_INFO_V1(lot_ge);
PG_FUNCTION_INFO_V1(lot_sortsupport);
PG_FUNCTION_INFO_V1(lot_hash);
PG_FUNCTION_INFO_V1(lot_hash_extended);

int
lot_compare(const char *a, int alen, const char *b, int blen)
{
	const unsigned char *ua = (const unsigned char *) a;
	const unsigned char *ub = (const unsigned char *) b;
	int			minlen = Min(alen, blen);
	int			diff = 0;
	int			i;
	int			j;

	/*
	 * Codes from one plant share long prefixes.  Skip the common bytes, then
	 * step back to the start of the digit run we may be inside of: up to
	 * there both codes have the same tokens.
	 */
	while (diff < minlen && ua[diff] == ub[diff])
		diff++;
	if (diff == alen && diff == blen)
		return 0;
	i = diff;
	while (i > 0 && is_ascii_digit(ua[i - 1]))
		i--;
	j = i;

	while (i < alen && j < blen)
	{
		if (is_ascii_digit(ua[i]) && is_ascii_digit(ub[j]))
		{
			int			a_start,
						b_start,
						a_end,
						b_end;
			int			cmp;

			/* leading zeros do not change the value */
			for (a_start = i; a_start < alen && ua[a_start] == '0'; a_start++);
			for (b_start = j; b_start < blen && ub[b_start] == '0'; b_start++);
			for (a_end = a_start; a_end < alen && is_ascii_digit(ua[a_end]); a_end++);
			for (b_end = b_start; b_end < blen && is_ascii_digit(ub[b_end]); b_end++);

			/* more significant digits, larger number */
			if (a_end - a_start != b_end - b_start)
				return (a_end - a_start) < (b_end - b_start) ? -1 : 1;
			cmp = memcmp(ua + a_start, ub + b_start, a_end - a_start);
			if (cmp != 0)
				return cmp < 0 ? -1 : 1;
			i = a_end;
			j = b_end;
		}
		else
		{
			if (ua[i] != ub[j])
				return ua[i] < ub[j] ? -1 : 1;
			i++;
			j++;
		}
	}
	if (i < alen)
		return 1;
	if (j < blen)
		return -1;

	/* Naturally equal (L09 and L9): the first differing byte decides. */
	if (diff < minlen)
		return ua[diff] < ub[diff] ? -1 : 1;
	return alen < blen ? -1 : 1;
}

static inline int
lot_compare_datums(Datum x, Datum y)
{
	text	   *a = DatumGetLotPP(x);
	text	   *b = DatumGetLotPP(y);
	int			result;

	result = lot_compare(VARDATA_ANY(a), VARSIZE_ANY_EXHDR(a),
						 VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));

	/* Only values that had to be detoasted were copied. */
	if ((Pointer) a != DatumGetPointer(x))
		pfree(a);
	if ((Pointer) b != DatumGetPointer(y))
		pfree(b);
	return result;
}

static inline bool
lot_equal_datums(Datum x, Datum y)
{
	text	   *a = DatumGetLotPP(x);
	text	   *b = DatumGetLotPP(y);
	bool		result;

	result = VARSIZE_ANY_EXHDR(a) == VARSIZE_ANY_EXHDR(b) &&
		memcmp(VARDATA_ANY(a), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(a)) == 0;

	if ((Pointer) a != DatumGetPointer(x))
		pfree(a);
	if ((Pointer) b != DatumGetPointer(y))
		pfree(b);
	return result;
}

Datum
lot_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(lot_compare_datums(PG_GETARG_DATUM(0), PG_GETARG_DATUM(1)));
}

Datum
lot_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(lot_equal_datums(PG_GETARG_DATUM(0), PG_GETARG_DATUM(1)));
}

Datum
lot_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(!lot_equal_datums(PG_GETARG_DATUM(0), PG_GETARG_DATUM(1)));
}

Datum
lot_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(lot_compare_datums(PG_GETARG_DATUM(0), PG_GETARG_DATUM(1)) < 0);
}

Datum
lot_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(lot_compare_datums(PG_GETARG_DATUM(0), PG_GETARG_DATUM(1)) <= 0);
}

Datum
lot_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(lot_compare_datums(PG_GETARG_DATUM(0), PG_GETARG_DATUM(1)) > 0);
}

Datum
lot_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(lot_compare_datums(PG_GETARG_DATUM(0), PG_GETARG_DATUM(1)) >= 0);
}

static int
lot_sort_compare(Datum x, Datum y, SortSupport ssup pg_attribute_unused())
{
	return lot_compare_datums(x, y);
}

/* Sorts and btree builds call the comparator directly, without fmgr. */
Datum
lot_sortsupport(PG_FUNCTION_ARGS)
{
	SortSupport ssup = (SortSupport) PG_GETARG_POINTER(0);

	ssup->comparator = lot_sort_compare;
	PG_RETURN_VOID();
}

Datum
lot_hash(PG_FUNCTION_ARGS)
{
	text	   *lot = PG_GETARG_LOT_PP(0);

	PG_RETURN_DATUM(hash_any((unsigned char *) VARDATA_ANY(lot),
							 VARSIZE_ANY_EXHDR(lot)));
}

Datum
lot_hash_extended(PG_FUNCTION_ARGS)
{
	text	   *lot = PG_GETARG_LOT_PP(0);

	PG_RETURN_DATUM(hash_any_extended((unsigned char *) VARDATA_ANY(lot),
									  VARSIZE_ANY_EXHDR(lot),
									  PG_GETARG_INT64(1)));
}
