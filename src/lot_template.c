/*
 * lot_template.c
 *	  Compiling lot templates, matching codes against them and generating
 *	  codes from them.
 *
 * A template is compiled into one entry per code position (what character
 * class or literal it must hold, and which field ends there), so matching a
 * code is a single pass over its characters with no allocation; only a
 * failure that must be reported builds a message.
 */
#include "postgres.h"

#include "datatype/timestamp.h"
#include "utils/builtins.h"
#include "utils/datetime.h"

#include "charset.h"
#include "check_character.h"
#include "lot_template.h"

/* The longest N or S field whose values always fit an int4. */
#define LOT_MAX_NUMBER_WIDTH 9

static const char *const field_names[LOT_NUM_FIELDS] = {
	[LOT_FIELD_YEAR] = "year",
	[LOT_FIELD_MONTH] = "month (MM)",
	[LOT_FIELD_DAY] = "day (DD)",
	[LOT_FIELD_DAY_OF_YEAR] = "day of year (JJJ)",
	[LOT_FIELD_FACILITY] = "facility (F)",
	[LOT_FIELD_LINE] = "line (L)",
	[LOT_FIELD_SHIFT] = "shift (S)",
	[LOT_FIELD_SEQUENCE] = "sequence (N)",
	[LOT_FIELD_VARIANT] = "variant (V)",
	[LOT_FIELD_CHECK_MOD10] = "check digit (C)",
	[LOT_FIELD_CHECK_MOD37_36] = "check character (K)",
};

const char *
lottrace_lot_field_name(LotField field)
{
	return field_names[field];
}

static bool
is_date_field(LotField field)
{
	return field <= LOT_FIELD_DAY_OF_YEAR;
}

pg_noreturn static void
template_error(const char *tmpl, const char *at, const char *reason)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid lot template at position %d: %s",
					lottrace_char_position(tmpl, at), reason)));
}

static void
add_position(LotTemplate *result, const char *tmpl, const char *at,
			 LotPositionClass class, char literal)
{
	if (result->width >= LOT_MAX_LENGTH)
		template_error(tmpl, at, psprintf("a lot code has at most %d characters",
										  LOT_MAX_LENGTH));
	result->position_class[result->width] = class;
	result->literal[result->width] = literal;
	result->field_ending_at[result->width] = LOT_NO_FIELD;
	result->width++;
}

/* The field a template letter stands for; X is handled by the caller. */
static LotField
field_for_letter(char c)
{
	switch (c)
	{
		case 'Y':
			return LOT_FIELD_YEAR;
		case 'M':
			return LOT_FIELD_MONTH;
		case 'D':
			return LOT_FIELD_DAY;
		case 'J':
			return LOT_FIELD_DAY_OF_YEAR;
		case 'F':
			return LOT_FIELD_FACILITY;
		case 'L':
			return LOT_FIELD_LINE;
		case 'S':
			return LOT_FIELD_SHIFT;
		case 'N':
			return LOT_FIELD_SEQUENCE;
		case 'V':
			return LOT_FIELD_VARIANT;
		case 'C':
			return LOT_FIELD_CHECK_MOD10;
		case 'K':
			return LOT_FIELD_CHECK_MOD37_36;
		default:
			return LOT_NO_FIELD;
	}
}

/* Checks that a run of "count" copies of a field letter is a valid field. */
static void
check_field_width(const char *tmpl, const char *at, LotField field, int count)
{
	switch (field)
	{
		case LOT_FIELD_YEAR:
			if (count != 4 && count != 2)
				template_error(tmpl, at, "the year is written YYYY or YY");
			break;
		case LOT_FIELD_MONTH:
			if (count != 2)
				template_error(tmpl, at, "the month is written MM");
			break;
		case LOT_FIELD_DAY:
			if (count != 2)
				template_error(tmpl, at, "the day is written DD");
			break;
		case LOT_FIELD_DAY_OF_YEAR:
			if (count != 3)
				template_error(tmpl, at, "the day of year is written JJJ");
			break;
		case LOT_FIELD_SHIFT:
		case LOT_FIELD_SEQUENCE:
			if (count > LOT_MAX_NUMBER_WIDTH)
				template_error(tmpl, at,
							   psprintf("the %s has at most %d digits",
										field_names[field], LOT_MAX_NUMBER_WIDTH));
			break;
		case LOT_FIELD_CHECK_MOD10:
		case LOT_FIELD_CHECK_MOD37_36:
			if (count != 1)
				template_error(tmpl, at,
							   psprintf("the %s is a single character",
										field_names[field]));
			break;
		default:
			break;
	}
}

void
lottrace_lot_template_compile(const char *tmpl, int len, LotTemplate *result)
{
	const char *p = tmpl;
	const char *end = tmpl + len;
	int			last_date_end = -1;

	memset(result, 0, sizeof(LotTemplate));
	result->last_date_field = LOT_NO_FIELD;

	while (p < end)
	{
		unsigned char c = (unsigned char) *p;
		LotField	field;

		if (c == '"')
		{
			/* quoted literal; "" inside it stands for one " */
			const char *open = p++;

			for (;;)
			{
				if (p >= end)
					template_error(tmpl, open, "quoted text is not closed");
				if (*p == '"')
				{
					if (p + 1 < end && p[1] == '"')
					{
						add_position(result, tmpl, p, LOT_POS_LITERAL, '"');
						p += 2;
						continue;
					}
					p++;
					break;
				}
				if (!is_cset82((unsigned char) *p))
					template_error(tmpl, p,
								   psprintf("character %s cannot appear in a lot code",
											lottrace_describe_char(p, end)));
				add_position(result, tmpl, p, LOT_POS_LITERAL, *p);
				p++;
			}
			continue;
		}

		if (c == 'X')
		{
			add_position(result, tmpl, p, LOT_POS_ANY, 0);
			result->has_any = true;
			p++;
			continue;
		}

		field = field_for_letter(c);
		if (field != LOT_NO_FIELD)
		{
			const char *run_start = p;
			LotTemplateField *f = &result->fields[field];
			LotPositionClass class;
			int			count;

			while (p < end && *p == c)
				p++;
			count = p - run_start;

			if (f->present)
				template_error(tmpl, run_start,
							   psprintf("the %s appears twice", field_names[field]));
			check_field_width(tmpl, run_start, field, count);
			if ((field == LOT_FIELD_DAY_OF_YEAR &&
				 (result->fields[LOT_FIELD_MONTH].present ||
				  result->fields[LOT_FIELD_DAY].present)) ||
				((field == LOT_FIELD_MONTH || field == LOT_FIELD_DAY) &&
				 result->fields[LOT_FIELD_DAY_OF_YEAR].present))
				template_error(tmpl, run_start,
							   "a template has either a day of year (JJJ) or a month and day (MM, DD)");

			class = (field == LOT_FIELD_FACILITY || field == LOT_FIELD_LINE ||
					 field == LOT_FIELD_VARIANT || field == LOT_FIELD_CHECK_MOD37_36)
				? LOT_POS_ALNUM : LOT_POS_DIGIT;

			f->present = true;
			f->start = result->width;
			f->width = count;
			for (int i = 0; i < count; i++)
				add_position(result, tmpl, run_start + i, class, 0);
			result->field_ending_at[result->width - 1] = field;

			if (field == LOT_FIELD_YEAR)
				result->two_digit_year = (count == 2);
			if (is_date_field(field) && result->width > last_date_end)
			{
				last_date_end = result->width;
				result->last_date_field = field;
			}
			continue;
		}

		if (!is_cset82(c))
			template_error(tmpl, p,
						   psprintf("character %s cannot appear in a lot code",
									lottrace_describe_char(p, end)));
		add_position(result, tmpl, p, LOT_POS_LITERAL, c);
		p++;
	}

	if (result->width == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid lot template: it describes no characters")));
}

LotTemplateCache *
lottrace_lot_template_cached(FmgrInfo *flinfo, text *tmpl)
{
	LotTemplateCache *cache = (LotTemplateCache *) flinfo->fn_extra;
	const char *source = VARDATA_ANY(tmpl);
	int			len = VARSIZE_ANY_EXHDR(tmpl);

	if (cache != NULL && cache->len == len && memcmp(cache->source, source, len) == 0)
		return cache;

	if (cache == NULL)
		cache = MemoryContextAllocZero(flinfo->fn_mcxt, sizeof(LotTemplateCache));
	else
	{
		pfree(cache->source);
		cache->source = NULL;
		cache->len = -1;
	}
	flinfo->fn_extra = cache;

	/* Compile first, so a bad template leaves no half-filled entry behind. */
	lottrace_lot_template_compile(source, len, &cache->compiled);
	cache->source = MemoryContextAlloc(flinfo->fn_mcxt, Max(len, 1));
	memcpy(cache->source, source, len);
	cache->len = len;
	return cache;
}

static int
read_number(const char *s, int width)
{
	int			value = 0;

	for (int i = 0; i < width; i++)
		value = value * 10 + (s[i] - '0');
	return value;
}

static bool
is_leap_year(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

/* Days in a month; February has 29 when the year is unknown (-1). */
static int
days_in_month(int year, int month)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (month == 2 && (year < 0 || is_leap_year(year)))
		return 29;
	return days[month - 1];
}

static bool
mismatch(LotMismatch *m, LotMismatchReason reason, int position, LotField field,
		 char expected)
{
	m->reason = reason;
	m->position = position;
	m->field = field;
	m->expected = expected;
	return false;
}

/* The date fields read so far make a real date. */
static bool
check_date(const LotTemplate *tmpl, LotParts *parts, LotMismatch *m)
{
	if (parts->day_of_year > 0)
	{
		int			days = (parts->year < 0 || is_leap_year(parts->year)) ? 366 : 365;

		m->year = parts->year;
		if (parts->day_of_year > days)
			return mismatch(m, LOT_MISMATCH_NO_SUCH_DATE,
							tmpl->fields[LOT_FIELD_DAY_OF_YEAR].start,
							LOT_FIELD_DAY_OF_YEAR, 0);
	}
	else if (parts->day > 0 && parts->month > 0)
	{
		m->year = parts->year;
		if (parts->day > days_in_month(parts->year, parts->month))
			return mismatch(m, LOT_MISMATCH_NO_SUCH_DATE,
							tmpl->fields[LOT_FIELD_DAY].start, LOT_FIELD_DAY, 0);
	}
	return true;
}

/* A field has been read completely: take its value and check its range. */
static bool
finish_field(const LotTemplate *tmpl, LotField field, const char *code,
			 LotParts *parts, LotMismatch *m)
{
	const LotTemplateField *f = &tmpl->fields[field];
	const char *s = code + f->start;

	switch (field)
	{
		case LOT_FIELD_YEAR:
			parts->year = read_number(s, f->width);
			if (tmpl->two_digit_year)
				parts->year += 2000;
			else if (parts->year == 0)
				return mismatch(m, LOT_MISMATCH_OUT_OF_RANGE, f->start, field, 0);
			break;
		case LOT_FIELD_MONTH:
			parts->month = read_number(s, f->width);
			if (parts->month < 1 || parts->month > 12)
				return mismatch(m, LOT_MISMATCH_OUT_OF_RANGE, f->start, field, 0);
			break;
		case LOT_FIELD_DAY:
			parts->day = read_number(s, f->width);
			if (parts->day < 1 || parts->day > 31)
				return mismatch(m, LOT_MISMATCH_OUT_OF_RANGE, f->start, field, 0);
			break;
		case LOT_FIELD_DAY_OF_YEAR:
			parts->day_of_year = read_number(s, f->width);
			if (parts->day_of_year < 1 || parts->day_of_year > 366)
				return mismatch(m, LOT_MISMATCH_OUT_OF_RANGE, f->start, field, 0);
			break;
		case LOT_FIELD_SHIFT:
			parts->shift = read_number(s, f->width);
			break;
		case LOT_FIELD_SEQUENCE:
			parts->sequence = read_number(s, f->width);
			break;
		case LOT_FIELD_CHECK_MOD10:
		case LOT_FIELD_CHECK_MOD37_36:
			{
				char		expected = field == LOT_FIELD_CHECK_MOD10
					? gs1_mod10_check_digit(code, f->start)
					: lottrace_iso7064_mod37_36_check_character(code, f->start);

				if (*s != expected)
					return mismatch(m, LOT_MISMATCH_CHECK, f->start, field, expected);
				break;
			}
		default:
			break;
	}

	if (field == tmpl->last_date_field)
		return check_date(tmpl, parts, m);
	return true;
}

bool
lottrace_lot_template_match(const LotTemplate *tmpl, const char *code, int len,
							LotParts *parts, LotMismatch *m)
{
	parts->year = parts->month = parts->day = parts->day_of_year = -1;
	parts->shift = parts->sequence = -1;

	for (int pos = 0; pos < tmpl->width; pos++)
	{
		unsigned char c;
		LotField	field;

		if (pos >= len)
			return mismatch(m, LOT_MISMATCH_TOO_SHORT, len, LOT_NO_FIELD, 0);

		c = (unsigned char) code[pos];
		switch ((LotPositionClass) tmpl->position_class[pos])
		{
			case LOT_POS_LITERAL:
				if (c != (unsigned char) tmpl->literal[pos])
					return mismatch(m, LOT_MISMATCH_LITERAL, pos, LOT_NO_FIELD,
									tmpl->literal[pos]);
				break;
			case LOT_POS_DIGIT:
				if (!is_ascii_digit(c))
					return mismatch(m, LOT_MISMATCH_NOT_DIGIT, pos, LOT_NO_FIELD, 0);
				break;
			case LOT_POS_ALNUM:
				if (!is_ascii_alnum(c))
					return mismatch(m, LOT_MISMATCH_NOT_ALNUM, pos, LOT_NO_FIELD, 0);
				break;
			case LOT_POS_ANY:
				/* a lot holds only CSET 82 characters already */
				break;
		}

		field = tmpl->field_ending_at[pos];
		if (field != LOT_NO_FIELD && !finish_field(tmpl, field, code, parts, m))
			return false;
	}

	if (len > tmpl->width)
		return mismatch(m, LOT_MISMATCH_TOO_LONG, tmpl->width, LOT_NO_FIELD, 0);
	return true;
}

/* The field covering a position, for messages. */
static LotField
field_at(const LotTemplate *tmpl, int pos)
{
	for (int f = 0; f < LOT_NUM_FIELDS; f++)
	{
		const LotTemplateField *field = &tmpl->fields[f];

		if (field->present && pos >= field->start && pos < field->start + field->width)
			return f;
	}
	return LOT_NO_FIELD;
}

char *
lottrace_lot_mismatch_describe(const LotTemplate *tmpl, const char *code, int len,
							   const LotMismatch *m)
{
	const char *found = m->position < len ? lottrace_describe_char(code + m->position, code + len) : NULL;
	const char *value = code + (m->field != LOT_NO_FIELD ? tmpl->fields[m->field].start : 0);
	int			width = m->field != LOT_NO_FIELD ? tmpl->fields[m->field].width : 0;

	switch (m->reason)
	{
		case LOT_MISMATCH_TOO_SHORT:
			return psprintf("the code ends, but the template expects %d more character%s",
							tmpl->width - len, tmpl->width - len == 1 ? "" : "s");
		case LOT_MISMATCH_TOO_LONG:
			return psprintf("the template ends, but the code goes on with %s", found);
		case LOT_MISMATCH_LITERAL:
			return psprintf("expected \"%c\", found %s", m->expected, found);
		case LOT_MISMATCH_NOT_DIGIT:
			return psprintf("expected a digit for the %s, found %s",
							field_names[field_at(tmpl, m->position)], found);
		case LOT_MISMATCH_NOT_ALNUM:
			return psprintf("expected a letter or digit for the %s, found %s",
							field_names[field_at(tmpl, m->position)], found);
		case LOT_MISMATCH_OUT_OF_RANGE:
			switch (m->field)
			{
				case LOT_FIELD_YEAR:
					return psprintf("year %.*s does not exist", width, value);
				case LOT_FIELD_MONTH:
					return psprintf("month %.*s is not between 01 and 12", width, value);
				case LOT_FIELD_DAY:
					return psprintf("day %.*s is not between 01 and 31", width, value);
				default:
					return psprintf("day of year %.*s is not between 001 and 366", width, value);
			}
		case LOT_MISMATCH_NO_SUCH_DATE:
			if (m->field == LOT_FIELD_DAY_OF_YEAR)
				return psprintf("day of year %.*s does not exist in %04d", width, value,
								m->year);
			if (tmpl->fields[LOT_FIELD_YEAR].present)
				return psprintf("day %.*s does not exist in %04d-%.2s", width, value,
								m->year, code + tmpl->fields[LOT_FIELD_MONTH].start);
			return psprintf("day %.*s does not exist in month %.2s", width, value,
							code + tmpl->fields[LOT_FIELD_MONTH].start);
		case LOT_MISMATCH_CHECK:
			return psprintf("check character should be %c", m->expected);
	}
	return NULL;				/* keep compiler quiet */
}

/* Copies a text value into a letters-and-digits field, or raises. */
static void
format_alnum_field(const LotTemplate *tmpl, LotField field, text *value, char *out)
{
	const LotTemplateField *f = &tmpl->fields[field];
	const char *s = VARDATA_ANY(value);
	int			len = VARSIZE_ANY_EXHDR(value);

	for (int i = 0; i < len; i++)
	{
		if (!is_ascii_alnum((unsigned char) s[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the %s may contain only letters and digits, not %s",
							field_names[field], lottrace_describe_char(s + i, s + len))));
	}
	if (len != f->width)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the %s \"%.*s\" does not fit the template's %d-character field",
						field_names[field], len, s, f->width)));
	memcpy(out + f->start, s, len);
}

static void
format_number_field(const LotTemplate *tmpl, LotField field, int value, char *out)
{
	const LotTemplateField *f = &tmpl->fields[field];
	int			remaining = value;

	if (value >= 0)
	{
		for (int i = f->width - 1; i >= 0; i--)
		{
			out[f->start + i] = '0' + remaining % 10;
			remaining /= 10;
		}
	}
	if (value < 0 || remaining != 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("the %s %d does not fit the template's %d-digit field",
						field_names[field], value, f->width)));
}

static void
require_value(const LotTemplate *tmpl, LotField field, bool given)
{
	if (tmpl->fields[field].present && !given)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the template has a %s, but no value was given for it",
						field_names[field])));
	if (!tmpl->fields[field].present && given)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a value was given for the %s, but the template has no such field",
						field_names[field])));
}

static void
format_date_fields(const LotTemplate *tmpl, const LotFormatValues *values, char *out)
{
	int			year,
				month,
				day;

	if (DATE_NOT_FINITE(values->date))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("the production date must be finite")));
	j2date(values->date + POSTGRES_EPOCH_JDATE, &year, &month, &day);

	if (tmpl->fields[LOT_FIELD_YEAR].present)
	{
		if (tmpl->two_digit_year && (year < 2000 || year > 2099))
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("year %d does not fit YY, which covers 2000 to 2099", year)));
		if (year < 1 || year > 9999)
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("year %d does not fit YYYY", year)));
		format_number_field(tmpl, LOT_FIELD_YEAR,
							tmpl->two_digit_year ? year - 2000 : year, out);
	}
	if (tmpl->fields[LOT_FIELD_MONTH].present)
		format_number_field(tmpl, LOT_FIELD_MONTH, month, out);
	if (tmpl->fields[LOT_FIELD_DAY].present)
		format_number_field(tmpl, LOT_FIELD_DAY, day, out);
	if (tmpl->fields[LOT_FIELD_DAY_OF_YEAR].present)
		format_number_field(tmpl, LOT_FIELD_DAY_OF_YEAR,
							date2j(year, month, day) - date2j(year, 1, 1) + 1, out);
}

int
lottrace_lot_template_format(const LotTemplate *tmpl, const LotFormatValues *values,
							 bool sequence_placeholder, char *out)
{
	bool		has_date_field = false;

	if (tmpl->has_any)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot build a lot code from a template that contains X"),
				 errdetail("X stands for any character, so the template does not say which one to write.")));

	for (int f = 0; f <= LOT_FIELD_DAY_OF_YEAR; f++)
		has_date_field |= tmpl->fields[f].present;
	/* The production date is optional for templates without a date. */
	if (has_date_field && !values->has_date)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the template has a date, but the production date is null")));
	require_value(tmpl, LOT_FIELD_FACILITY, values->facility != NULL);
	require_value(tmpl, LOT_FIELD_LINE, values->line != NULL);
	require_value(tmpl, LOT_FIELD_SHIFT, values->has_shift);
	if (!sequence_placeholder)
		require_value(tmpl, LOT_FIELD_SEQUENCE, values->has_sequence);
	require_value(tmpl, LOT_FIELD_VARIANT, values->variant != NULL);

	for (int pos = 0; pos < tmpl->width; pos++)
		out[pos] = tmpl->literal[pos];

	if (has_date_field)
		format_date_fields(tmpl, values, out);
	if (values->facility)
		format_alnum_field(tmpl, LOT_FIELD_FACILITY, values->facility, out);
	if (values->line)
		format_alnum_field(tmpl, LOT_FIELD_LINE, values->line, out);
	if (values->has_shift)
		format_number_field(tmpl, LOT_FIELD_SHIFT, values->shift, out);
	if (values->variant)
		format_alnum_field(tmpl, LOT_FIELD_VARIANT, values->variant, out);

	if (sequence_placeholder)
	{
		const LotTemplateField *seq = &tmpl->fields[LOT_FIELD_SEQUENCE];

		memset(out + seq->start, '#', seq->width);
		for (int f = LOT_FIELD_CHECK_MOD10; f <= LOT_FIELD_CHECK_MOD37_36; f++)
			if (tmpl->fields[f].present)
				out[tmpl->fields[f].start] = '#';
		return tmpl->width;
	}

	if (values->has_sequence)
		format_number_field(tmpl, LOT_FIELD_SEQUENCE, values->sequence, out);

	/* Check characters cover what precedes them, including each other. */
	for (int pos = 0; pos < tmpl->width; pos++)
	{
		LotField	field = tmpl->field_ending_at[pos];

		if (field == LOT_FIELD_CHECK_MOD10)
			out[pos] = gs1_mod10_check_digit(out, pos);
		else if (field == LOT_FIELD_CHECK_MOD37_36)
			out[pos] = lottrace_iso7064_mod37_36_check_character(out, pos);
	}
	return tmpl->width;
}
