/*
 * uom.h
 *	  Units of measure: spellings, built-in conversions within mass, volume
 *	  and count, and the conversions users keep in lottrace.uom_conversions.
 *
 * A unit is known by a small number (UomUnit) for the life of a catalog.
 * Built-in units are the UN/ECE recommendation 20 codes (KGM, LTR, EA...),
 * which every common spelling ("kg", "Litre", "pcs") maps to; any other
 * text is a unit of its own, compared exactly (after trimming white space).
 * UOM_NONE is a quantity without a unit, which converts only to itself.
 */
#ifndef LOTTRACE_UOM_H
#define LOTTRACE_UOM_H

#include "postgres.h"

#include "utils/numeric.h"

typedef int32 UomUnit;
typedef int32 UomItem;

#define UOM_NONE		0		/* no unit */
#define UOM_ANY_ITEM	(-1)	/* an item without conversions of its own */

typedef struct UomCatalog UomCatalog;

/*
 * The built-in units and the rows of lottrace.uom_conversions, read with
 * the caller's privileges and snapshot (through SPI).  Allocated
 * in the current memory context.
 */
extern UomCatalog *lottrace_uom_catalog_load(void);

/* the unit a spelling stands for; NULL or blank text is UOM_NONE */
extern UomUnit lottrace_uom_unit(UomCatalog *cat, const char *spelling, int len);

/* the unit's code (built-in) or text, "(no unit)" for UOM_NONE */
extern const char *lottrace_uom_unit_name(UomCatalog *cat, UomUnit unit);

/* the item's own conversions, or UOM_ANY_ITEM when it has none */
extern UomItem lottrace_uom_item(UomCatalog *cat, const char *item, int len);

/*
 * A text of the data (a unit or an item as written), kept once however
 * often it is met: its number, then its text, its unit (-1 or UOM_NONE for
 * no text) and the item it names, each worked out once.
 */
extern int32 lottrace_uom_text(UomCatalog *cat, const char *text, int len);
extern const char *lottrace_uom_text_string(UomCatalog *cat, int32 text);
extern UomUnit lottrace_uom_text_unit(UomCatalog *cat, int32 text);
extern UomItem lottrace_uom_text_item(UomCatalog *cat, int32 text);

/*
 * How many "to" one "from" is for the item, as a double; false when no
 * chain of conversions leads there.  Results are remembered.
 */
extern bool lottrace_uom_factor(UomCatalog *cat, UomItem item, UomUnit from, UomUnit to,
					   double *factor);

/* the same, exactly: quantity * factor as a numeric, NULL when none */
extern Numeric lottrace_uom_convert_numeric(UomCatalog *cat, Numeric quantity, UomItem item,
								   UomUnit from, UomUnit to);

#endif							/* LOTTRACE_UOM_H */
