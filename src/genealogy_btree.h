/*
 * genealogy_btree.h
 *	  Reading a genealogy index page by page for a sorted frontier (see
 *	  genealogy_btree.c); used by genealogy.c.
 */
#ifndef LOTTRACE_GENEALOGY_BTREE_H
#define LOTTRACE_GENEALOGY_BTREE_H

#include "executor/tuptable.h"
#include "utils/relcache.h"
#include "utils/snapshot.h"

#include "genealogy.h"

typedef struct BtreeLinkReader BtreeLinkReader;

/* fills quantity and kind from the heap tuple in the reader's slot */
typedef void (*BtreeDetailsReader) (void *arg, GenealogyLink *link);

/*
 * A reader of index (near) INCLUDE (..., far, ..., id, ...) over heap, in
 * the current memory context; NULL when the index is not a version 4 btree
 * on one int8 key.  With far_col 0 only the keys are reported (existence);
 * with time_col, links carry the time found there (linked_at).  With
 * quantity_col and uom_col (the link's quantity and uom among the INCLUDE
 * columns, after the fixed-width ones), details are read from the index,
 * with no heap access for an all-visible page, and without the link's kind
 * (InvalidOid); without them, from the heap tuple (read_details).  With
 * item_col too (lots_quantities_idx, a covering index of lots), an entry
 * is a lot's row: its quantity, uom and item.
 */
extern BtreeLinkReader *lottrace_btree_reader_create(Relation heap, Relation index,
													 AttrNumber far_col, AttrNumber id_col,
													 AttrNumber time_col, AttrNumber quantity_col,
													 AttrNumber uom_col, AttrNumber item_col,
													 Snapshot snapshot, TupleTableSlot *slot);
extern void lottrace_btree_reader_free(BtreeLinkReader *reader);

/*
 * Visit every visible entry of the sorted, distinct keys whose far end is
 * not in "skip" (if given; looked up under the page lock), in key order;
 * returns true when the visitor stopped the read.
 */
extern bool lottrace_btree_reader_read(BtreeLinkReader *reader, const int64 *keys, int64 nkeys,
									   bool details, LotSet *skip,
									   GenealogyLinkVisitor visit, void *arg,
									   BtreeDetailsReader read_details, void *details_arg,
									   TraceLevelStats *stats);

#endif							/* LOTTRACE_GENEALOGY_BTREE_H */
