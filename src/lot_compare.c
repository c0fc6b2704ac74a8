/*
 * lottrace_lot_compare.c
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
#include "lib/hyperloglog.h"
#include "port/pg_bswap.h"
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
PG_FUNCTION_INFO_V1(lot_smaller);
PG_FUNCTION_INFO_V1(lot_larger);
PG_FUNCTION_INFO_V1(lot_sortsupport);
PG_FUNCTION_INFO_V1(lot_hash);
PG_FUNCTION_INFO_V1(lot_hash_extended);

int
lottrace_lot_compare(const char *a, int alen, const char *b, int blen)
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

	result = lottrace_lot_compare(VARDATA_ANY(a), VARSIZE_ANY_EXHDR(a),
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

/* The transition functions of min(lot) and max(lot). */
Datum
lot_smaller(PG_FUNCTION_ARGS)
{
	text	   *a = PG_GETARG_LOT_PP(0);
	text	   *b = PG_GETARG_LOT_PP(1);

	PG_RETURN_TEXT_P(lottrace_lot_compare(VARDATA_ANY(a), VARSIZE_ANY_EXHDR(a),
								 VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b)) <= 0 ? a : b);
}

Datum
lot_larger(PG_FUNCTION_ARGS)
{
	text	   *a = PG_GETARG_LOT_PP(0);
	text	   *b = PG_GETARG_LOT_PP(1);

	PG_RETURN_TEXT_P(lottrace_lot_compare(VARDATA_ANY(a), VARSIZE_ANY_EXHDR(a),
								 VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b)) >= 0 ? a : b);
}

static int
lot_sort_compare(Datum x, Datum y, SortSupport ssup pg_attribute_unused())
{
	return lot_compare_datums(x, y);
}

/*
 * Abbreviated keys: the first 8 bytes of a byte string whose memcmp order is
 * the natural order.  Other characters stand for themselves.  A digit run
 * becomes a marker byte '0' + n for n <= 8 significant digits (or '9' and
 * then n, for longer runs) followed by the digits packed two to a byte, so
 * that a longer number sorts later, equal lengths compare digit by digit,
 * and the marker still sorts against other characters as a digit would
 * ('0'…'9' all fall between the same neighbours).  Packing matters: codes
 * usually start with a date, and eight digits then take five bytes, not ten.
 * Equal abbreviations are settled by the full comparator, which also breaks
 * natural ties by bytes.
 */
typedef struct LotAbbrevState
{
	hyperLogLogState distinct_keys;
	int64		input_count;
	bool		estimating;
} LotAbbrevState;

static Datum
lot_abbrev_convert(Datum original, SortSupport ssup)
{
	LotAbbrevState *state = (LotAbbrevState *) ssup->ssup_extra;
	text	   *lot = DatumGetLotPP(original);
	const unsigned char *s = (const unsigned char *) VARDATA_ANY(lot);
	int			len = VARSIZE_ANY_EXHDR(lot);
	unsigned char key[sizeof(Datum)] = {0};
	int			k = 0;
	int			i = 0;
	Datum		result;
	Datum		big_endian;

	while (i < len && k < (int) sizeof(key))
	{
		if (is_ascii_digit(s[i]))
		{
			int			start = i;
			int			end;
			int			significant;

			while (start < len && s[start] == '0')
				start++;
			for (end = start; end < len && is_ascii_digit(s[end]); end++);
			significant = end - start;

			if (significant <= 8)
				key[k++] = '0' + significant;
			else
			{
				key[k++] = '9';
				if (k < (int) sizeof(key))
					key[k++] = (unsigned char) significant;
			}
			for (int d = start; d < end && k < (int) sizeof(key); d += 2)
			{
				int			high = s[d] - '0';
				int			low = d + 1 < end ? s[d + 1] - '0' : 0;

				key[k++] = (unsigned char) (high << 4 | low);
			}
			i = end;
		}
		else
			key[k++] = s[i++];
	}

	/* read the key as a big-endian integer, so unsigned order is memcmp order */
	memcpy(&big_endian, key, sizeof(key));
#if SIZEOF_DATUM == 8
	result = (Datum) pg_ntoh64(big_endian);
#else
	result = (Datum) pg_ntoh32(big_endian);
#endif

	if (state->estimating)
	{
		uint32		hash = hash_bytes_uint32((uint32) result ^ (uint32) ((uint64) result >> 32));

		addHyperLogLog(&state->distinct_keys, hash);
		state->input_count++;
	}

	if ((Pointer) lot != DatumGetPointer(original))
		pfree(lot);
	return result;
}

static int
lot_abbrev_compare(Datum x, Datum y, SortSupport ssup pg_attribute_unused())
{
	if (x > y)
		return 1;
	if (x < y)
		return -1;
	return 0;
}

/*
 * Give up on abbreviation when the keys barely differ (codes sharing their
 * first eight characters): converting would then only add work.  Same
 * threshold as numeric's abbreviation.
 */
static bool
lot_abbrev_abort(int memtupcount, SortSupport ssup)
{
	LotAbbrevState *state = (LotAbbrevState *) ssup->ssup_extra;
	double		distinct;

	if (memtupcount < 10000 || state->input_count < 10000 || !state->estimating)
		return false;

	distinct = estimateHyperLogLog(&state->distinct_keys);
	if (distinct > 100000.0)
	{
		/* clearly worth it: stop counting */
		state->estimating = false;
		return false;
	}
	return distinct < state->input_count / 10000.0 + 0.5;
}

/* Sorts and btree builds call the comparators directly, without fmgr. */
Datum
lot_sortsupport(PG_FUNCTION_ARGS)
{
	SortSupport ssup = (SortSupport) PG_GETARG_POINTER(0);

	ssup->comparator = lot_sort_compare;
	if (ssup->abbreviate)
	{
		MemoryContext old_context = MemoryContextSwitchTo(ssup->ssup_cxt);
		LotAbbrevState *state = palloc(sizeof(LotAbbrevState));

		initHyperLogLog(&state->distinct_keys, 10);
		state->input_count = 0;
		state->estimating = true;
		ssup->ssup_extra = state;
		ssup->comparator = lot_abbrev_compare;
		ssup->abbrev_converter = lot_abbrev_convert;
		ssup->abbrev_abort = lot_abbrev_abort;
		ssup->abbrev_full_comparator = lot_sort_compare;
		MemoryContextSwitchTo(old_context);
	}
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
