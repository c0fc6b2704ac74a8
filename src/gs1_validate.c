/*
 * gs1_validate.c
 *	  The rules GS1 data must follow: per AI value (length, character set,
 *	  check digits, dates and the other content rules of the GS1 Barcode
 *	  Syntax Dictionary) and between AIs (duplicates, requisite and
 *	  mutually exclusive AIs); GS1 dates and GTINs.
 *
 * Nothing here raises for bad data: a failed rule fills the Gs1Error and
 * returns false.
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/datetime.h"

#include "charset.h"
#include "check_character.h"
#include "gs1.h"

/* The shortest GS1 Company Prefix: what gcppos1/gcppos2 require up front. */
#define GS1_MIN_COMPANY_PREFIX 4

/* IBAN lengths the iban linter accepts (the dictionary's bounds). */
#define IBAN_MIN_LENGTH 11
#define IBAN_MAX_LENGTH 34

/* ------------------------------------------------------------------------
 * Errors
 * ------------------------------------------------------------------------
 */

bool
gs1_fail(Gs1Error *err, const char *fmt,...)
{
	va_list		args;

	err->failed = true;
	err->detail[0] = '\0';
	err->hint[0] = '\0';
	va_start(args, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, args);
	va_end(args);
	return false;
}

void
gs1_fail_detail(Gs1Error *err, const char *fmt,...)
{
	va_list		args;

	va_start(args, fmt);
	vsnprintf(err->detail, sizeof(err->detail), fmt, args);
	va_end(args);
}

void
gs1_fail_hint(Gs1Error *err, const char *fmt,...)
{
	va_list		args;

	va_start(args, fmt);
	vsnprintf(err->hint, sizeof(err->hint), fmt, args);
	va_end(args);
}

void
gs1_raise(const Gs1Error *err, const char *subject)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid %s: %s", subject, err->message),
			 err->detail[0] ? errdetail("%s", err->detail) : 0,
			 err->hint[0] ? errhint("%s", err->hint) : 0));
}

char *
gs1_echo(const char *s, int len)
{
	int			cut;

	if (len <= GS1_ECHO_LENGTH)
		return pnstrdup(s, len);
	cut = pg_mbcliplen(s, len, GS1_ECHO_LENGTH);
	return psprintf("%.*s...", cut, s);
}

int
gs1_position(const Gs1Message *msg, const char *p)
{
	return lottrace_char_position(msg->input, p);
}

char *
gs1_where(const Gs1Message *msg, const Gs1Element *el, int offset)
{
	if (el->source != NULL)
		return psprintf("at position %d", gs1_position(msg, el->source + offset));
	return psprintf("at position %d of the value", offset + 1);
}

/* "AI (xx): <reason>" */
pg_attribute_printf(3, 4)
static bool
element_fail(const Gs1Element *el, Gs1Error *err, const char *fmt,...)
{
	char		reason[GS1_ERROR_TEXT_LENGTH];
	va_list		args;

	va_start(args, fmt);
	vsnprintf(reason, sizeof(reason), fmt, args);
	va_end(args);
	return gs1_fail(err, "AI (%s): %s", el->ai->code, reason);
}

static const char *
cset_name(Gs1Cset cset)
{
	switch (cset)
	{
		case GS1_CSET_N:
			return "digits";
		case GS1_CSET_82:
			return "CSET 82 characters";
		case GS1_CSET_39:
			return "CSET 39 characters";
		case GS1_CSET_64:
			return "base64url characters";
	}
	return "characters";
}

/* "14 digits", "6 digits, then optionally 6 digits", for an errdetail */
static char *
describe_format(const Gs1Ai *ai)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < ai->ncomponents; i++)
	{
		const Gs1Component *c = &ai->components[i];

		if (i > 0)
			appendStringInfoString(&buf, ", then ");
		if (c->optional)
			appendStringInfoString(&buf, "optionally ");
		if (c->min_length == c->max_length)
			appendStringInfo(&buf, "%d ", c->max_length);
		else
			appendStringInfo(&buf, "1 to %d ", c->max_length);
		appendStringInfoString(&buf, c->max_length == 1 ?
							   (c->cset == GS1_CSET_N ? "digit" : "character") :
							   cset_name(c->cset));
	}
	return buf.data;
}

static void
detail_format(const Gs1Element *el, Gs1Error *err)
{
	const char *title = el->ai->row->title;

	if (title != NULL)
		gs1_fail_detail(err, "AI (%s) (%s) takes %s.",
						el->ai->code, title, describe_format(el->ai));
	else
		gs1_fail_detail(err, "AI (%s) takes %s.",
						el->ai->code, describe_format(el->ai));
}

/* ------------------------------------------------------------------------
 * Character sets
 * ------------------------------------------------------------------------
 */

static inline bool
is_base64url(unsigned char c)
{
	return is_ascii_alnum(c) || c == '-' || c == '_';
}

static bool
in_cset(Gs1Cset cset, unsigned char c)
{
	switch (cset)
	{
		case GS1_CSET_N:
			return is_ascii_digit(c);
		case GS1_CSET_82:
			return is_cset82(c);
		case GS1_CSET_39:
			return is_cset39(c);
		case GS1_CSET_64:
			return is_base64url(c) || c == '=';
	}
	return false;
}

static bool
check_cset(const Gs1Message *msg, const Gs1Element *el, Gs1Cset cset,
		   int offset, int len, Gs1Error *err)
{
	const char *s = el->value + offset;

	for (int i = 0; i < len; i++)
	{
		if (likely(in_cset(cset, (unsigned char) s[i])))
			continue;
		if (cset == GS1_CSET_N)
			element_fail(el, err, "non-digit %s %s",
						 lottrace_describe_char(s + i, el->value + el->length),
						 gs1_where(msg, el, offset + i));
		else
			element_fail(el, err, "invalid character %s %s",
						 lottrace_describe_char(s + i, el->value + el->length),
						 gs1_where(msg, el, offset + i));
		switch (cset)
		{
			case GS1_CSET_82:
				gs1_fail_detail(err, "AI (%s) takes GS1 CSET 82 characters: A-Z, a-z, 0-9 and !\"%%&'()*+,-./:;<=>?_.",
								el->ai->code);
				break;
			case GS1_CSET_39:
				gs1_fail_detail(err, "AI (%s) takes GS1 CSET 39 characters: A-Z, 0-9 and #-/.",
								el->ai->code);
				break;
			case GS1_CSET_64:
				gs1_fail_detail(err, "AI (%s) takes base64url characters: A-Z, a-z, 0-9, - and _, padded with =.",
								el->ai->code);
				break;
			case GS1_CSET_N:
				break;
		}
		if ((unsigned char) s[i] == 0x1D)
			gs1_fail_hint(err, "A group separator (GS) may only follow a complete AI value.");
		return false;
	}

	/* base64url padding: at most two "=", only at the end, whole blocks */
	if (cset == GS1_CSET_64)
	{
		int			pads = 0;

		while (pads < len && s[len - 1 - pads] == '=')
			pads++;
		for (int i = 0; i < len - pads; i++)
		{
			if (s[i] == '=')
				return element_fail(el, err, "misplaced base64url padding \"=\" %s",
									gs1_where(msg, el, offset + i));
		}
		if (pads > 2 || (pads > 0 && len % 3 != 0))
			return element_fail(el, err, "invalid base64url padding");
	}
	return true;
}

/* ------------------------------------------------------------------------
 * Linters: the content rules the dictionary names
 * ------------------------------------------------------------------------
 */

typedef struct LintTarget
{
	const Gs1Message *msg;
	const Gs1Element *el;
	Gs1Error   *err;
} LintTarget;

/* Offset of "p" (inside the element's value) from the value's start. */
static inline int
value_offset(const LintTarget *t, const char *p)
{
	return (int) (p - t->el->value);
}

static inline int
digit_value(char c)
{
	return c - '0';
}

static inline int
two_digits(const char *s)
{
	return digit_value(s[0]) * 10 + digit_value(s[1]);
}

static bool
all_digits(const char *s, int len)
{
	for (int i = 0; i < len; i++)
	{
		if (!is_ascii_digit((unsigned char) s[i]))
			return false;
	}
	return true;
}

static bool
lint_digits(const LintTarget *t, const char *s, int len)
{
	for (int i = 0; i < len; i++)
	{
		if (!is_ascii_digit((unsigned char) s[i]))
			return element_fail(t->el, t->err, "non-digit %s %s",
								lottrace_describe_char(s + i, t->el->value + t->el->length),
								gs1_where(t->msg, t->el, value_offset(t, s + i)));
	}
	return true;
}

static bool
lint_csum(const LintTarget *t, const char *s, int len)
{
	char		expected = gs1_mod10_check_digit(s, len - 1);

	if (s[len - 1] != expected)
		return element_fail(t->el, t->err, "check digit should be %c", expected);
	return true;
}

/*
 * GS1 check character pair over CSET 82 data: the characters' positions in
 * CSET 82 weighted by successive primes from the right, modulo 1021, split
 * into two 5-bit indexes into CSET 32.
 */
static bool
lint_csumalpha(const LintTarget *t, const char *s, int len)
{
	static const char cset82_order[] =
		"!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
	static const char cset32[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
	int			sum = 0;
	int			prime = 1;

	if (len < 2)
		return element_fail(t->el, t->err, "too short for its check character pair");

	for (int i = len - 3; i >= 0; i--)
	{
		const char *at = strchr(cset82_order, s[i]);

		/* next prime (values are short: trial division is enough) */
		for (prime++;; prime++)
		{
			bool		is_prime = true;

			for (int d = 2; d * d <= prime; d++)
			{
				if (prime % d == 0)
				{
					is_prime = false;
					break;
				}
			}
			if (is_prime)
				break;
		}
		if (at == NULL || s[i] == '\0')
			return false;		/* check_cset has rejected it already */
		sum += (int) (at - cset82_order) * prime;
	}
	sum %= 1021;
	if (s[len - 2] != cset32[sum >> 5] || s[len - 1] != cset32[sum & 31])
		return element_fail(t->el, t->err, "check character pair should be %c%c",
							cset32[sum >> 5], cset32[sum & 31]);
	return true;
}

static bool
lint_company_prefix(const LintTarget *t, const char *s, int len, int start)
{
	if (len < start + GS1_MIN_COMPANY_PREFIX)
		return element_fail(t->el, t->err, "too short to hold a GS1 Company Prefix");
	for (int i = start; i < start + GS1_MIN_COMPANY_PREFIX; i++)
	{
		if (!is_ascii_digit((unsigned char) s[i]))
			return element_fail(t->el, t->err, "a GS1 Company Prefix starts with %d digits, not %s %s",
								GS1_MIN_COMPANY_PREFIX,
								lottrace_describe_char(s + i, t->el->value + t->el->length),
								gs1_where(t->msg, t->el, value_offset(t, s + i)));
	}
	return true;
}

static bool
lint_date(const LintTarget *t, const char *s, int len, bool four_digit_year, bool day_zero_ok)
{
	int			year_digits = four_digit_year ? 4 : 2;
	int			year;
	int			month;
	int			day;
	int			days_in_month;

	if (len != year_digits + 4 || !all_digits(s, len))
		return element_fail(t->el, t->err, "invalid date \"%.*s\"", len, s);
	year = four_digit_year ? two_digits(s) * 100 + two_digits(s + 2) : two_digits(s);
	month = two_digits(s + year_digits);
	day = two_digits(s + year_digits + 2);

	if (month < 1 || month > 12)
		return element_fail(t->el, t->err, "invalid date \"%.*s\": there is no month %02d",
							len, s, month);

	/*
	 * Without a century a two-digit year is a leap year when divisible by 4:
	 * right for every year the century window can give until 2050.
	 */
	days_in_month = day_tab[four_digit_year ? isleap(year) : (year % 4 == 0)][month - 1];
	if (day == 0 && !day_zero_ok)
		return element_fail(t->el, t->err, "invalid date \"%.*s\": day 00 is not allowed in this AI",
							len, s);
	if (day > days_in_month)
		return element_fail(t->el, t->err, "invalid date \"%.*s\": month %02d has no day %02d",
							len, s, month, day);
	return true;
}

static bool
lint_range(const LintTarget *t, const char *s, int len, int max, const char *what)
{
	if (len != 2 || !all_digits(s, len) || two_digits(s) > max)
		return element_fail(t->el, t->err, "invalid %s \"%.*s\"", what, len, s);
	return true;
}

static int
compare_uint16(const void *a, const void *b)
{
	return (int) *(const uint16 *) a - (int) *(const uint16 *) b;
}

static bool
in_numeric_list(const char *s, int len, const uint16 *list, int count)
{
	uint16		key;

	if (len != 3 || !all_digits(s, 3))
		return false;
	key = digit_value(s[0]) * 100 + two_digits(s + 1);
	return bsearch(&key, list, count, sizeof(uint16), compare_uint16) != NULL;
}

static bool
is_country_alpha2(const char *s, int len)
{
	int			lo = 0;
	int			hi = gs1_iso3166_alpha2_count - 1;

	if (len != 2)
		return false;
	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int			cmp = memcmp(gs1_iso3166_alpha2[mid], s, 2);

		if (cmp == 0)
			return true;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return false;
}

static bool
is_package_type(const char *s, int len)
{
	int			lo = 0;
	int			hi = gs1_package_type_count - 1;

	if (len < 1 || len > 3)
		return false;
	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		const char *candidate = gs1_package_types[mid];
		int			clen = (int) strlen(candidate);
		int			cmp = memcmp(candidate, s, Min(clen, len));

		if (cmp == 0)
			cmp = clen - len;
		if (cmp == 0)
			return true;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return false;
}

static bool
lint_pcenc(const LintTarget *t, const char *s, int len)
{
	for (int i = 0; i < len; i++)
	{
		if (s[i] != '%')
			continue;
		if (i + 2 >= len ||
			hex_digit_value((unsigned char) s[i + 1]) < 0 || hex_digit_value((unsigned char) s[i + 2]) < 0)
			return element_fail(t->el, t->err, "invalid percent-encoding %s",
								gs1_where(t->msg, t->el, value_offset(t, s + i)));
		i += 2;
	}
	return true;
}

static bool
lint_iban(const LintTarget *t, const char *s, int len)
{
	int			remainder = 0;

	if (len < 2 || !is_country_alpha2(s, 2))
		return element_fail(t->el, t->err, "invalid IBAN: unknown country code \"%.*s\"",
							Min(len, 2), s);
	if (len < IBAN_MIN_LENGTH || len > IBAN_MAX_LENGTH)
		return element_fail(t->el, t->err, "invalid IBAN: %d characters (%d to %d)",
							len, IBAN_MIN_LENGTH, IBAN_MAX_LENGTH);
	/* ISO 13616: move the first four characters to the end, letters as 10-35, mod 97 */
	for (int k = 4; k < len + 4; k++)
	{
		int			i = k < len ? k : k - len;
		unsigned char c = s[i];

		if (is_ascii_digit(c))
			remainder = (remainder * 10 + (c - '0')) % 97;
		else if (c >= 'A' && c <= 'Z')
			remainder = (remainder * 100 + (c - 'A' + 10)) % 97;
		else
			return element_fail(t->el, t->err, "invalid IBAN: character %s %s (only 0-9 and A-Z)",
								lottrace_describe_char(s + i, t->el->value + t->el->length),
								gs1_where(t->msg, t->el, value_offset(t, s + i)));
	}
	if (remainder != 1)
		return element_fail(t->el, t->err, "invalid IBAN: check digits \"%.2s\" do not match",
							s + 2);
	return true;
}

static bool
lint_piece_of_total(const LintTarget *t, const char *s, int len)
{
	int			half = len / 2;
	bool		piece_zero = true;
	bool		total_zero = true;
	int			cmp;

	if (len == 0 || len % 2 != 0)
		return element_fail(t->el, t->err, "invalid piece and total \"%.*s\"", len, s);
	for (int i = 0; i < half; i++)
	{
		piece_zero &= s[i] == '0';
		total_zero &= s[half + i] == '0';
	}
	if (piece_zero)
		return element_fail(t->el, t->err, "piece number must not be zero");
	if (total_zero)
		return element_fail(t->el, t->err, "total number of pieces must not be zero");
	cmp = memcmp(s, s + half, half);
	if (cmp > 0)
		return element_fail(t->el, t->err, "piece number %.*s exceeds the total %.*s",
							half, s, half, s + half);
	return true;
}

static bool
lint_position_in_sequence(const LintTarget *t, const char *s, int len)
{
	const char *slash = memchr(s, '/', len);
	int			pos_len;
	int			end_len;

	if (slash == NULL)
		return element_fail(t->el, t->err, "invalid position in sequence \"%.*s\" (expected \"position/total\")",
							len, s);
	pos_len = slash - s;
	end_len = len - pos_len - 1;
	if (pos_len == 0 || end_len == 0 || !all_digits(s, pos_len) ||
		!all_digits(slash + 1, end_len))
		return element_fail(t->el, t->err, "invalid position in sequence \"%.*s\" (expected \"position/total\")",
							len, s);
	if (s[0] == '0' || slash[1] == '0')
		return element_fail(t->el, t->err, "invalid position in sequence \"%.*s\" (no zero or leading zeros)",
							len, s);
	if (pos_len > end_len || (pos_len == end_len && memcmp(s, slash + 1, pos_len) > 0))
		return element_fail(t->el, t->err, "invalid position in sequence \"%.*s\" (position exceeds total)",
							len, s);
	return true;
}

/*
 * The North American coupon code of AI (8110) (GS1 US Coupon Application
 * Guideline): fields introduced by one-digit length indicators, then
 * optional fields each flagged by a digit 1-6 or 9, in that order.
 */
typedef struct CouponCursor
{
	const LintTarget *t;
	const char *p;
	const char *end;
} CouponCursor;

static bool
coupon_fail(CouponCursor *c, const char *what)
{
	if (c->p >= c->end)
		return element_fail(c->t->el, c->t->err, "coupon data ends before the %s", what);
	return element_fail(c->t->el, c->t->err, "invalid coupon %s %s", what,
						gs1_where(c->t->msg, c->t->el, value_offset(c->t, c->p)));
}

/* A fixed number of digits (already known to be digits). */
static bool
coupon_skip(CouponCursor *c, int n, const char *what)
{
	if (c->end - c->p < n)
	{
		c->p = c->end;
		return coupon_fail(c, what);
	}
	c->p += n;
	return true;
}

/* A one-digit value from "allowed"; returns it, or -1 after failing. */
static int
coupon_digit(CouponCursor *c, const char *allowed, const char *what)
{
	int			d;

	if (c->p >= c->end || strchr(allowed, *c->p) == NULL)
	{
		coupon_fail(c, what);
		return -1;
	}
	d = *c->p - '0';
	c->p++;
	return d;
}

/* A length indicator from "allowed" followed by that many (+ add) digits. */
static bool
coupon_field(CouponCursor *c, const char *allowed, int add, const char *indicator, const char *what)
{
	int			vli = coupon_digit(c, allowed, indicator);

	if (vli < 0)
		return false;
	return coupon_skip(c, vli + add, what);
}

static bool
coupon_gcp(CouponCursor *c, const char *indicator, const char *what)
{
	int			vli = coupon_digit(c, "01234569", indicator);

	if (vli < 0)
		return false;
	if (vli == 9)
		return true;
	return coupon_skip(c, vli + 6, what);
}

static bool
coupon_purchase(CouponCursor *c, const char *nth)
{
	char		indicator[64];
	char		what[64];

	snprintf(indicator, sizeof(indicator), "%s purchase requirement length", nth);
	snprintf(what, sizeof(what), "%s purchase requirement", nth);
	if (!coupon_field(c, "12345", 0, indicator, what))
		return false;
	snprintf(what, sizeof(what), "%s purchase requirement code", nth);
	if (coupon_digit(c, "012349", what) < 0)
		return false;
	snprintf(what, sizeof(what), "%s purchase family code", nth);
	return coupon_skip(c, 3, what);
}

static bool
lint_coupon_date(CouponCursor *c, const char *what)
{
	if (c->end - c->p < 6)
	{
		c->p = c->end;
		return coupon_fail(c, what);
	}
	if (!lint_date(c->t, c->p, 6, false, false))
		return false;
	c->p += 6;
	return true;
}

static bool
lint_couponcode(const LintTarget *t, const char *s, int len)
{
	CouponCursor c = {t, s, s + len};
	const char *expiry = NULL;

	if (!lint_digits(t, s, len))
		return false;
	if (!coupon_field(&c, "0123456", 6, "GS1 Company Prefix length", "GS1 Company Prefix") ||
		!coupon_skip(&c, 6, "offer code") ||
		!coupon_field(&c, "12345", 0, "save value length", "save value") ||
		!coupon_purchase(&c, "1st"))
		return false;
	if (c.p < c.end && *c.p == '1')
	{
		c.p++;
		if (coupon_digit(&c, "0123", "additional purchase rules code") < 0 ||
			!coupon_purchase(&c, "2nd") ||
			!coupon_gcp(&c, "2nd purchase GS1 Company Prefix length", "2nd purchase GS1 Company Prefix"))
			return false;
	}
	if (c.p < c.end && *c.p == '2')
	{
		c.p++;
		if (!coupon_purchase(&c, "3rd") ||
			!coupon_gcp(&c, "3rd purchase GS1 Company Prefix length", "3rd purchase GS1 Company Prefix"))
			return false;
	}
	if (c.p < c.end && *c.p == '3')
	{
		c.p++;
		expiry = c.p;
		if (!lint_coupon_date(&c, "expiration date"))
			return false;
	}
	if (c.p < c.end && *c.p == '4')
	{
		const char *start;

		c.p++;
		start = c.p;
		if (!lint_coupon_date(&c, "start date"))
			return false;
		if (expiry != NULL && memcmp(start, expiry, 6) > 0)
			return element_fail(t->el, t->err, "coupon expires (%.6s) before it starts (%.6s)",
								expiry, start);
	}
	if (c.p < c.end && *c.p == '5')
	{
		c.p++;
		if (!coupon_field(&c, "0123456789", 6, "serial number length", "serial number"))
			return false;
	}
	if (c.p < c.end && *c.p == '6')
	{
		c.p++;
		if (!coupon_field(&c, "1234567", 6, "retailer GS1 Company Prefix or GLN length",
						  "retailer GS1 Company Prefix or GLN"))
			return false;
	}
	if (c.p < c.end && *c.p == '9')
	{
		c.p++;
		if (coupon_digit(&c, "01256", "save value code") < 0 ||
			coupon_digit(&c, "012", "save value applies to item") < 0 ||
			coupon_digit(&c, "0123456789", "store coupon flag") < 0 ||
			coupon_digit(&c, "01", "don't multiply flag") < 0)
			return false;
	}
	if (c.p < c.end)
		return coupon_fail(&c, "optional field (1-6 or 9, in order)");
	return true;
}

/* AI (8112): paperless coupon offer for point of sale. */
static bool
lint_couponposoffer(const LintTarget *t, const char *s, int len)
{
	CouponCursor c = {t, s, s + len};

	if (!lint_digits(t, s, len))
		return false;
	if (coupon_digit(&c, "01", "format code") < 0 ||
		!coupon_field(&c, "0123456", 6, "funder ID length", "funder ID") ||
		!coupon_skip(&c, 6, "offer code") ||
		!coupon_field(&c, "0123456789", 6, "serial number length", "serial number"))
		return false;
	if (c.p < c.end)
		return coupon_fail(&c, "data after the serial number");
	return true;
}

static bool
lint_coordinate(const LintTarget *t, const char *s, int len, int64 max, const char *what)
{
	int64		value = 0;

	if (len != 10 || !all_digits(s, len))
		return element_fail(t->el, t->err, "invalid %s \"%.*s\"", what, len, s);
	for (int i = 0; i < len; i++)
		value = value * 10 + digit_value(s[i]);
	if (value > max)
		return element_fail(t->el, t->err, "%s \"%.*s\" is out of range", what, len, s);
	return true;
}

static bool
run_linter(const LintTarget *t, Gs1Linter linter, const char *s, int len)
{
	switch (linter)
	{
		case GS1_LINT_NONE:
			return true;
		case GS1_LINT_CSUM:
			return lint_csum(t, s, len);
		case GS1_LINT_CSUMALPHA:
			return lint_csumalpha(t, s, len);
		case GS1_LINT_GCPPOS1:
			return lint_company_prefix(t, s, len, 0);
		case GS1_LINT_GCPPOS2:
			return lint_company_prefix(t, s, len, 1);
		case GS1_LINT_YYMMD0:
			return lint_date(t, s, len, false, true);
		case GS1_LINT_YYMMDD:
			return lint_date(t, s, len, false, false);
		case GS1_LINT_YYYYMMDD:
			return lint_date(t, s, len, true, false);
		case GS1_LINT_HH:
			return lint_range(t, s, len, 23, "hour");
		case GS1_LINT_MI:
			return lint_range(t, s, len, 59, "minute");
		case GS1_LINT_SS:
			return lint_range(t, s, len, 59, "second");
		case GS1_LINT_HHMI:
			return len == 4 ? lint_range(t, s, 2, 23, "hour") && lint_range(t, s + 2, 2, 59, "minute")
				: element_fail(t->el, t->err, "invalid time \"%.*s\"", len, s);
		case GS1_LINT_ISO3166:
			if (!in_numeric_list(s, len, gs1_iso3166_numeric, gs1_iso3166_numeric_count))
				return element_fail(t->el, t->err, "unknown ISO 3166 country code \"%.*s\"", len, s);
			return true;
		case GS1_LINT_ISO3166999:
			if (!(len == 3 && memcmp(s, "999", 3) == 0) &&
				!in_numeric_list(s, len, gs1_iso3166_numeric, gs1_iso3166_numeric_count))
				return element_fail(t->el, t->err, "unknown ISO 3166 country code \"%.*s\"", len, s);
			return true;
		case GS1_LINT_ISO3166ALPHA2:
			if (!is_country_alpha2(s, len))
				return element_fail(t->el, t->err, "unknown ISO 3166 alpha-2 country code \"%.*s\"", len, s);
			return true;
		case GS1_LINT_ISO4217:
			if (!in_numeric_list(s, len, gs1_iso4217_numeric, gs1_iso4217_numeric_count))
				return element_fail(t->el, t->err, "unknown ISO 4217 currency code \"%.*s\"", len, s);
			return true;
		case GS1_LINT_ISO5218:
			if (len != 1 || strchr("0129", s[0]) == NULL)
				return element_fail(t->el, t->err, "invalid ISO/IEC 5218 sex code \"%.*s\" (0, 1, 2 or 9)", len, s);
			return true;
		case GS1_LINT_PCENC:
			return lint_pcenc(t, s, len);
		case GS1_LINT_HYPHEN:
			for (int i = 0; i < len; i++)
			{
				if (s[i] != '-')
					return element_fail(t->el, t->err, "expected \"-\" %s",
										gs1_where(t->msg, t->el, value_offset(t, s + i)));
			}
			return true;
		case GS1_LINT_YESNO:
			if (len != 1 || (s[0] != '0' && s[0] != '1'))
				return element_fail(t->el, t->err, "invalid flag \"%.*s\" (0 or 1)", len, s);
			return true;
		case GS1_LINT_NONZERO:
			for (int i = 0; i < len; i++)
			{
				if (s[i] != '0')
					return true;
			}
			return element_fail(t->el, t->err, "\"%.*s\" must not be zero", len, s);
		case GS1_LINT_ZERO:
			if (len != 1 || s[0] != '0')
				return element_fail(t->el, t->err, "\"%.*s\" must be 0", len, s);
			return true;
		case GS1_LINT_WINDING:
			if (len != 1 || strchr("019", s[0]) == NULL)
				return element_fail(t->el, t->err, "invalid winding direction \"%.*s\" (0, 1 or 9)", len, s);
			return true;
		case GS1_LINT_PIECEOFTOTAL:
			return lint_piece_of_total(t, s, len);
		case GS1_LINT_IBAN:
			return lint_iban(t, s, len);
		case GS1_LINT_HASNONDIGIT:
			if (all_digits(s, len))
				return element_fail(t->el, t->err, "value must contain a non-digit");
			return true;
		case GS1_LINT_NOZEROPREFIX:
			if (len > 0 && s[0] == '0')
				return element_fail(t->el, t->err, "value must not start with 0");
			return true;
		case GS1_LINT_MEDIATYPE:
			{
				int			type = len == 2 && all_digits(s, 2) ? two_digits(s) : -1;

				/* 01-10 assigned; 80-99 for local or national use */
				if (!((type >= 1 && type <= 10) || type >= 80))
					return element_fail(t->el, t->err, "unknown AIDC media type \"%.*s\"", len, s);
				return true;
			}
		case GS1_LINT_POSINSEQSLASH:
			return lint_position_in_sequence(t, s, len);
		case GS1_LINT_IMPORTERIDX:
			if (len != 1 || !is_base64url((unsigned char) s[0]))
				return element_fail(t->el, t->err, "invalid importer index \"%.*s\"", len, s);
			return true;
		case GS1_LINT_PACKAGETYPE:
			if (!is_package_type(s, len))
				return element_fail(t->el, t->err, "unknown package type code \"%.*s\"", len, s);
			return true;
		case GS1_LINT_COUPONCODE:
			return lint_couponcode(t, s, len);
		case GS1_LINT_COUPONPOSOFFER:
			return lint_couponposoffer(t, s, len);
		case GS1_LINT_LATITUDE:
			return lint_coordinate(t, s, len, INT64CONST(1800000000), "latitude");
		case GS1_LINT_LONGITUDE:
			return lint_coordinate(t, s, len, INT64CONST(3600000000), "longitude");
	}
	return true;
}

/* ------------------------------------------------------------------------
 * One AI value
 * ------------------------------------------------------------------------
 */

bool
gs1_validate_element(const Gs1Message *msg, const Gs1Element *el, Gs1Error *err)
{
	const Gs1Ai *ai = el->ai;
	int			len = el->length;
	int			offset;
	int			starts[GS1_MAX_COMPONENTS];
	int			lengths[GS1_MAX_COMPONENTS];
	int			npresent = 0;
	bool		numeric = true;

	if (len == 0)
		return element_fail(el, err, "value is empty");

	/*
	 * Character sets first, so that what follows counts ASCII characters:
	 * each component's share, anything beyond the last with its set.
	 */
	offset = 0;
	for (int i = 0; i < ai->ncomponents && offset < len; i++)
	{
		const Gs1Component *c = &ai->components[i];
		int			take = (i == ai->ncomponents - 1) ? len - offset : Min(c->max_length, len - offset);

		if (!check_cset(msg, el, c->cset, offset, take, err))
			return false;
		offset += take;
	}
	for (int i = 0; i < ai->ncomponents; i++)
		numeric &= ai->components[i].cset == GS1_CSET_N;

	if (len < ai->min_length || len > ai->max_length)
	{
		const char *unit = numeric ? (len == 1 ? "digit" : "digits") :
			(len == 1 ? "character" : "characters");

		if (ai->min_length == ai->max_length)
			element_fail(el, err, "value is too %s (%d %s, needs %d)",
						 len < ai->min_length ? "short" : "long", len, unit, ai->max_length);
		else if (len < ai->min_length)
			element_fail(el, err, "value is too short (%d %s, at least %d)",
						 len, unit, ai->min_length);
		else
			element_fail(el, err, "value is too long (%d %s, at most %d)",
						 len, unit, ai->max_length);
		detail_format(el, err);
		return false;
	}

	/* split into components: optional ones may be left out at the end */
	offset = 0;
	for (int i = 0; i < ai->ncomponents; i++)
	{
		const Gs1Component *c = &ai->components[i];
		int			remaining = len - offset;
		int			take;

		if (remaining == 0 && c->optional)
			break;
		if (c->min_length == c->max_length)
		{
			if (remaining < c->max_length)
			{
				element_fail(el, err, "value has an invalid length (%d %s)",
							 len, numeric ? "digits" : "characters");
				detail_format(el, err);
				return false;
			}
			take = c->max_length;
		}
		else
			take = remaining;
		starts[npresent] = offset;
		lengths[npresent] = take;
		npresent++;
		offset += take;
	}
	Assert(offset == len);

	for (int i = 0; i < npresent; i++)
	{
		const Gs1Component *c = &ai->components[i];
		LintTarget	t = {msg, el, err};

		for (int k = 0; k < GS1_MAX_LINTERS && c->linters[k] != GS1_LINT_NONE; k++)
		{
			if (!run_linter(&t, c->linters[k], el->value + starts[i], lengths[i]))
				return false;
		}
	}
	return true;
}

/* ------------------------------------------------------------------------
 * Between AIs
 * ------------------------------------------------------------------------
 */

/* Does AI "code" match "pattern" (same length, "n" matching any digit)? */
static bool
ai_matches(const char *pattern, int plen, const Gs1Ai *ai)
{
	if (plen != ai->code_length)
		return false;
	for (int i = 0; i < plen; i++)
	{
		if (pattern[i] != 'n' && pattern[i] != ai->code[i])
			return false;
	}
	return true;
}

/* Is there an element, other than "self", whose AI matches the pattern? */
static bool
present(const Gs1Message *msg, const char *pattern, int plen, const Gs1Ai *self)
{
	for (int i = 0; i < msg->nelements; i++)
	{
		const Gs1Ai *ai = msg->elements[i].ai;

		if (ai != self && ai_matches(pattern, plen, ai))
			return true;
	}
	return false;
}

/* One "requires" group ("01,02+21,31nn"): is some alternative satisfied? */
static bool
group_satisfied(const Gs1Message *msg, const char *group, int glen, const Gs1Ai *self)
{
	const char *p = group;
	const char *end = group + glen;

	while (p < end)
	{
		const char *alt_end = memchr(p, ',', end - p);
		bool		all = true;

		if (alt_end == NULL)
			alt_end = end;
		while (p < alt_end)
		{
			const char *term_end = memchr(p, '+', alt_end - p);

			if (term_end == NULL)
				term_end = alt_end;
			all &= present(msg, p, term_end - p, self);
			p = term_end < alt_end ? term_end + 1 : alt_end;
		}
		if (all)
			return true;
		p = alt_end < end ? alt_end + 1 : end;
	}
	return false;
}

/* "(01), (02) or (8006)", "(01) and (21)" */
static char *
describe_group(const char *group, int glen)
{
	StringInfoData buf;
	const char *p = group;
	const char *end = group + glen;
	int			nalts = 1;
	int			alt = 0;

	for (const char *q = group; q < end; q++)
		nalts += *q == ',';
	initStringInfo(&buf);
	while (p < end)
	{
		const char *alt_end = memchr(p, ',', end - p);

		if (alt_end == NULL)
			alt_end = end;
		if (alt > 0)
			appendStringInfoString(&buf, alt == nalts - 1 ? " or " : ", ");
		appendStringInfoChar(&buf, '(');
		for (const char *q = p; q < alt_end; q++)
		{
			if (*q == '+')
				appendStringInfoString(&buf, ") and (");
			else
				appendStringInfoChar(&buf, *q);
		}
		appendStringInfoChar(&buf, ')');
		alt++;
		p = alt_end < end ? alt_end + 1 : end;
	}
	return buf.data;
}

/*
 * A digital signature (8030) signs one instance of what it is printed
 * with, so the keys whose serial component is optional, GDTI (253), GCN
 * (255) and GRAI (8003), must carry it.  The dictionary cannot say so (its
 * requisites name AIs, not components): this is the DIGSIG_SERIAL_KEY rule
 * of the GS1 Barcode Syntax Engine.  Keys without a serial component of
 * their own are covered by the dictionary: (01) and (8006) need (21) with
 * (8030), (8010) needs (8011).
 */
static const char *const keys_serialised_for_digsig[] = {"253", "255", "8003"};

static bool
check_digsig_serials(const Gs1Message *msg, Gs1Error *err)
{
	if (gs1_find(msg, "8030") == NULL)
		return true;
	for (int i = 0; i < (int) lengthof(keys_serialised_for_digsig); i++)
	{
		const Gs1Element *el = gs1_find(msg, keys_serialised_for_digsig[i]);

		/* the serial component is the optional last one */
		if (el != NULL && el->length == el->ai->min_length)
		{
			element_fail(el, err, "the serial component is required with AI (8030)");
			gs1_fail_detail(err, "A digital signature (8030) signs one instance: AI (%s) (%s) must carry its serial component after its first %d digits.",
							el->ai->code, el->ai->row->title, el->ai->min_length);
			return false;
		}
	}
	return true;
}

bool
gs1_validate_associations(Gs1Message *msg, Gs1Error *err)
{
	/* the same AI twice is fine only with the same value */
	for (int i = 1; i < msg->nelements; i++)
	{
		Gs1Element *el = &msg->elements[i];

		for (int j = 0; j < i; j++)
		{
			const Gs1Element *other = &msg->elements[j];

			if (other->ai != el->ai || other->duplicate)
				continue;
			if (other->length == el->length &&
				memcmp(other->value, el->value, el->length) == 0)
			{
				el->duplicate = true;
				break;
			}
			element_fail(el, err, "appears twice with different values");
			gs1_fail_detail(err, "The values are \"%.*s\" and \"%.*s\".",
							other->length, other->value, el->length, el->value);
			return false;
		}
	}

	for (int i = 0; i < msg->nelements; i++)
	{
		const Gs1Element *el = &msg->elements[i];
		const Gs1AiRow *row = el->ai->row;

		if (el->duplicate)
			continue;
		if (row->requires != NULL)
		{
			const char *p = row->requires;

			while (*p)
			{
				const char *group_end = strchr(p, ' ');

				if (group_end == NULL)
					group_end = p + strlen(p);
				if (!group_satisfied(msg, p, group_end - p, el->ai))
				{
					element_fail(el, err, "requires AI %s",
								 describe_group(p, group_end - p));
					if (row->title != NULL)
						gs1_fail_detail(err, "AI (%s) (%s) is only valid together with AI %s.",
										el->ai->code, row->title, describe_group(p, group_end - p));
					return false;
				}
				p = *group_end ? group_end + 1 : group_end;
			}
		}
		if (row->excludes != NULL)
		{
			const char *p = row->excludes;

			while (*p)
			{
				const char *term_end = strchr(p, ',');

				if (term_end == NULL)
					term_end = p + strlen(p);
				for (int j = 0; j < msg->nelements; j++)
				{
					const Gs1Ai *other = msg->elements[j].ai;

					if (other != el->ai && ai_matches(p, term_end - p, other))
						return element_fail(el, err, "cannot be used together with AI (%s)",
											other->code);
				}
				p = *term_end ? term_end + 1 : term_end;
			}
		}
	}
	return check_digsig_serials(msg, err);
}

const Gs1Element *
gs1_find(const Gs1Message *msg, const char *ai)
{
	for (int i = 0; i < msg->nelements; i++)
	{
		if (strcmp(msg->elements[i].ai->code, ai) == 0)
			return &msg->elements[i];
	}
	return NULL;
}

/* ------------------------------------------------------------------------
 * Dates and GTINs
 * ------------------------------------------------------------------------
 */

int
gs1_full_year(int yy, int reference_year)
{
	int			century = reference_year - reference_year % 100;
	int			difference = yy - reference_year % 100;

	/* GS1 General Specifications 7.12 */
	if (difference >= 51)
		century -= 100;
	else if (difference <= -50)
		century += 100;
	return century + yy;
}

bool
gs1_date(const char *yymmdd, int reference_year, DateADT *result)
{
	int			year = gs1_full_year(two_digits(yymmdd), reference_year);
	int			month = two_digits(yymmdd + 2);
	int			day = two_digits(yymmdd + 4);
	int			days_in_month;

	if (month < 1 || month > 12)
		return false;
	days_in_month = day_tab[isleap(year)][month - 1];
	if (day == 0)
		day = days_in_month;
	if (day > days_in_month)
		return false;
	*result = date2j(year, month, day) - POSTGRES_EPOCH_JDATE;
	return true;
}

bool
gs1_normalize_gtin(const char *str, int len, char *gtin14, Gs1Error *err)
{
	char		expected;

	for (int i = 0; i < len; i++)
	{
		if (!is_ascii_digit((unsigned char) str[i]))
			return gs1_fail(err, "non-digit %s at position %d",
							lottrace_describe_char(str + i, str + len), lottrace_char_position(str, str + i));
	}
	if (len != 8 && len != 12 && len != 13 && len != 14)
	{
		gs1_fail(err, "a GTIN has 8, 12, 13 or 14 digits, not %d", len);
		return false;
	}
	expected = gs1_mod10_check_digit(str, len - 1);
	if (str[len - 1] != expected)
		return gs1_fail(err, "check digit should be %c", expected);
	memset(gtin14, '0', GTIN_LENGTH - len);
	memcpy(gtin14 + GTIN_LENGTH - len, str, len);
	gtin14[GTIN_LENGTH] = '\0';
	return true;
}
