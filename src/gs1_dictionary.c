/*
 * gs1_dictionary.c
 *	  The AI dictionary in compiled form, and looking AIs up.
 *
 * The rows of gs1_ai_table.c are compiled on first use into one Gs1Ai per
 * AI (ranges expanded), and indexed so that finding the AI at the start of
 * raw scanner data is one array lookup.  GS1 allocates AIs so that no AI is
 * a prefix of another and the first two digits fix an AI's length; the
 * index relies on that and compiling checks it.
 */
#include "postgres.h"

#include "gs1.h"

/* Enough for every AI of the dictionary once ranges are expanded. */
#define GS1_MAX_AIS 600

static Gs1Ai compiled_ais[GS1_MAX_AIS];
static int	ncompiled;

/* AI length (2 to 4, 0 = none) by first two digits */
static uint8 length_by_prefix[100];

/*
 * Compiled AI + 1 (0 = none) by the AI's digits padded with zeros to four:
 * "10" is at 1000, "240" at 2400, "3103" at 3103.
 */
static int16 index_by_digits[10000];

static bool compiled = false;

static const struct
{
	const char *name;
	Gs1Linter	linter;
}			linter_names[] = {
	{"csum", GS1_LINT_CSUM},
	{"csumalpha", GS1_LINT_CSUMALPHA},
	{"gcppos1", GS1_LINT_GCPPOS1},
	{"gcppos2", GS1_LINT_GCPPOS2},
	{"yymmd0", GS1_LINT_YYMMD0},
	{"yymmdd", GS1_LINT_YYMMDD},
	{"yyyymmdd", GS1_LINT_YYYYMMDD},
	{"hh", GS1_LINT_HH},
	{"mi", GS1_LINT_MI},
	{"ss", GS1_LINT_SS},
	{"hhmi", GS1_LINT_HHMI},
	{"iso3166", GS1_LINT_ISO3166},
	{"iso3166999", GS1_LINT_ISO3166999},
	{"iso3166alpha2", GS1_LINT_ISO3166ALPHA2},
	{"iso4217", GS1_LINT_ISO4217},
	{"iso5218", GS1_LINT_ISO5218},
	{"pcenc", GS1_LINT_PCENC},
	{"hyphen", GS1_LINT_HYPHEN},
	{"yesno", GS1_LINT_YESNO},
	{"nonzero", GS1_LINT_NONZERO},
	{"zero", GS1_LINT_ZERO},
	{"winding", GS1_LINT_WINDING},
	{"pieceoftotal", GS1_LINT_PIECEOFTOTAL},
	{"iban", GS1_LINT_IBAN},
	{"hasnondigit", GS1_LINT_HASNONDIGIT},
	{"nozeroprefix", GS1_LINT_NOZEROPREFIX},
	{"mediatype", GS1_LINT_MEDIATYPE},
	{"posinseqslash", GS1_LINT_POSINSEQSLASH},
	{"importeridx", GS1_LINT_IMPORTERIDX},
	{"packagetype", GS1_LINT_PACKAGETYPE},
	{"couponcode", GS1_LINT_COUPONCODE},
	{"couponposoffer", GS1_LINT_COUPONPOSOFFER},
	{"latitude", GS1_LINT_LATITUDE},
	{"longitude", GS1_LINT_LONGITUDE},
};

/*
 * A malformed row is a bug in gs1_ai_table.c, not bad input: the regression
 * tests reach this on their first call.
 */
pg_noreturn static void
bad_row(const Gs1AiRow *row, const char *reason)
{
	elog(ERROR, "GS1 AI table row \"%s\" is malformed: %s", row->first, reason);
}

static Gs1Linter
linter_by_name(const Gs1AiRow *row, const char *name, int len)
{
	for (int i = 0; i < (int) lengthof(linter_names); i++)
	{
		if ((int) strlen(linter_names[i].name) == len &&
			memcmp(linter_names[i].name, name, len) == 0)
			return linter_names[i].linter;
	}
	bad_row(row, psprintf("unknown linter \"%.*s\"", len, name));
}

/* Parses a format such as "N6,yymmdd [N6],yymmdd" into components. */
static void
compile_format(const Gs1AiRow *row, Gs1Ai *ai)
{
	const char *p = row->format;
	bool		seen_optional = false;
	int			min_total = 0;
	int			max_total = 0;

	ai->ncomponents = 0;
	while (*p)
	{
		Gs1Component *c;
		bool		optional = false;
		bool		variable = false;
		int			length = 0;
		int			nlinters = 0;

		if (*p == ' ')
		{
			p++;
			continue;
		}
		if (ai->ncomponents >= GS1_MAX_COMPONENTS)
			bad_row(row, "too many components");
		c = &ai->components[ai->ncomponents++];
		memset(c, 0, sizeof(*c));

		if (*p == '[')
		{
			optional = true;
			p++;
		}
		switch (*p++)
		{
			case 'N':
				c->cset = GS1_CSET_N;
				break;
			case 'X':
				c->cset = GS1_CSET_82;
				break;
			case 'Y':
				c->cset = GS1_CSET_39;
				break;
			case 'Z':
				c->cset = GS1_CSET_64;
				break;
			default:
				bad_row(row, "unknown character set");
		}
		if (p[0] == '.' && p[1] == '.')
		{
			variable = true;
			p += 2;
		}
		while (*p >= '0' && *p <= '9')
			length = length * 10 + (*p++ - '0');
		if (length < 1 || length > 99)
			bad_row(row, "bad component length");
		if (optional && *p++ != ']')
			bad_row(row, "unterminated optional component");
		while (*p == ',')
		{
			const char *name = ++p;

			while (*p && *p != ',' && *p != ' ')
				p++;
			if (nlinters >= GS1_MAX_LINTERS)
				bad_row(row, "too many linters");
			c->linters[nlinters++] = linter_by_name(row, name, p - name);
		}
		if (*p && *p != ' ')
			bad_row(row, "unexpected character");

		c->optional = optional;
		c->max_length = length;
		c->min_length = variable ? 1 : length;
		if (seen_optional && !optional)
			bad_row(row, "mandatory component after an optional one");
		seen_optional |= optional;
		if (!optional)
			min_total += c->min_length;
		max_total += c->max_length;

		for (int i = 0; i < nlinters; i++)
		{
			if (c->linters[i] == GS1_LINT_CSUM)
				ai->has_check_digit = true;
			if (c->linters[i] == GS1_LINT_YYMMD0 || c->linters[i] == GS1_LINT_YYMMDD)
				ai->has_date = true;
		}
	}
	for (int i = 0; i + 1 < ai->ncomponents; i++)
	{
		if (ai->components[i].min_length != ai->components[i].max_length)
			bad_row(row, "only the last component may have a variable length");
	}
	if (ai->ncomponents == 0)
		bad_row(row, "no components");
	ai->min_length = min_total;
	ai->max_length = max_total;
}

static int
digits_key(const char *code, int len)
{
	int			key = 0;

	for (int i = 0; i < GS1_MAX_AI_LENGTH; i++)
		key = key * 10 + (i < len ? code[i] - '0' : 0);
	return key;
}

static void
compile_dictionary(void)
{
	for (int r = 0; r < gs1_ai_row_count; r++)
	{
		const Gs1AiRow *row = &gs1_ai_rows[r];
		int			len = (int) strlen(row->first);
		int			first = atoi(row->first);
		int			last = atoi(row->last);

		if (len < 2 || len > GS1_MAX_AI_LENGTH || (int) strlen(row->last) != len ||
			(int) strspn(row->first, "0123456789") != len || last < first)
			bad_row(row, "bad AI range");

		for (int n = first; n <= last; n++)
		{
			Gs1Ai	   *ai;
			int			prefix;
			int			key;
			int			span;

			if (ncompiled >= GS1_MAX_AIS)
				elog(ERROR, "GS1 AI table has more than %d AIs", GS1_MAX_AIS);
			ai = &compiled_ais[ncompiled];
			memset(ai, 0, sizeof(*ai));
			snprintf(ai->code, sizeof(ai->code), "%0*d", len, n);
			ai->code_length = len;
			ai->flags = row->flags;
			ai->row = row;
			compile_format(row, ai);

			/* the first two digits fix the length, and no AI prefixes another */
			prefix = (ai->code[0] - '0') * 10 + (ai->code[1] - '0');
			if (length_by_prefix[prefix] != 0 && length_by_prefix[prefix] != len)
				bad_row(row, "AIs with the same first two digits differ in length");
			length_by_prefix[prefix] = len;

			key = digits_key(ai->code, len);
			span = len == 2 ? 100 : len == 3 ? 10 : 1;
			for (int k = key; k < key + span; k++)
			{
				if (index_by_digits[k] != 0)
					bad_row(row, "duplicate AI");
				index_by_digits[k] = ncompiled + 1;
			}
			ncompiled++;
		}
	}
	compiled = true;
}

static inline void
ensure_compiled(void)
{
	if (unlikely(!compiled))
	{
		/* start clean if an earlier attempt failed half-way */
		memset(length_by_prefix, 0, sizeof(length_by_prefix));
		memset(index_by_digits, 0, sizeof(index_by_digits));
		ncompiled = 0;
		compile_dictionary();
	}
}

int
gs1_ai_length(const char *two_digits)
{
	ensure_compiled();
	if (two_digits[0] < '0' || two_digits[0] > '9' ||
		two_digits[1] < '0' || two_digits[1] > '9')
		return 0;
	return length_by_prefix[(two_digits[0] - '0') * 10 + (two_digits[1] - '0')];
}

const Gs1Ai *
gs1_lookup_ai(const char *digits, int len)
{
	int			index;

	if (len < 2 || len > GS1_MAX_AI_LENGTH || gs1_ai_length(digits) != len)
		return NULL;
	for (int i = 2; i < len; i++)
	{
		if (digits[i] < '0' || digits[i] > '9')
			return NULL;
	}
	index = index_by_digits[digits_key(digits, len)];
	return index == 0 ? NULL : &compiled_ais[index - 1];
}

const Gs1Ai *
gs1_lookup_short_name(const char *name, int len)
{
	for (int i = 0; i < gs1_short_name_count; i++)
	{
		const char *candidate = gs1_short_names[i].name;

		if ((int) strlen(candidate) == len && memcmp(candidate, name, len) == 0)
			return gs1_lookup_ai(gs1_short_names[i].ai,
								 (int) strlen(gs1_short_names[i].ai));
	}
	return NULL;
}
