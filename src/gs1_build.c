/*
 * gs1_build.c
 *	  SQL functions writing GS1 data: gs1_element_string, gs1_digital_link,
 *	  lgtin_urn, and lgtin_parse reading EPC class URIs back.
 *
 * Everything built here decodes back to the same fields (gs1_decode), so
 * each value is checked against the rules of its AI first.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"

#include "charset.h"
#include "check_character.h"
#include "gs1.h"
#include "lot.h"

/*
 * The entry points keep the names of their SQL functions, as the released
 * 0.1.0 install script links them (AS 'MODULE_PATHNAME'): CREATE EXTENSION
 * lottrace VERSION '0.1.0', and an installation not yet updated, look them
 * up by those names in this library.
 */
PG_FUNCTION_INFO_V1(gs1_element_string);
PG_FUNCTION_INFO_V1(gs1_digital_link);
PG_FUNCTION_INFO_V1(lgtin_urn);
PG_FUNCTION_INFO_V1(lgtin_parse);

#define LGTIN_PREFIX "urn:epc:class:lgtin:"
#define MIN_COMPANY_PREFIX_LENGTH 6
#define MAX_COMPANY_PREFIX_LENGTH 12

/* The argument as GTIN-14, raising if it is not a GTIN. */
static void
gtin_argument(text *gtin, char *gtin14)
{
	Gs1Error	err;

	if (!gs1_normalize_gtin_text(gtin, gtin14, &err))
		gs1_raise(&err, "GTIN");
}

/* Is "value" a valid value of AI "code" on its own? */
static bool
valid_value(const char *code, const char *value, int len, Gs1Error *err)
{
	Gs1Message *msg = palloc(sizeof(Gs1Message));
	Gs1Element *el = &msg->elements[0];
	bool		valid;

	msg->form = GS1_FORM_BRACKETED;
	msg->input = value;
	msg->end = value + len;
	msg->nelements = 1;
	msg->npath = 0;
	el->ai = gs1_lookup_ai(code, (int) strlen(code));
	el->value = value;
	el->length = len;
	el->source = NULL;
	el->duplicate = false;
	Assert(el->ai != NULL);
	valid = gs1_validate_element(msg, el, err);
	pfree(msg);
	return valid;
}

/* Raises unless "value" is a valid value of AI "code" on its own. */
static void
check_value(const char *code, const char *value, int len)
{
	Gs1Error	err;

	if (!valid_value(code, value, len, &err))
		gs1_raise(&err, "GS1 data");
}

/*
 * An expiry date as YYMMDD.  A two-digit year reads back within the century
 * window around the current year, so a date outside it cannot be written.
 */
static void
expiry_yymmdd(DateADT expiry, char *out)
{
	int			year,
				month,
				day;
	int			this_year,
				unused_month,
				unused_day;

	if (DATE_NOT_FINITE(expiry))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("expiry date must be finite")));
	j2date(expiry + POSTGRES_EPOCH_JDATE, &year, &month, &day);
	j2date(GetSQLCurrentDate() + POSTGRES_EPOCH_JDATE, &this_year, &unused_month, &unused_day);
	if (year < 0 || gs1_full_year(year % 100, this_year) != year)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("expiry date %04d-%02d-%02d cannot be written as a GS1 date", year, month, day),
				 errdetail("GS1 dates have two-digit years, read within 49 years before and 50 years after the current year.")));
	snprintf(out, 7, "%02d%02d%02d", year % 100, month, day);
}

/* "\(" for "(" in a bracketed value, so that it does not start an AI */
static void
append_bracketed_value(StringInfo buf, const char *value, int len)
{
	for (int i = 0; i < len; i++)
	{
		if (value[i] == '(')
			appendStringInfoChar(buf, '\\');
		appendStringInfoChar(buf, value[i]);
	}
}

/*
 * gs1_element_string(gtin, lot, expiry, serial): (01)(17)(10)(21), the
 * fixed-length AIs first as GS1 recommends.
 */
Datum
gs1_element_string(PG_FUNCTION_ARGS)
{
	char		gtin14[GTIN_LENGTH + 1];
	StringInfoData buf;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	gtin_argument(PG_GETARG_TEXT_PP(0), gtin14);

	initStringInfo(&buf);
	appendStringInfo(&buf, "(01)%s", gtin14);
	if (!PG_ARGISNULL(2))
	{
		char		yymmdd[7];

		expiry_yymmdd(PG_GETARG_DATEADT(2), yymmdd);
		appendStringInfo(&buf, "(17)%s", yymmdd);
	}
	if (!PG_ARGISNULL(1))
	{
		text	   *lot = PG_GETARG_LOT_PP(1);

		check_value("10", VARDATA_ANY(lot), VARSIZE_ANY_EXHDR(lot));
		appendStringInfoString(&buf, "(10)");
		append_bracketed_value(&buf, VARDATA_ANY(lot), VARSIZE_ANY_EXHDR(lot));
	}
	if (!PG_ARGISNULL(3))
	{
		text	   *serial = PG_GETARG_TEXT_PP(3);

		check_value("21", VARDATA_ANY(serial), VARSIZE_ANY_EXHDR(serial));
		appendStringInfoString(&buf, "(21)");
		append_bracketed_value(&buf, VARDATA_ANY(serial), VARSIZE_ANY_EXHDR(serial));
	}
	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf.data, buf.len));
}

/* RFC 3986 unreserved characters stay, everything else is %XX */
static void
append_percent_encoded(StringInfo buf, const char *value, int len)
{
	static const char hex[] = "0123456789ABCDEF";

	for (int i = 0; i < len; i++)
	{
		unsigned char c = value[i];

		if (is_ascii_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
			appendStringInfoChar(buf, c);
		else
		{
			appendStringInfoChar(buf, '%');
			appendStringInfoChar(buf, hex[c >> 4]);
			appendStringInfoChar(buf, hex[c & 0x0F]);
		}
	}
}

/* The base URI without trailing "/", raising unless it is http(s)://host[/path]. */
static void
append_base(StringInfo buf, text *base)
{
	const char *p = VARDATA_ANY(base);
	int			len = VARSIZE_ANY_EXHDR(base);
	int			scheme;
	const char *reason = NULL;

	if (len >= 8 && pg_strncasecmp(p, "https://", 8) == 0)
		scheme = 8;
	else if (len >= 7 && pg_strncasecmp(p, "http://", 7) == 0)
		scheme = 7;
	else
		scheme = 0;
	while (len > scheme && p[len - 1] == '/')
		len--;

	if (scheme == 0)
		reason = "it must start with https:// or http://";
	else if (len == scheme || p[scheme] == '/')
		reason = "it has no host";
	else
	{
		for (int i = scheme; i < len; i++)
		{
			unsigned char c = p[i];

			if (c == '?' || c == '#')
			{
				reason = "it must not have a query string or fragment";
				break;
			}
			if (!is_ascii_alnum(c) && strchr("-._~:/[]@!$&'()*+,;=%", c) == NULL)
			{
				reason = "it contains characters a URI cannot hold";
				break;
			}
		}
	}
	if (reason != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid Digital Link base URI \"%s\": %s",
						gs1_echo(VARDATA_ANY(base), VARSIZE_ANY_EXHDR(base)), reason)));
	appendBinaryStringInfo(buf, p, len);
}

/*
 * gs1_digital_link(gtin, lot, serial, expiry, base):
 * {base}/01/{gtin}[/10/{lot}][/21/{serial}][?17={yymmdd}]
 */
Datum
gs1_digital_link(PG_FUNCTION_ARGS)
{
	char		gtin14[GTIN_LENGTH + 1];
	StringInfoData buf;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(4))
		PG_RETURN_NULL();
	gtin_argument(PG_GETARG_TEXT_PP(0), gtin14);

	initStringInfo(&buf);
	append_base(&buf, PG_GETARG_TEXT_PP(4));
	appendStringInfo(&buf, "/01/%s", gtin14);
	if (!PG_ARGISNULL(1))
	{
		text	   *lot = PG_GETARG_LOT_PP(1);

		check_value("10", VARDATA_ANY(lot), VARSIZE_ANY_EXHDR(lot));
		appendStringInfoString(&buf, "/10/");
		append_percent_encoded(&buf, VARDATA_ANY(lot), VARSIZE_ANY_EXHDR(lot));
	}
	if (!PG_ARGISNULL(2))
	{
		text	   *serial = PG_GETARG_TEXT_PP(2);

		check_value("21", VARDATA_ANY(serial), VARSIZE_ANY_EXHDR(serial));
		appendStringInfoString(&buf, "/21/");
		append_percent_encoded(&buf, VARDATA_ANY(serial), VARSIZE_ANY_EXHDR(serial));
	}
	if (!PG_ARGISNULL(3))
	{
		char		yymmdd[7];

		expiry_yymmdd(PG_GETARG_DATEADT(3), yymmdd);
		appendStringInfo(&buf, "?17=%s", yymmdd);
	}
	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf.data, buf.len));
}

/*
 * The characters an EPC URI component escapes (EPC Tag Data Standard): the
 * rest of CSET 82 is written as is.
 */
static bool
epc_escaped(unsigned char c)
{
	return c == '"' || c == '%' || c == '&' || c == '/' || c == '<' || c == '>' || c == '?';
}

/*
 * lgtin_urn(gtin, lot, company_prefix_length):
 * urn:epc:class:lgtin:{company prefix}.{indicator}{item reference}.{lot}
 */
Datum
lgtin_urn(PG_FUNCTION_ARGS)
{
	char		gtin14[GTIN_LENGTH + 1];
	text	   *lot = PG_GETARG_LOT_PP(1);
	int32		prefix_length = PG_GETARG_INT32(2);
	const char *code = VARDATA_ANY(lot);
	int			code_length = VARSIZE_ANY_EXHDR(lot);
	StringInfoData buf;

	gtin_argument(PG_GETARG_TEXT_PP(0), gtin14);
	if (prefix_length < MIN_COMPANY_PREFIX_LENGTH || prefix_length > MAX_COMPANY_PREFIX_LENGTH)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("company prefix length must be between %d and %d, not %d",
						MIN_COMPANY_PREFIX_LENGTH, MAX_COMPANY_PREFIX_LENGTH, prefix_length)));
	check_value("10", code, code_length);

	initStringInfo(&buf);
	appendStringInfoString(&buf, LGTIN_PREFIX);
	/* GTIN-14: indicator, company prefix, item reference, check digit */
	appendBinaryStringInfo(&buf, gtin14 + 1, prefix_length);
	appendStringInfoChar(&buf, '.');
	appendStringInfoChar(&buf, gtin14[0]);
	appendBinaryStringInfo(&buf, gtin14 + 1 + prefix_length, GTIN_LENGTH - 2 - prefix_length);
	appendStringInfoChar(&buf, '.');
	for (int i = 0; i < code_length; i++)
	{
		unsigned char c = code[i];

		if (epc_escaped(c))
			appendStringInfo(&buf, "%%%02X", c);
		else
			appendStringInfoChar(&buf, c);
	}
	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf.data, buf.len));
}

pg_noreturn static void lgtin_error(const char *urn, const char *fmt,...) pg_attribute_printf(2, 3);

static void
lgtin_error(const char *urn, const char *fmt,...)
{
	char		reason[GS1_ERROR_TEXT_LENGTH];
	va_list		args;

	va_start(args, fmt);
	vsnprintf(reason, sizeof(reason), fmt, args);
	va_end(args);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid LGTIN URN \"%s\": %s", gs1_echo(urn, strlen(urn)), reason),
			 errhint("An LGTIN URN looks like urn:epc:class:lgtin:0614141.077777.987.")));
}

/* lgtin_parse(urn) → (gtin text, lot lot) */
Datum
lgtin_parse(PG_FUNCTION_ARGS)
{
	text	   *arg = PG_GETARG_TEXT_PP(0);
	char	   *urn = text_to_cstring(arg);
	const char *p = urn;
	const char *end = urn + strlen(urn);
	const char *prefix;
	const char *item;
	const char *lot_start;
	int			prefix_length;
	int			item_length;
	char		gtin14[GTIN_LENGTH + 1];
	char	   *lot;
	int			lot_length = 0;
	TupleDesc	tupdesc;
	Datum		values[2];
	bool		nulls[2] = {false, false};
	Gs1Error	err;

	while (p < end && is_trimmable_space((unsigned char) *p))
		p++;
	while (end > p && is_trimmable_space((unsigned char) end[-1]))
		end--;
	if (end - p < (int) strlen(LGTIN_PREFIX) ||
		pg_strncasecmp(p, LGTIN_PREFIX, strlen(LGTIN_PREFIX)) != 0)
		lgtin_error(urn, "it must start with \"%s\"", LGTIN_PREFIX);

	prefix = p + strlen(LGTIN_PREFIX);
	for (item = prefix; item < end && is_ascii_digit((unsigned char) *item); item++)
		;
	prefix_length = item - prefix;
	if (item == end || *item != '.')
		lgtin_error(urn, "expected digits and \".\" after \"%s\"", LGTIN_PREFIX);
	item++;
	for (lot_start = item; lot_start < end && is_ascii_digit((unsigned char) *lot_start); lot_start++)
		;
	item_length = lot_start - item;
	if (lot_start == end || *lot_start != '.')
		lgtin_error(urn, "expected digits and \".\" after the company prefix");
	lot_start++;
	if (prefix_length < MIN_COMPANY_PREFIX_LENGTH || prefix_length > MAX_COMPANY_PREFIX_LENGTH)
		lgtin_error(urn, "the company prefix has %d digits (%d to %d)",
					prefix_length, MIN_COMPANY_PREFIX_LENGTH, MAX_COMPANY_PREFIX_LENGTH);
	if (prefix_length + item_length != GTIN_LENGTH - 1)
		lgtin_error(urn, "company prefix and item reference have %d digits together, not %d",
					prefix_length + item_length, GTIN_LENGTH - 1);

	gtin14[0] = item[0];
	memcpy(gtin14 + 1, prefix, prefix_length);
	memcpy(gtin14 + 1 + prefix_length, item + 1, item_length - 1);
	gtin14[GTIN_LENGTH - 1] = gs1_mod10_check_digit(gtin14, GTIN_LENGTH - 1);
	gtin14[GTIN_LENGTH] = '\0';

	/* the lot: CSET 82 with "\"%&/<>?" escaped */
	lot = palloc(end - lot_start + 1);
	for (const char *s = lot_start; s < end; s++)
	{
		unsigned char c = *s;

		if (c == '%')
		{
			int			hi = s + 1 < end ? hex_digit_value(s[1]) : -1;
			int			lo = s + 2 < end ? hex_digit_value(s[2]) : -1;

			if (hi < 0 || lo < 0 || !epc_escaped(hi * 16 + lo))
				lgtin_error(urn, "invalid escape \"%.*s\" in the lot at position %d",
							(int) Min(3, end - s), s, lottrace_char_position(urn, s));
			c = hi * 16 + lo;
			s += 2;
		}
		else if (epc_escaped(c))
			lgtin_error(urn, "character \"%c\" at position %d must be escaped as %%%02X",
						c, lottrace_char_position(urn, s), c);
		lot[lot_length++] = c;
	}
	if (lot_length == 0)
		lgtin_error(urn, "the lot is empty");
	if (!valid_value("10", lot, lot_length, &err))
		lgtin_error(urn, "%s", err.message);

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("function returning record called in context that cannot accept type record")));
	tupdesc = BlessTupleDesc(tupdesc);
	values[0] = PointerGetDatum(cstring_to_text_with_len(gtin14, GTIN_LENGTH));
	values[1] = PointerGetDatum(lottrace_lot_from_chars(lot, lot_length));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
