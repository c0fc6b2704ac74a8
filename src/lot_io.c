/*
 * lot_io.c
 *	  Input, output, binary send/receive and casts of lottrace.lot.
 */
#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"

#include "charset.h"
#include "lot.h"

PG_FUNCTION_INFO_V1(lot_in);
PG_FUNCTION_INFO_V1(lot_out);
PG_FUNCTION_INFO_V1(lot_recv);
PG_FUNCTION_INFO_V1(lot_send);
PG_FUNCTION_INFO_V1(lot_from_text);
PG_FUNCTION_INFO_V1(lot_is_gs1);

text *
lottrace_lot_from_chars(const char *str, int len)
{
	const char *start = str;
	const char *end = str + len;
	int			nchars;
	text	   *result;

	while (start < end && is_trimmable_space((unsigned char) *start))
		start++;
	while (end > start && is_trimmable_space((unsigned char) end[-1]))
		end--;

	if (start == end)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("lot code is empty"),
				 errdetail("A lot code has 1 to %d characters.", LOT_MAX_LENGTH)));

	for (const char *p = start; p < end; p++)
	{
		if (!is_cset82((unsigned char) *p))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid character %s at position %d in lot code",
							lottrace_describe_char(p, str + len), lottrace_char_position(str, p)),
					 errdetail("A lot code may contain only the GS1 CSET 82 characters A-Z, a-z, 0-9 and !\"%%&'()*+,-./:;<=>?_.")));
	}

	/* Only ASCII is left, so bytes are characters. */
	nchars = end - start;
	if (nchars > LOT_MAX_LENGTH)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("lot code is too long"),
				 errdetail("A lot code has at most %d characters; this one has %d.",
						   LOT_MAX_LENGTH, nchars)));

	result = (text *) palloc(VARHDRSZ + nchars);
	SET_VARSIZE(result, VARHDRSZ + nchars);
	memcpy(VARDATA(result), start, nchars);
	return result;
}

Datum
lot_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);

	PG_RETURN_TEXT_P(lottrace_lot_from_chars(str, strlen(str)));
}

Datum
lot_out(PG_FUNCTION_ARGS)
{
	text	   *lot = PG_GETARG_LOT_PP(0);

	PG_RETURN_CSTRING(text_to_cstring(lot));
}

Datum
lot_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			nbytes;
	char	   *str;

	/* pq_getmsgtext converts from the client encoding and verifies it */
	str = pq_getmsgtext(buf, buf->len - buf->cursor, &nbytes);
	PG_RETURN_TEXT_P(lottrace_lot_from_chars(str, nbytes));
}

Datum
lot_send(PG_FUNCTION_ARGS)
{
	text	   *lot = PG_GETARG_LOT_PP(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendtext(&buf, VARDATA_ANY(lot), VARSIZE_ANY_EXHDR(lot));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* text (or varchar, which is binary-coercible to text) to lot */
Datum
lot_from_text(PG_FUNCTION_ARGS)
{
	text	   *txt = PG_GETARG_TEXT_PP(0);

	PG_RETURN_TEXT_P(lottrace_lot_from_chars(VARDATA_ANY(txt), VARSIZE_ANY_EXHDR(txt)));
}

Datum
lot_is_gs1(PG_FUNCTION_ARGS)
{
	text	   *lot = PG_GETARG_LOT_PP(0);

	PG_RETURN_BOOL(VARSIZE_ANY_EXHDR(lot) <= LOT_GS1_MAX_LENGTH);
}
