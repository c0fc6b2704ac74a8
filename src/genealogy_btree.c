/*
 * genealogy_btree.c
 *	  Reading the genealogy indexes page by page, for a sorted frontier.
 *
 * The index AM answers one key per descent from the root, through the
 * generic scan-key machinery (an fmgr call per comparison).  A trace asks
 * for thousands of sorted keys at once, most of them near each other, so
 * this reader walks the btree itself:
 *
 *	- It keeps a private copy of the last page it read at every level.  The
 *	  next, larger key is looked up in the deepest copy that still covers it,
 *	  usually the leaf itself or its parent, instead of from the root.
 *	- Keys are int8, compared inline; pages are searched by binary search.
 *
 * Concurrency follows the btree's own rules (src/backend/access/nbtree/
 * README): a page is copied under a share lock, and a fresh page is
 * followed to its right sibling while it is deleted or half-dead or the key
 * is beyond its high key (Lehman and Yao), so concurrent splits never hide
 * a tuple.  A page copy is only ever used for keys at or above the key it
 * was reached for; its lower bound cannot move, only its upper bound (its
 * high key), which is checked.  Pages a copy points to cannot be recycled
 * while the statement's snapshot holds back the xmin horizon.  Every index
 * entry visible to the snapshot was inserted before it was taken, so entries
 * added during the read do not matter.  Visibility is decided like an
 * index-only scan: the visibility map, else the heap tuple.
 *
 * It needs a version 4 btree (heap TID in the key space, the default since
 * PostgreSQL 12) without posting lists (INCLUDE indexes never deduplicate);
 * genealogy.c uses the index AM otherwise.
 */
#include "postgres.h"

#include "access/nbtree.h"
#include "access/tableam.h"
#include "access/visibilitymap.h"
#include "access/xact.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/predicate.h"
#include "utils/rel.h"

#include "compat.h"
#include "genealogy_btree.h"

#define MAX_BTREE_LEVELS 16

struct BtreeLinkReader
{
	Relation	index;
	Relation	heap;
	Snapshot	snapshot;
	TupleDesc	itupdesc;
	AttrNumber	far_col;
	AttrNumber	id_col;
	TupleTableSlot *slot;		/* heap tuples, for visibility and details */
	IndexFetchTableData *fetch;
	Buffer		vmbuffer;
	bool		serializable;

	/* page copies by level (0 = leaf), valid up to "top" */
	int			top;			/* -1: nothing copied yet */
	BlockNumber blkno[MAX_BTREE_LEVELS];
	char	   *page[MAX_BTREE_LEVELS];
};

static inline int64
tuple_key(BtreeLinkReader *r, IndexTuple itup)
{
	bool		isnull;

	return DatumGetInt64(index_getattr(itup, 1, r->itupdesc, &isnull));
}

/*
 * Is the pivot tuple at most (key, minus infinity)?  A pivot with no key
 * attribute is minus infinity; one whose heap TID was truncated away equals
 * (key, minus infinity) when its key is the key.
 */
static inline bool
pivot_at_most(BtreeLinkReader *r, IndexTuple pivot, int64 key)
{
	int64		pivot_key;

	if (BTreeTupleGetNAtts(pivot, r->index) == 0)
		return true;
	pivot_key = tuple_key(r, pivot);
	if (pivot_key != key)
		return pivot_key < key;
	return BTreeTupleGetHeapTID(pivot) == NULL;
}

/* Is the key beyond the page's high key, so that it must go right? */
static inline bool
beyond_high_key(BtreeLinkReader *r, Page page, int64 key)
{
	BTPageOpaque opaque = BTPageGetOpaque(page);

	if (P_RIGHTMOST(opaque))
		return false;
	return pivot_at_most(r, (IndexTuple) PageGetItem(page, PageGetItemId(page, P_HIKEY)), key);
}

/*
 * Copy page blkno (or the right sibling that now holds the key) of the
 * given level.
 */
static void
read_page(BtreeLinkReader *r, BlockNumber blkno, int level, int64 key, TraceLevelStats *stats)
{
	for (;;)
	{
		Buffer		buf = ReadBuffer(r->index, blkno);
		Page		page;
		BTPageOpaque opaque;

		LockBuffer(buf, BUFFER_LOCK_SHARE);
		_bt_checkpage(r->index, buf);
		page = BufferGetPage(buf);
		opaque = BTPageGetOpaque(page);
		stats->reads++;
		if (P_IGNORE(opaque) || beyond_high_key(r, page, key))
		{
			blkno = opaque->btpo_next;
			UnlockReleaseBuffer(buf);
			if (blkno == P_NONE)
				elog(ERROR, "fell off the end of index \"%s\"", RelationGetRelationName(r->index));
			continue;
		}
		if (LOTTRACE_BTPO_LEVEL(opaque) != (uint32) level)
			elog(ERROR, "btree level %u does not match the expected %d in index \"%s\"",
				 LOTTRACE_BTPO_LEVEL(opaque), level, RelationGetRelationName(r->index));
		memcpy(r->page[level], page, BLCKSZ);
		r->blkno[level] = blkno;
		UnlockReleaseBuffer(buf);
		if (level == 0 && r->serializable)
			PredicateLockPage(r->index, blkno, r->snapshot);
		return;
	}
}

/* Start from the (fast) root, as the metapage says now. */
static bool
read_root(BtreeLinkReader *r, int64 key, TraceLevelStats *stats)
{
	Buffer		buf = ReadBuffer(r->index, BTREE_METAPAGE);
	BTMetaPageData *meta;
	BlockNumber root;
	uint32		level;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	meta = BTPageGetMeta(BufferGetPage(buf));
	if (meta->btm_magic != BTREE_MAGIC)
		elog(ERROR, "index \"%s\" is not a btree", RelationGetRelationName(r->index));
	root = meta->btm_fastroot;
	level = meta->btm_fastlevel;
	UnlockReleaseBuffer(buf);
	if (root == P_NONE)
		return false;			/* empty index */
	if (level >= MAX_BTREE_LEVELS)
		elog(ERROR, "index \"%s\" is too deep", RelationGetRelationName(r->index));
	r->top = (int) level;
	read_page(r, root, (int) level, key, stats);
	return true;
}

/*
 * Make the leaf copy the page where entries of the key start: from the
 * deepest copy that covers the key, follow downlinks (the last pivot at
 * most (key, minus infinity)) to the leaf.
 */
static bool
locate_leaf(BtreeLinkReader *r, int64 key, TraceLevelStats *stats)
{
	int			level = 0;

	while (level <= r->top && beyond_high_key(r, (Page) r->page[level], key))
		level++;
	if (level > r->top)
	{
		if (!read_root(r, key, stats))
			return false;
		level = r->top;
	}

	for (; level > 0; level--)
	{
		Page		page = (Page) r->page[level];
		BTPageOpaque opaque = BTPageGetOpaque(page);
		OffsetNumber low = P_FIRSTDATAKEY(opaque);
		OffsetNumber high = PageGetMaxOffsetNumber(page);
		IndexTuple	pivot;

		/* the first data item of an internal page is minus infinity */
		while (low < high)
		{
			OffsetNumber mid = low + (high - low + 1) / 2;

			if (pivot_at_most(r, (IndexTuple) PageGetItem(page, PageGetItemId(page, mid)), key))
				low = mid;
			else
				high = mid - 1;
		}
		pivot = (IndexTuple) PageGetItem(page, PageGetItemId(page, low));
		read_page(r, BTreeTupleGetDownLink(pivot), level - 1, key, stats);
	}
	return true;
}

/* first offset of the leaf copy whose key is at least the key */
static OffsetNumber
leaf_lower_bound(BtreeLinkReader *r, int64 key)
{
	Page		page = (Page) r->page[0];
	OffsetNumber low = P_FIRSTDATAKEY(BTPageGetOpaque(page));
	OffsetNumber high = PageGetMaxOffsetNumber(page) + 1;

	while (low < high)
	{
		OffsetNumber mid = low + (high - low) / 2;

		if (tuple_key(r, (IndexTuple) PageGetItem(page, PageGetItemId(page, mid))) < key)
			low = mid + 1;
		else
			high = mid;
	}
	return low;
}

BtreeLinkReader *
btree_reader_create(Relation heap, Relation index, AttrNumber far_col, AttrNumber id_col,
					Snapshot snapshot, TupleTableSlot *slot)
{
	BtreeLinkReader *r;
	Buffer		buf;
	uint32		version;

	buf = ReadBuffer(index, BTREE_METAPAGE);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	version = BTPageGetMeta(BufferGetPage(buf))->btm_version;
	UnlockReleaseBuffer(buf);
	if (version < BTREE_VERSION)
		return NULL;

	r = palloc0(sizeof(BtreeLinkReader));
	r->index = index;
	r->heap = heap;
	r->snapshot = snapshot;
	r->itupdesc = RelationGetDescr(index);
	r->far_col = far_col;
	r->id_col = id_col;
	r->slot = slot;
	r->fetch = table_index_fetch_begin(heap);
	r->vmbuffer = InvalidBuffer;
	r->serializable = IsolationIsSerializable();
	r->top = -1;
	for (int i = 0; i < MAX_BTREE_LEVELS; i++)
		r->page[i] = palloc(BLCKSZ);
	return r;
}

void
btree_reader_free(BtreeLinkReader *r)
{
	table_index_fetch_end(r->fetch);
	if (BufferIsValid(r->vmbuffer))
		ReleaseBuffer(r->vmbuffer);
	for (int i = 0; i < MAX_BTREE_LEVELS; i++)
		pfree(r->page[i]);
	pfree(r);
}

/*
 * Is the entry's heap tuple visible to the snapshot?  Like an index-only
 * scan: all-visible pages need no heap access.  With details, the heap
 * tuple is always fetched and left in the slot.
 */
static bool
entry_visible(BtreeLinkReader *r, ItemPointer tid, bool details, TraceLevelStats *stats)
{
	bool		call_again = false;
	bool		all_dead = false;
	ItemPointerData heap_tid = *tid;

	if (!details && VM_ALL_VISIBLE(r->heap, ItemPointerGetBlockNumber(tid), &r->vmbuffer))
	{
		if (r->serializable)
			PredicateLockPage(r->heap, ItemPointerGetBlockNumber(tid), r->snapshot);
		return true;
	}
	stats->heap_fetches++;
	if (!table_index_fetch_tuple(r->fetch, &heap_tid, r->snapshot, r->slot, &call_again, &all_dead))
		return false;
	if (!details)
		ExecClearTuple(r->slot);
	return true;
}

bool
btree_reader_read(BtreeLinkReader *r, const int64 *keys, int64 nkeys, bool details,
				  GenealogyLinkVisitor visit, void *arg, BtreeDetailsReader read_details,
				  void *details_arg, TraceLevelStats *stats)
{
	/* copies are valid for keys at or above the one they were read for */
	r->top = -1;

	for (int64 k = 0; k < nkeys; k++)
	{
		int64		key = keys[k];
		OffsetNumber off;

		CHECK_FOR_INTERRUPTS();
		if (!locate_leaf(r, key, stats))
			return false;
		off = leaf_lower_bound(r, key);
		for (;;)
		{
			Page		page = (Page) r->page[0];
			BTPageOpaque opaque = BTPageGetOpaque(page);
			OffsetNumber maxoff = PageGetMaxOffsetNumber(page);
			bool		more = true;

			for (; off <= maxoff; off++)
			{
				IndexTuple	itup = (IndexTuple) PageGetItem(page, PageGetItemId(page, off));
				GenealogyLink link;
				bool		isnull;

				link.near = tuple_key(r, itup);
				if (link.near != key)
				{
					more = false;
					break;
				}
				stats->tuples++;
				if (BTreeTupleIsPosting(itup))
					elog(ERROR, "unexpected posting list in index \"%s\"",
						 RelationGetRelationName(r->index));
				if (!entry_visible(r, &itup->t_tid, details, stats))
					continue;
				link.far = DatumGetInt64(index_getattr(itup, r->far_col, r->itupdesc, &isnull));
				link.link_id = DatumGetInt64(index_getattr(itup, r->id_col, r->itupdesc, &isnull));
				if (details)
					read_details(details_arg, &link);
				stats->links++;
				if (visit(arg, &link))
					return true;
			}
			/* entries of the key may go on to the right sibling */
			if (!more || P_RIGHTMOST(opaque) ||
				tuple_key(r, (IndexTuple) PageGetItem(page, PageGetItemId(page, P_HIKEY))) != key)
				break;
			CHECK_FOR_INTERRUPTS();
			read_page(r, opaque->btpo_next, 0, key, stats);
			off = P_FIRSTDATAKEY(BTPageGetOpaque((Page) r->page[0]));
		}
	}
	return false;
}
