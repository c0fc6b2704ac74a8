/*
 * gs1_parse.c
 *	  Scanners for the three forms GS1 data arrives in, each turning the
 *	  input into a list of (AI, value) elements:
 *
 *	  - bracketed element strings, as printed under a barcode:
 *		(01)09506000134352(17)250100(10)ABC123
 *	  - raw scanner data: AIs and values run together, a group separator
 *		(GS, U+001D) after each variable-length value that is not last,
 *		optionally led by a symbology identifier such as "]d2"
 *	  - GS1 Digital Link URIs:
 *		https://id.gs1.org/01/09506000134352/10/ABC123?17=250100
 *
 * Every element is validated as it is read, so the first problem reported
 * is the first in the input; the rules between AIs come last.
 */
#include "postgres.h"

#include "lib/stringinfo.h"

#include "charset.h"
#include "gs1.h"

/* Group separator: ends a variable-length value in raw data. */
#define GS_CHAR 0x1D

/*
 * The longest input read, in bytes: far beyond any barcode (a GS1 QR Code
 * holds at most about 4,000 characters) and what the GS1 Barcode Syntax
 * Engine accepts, and it bounds the work and memory hostile input can cause.
 */
#define GS1_MAX_INPUT_LENGTH 8192

/*
 * FNC1 as scanners transmit it (GS), or as "^", the notation of the GS1
 * Barcode Syntax Engine for keyboard entry.  Neither is in any GS1 character
 * set, so neither can be part of a value.
 */
static inline bool
is_fnc1(char c)
{
	return c == GS_CHAR || c == '^';
}

static bool
all_digits_n(const char *s, int len)
{
	for (int i = 0; i < len; i++)
	{
		if (!is_ascii_digit((unsigned char) s[i]))
			return false;
	}
	return true;
}

static bool
starts_with_ci(const char *p, const char *end, const char *prefix)
{
	int			len = (int) strlen(prefix);

	return end - p >= len && pg_strncasecmp(p, prefix, len) == 0;
}

static Gs1Element *
add_element(Gs1Message *msg, const Gs1Ai *ai, const char *value, int length,
			const char *source, Gs1Error *err)
{
	Gs1Element *el;

	if (msg->nelements >= GS1_MAX_ELEMENTS)
	{
		gs1_fail(err, "more than %d AIs", GS1_MAX_ELEMENTS);
		return NULL;
	}
	el = &msg->elements[msg->nelements++];
	el->ai = ai;
	el->value = value;
	el->length = length;
	el->source = source;
	el->duplicate = false;
	return el;
}

/* ------------------------------------------------------------------------
 * Raw scanner data
 * ------------------------------------------------------------------------
 */

/* "]C1", "]d2": a symbology identifier (letter, then letter or digit) */
static bool
is_symbology_identifier(const char *p, const char *end)
{
	return end - p >= 3 && p[0] == ']' &&
		is_ascii_alnum((unsigned char) p[1]) && !is_ascii_digit((unsigned char) p[1]) &&
		is_ascii_alnum((unsigned char) p[2]);
}

static bool
report_symbology_identifier(const Gs1Message *msg, const char *p, Gs1Error *err)
{
	gs1_fail(err, "symbology identifier \"%.3s\" at position %d inside the data",
			 p, gs1_position(msg, p));
	gs1_fail_hint(err, "Two scans may have run together: pass one scan at a time.");
	return false;
}

/*
 * A second scan's symbology identifier inside a variable-length value: "]"
 * is in no GS1 character set, so the value is invalid anyway, but two scans
 * run together deserve a message that says so.
 */
static bool
check_symbology_in_value(const Gs1Message *msg, const Gs1Element *el, Gs1Error *err)
{
	const char *end = el->value + el->length;

	for (int i = 0; i < el->length; i++)
	{
		if (is_symbology_identifier(el->value + i, end))
			return report_symbology_identifier(msg, el->value + i, err);
	}
	return true;
}

/*
 * Raw data from "p" to "end": AIs and values run together, a separator
 * after each variable-length value that is not last.  A value of
 * predefined length ends after its length; any other runs to the next
 * separator or the end of the data, whatever its characters look like:
 * a lot "33650100138" before a GS is that lot, not a lot "3" and a volume
 * (3650) "100138".  Questioning such a value is gs1_lint's business.
 */
bool
gs1_scan_raw(Gs1Message *msg, const char *p, const char *end, Gs1Error *err)
{
	msg->form = GS1_FORM_RAW;
	while (p < end)
	{
		const Gs1Ai *ai;
		Gs1Element *el;
		int			ai_length;
		int			n;

		if (is_fnc1(*p))
			return gs1_fail(err, "two group separators in a row at position %d",
							gs1_position(msg, p));
		if (is_symbology_identifier(p, end))
			return report_symbology_identifier(msg, p, err);
		if (!is_ascii_digit((unsigned char) *p))
			return gs1_fail(err, "expected an AI at position %d, found %s",
							gs1_position(msg, p), lottrace_describe_char(p, end));
		if (end - p < 2 || !is_ascii_digit((unsigned char) p[1]))
			return gs1_fail(err, "incomplete AI at position %d", gs1_position(msg, p));
		ai_length = gs1_ai_length(p);
		if (ai_length == 0)
			return gs1_fail(err, "unknown AI at position %d: no AI starts with \"%.2s\"",
							gs1_position(msg, p), p);
		if (end - p < ai_length)
			return gs1_fail(err, "incomplete AI at position %d", gs1_position(msg, p));
		ai = gs1_lookup_ai(p, ai_length);
		if (ai == NULL)
		{
			for (int i = 0; i < ai_length; i++)
			{
				if (!is_ascii_digit((unsigned char) p[i]))
					return gs1_fail(err, "expected an AI at position %d, found %s",
									gs1_position(msg, p + i), lottrace_describe_char(p + i, end));
			}
			return gs1_fail(err, "unknown AI (%.*s) at position %d",
							ai_length, p, gs1_position(msg, p));
		}
		p += ai_length;

		n = 0;
		if (ai->flags & GS1_PREDEFINED_LENGTH)
		{
			while (n < ai->max_length && p + n < end && !is_fnc1(p[n]))
				n++;
		}
		else
		{
			while (p + n < end && !is_fnc1(p[n]))
				n++;
		}
		el = add_element(msg, ai, p, n, p, err);
		if (el == NULL)
			return false;

		if (!(ai->flags & GS1_PREDEFINED_LENGTH) && !check_symbology_in_value(msg, el, err))
			return false;
		if (!gs1_validate_element(msg, el, err))
		{
			if (!(ai->flags & GS1_PREDEFINED_LENGTH) &&
				n > ai->max_length && err->hint[0] == '\0')
				gs1_fail_hint(err, "A group separator (GS) may be missing after the value of AI (%s).",
							  ai->code);
			return false;
		}
		p += n;

		/* one separator ends the value; after predefined lengths it is redundant */
		if (p < end && is_fnc1(*p))
			p++;
	}
	return true;
}

/* Raw scanner data, which may start with FNC1 (as some scanners send it). */
static bool
parse_raw(Gs1Message *msg, const char *p, const char *end, Gs1Error *err)
{
	if (p < end && is_fnc1(*p))
	{
		p++;
		if (p == end)
			return gs1_fail(err, "no AI after the leading group separator");
	}
	return gs1_scan_raw(msg, p, end, err);
}

/* ------------------------------------------------------------------------
 * Bracketed element strings
 * ------------------------------------------------------------------------
 */

/*
 * "(" starts the next AI; "\(" is a "(" inside a value (the escape of the
 * GS1 Barcode Syntax Engine), since "(" is a CSET 82 character.
 */
static bool
parse_bracketed(Gs1Message *msg, const char *p, const char *end, Gs1Error *err)
{
	char	   *buffer = NULL;
	char	   *next_free = NULL;

	msg->form = GS1_FORM_BRACKETED;
	while (p < end)
	{
		const char *open = p;
		const char *digits = p + 1;
		const char *q = digits;
		const char *value;
		const Gs1Ai *ai;
		Gs1Element *el;
		bool		escaped = false;

		Assert(*p == '(');
		while (q < end && q - digits <= GS1_MAX_AI_LENGTH && is_ascii_digit((unsigned char) *q))
			q++;
		if (q == end || *q != ')' || q - digits < 2 || q - digits > GS1_MAX_AI_LENGTH)
		{
			if (msg->nelements > 0)
			{
				const Gs1Element *prev = &msg->elements[msg->nelements - 1];

				gs1_fail(err, "AI (%s): \"(\" at position %d does not start an AI",
						 prev->ai->code, gs1_position(msg, open));
				gs1_fail_hint(err, "Write \"\\(\" for a \"(\" inside a value.");
				return false;
			}
			return gs1_fail(err, "invalid AI at position %d: expected \"(\", 2 to 4 digits and \")\"",
							gs1_position(msg, open));
		}
		ai = gs1_lookup_ai(digits, q - digits);
		if (ai == NULL)
			return gs1_fail(err, "unknown AI (%.*s) at position %d",
							(int) (q - digits), digits, gs1_position(msg, open));

		value = p = q + 1;
		while (p < end && *p != '(')
		{
			if (*p == '\\' && p + 1 < end && p[1] == '(')
			{
				escaped = true;
				p++;
			}
			p++;
		}

		if (!escaped)
			el = add_element(msg, ai, value, p - value, value, err);
		else
		{
			char	   *copy;
			char	   *out;

			if (buffer == NULL)
				next_free = buffer = palloc(end - value);
			copy = out = next_free;
			for (const char *s = value; s < p; s++)
			{
				if (*s == '\\' && s + 1 < p && s[1] == '(')
					s++;
				*out++ = *s;
			}
			next_free = out;
			el = add_element(msg, ai, copy, out - copy, NULL, err);
		}
		if (el == NULL || !gs1_validate_element(msg, el, err))
			return false;
	}
	return true;
}

/* ------------------------------------------------------------------------
 * GS1 Digital Link URIs
 * ------------------------------------------------------------------------
 */

/* RFC 3986: unreserved, reserved and "%" */
static bool
is_uri_char(unsigned char c)
{
	return is_ascii_alnum(c) || (c != 0 && strchr("-._~:/?#[]@!$&'()*+,;=%", c) != NULL);
}

typedef struct UriPart
{
	const char *start;
	int			length;
} UriPart;

/*
 * Percent-decodes a path segment or query value into "out"; in the query,
 * "+" is a space.  Returns the decoded length, or -1 after failing.
 */
static int
percent_decode(const Gs1Message *msg, UriPart part, bool query, char *out, Gs1Error *err)
{
	char	   *o = out;

	for (int i = 0; i < part.length; i++)
	{
		const char *s = part.start + i;
		int			hi,
					lo;

		if (*s == '+' && query)
		{
			*o++ = ' ';
			continue;
		}
		if (*s != '%')
		{
			*o++ = *s;
			continue;
		}
		hi = i + 1 < part.length ? hex_digit_value((unsigned char) s[1]) : -1;
		lo = i + 2 < part.length ? hex_digit_value((unsigned char) s[2]) : -1;
		if (hi < 0 || lo < 0)
		{
			gs1_fail(err, "invalid percent-encoding \"%.*s\" at position %d of the URI",
					 Min(3, part.length - i), s, gs1_position(msg, s));
			return -1;
		}
		if (hi * 16 + lo == 0)
		{
			gs1_fail(err, "percent-encoded NUL at position %d of the URI", gs1_position(msg, s));
			return -1;
		}
		if (hi >= 8)
		{
			gs1_fail(err, "percent-encoding \"%.3s\" at position %d of the URI decodes to a non-ASCII byte",
					 s, gs1_position(msg, s));
			return -1;
		}
		*o++ = (char) (hi * 16 + lo);
		i += 2;
	}
	return o - out;
}

/* The AI a path segment names: digits, or a short name such as "gtin". */
static const Gs1Ai *
segment_ai(UriPart seg)
{
	if (seg.length >= 2 && is_ascii_digit((unsigned char) seg.start[0]))
		return gs1_lookup_ai(seg.start, seg.length);
	return gs1_lookup_short_name(seg.start, seg.length);
}

static bool
is_short_name_like(UriPart seg)
{
	if (seg.length < 3 || seg.length > 5)
		return false;
	for (int i = 0; i < seg.length; i++)
	{
		if (seg.start[i] < 'a' || seg.start[i] > 'z')
			return false;
	}
	return true;
}

/*
 * Is "ais" (key first) a sequence the key's qualifier list allows: an
 * in-order selection from one of its alternatives ("22,10,21|235")?
 */
static bool
qualifiers_allowed(const Gs1Ai *const *ais, int n)
{
	const char *alt = ais[0]->row->dl_qualifiers;

	Assert(alt != NULL);
	if (n == 1)
		return true;
	while (*alt)
	{
		const char *alt_end = strchr(alt, '|');
		const char *p = alt;
		int			matched = 1;

		if (alt_end == NULL)
			alt_end = alt + strlen(alt);
		while (p < alt_end && matched < n)
		{
			const char *term_end = p;

			while (term_end < alt_end && *term_end != ',')
				term_end++;
			if (term_end - p == ais[matched]->code_length &&
				memcmp(p, ais[matched]->code, term_end - p) == 0)
				matched++;
			p = term_end < alt_end ? term_end + 1 : alt_end;
		}
		if (matched == n)
			return true;
		alt = *alt_end ? alt_end + 1 : alt_end;
	}
	return false;
}

/* Could "ai" be one of the key's qualifiers at all? */
static bool
is_qualifier_of(const Gs1Ai *key, const Gs1Ai *ai)
{
	const char *p = key->row->dl_qualifiers;

	while (*p)
	{
		int			len = strcspn(p, ",|");

		if (len == ai->code_length && memcmp(p, ai->code, len) == 0)
			return true;
		p += len;
		if (*p)
			p++;
	}
	return false;
}

/* "(22), (10), (21); or (235)" */
static char *
describe_qualifiers(const Gs1Ai *key)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '(');
	for (const char *p = key->row->dl_qualifiers; *p; p++)
	{
		if (*p == ',')
			appendStringInfoString(&buf, "), (");
		else if (*p == '|')
			appendStringInfoString(&buf, "); or (");
		else
			appendStringInfoChar(&buf, *p);
	}
	appendStringInfoChar(&buf, ')');
	return buf.data;
}

static bool
check_path(const Gs1Message *msg, Gs1Error *err)
{
	const Gs1Ai *ais[GS1_MAX_ELEMENTS];
	const Gs1Ai *key = msg->elements[0].ai;

	for (int i = 0; i < msg->npath; i++)
		ais[i] = msg->elements[i].ai;
	for (int i = 1; i < msg->npath; i++)
	{
		if (!is_qualifier_of(key, ais[i]))
		{
			gs1_fail(err, "AI (%s) cannot follow AI (%s) in a Digital Link path",
					 ais[i]->code, key->code);
			if (*key->row->dl_qualifiers == '\0')
				gs1_fail_detail(err, "AI (%s) takes no key qualifiers.", key->code);
			else
				gs1_fail_detail(err, "The key qualifiers of AI (%s) are, in this order: %s.",
								key->code, describe_qualifiers(key));
			if (ais[i]->flags & GS1_DL_DATA_ATTRIBUTE)
				gs1_fail_hint(err, "Put AI (%s) in the query string: ?%s=….", ais[i]->code, ais[i]->code);
			return false;
		}
	}
	if (!qualifiers_allowed(ais, msg->npath))
	{
		gs1_fail(err, "the key qualifiers of AI (%s) are out of order in the Digital Link path",
				 key->code);
		gs1_fail_detail(err, "The key qualifiers of AI (%s) are, in this order: %s.",
						key->code, describe_qualifiers(key));
		return false;
	}
	return true;
}

/* Would "ai" be a valid qualifier inserted somewhere into the path? */
static bool
belongs_in_path(const Gs1Message *msg, const Gs1Ai *ai)
{
	const Gs1Ai *ais[GS1_MAX_ELEMENTS + 1];

	if (!is_qualifier_of(msg->elements[0].ai, ai))
		return false;
	for (int at = 1; at <= msg->npath; at++)
	{
		int			n = 0;

		for (int i = 0; i < msg->npath; i++)
		{
			if (i == at)
				ais[n++] = ai;
			ais[n++] = msg->elements[i].ai;
		}
		if (at == msg->npath)
			ais[n++] = ai;
		if (qualifiers_allowed(ais, n))
			return true;
	}
	return false;
}

/* Adds one decoded Digital Link value (path segment or query value). */
static bool
add_uri_value(Gs1Message *msg, const Gs1Ai *ai, UriPart raw, bool query,
			  char **buffer, Gs1Error *err)
{
	char	   *out = *buffer;
	int			len;
	const char *source = raw.start;
	Gs1Element *el;

	len = percent_decode(msg, raw, query, out, err);
	if (len < 0)
		return false;
	if (len == 0)
		return gs1_fail(err, "AI (%s) has an empty value in the Digital Link URI", ai->code);
	if (len != raw.length || memcmp(out, raw.start, len) != 0)
		source = NULL;			/* decoded: positions count within the value */

	/* GTIN-8, -12 and -13 are padded to 14 digits in Digital Link URIs */
	if (strcmp(ai->code, "01") == 0 && (len == 8 || len == 12 || len == 13) &&
		all_digits_n(out, len))
	{
		memmove(out + GTIN_LENGTH - len, out, len);
		memset(out, '0', GTIN_LENGTH - len);
		len = GTIN_LENGTH;
		source = NULL;
	}

	*buffer = out + len;
	el = add_element(msg, ai, out, len, source, err);
	return el != NULL && gs1_validate_element(msg, el, err);
}

static bool
parse_digital_link(Gs1Message *msg, const char *p, const char *end, Gs1Error *err)
{
	const char *uri = p;
	const char *host;
	const char *path;
	const char *path_end;
	const char *query = NULL;
	const char *query_end = end;
	UriPart    *segments;
	int			nsegments = 0;
	int			key = -1;
	char	   *buffer;

	msg->form = GS1_FORM_DIGITAL_LINK;

	for (const char *s = p; s < end; s++)
	{
		if (!is_uri_char((unsigned char) *s))
			return gs1_fail(err, "invalid character %s at position %d of the URI",
							lottrace_describe_char(s, end), gs1_position(msg, s));
	}

	p += starts_with_ci(p, end, "https://") ? 8 : 7;
	host = p;
	while (p < end && *p != '/' && *p != '?' && *p != '#')
	{
		if (strchr("_~@!$&'()*+,;=%", *p) != NULL)
			return gs1_fail(err, "invalid character %s at position %d in the host of the URI",
							lottrace_describe_char(p, end), gs1_position(msg, p));
		p++;
	}
	if (p == host)
		return gs1_fail(err, "the Digital Link URI has no host");

	/* path up to "?" or "#"; the fragment is ignored */
	path = p;
	while (p < end && *p != '?' && *p != '#')
		p++;
	path_end = p;
	if (p < end && *p == '?')
	{
		query = p + 1;
		query_end = memchr(query, '#', end - query);
		if (query_end == NULL)
			query_end = end;
	}
	/* a trailing "/" adds no segment */
	if (path_end - path > 1 && path_end[-1] == '/')
		path_end--;

	segments = palloc(sizeof(UriPart) * (path_end - path + 1));
	for (const char *s = path; s < path_end;)
	{
		const char *seg = s + 1;

		Assert(*s == '/');
		s = seg;
		while (s < path_end && *s != '/')
			s++;
		segments[nsegments].start = seg;
		segments[nsegments].length = s - seg;
		nsegments++;
	}

	/*
	 * The path is "{stem}/{key AI}/{value}/{qualifier AI}/{value}…": walk
	 * back from the end over AI/value pairs to the primary key; whatever
	 * precedes it is the resolver's own path.
	 */
	for (int i = nsegments - 2; i >= 0; i -= 2)
	{
		const Gs1Ai *ai = segment_ai(segments[i]);

		if (ai == NULL)
		{
			if (is_short_name_like(segments[i]))
				return gs1_fail(err, "unknown Digital Link short name \"%.*s\" at position %d",
								segments[i].length, segments[i].start,
								gs1_position(msg, segments[i].start));
			break;
		}
		if (ai->row->dl_qualifiers != NULL)
		{
			key = i;
			break;
		}
	}
	if (key < 0)
	{
		if (nsegments > 0 && segment_ai(segments[nsegments - 1]) != NULL)
			return gs1_fail(err, "\"%.*s\" at the end of the Digital Link path has no value",
							segments[nsegments - 1].length, segments[nsegments - 1].start);
		gs1_fail(err, "no GS1 primary key (such as /01/ for a GTIN) in the path of the URI");
		gs1_fail_hint(err, "A GS1 Digital Link URI looks like https://id.gs1.org/01/09506000134352/10/ABC123.");
		return false;
	}

	/* decoded values are no longer than the URI, but short GTINs grow */
	buffer = palloc((end - uri) * 2 + GTIN_LENGTH);
	for (int i = key; i < nsegments; i += 2)
	{
		const Gs1Ai *ai = segment_ai(segments[i]);

		if (segments[i + 1].length == 0)
			return gs1_fail(err, "AI (%s) has an empty value in the Digital Link URI", ai->code);
		if (!add_uri_value(msg, ai, segments[i + 1], false, &buffer, err))
			return false;
	}
	msg->npath = msg->nelements;
	if (!check_path(msg, err))
		return false;

	/*
	 * Query parameters with numeric keys are AIs; others (linkType, …) are
	 * for the resolver and ignored.
	 */
	p = query;
	while (p != NULL && p < query_end)
	{
		const char *param_end = memchr(p, '&', query_end - p);
		const char *equals;
		const Gs1Ai *ai;
		UriPart		name;
		UriPart		value;

		if (param_end == NULL)
			param_end = query_end;
		equals = memchr(p, '=', param_end - p);
		name.start = p;
		name.length = (equals ? equals : param_end) - p;
		value.start = equals ? equals + 1 : param_end;
		value.length = param_end - value.start;

		if (name.length > 0 && all_digits_n(name.start, name.length))
		{
			ai = gs1_lookup_ai(name.start, name.length);
			if (ai == NULL)
				return gs1_fail(err, "unknown AI (%s) in the query string of the URI",
								gs1_echo(name.start, name.length));
			if (value.length == 0)
				return gs1_fail(err, "AI (%s) has an empty value in the Digital Link URI", ai->code);

			/*
			 * Element strings may repeat an AI with the same value (labels
			 * read twice), a URI may not: each AI has one place in it.
			 */
			for (int i = 0; i < msg->nelements; i++)
			{
				if (msg->elements[i].ai == ai)
				{
					gs1_fail(err, "AI (%s) appears twice in the Digital Link URI", ai->code);
					if (i < msg->npath)
						gs1_fail_detail(err, "AI (%s) is already in the path.", ai->code);
					return false;
				}
			}
			if (belongs_in_path(msg, ai))
				return gs1_fail(err, "AI (%s) belongs in the path of the Digital Link URI, not in its query string",
								ai->code);
			if (!(ai->flags & GS1_DL_DATA_ATTRIBUTE))
				return gs1_fail(err, "AI (%s) is not allowed in a Digital Link query string",
								ai->code);
			if (!add_uri_value(msg, ai, value, true, &buffer, err))
				return false;
		}
		else if (equals != NULL && gs1_lookup_short_name(name.start, name.length) != NULL)
		{
			ai = gs1_lookup_short_name(name.start, name.length);
			gs1_fail(err, "short name \"%.*s\" in the query string of the URI",
					 name.length, name.start);
			gs1_fail_hint(err, "Short names belong in the path; in the query string write \"%s=\".",
						  ai->code);
			return false;
		}
		p = param_end + 1;
	}
	return true;
}

/* ------------------------------------------------------------------------
 * Entry point
 * ------------------------------------------------------------------------
 */

/* Symbology identifiers of symbols carrying GS1 element strings */
static const char *const gs1_symbologies[] = {"]C1", "]e0", "]d2", "]Q3", "]J1"};

/* ... and of symbols carrying plain data, where a Digital Link URI may be */
static const char *const uri_symbologies[] = {"]Q1", "]d1", "]J0"};

static bool
parse_after_symbology(Gs1Message *msg, const char *p, const char *end, Gs1Error *err)
{
	const char *data = p + 3;

	if (end - p < 3)
		return gs1_fail(err, "incomplete symbology identifier \"%.*s\"", (int) (end - p), p);
	for (int i = 0; i < (int) lengthof(gs1_symbologies); i++)
	{
		if (memcmp(p, gs1_symbologies[i], 3) == 0)
		{
			if (data == end)
				return gs1_fail(err, "no data after the symbology identifier \"%.3s\"", p);
			return parse_raw(msg, data, end, err);
		}
	}
	for (int i = 0; i < (int) lengthof(uri_symbologies); i++)
	{
		if (memcmp(p, uri_symbologies[i], 3) == 0 &&
			(starts_with_ci(data, end, "https://") || starts_with_ci(data, end, "http://")))
			return parse_digital_link(msg, data, end, err);
	}
	if (p[1] == 'E')
	{
		gs1_fail(err, "symbology identifier \"%.3s\" marks an EAN/UPC barcode, not GS1 element strings", p);
		gs1_fail_hint(err, "An EAN/UPC barcode carries a GTIN alone: pass its digits to gtin_normalize().");
		return false;
	}
	gs1_fail(err, "symbology identifier \"%.3s\" does not mark GS1 data", p);
	gs1_fail_detail(err, "GS1 data comes with ]C1 (GS1-128), ]e0 (GS1 DataBar), ]d2 (GS1 DataMatrix), ]Q3 (GS1 QR Code) or ]J1 (GS1 DotCode); a Digital Link URI also with ]Q1, ]d1 or ]J0.");
	return false;
}

bool
gs1_parse_message(const char *input, int len, Gs1Message *msg, Gs1Error *err)
{
	const char *p = input;
	const char *end = input + len;
	bool		ok;

	msg->input = input;
	msg->end = end;
	msg->nelements = 0;
	msg->npath = 0;
	err->failed = false;

	/* scanners add line ends; no value can start or end with white space */
	while (p < end && is_trimmable_space((unsigned char) *p))
		p++;
	while (end > p && is_trimmable_space((unsigned char) end[-1]))
		end--;
	if (p == end)
		return gs1_fail(err, "input is empty");
	if (end - p > GS1_MAX_INPUT_LENGTH)
		return gs1_fail(err, "input is too long (%d bytes, at most %d)",
						(int) (end - p), GS1_MAX_INPUT_LENGTH);

	if (*p == '(')
		ok = parse_bracketed(msg, p, end, err);
	else if (*p == ']')
		ok = parse_after_symbology(msg, p, end, err);
	else if (starts_with_ci(p, end, "https://") || starts_with_ci(p, end, "http://"))
		ok = parse_digital_link(msg, p, end, err);
	else
		ok = parse_raw(msg, p, end, err);

	return ok && gs1_validate_associations(msg, err);
}
