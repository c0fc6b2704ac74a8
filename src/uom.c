/*
 * uom.c
 *	  Units of measure and their conversions, for trace_quantities and
 *	  uom_convert.
 *
 * Built in: the UN/ECE recommendation 20 codes of mass, volume and count
 * that EPCIS quantities use, each with its size in its dimension's base
 * unit (KGM, LTR, C62), and the common spellings of each ("kg", "litre",
 * "pcs"), matched without regard to case.  Any other unit is text of its
 * own, matched exactly once trimmed.  Users add conversions to
 * lottrace.uom_conversions: "one from_uom is factor to_uom", for one item
 * or (item NULL) for every item; a row converts both ways.
 *
 * A conversion is a chain of steps, found breadth first so that the
 * shortest chain wins: a step is a row of the item's own (tried first), a
 * row for every item, or a built-in step within one dimension.  So with
 * "1 bag = 25 KGM" for flour, bags of flour convert to pounds and grams
 * too.  Factors are multiplied exactly (numeric) for uom_convert and in
 * double precision for the trace.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/snapmgr.h"

#include "compat.h"
#include "uom.h"

typedef enum UomDimension
{
	DIM_NONE = -1,
	DIM_MASS,
	DIM_VOLUME,
	DIM_COUNT
} UomDimension;

typedef struct BuiltinUnit
{
	const char *code;
	UomDimension dimension;
	const char *size;			/* in KGM, LTR or C62 */
} BuiltinUnit;

static const BuiltinUnit builtin_units[] = {
	/* mass, in kilograms */
	{"KGM", DIM_MASS, "1"},
	{"GRM", DIM_MASS, "0.001"},
	{"MGM", DIM_MASS, "0.000001"},
	{"MC", DIM_MASS, "0.000000001"},	/* microgram */
	{"TNE", DIM_MASS, "1000"},	/* tonne */
	{"LBR", DIM_MASS, "0.45359237"},	/* pound */
	{"ONZ", DIM_MASS, "0.028349523125"},	/* ounce */
	{"STN", DIM_MASS, "907.18474"}, /* short ton */
	{"LTN", DIM_MASS, "1016.0469088"},	/* long ton */
	/* volume, in litres */
	{"LTR", DIM_VOLUME, "1"},
	{"MLT", DIM_VOLUME, "0.001"},
	{"CLT", DIM_VOLUME, "0.01"},
	{"DLT", DIM_VOLUME, "0.1"},
	{"HLT", DIM_VOLUME, "100"},
	{"MTQ", DIM_VOLUME, "1000"},	/* cubic metre */
	{"DMQ", DIM_VOLUME, "1"},	/* cubic decimetre */
	{"CMQ", DIM_VOLUME, "0.001"},	/* cubic centimetre */
	{"GLL", DIM_VOLUME, "3.785411784"}, /* US gallon */
	{"GLI", DIM_VOLUME, "4.54609"}, /* imperial gallon */
	{"QT", DIM_VOLUME, "0.946352946"},	/* US liquid quart */
	{"OZA", DIM_VOLUME, "0.0295735295625"}, /* US fluid ounce */
	{"OZI", DIM_VOLUME, "0.0284130625"},	/* imperial fluid ounce */
	/* count, in ones */
	{"C62", DIM_COUNT, "1"},	/* one */
	{"EA", DIM_COUNT, "1"},		/* each */
	{"H87", DIM_COUNT, "1"},	/* piece */
	{"PR", DIM_COUNT, "2"},		/* pair */
	{"DZN", DIM_COUNT, "12"},	/* dozen */
	{"GRO", DIM_COUNT, "144"},	/* gross */
};

/* common spellings (matched without regard to case), besides the codes */
static const struct
{
	const char *spelling;
	const char *code;
}			spellings[] = {
	{"kg", "KGM"}, {"kgs", "KGM"}, {"kilo", "KGM"}, {"kilos", "KGM"},
	{"kilogram", "KGM"}, {"kilograms", "KGM"}, {"kilogramme", "KGM"}, {"kilogrammes", "KGM"},
	{"g", "GRM"}, {"gram", "GRM"}, {"grams", "GRM"}, {"gramme", "GRM"}, {"grammes", "GRM"},
	{"mg", "MGM"}, {"milligram", "MGM"}, {"milligrams", "MGM"},
	{"mcg", "MC"}, {"ug", "MC"}, {"microgram", "MC"}, {"micrograms", "MC"},
	{"t", "TNE"}, {"tonne", "TNE"}, {"tonnes", "TNE"},
	{"lb", "LBR"}, {"lbs", "LBR"}, {"pound", "LBR"}, {"pounds", "LBR"},
	{"oz", "ONZ"}, {"ounce", "ONZ"}, {"ounces", "ONZ"},
	{"l", "LTR"}, {"lt", "LTR"}, {"litre", "LTR"}, {"litres", "LTR"}, {"liter", "LTR"}, {"liters", "LTR"},
	{"ml", "MLT"}, {"millilitre", "MLT"}, {"millilitres", "MLT"}, {"milliliter", "MLT"}, {"milliliters", "MLT"},
	{"cl", "CLT"}, {"dl", "DLT"}, {"hl", "HLT"},
	{"m3", "MTQ"}, {"dm3", "DMQ"}, {"cm3", "CMQ"}, {"cc", "CMQ"},
	{"gal", "GLL"}, {"gallon", "GLL"}, {"gallons", "GLL"},
	{"qt", "QT"}, {"quart", "QT"}, {"quarts", "QT"},
	{"fl oz", "OZA"}, {"fl. oz.", "OZA"},
	{"ea", "EA"}, {"each", "EA"},
	{"pc", "H87"}, {"pcs", "H87"}, {"piece", "H87"}, {"pieces", "H87"},
	{"unit", "C62"}, {"units", "C62"},
	{"pair", "PR"}, {"pairs", "PR"},
	{"dozen", "DZN"}, {"dz", "DZN"}, {"doz", "DZN"},
	{"gross", "GRO"},
};

typedef struct UnitInfo
{
	char	   *name;
	UomDimension dimension;
	double		size;			/* built-in: in the dimension's base unit */
	Numeric		size_numeric;
} UnitInfo;

/*
 * Texts met before, hashed: spellings and their units, items with
 * conversions of their own, and the texts of the data (trace_quantities'
 * units and items as written).  Each entry has a value, set by the owner.
 */
typedef struct TextEntry
{
	char	   *text;
	int			len;
	int32		value;
	int32		value2;
} TextEntry;

typedef struct TextTable
{
	TextEntry  *entries;
	int32		n;
	int32		max;
	int32	   *slots;			/* entry + 1, 0 when free */
	uint32		nslots;			/* a power of two, at least twice n */
} TextTable;

/* a row of lottrace.uom_conversions: one "from" is factor "to" */
typedef struct UserConversion
{
	UomItem		item;			/* UOM_ANY_ITEM: every item */
	UomUnit		from;
	UomUnit		to;
	double		factor;
	Numeric		factor_numeric;
} UserConversion;

typedef struct FactorKey
{
	UomItem		item;
	UomUnit		from;
	UomUnit		to;
} FactorKey;

typedef struct FactorEntry
{
	FactorKey	key;
	bool		found;
	double		factor;
} FactorEntry;

/* one step of a chain: a row (forward or backward) or a built-in step */
typedef struct Step
{
	UomUnit		prev;
	int			row;			/* -1: built-in */
	bool		backward;
} Step;

struct UomCatalog
{
	MemoryContext cxt;
	UnitInfo   *units;
	int			nunits;
	int			maxunits;
	TextTable	spelled;		/* trimmed spelling -> unit */
	TextTable	items;			/* item with conversions of its own -> UomItem */
	TextTable	data;			/* text as written -> its unit and item, lazily */
	int32		data_last[2];	/* the entries of data looked up last, or -1 */
	UserConversion *rows;		/* the item's own rows come first per item */
	int			nrows;
	HTAB	   *factors;
};

static void
text_table_init(TextTable *t)
{
	t->n = 0;
	t->max = 16;
	t->entries = palloc(t->max * sizeof(TextEntry));
	t->nslots = 64;
	t->slots = palloc0(t->nslots * sizeof(int32));
}

/* the entry of the text, added (value -1) when new: *found says which */
static int32
text_table_lookup(UomCatalog *cat, TextTable *t, const char *text, int len, bool *found)
{
	uint32		h = hash_bytes((const unsigned char *) text, len);
	uint32		slot;
	TextEntry  *e;

	for (slot = h & (t->nslots - 1); t->slots[slot] != 0; slot = (slot + 1) & (t->nslots - 1))
	{
		e = &t->entries[t->slots[slot] - 1];
		if (e->len == len && memcmp(e->text, text, len) == 0)
		{
			*found = true;
			return t->slots[slot] - 1;
		}
	}
	*found = false;
	if (t->n >= PG_INT32_MAX / 4)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many distinct units and items")));
	if (t->n == t->max)
	{
		t->max *= 2;
		t->entries = repalloc_huge(t->entries, (Size) t->max * sizeof(TextEntry));
	}
	e = &t->entries[t->n];
	e->text = MemoryContextAlloc(cat->cxt, len + 1);
	memcpy(e->text, text, len);
	e->text[len] = '\0';
	e->len = len;
	e->value = -1;
	e->value2 = -1;
	t->slots[slot] = ++t->n;
	if ((uint32) t->n * 2 > t->nslots)
	{
		/* grow: rehash every entry */
		uint32		nslots = t->nslots * 2;
		int32	   *slots = MemoryContextAllocHuge(cat->cxt, nslots * sizeof(int32));

		memset(slots, 0, nslots * sizeof(int32));
		for (int32 i = 0; i < t->n; i++)
		{
			TextEntry  *x = &t->entries[i];
			uint32		s = hash_bytes((const unsigned char *) x->text, x->len) & (nslots - 1);

			while (slots[s] != 0)
				s = (s + 1) & (nslots - 1);
			slots[s] = i + 1;
		}
		pfree(t->slots);
		t->slots = slots;
		t->nslots = nslots;
	}
	return t->n - 1;
}

static UomUnit
add_unit(UomCatalog *cat, const char *name, UomDimension dimension, const char *size)
{
	UnitInfo   *u;

	if (cat->nunits == cat->maxunits)
	{
		cat->maxunits *= 2;
		cat->units = repalloc(cat->units, cat->maxunits * sizeof(UnitInfo));
	}
	u = &cat->units[cat->nunits];
	u->name = MemoryContextStrdup(cat->cxt, name);
	u->dimension = dimension;
	u->size = 0;
	u->size_numeric = NULL;
	if (size)
	{
		MemoryContext old = MemoryContextSwitchTo(cat->cxt);

		u->size_numeric = DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(size),
															  ObjectIdGetDatum(InvalidOid),
															  Int32GetDatum(-1)));
		u->size = strtod(size, NULL);
		MemoryContextSwitchTo(old);
	}
	return cat->nunits++;
}

static const char *
canonical_code(const char *text)
{
	for (size_t i = 0; i < lengthof(builtin_units); i++)
		if (pg_strcasecmp(text, builtin_units[i].code) == 0)
			return builtin_units[i].code;
	for (size_t i = 0; i < lengthof(spellings); i++)
		if (pg_strcasecmp(text, spellings[i].spelling) == 0)
			return spellings[i].code;
	return NULL;
}

UomUnit
lottrace_uom_unit(UomCatalog *cat, const char *spelling, int len)
{
	TextEntry  *e;
	const char *code;
	UomUnit		unit;
	bool		found;

	if (spelling == NULL)
		return UOM_NONE;
	while (len > 0 && isspace((unsigned char) spelling[0]))
		spelling++, len--;
	while (len > 0 && isspace((unsigned char) spelling[len - 1]))
		len--;
	if (len == 0)
		return UOM_NONE;
	e = &cat->spelled.entries[text_table_lookup(cat, &cat->spelled, spelling, len, &found)];
	if (found)
		return e->value;

	code = canonical_code(e->text);
	unit = -1;
	for (int i = 1; i < cat->nunits && unit < 0; i++)
		if (strcmp(cat->units[i].name, code ? code : e->text) == 0)
			unit = i;
	if (unit < 0)
		unit = add_unit(cat, e->text, DIM_NONE, NULL);
	/* (add_unit may have moved nothing of spelled: entries stay put) */
	cat->spelled.entries[cat->spelled.n - 1].value = unit;
	return unit;
}

const char *
lottrace_uom_unit_name(UomCatalog *cat, UomUnit unit)
{
	return unit == UOM_NONE ? "(no unit)" : cat->units[unit].name;
}

UomItem
lottrace_uom_item(UomCatalog *cat, const char *item, int len)
{
	bool		found;
	int32		e;

	/* a lookup adds the text: an item without rows becomes UOM_ANY_ITEM */
	e = text_table_lookup(cat, &cat->items, item, len, &found);
	if (!found)
		cat->items.entries[e].value = UOM_ANY_ITEM;
	return cat->items.entries[e].value;
}

int32
lottrace_uom_text(UomCatalog *cat, const char *text, int len)
{
	bool		found;
	int32		number;

	/*
	 * Rows in a row often have the same unit and item: no hash for those.
	 * Two are remembered, as a row's item and unit are looked up in turn.
	 */
	for (int i = 0; i < 2; i++)
	{
		TextEntry  *last;

		if (cat->data_last[i] < 0)
			continue;
		last = &cat->data.entries[cat->data_last[i]];
		if (last->len == len && memcmp(last->text, text, len) == 0)
			return cat->data_last[i];
	}
	number = text_table_lookup(cat, &cat->data, text, len, &found);
	cat->data_last[1] = cat->data_last[0];
	cat->data_last[0] = number;
	return number;
}

const char *
lottrace_uom_text_string(UomCatalog *cat, int32 text)
{
	return cat->data.entries[text].text;
}

UomUnit
lottrace_uom_text_unit(UomCatalog *cat, int32 text)
{
	TextEntry  *e;

	if (text < 0)
		return UOM_NONE;
	e = &cat->data.entries[text];
	if (e->value < 0)
	{
		UomUnit		unit = lottrace_uom_unit(cat, e->text, e->len);

		cat->data.entries[text].value = unit;
	}
	return cat->data.entries[text].value;
}

UomItem
lottrace_uom_text_item(UomCatalog *cat, int32 text)
{
	TextEntry  *e;

	if (text < 0)
		return UOM_ANY_ITEM;
	e = &cat->data.entries[text];
	/* value2: the item plus 2 once known (UOM_ANY_ITEM is -1), -1 before */
	if (e->value2 < 0)
		cat->data.entries[text].value2 = lottrace_uom_item(cat, e->text, e->len) + 2;
	return cat->data.entries[text].value2 - 2;
}

static int
row_cmp(const void *a, const void *b)
{
	const UserConversion *x = (const UserConversion *) a;
	const UserConversion *y = (const UserConversion *) b;

	/* the items' own rows first, so that a search meets them first */
	if ((x->item == UOM_ANY_ITEM) != (y->item == UOM_ANY_ITEM))
		return x->item == UOM_ANY_ITEM ? 1 : -1;
	return 0;
}

UomCatalog *
lottrace_uom_catalog_load(void)
{
	MemoryContext cxt = CurrentMemoryContext;
	UomCatalog *cat = palloc0(sizeof(UomCatalog));
	HASHCTL		ctl;
	uint64		n;

	cat->cxt = cxt;
	cat->maxunits = 64;
	cat->units = palloc(cat->maxunits * sizeof(UnitInfo));
	text_table_init(&cat->spelled);
	text_table_init(&cat->items);
	text_table_init(&cat->data);
	cat->data_last[0] = cat->data_last[1] = -1;
	add_unit(cat, "(no unit)", DIM_NONE, NULL);
	for (size_t i = 0; i < lengthof(builtin_units); i++)
		add_unit(cat, builtin_units[i].code, builtin_units[i].dimension, builtin_units[i].size);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute("SELECT c.item, c.from_uom, c.to_uom, c.factor FROM lottrace.uom_conversions c",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read lottrace.uom_conversions");
	n = SPI_processed;
	MemoryContextSwitchTo(cxt);
	cat->rows = palloc(Max(n, 1) * sizeof(UserConversion));
	for (uint64 i = 0; i < n; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		UserConversion *row = &cat->rows[cat->nrows++];
		char	   *item = SPI_getvalue(tuple, desc, 1);
		char	   *from = SPI_getvalue(tuple, desc, 2);
		char	   *to = SPI_getvalue(tuple, desc, 3);
		bool		isnull;
		Datum		factor = SPI_getbinval(tuple, desc, 4, &isnull);

		row->item = UOM_ANY_ITEM;
		if (item)
		{
			bool		found;
			int32		e = text_table_lookup(cat, &cat->items, item, strlen(item), &found);

			/* an item with rows is known by its entry */
			cat->items.entries[e].value = e;
			row->item = e;
		}
		row->from = lottrace_uom_unit(cat, from, strlen(from));
		row->to = lottrace_uom_unit(cat, to, strlen(to));
		row->factor_numeric = DatumGetNumericCopy(factor);
		row->factor = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, factor));
	}
	SPI_finish();
	MemoryContextSwitchTo(cxt);
	qsort(cat->rows, cat->nrows, sizeof(UserConversion), row_cmp);

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(FactorKey);
	ctl.entrysize = sizeof(FactorEntry);
	ctl.hcxt = cxt;
	cat->factors = hash_create("lottrace unit conversions", 64, &ctl,
							   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	return cat;
}

/*
 * The shortest chain of steps from "from" to "to" for the item, breadth
 * first; steps[u] tells how u was reached.  false when there is none.
 */
static bool
find_chain(UomCatalog *cat, UomItem item, UomUnit from, UomUnit to, Step *steps)
{
	UomUnit    *queue = palloc(cat->nunits * sizeof(UomUnit));
	bool	   *seen = palloc0(cat->nunits * sizeof(bool));
	int			head = 0;
	int			tail = 0;
	bool		found = false;

	seen[from] = true;
	queue[tail++] = from;
	while (head < tail && !found)
	{
		UomUnit		u = queue[head++];
		UnitInfo   *info = &cat->units[u];

		/* a built-in step straight to the target, or to a unit rows use */
		if (info->dimension != DIM_NONE)
		{
			for (int r = -1; r < cat->nrows * 2; r++)
			{
				UomUnit		v = (r < 0) ? to : (r % 2 == 0) ? cat->rows[r / 2].from : cat->rows[r / 2].to;

				if (seen[v] || cat->units[v].dimension != info->dimension)
					continue;
				seen[v] = true;
				steps[v].prev = u;
				steps[v].row = -1;
				steps[v].backward = false;
				queue[tail++] = v;
			}
		}
		for (int r = 0; r < cat->nrows; r++)
		{
			UserConversion *row = &cat->rows[r];
			UomUnit		v;

			if (row->item != UOM_ANY_ITEM && row->item != item)
				continue;
			if (row->from == u)
				v = row->to;
			else if (row->to == u)
				v = row->from;
			else
				continue;
			if (seen[v])
				continue;
			seen[v] = true;
			steps[v].prev = u;
			steps[v].row = r;
			steps[v].backward = (row->to == u);
			queue[tail++] = v;
		}
		found = seen[to];
	}
	pfree(queue);
	pfree(seen);
	return found || from == to;
}

bool
lottrace_uom_factor(UomCatalog *cat, UomItem item, UomUnit from, UomUnit to, double *factor)
{
	FactorKey	key;
	FactorEntry *entry;
	bool		present;

	if (from == to)
	{
		*factor = 1.0;
		return true;
	}
	memset(&key, 0, sizeof(key));
	key.item = item;
	key.from = from;
	key.to = to;
	entry = hash_search(cat->factors, &key, HASH_ENTER, &present);
	if (!present)
	{
		Step	   *steps = palloc(cat->nunits * sizeof(Step));

		entry->found = find_chain(cat, item, from, to, steps);
		entry->factor = 1.0;
		for (UomUnit u = to; entry->found && u != from; u = steps[u].prev)
		{
			Step	   *s = &steps[u];

			if (s->row < 0)
				entry->factor *= cat->units[s->prev].size / cat->units[u].size;
			else if (s->backward)
				entry->factor /= cat->rows[s->row].factor;
			else
				entry->factor *= cat->rows[s->row].factor;
		}
		pfree(steps);
		/* factors beyond double precision make no number: no conversion */
		if (!isfinite(entry->factor) || entry->factor <= 0)
			entry->found = false;
	}
	*factor = entry->factor;
	return entry->found;
}

static Numeric
numeric_op(PGFunction op, Numeric a, Numeric b)
{
	return DatumGetNumeric(DirectFunctionCall2(op, NumericGetDatum(a), NumericGetDatum(b)));
}

Numeric
lottrace_uom_convert_numeric(UomCatalog *cat, Numeric quantity, UomItem item, UomUnit from, UomUnit to)
{
	Step	   *steps = palloc(cat->nunits * sizeof(Step));
	Numeric		multiply = quantity;
	Numeric		divide = NULL;

	if (from == to)
		return quantity;
	if (!find_chain(cat, item, from, to, steps))
		return NULL;

	/* divide once, at the end: quantity times the sizes gone through */
	for (UomUnit u = to; u != from; u = steps[u].prev)
	{
		Step	   *s = &steps[u];
		Numeric		up;
		Numeric		down;

		if (s->row < 0)
		{
			up = cat->units[s->prev].size_numeric;
			down = cat->units[u].size_numeric;
		}
		else if (s->backward)
		{
			up = NULL;
			down = cat->rows[s->row].factor_numeric;
		}
		else
		{
			up = cat->rows[s->row].factor_numeric;
			down = NULL;
		}
		if (up)
			multiply = numeric_op(numeric_mul, multiply, up);
		if (down)
			divide = divide ? numeric_op(numeric_mul, divide, down) : down;
	}
	if (divide == NULL)
		return multiply;
	/* a quotient comes with 16 digits or more: drop its trailing zeros */
	return DatumGetNumeric(DirectFunctionCall1(numeric_trim_scale,
											   NumericGetDatum(numeric_op(numeric_div, multiply, divide))));
}

/*
 * uom_convert's catalog, kept across calls from one place of a query
 * (fn_extra) while it would read the same rows: for the same user and a
 * snapshot that sees the same transactions and commands.  Any transaction
 * that commits or aborts after it wrote moves xmax on, and the same
 * transaction's later commands have another command id, so a snapshot
 * equal in those fields sees the same rows of uom_conversions.
 */
typedef struct ConvertCache
{
	MemoryContext cxt;			/* the catalog's, reset for a new one */
	UomCatalog *cat;
	Oid			user;
	TransactionId xmin;
	TransactionId xmax;
	CommandId	curcid;
	bool		suboverflowed;
	uint32		xcnt;
	int32		subxcnt;
	TransactionId *xip;
	TransactionId *subxip;
} ConvertCache;

static bool
cache_valid(ConvertCache *c, Snapshot snap)
{
	return c->cat != NULL && c->user == GetUserId() &&
		c->xmin == snap->xmin && c->xmax == snap->xmax && c->curcid == snap->curcid &&
		c->suboverflowed == snap->suboverflowed &&
		c->xcnt == snap->xcnt && c->subxcnt == snap->subxcnt &&
		(snap->xcnt == 0 ||
		 memcmp(c->xip, snap->xip, snap->xcnt * sizeof(TransactionId)) == 0) &&
		(snap->subxcnt == 0 ||
		 memcmp(c->subxip, snap->subxip, snap->subxcnt * sizeof(TransactionId)) == 0);
}

static UomCatalog *
convert_catalog(FunctionCallInfo fcinfo)
{
	ConvertCache *c = (ConvertCache *) fcinfo->flinfo->fn_extra;
	Snapshot	snap = GetActiveSnapshot();
	MemoryContext old;

	if (c == NULL)
	{
		c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ConvertCache));
		c->cxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt, "lottrace uom_convert",
									   ALLOCSET_SMALL_SIZES);
		fcinfo->flinfo->fn_extra = c;
	}
	else if (cache_valid(c, snap))
		return c->cat;

	MemoryContextReset(c->cxt);
	c->cat = NULL;
	old = MemoryContextSwitchTo(c->cxt);
	c->xip = palloc(Max(snap->xcnt, 1) * sizeof(TransactionId));
	if (snap->xcnt > 0)			/* xip may be NULL then */
		memcpy(c->xip, snap->xip, snap->xcnt * sizeof(TransactionId));
	c->subxip = palloc(Max(snap->subxcnt, 1) * sizeof(TransactionId));
	if (snap->subxcnt > 0)
		memcpy(c->subxip, snap->subxip, snap->subxcnt * sizeof(TransactionId));
	c->user = GetUserId();
	c->xmin = snap->xmin;
	c->xmax = snap->xmax;
	c->curcid = snap->curcid;
	c->suboverflowed = snap->suboverflowed;
	c->xcnt = snap->xcnt;
	c->subxcnt = snap->subxcnt;
	c->cat = lottrace_uom_catalog_load();
	MemoryContextSwitchTo(old);
	return c->cat;
}

PG_FUNCTION_INFO_V1(lottrace_uom_convert);

/*
 * uom_convert(quantity numeric, from_uom text, to_uom text, item text):
 * NULL when a value is NULL or no conversion applies.  Reads the table
 * once for the rows a snapshot sees (convert_catalog).
 */
Datum
lottrace_uom_convert(PG_FUNCTION_ARGS)
{
	UomCatalog *cat;
	text	   *from;
	text	   *to;
	UomItem		item = UOM_ANY_ITEM;
	Numeric		result;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	cat = convert_catalog(fcinfo);
	from = PG_GETARG_TEXT_PP(1);
	to = PG_GETARG_TEXT_PP(2);
	if (!PG_ARGISNULL(3))
	{
		text	   *t = PG_GETARG_TEXT_PP(3);

		item = lottrace_uom_item(cat, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
	}
	result = lottrace_uom_convert_numeric(cat, PG_GETARG_NUMERIC(0), item,
								 lottrace_uom_unit(cat, VARDATA_ANY(from), VARSIZE_ANY_EXHDR(from)),
								 lottrace_uom_unit(cat, VARDATA_ANY(to), VARSIZE_ANY_EXHDR(to)));
	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_NUMERIC(result);
}
