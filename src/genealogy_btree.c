/*
 * genealogy_btree.c
 *	  Reading the genealogy indexes page by page, for a sorted frontier.
 *
 * The index AM answers one key per descent from the root, through the
 * generic scan-key machinery (an fmgr call per comparison).  A trace asks
 * for thousands of sorted keys at once, most of them near each other, so
 * this reader walks the btree itself:
 *
 *	- It keeps the last page it used at every level pinned, with the bounds
 *	  of its key range remembered.  The next key is looked up from the
 *	  deepest page that covers it, usually the leaf itself or its parent,
 *	  instead of from the root.
 *	- Keys are int8, compared inline; pages are searched by binary search.
 *
 * Concurrency follows the btree's own rules (src/backend/access/nbtree/
 * README).  A page is only read under a share lock; whenever a page is
 * locked, the reader first moves right while the page is deleted or
 * half-dead or the key is beyond its high key (Lehman and Yao), so
 * concurrent splits never hide a tuple.  A remembered page is used for a key
 * within its remembered bounds: its lower bound (the pivot that led to it,
 * or the high key of its left sibling) never moves, and its upper bound (its
 * high key) can only come down, which the move right handles.  Pages
 * cannot be recycled while the statement's snapshot holds back the xmin
 * horizon.  Every index entry visible to the snapshot was inserted before it
 * was taken, so entries added during the read do not matter.  The entries of
 * a key are copied out of the leaf under the lock; visibility is then
 * decided like an index-only scan: the visibility map, else the heap tuple.
 * No lock is held while interrupts are checked or the caller is called.
 *
 * It needs a version 4 btree (heap TID in the key space, the default since
 * PostgreSQL 12) on a single int8 key; genealogy.c uses the index AM for
 * older ones.
 */
#include "postgres.h"

#include "access/nbtree.h"
#include "access/tableam.h"
#include "access/visibilitymap.h"
#include "access/xact.h"
#include "catalog/pg_am.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/bufmgr.h"
#include "storage/predicate.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "compat.h"
#include "genealogy_btree.h"

#define MAX_BTREE_LEVELS 16

#if defined(__GNUC__) || defined(__clang__)
#define prefetch_read(p) __builtin_prefetch(p)
#else
#define prefetch_read(p) ((void) 0)
#endif

/*
 * Links of a lot lie all over the heap, so consecutive visibility checks
 * would keep swapping the one map buffer an index-only scan uses; the first
 * map pages (each covers 256 MB of heap) stay pinned instead.
 */
#define VM_CACHED_PAGES 64

/* leaf tuples asked for ahead of the one read (see copy_entries) */
#define TUPLE_PREFETCH_DISTANCE 16

/*
 * A bound of a page's key range: a pivot key, with its heap TID truncated
 * away (minus infinity) or not; or no bound at all.
 */
typedef struct KeyBound
{
	bool		none;			/* minus infinity below, plus infinity above */
	int64		key;
	bool		has_tid;
} KeyBound;

/* the last page used at a level */
typedef struct LevelPage
{
	Buffer		buf;			/* pinned, not locked; InvalidBuffer if none */
	BlockNumber blkno;
	KeyBound	low;			/* fixed for the page's lifetime */
	KeyBound	high;			/* as of the last lock: splits only lower it */
} LevelPage;

/* an entry of a key, copied out of the leaf */
typedef struct LeafEntry
{
	int64		near;
	int64		far;
	int64		link_id;
	TimestampTz linked_at;
	ItemPointerData tid;
	int32		quantity;		/* offsets into the reader's "values", -1 null */
	int32		uom;
	int32		item;
} LeafEntry;

struct BtreeLinkReader
{
	Relation	index;
	Relation	heap;
	Snapshot	snapshot;
	TupleDesc	itupdesc;
	AttrNumber	far_col;		/* 0 when the index has only its key */
	AttrNumber	id_col;
	AttrNumber	time_col;		/* 0 when times are not read */
	AttrNumber	quantity_col;	/* 0 when the details come from the heap */
	AttrNumber	uom_col;
	AttrNumber	item_col;		/* 0 but for lots' covering index */
	Datum	   *columns;		/* a tuple's, with quantity_col */
	bool	   *columns_null;
	bool		fixed_offsets;	/* every column read a fixed-width one */
	uint8		fixed_mask;		/* null bits of the columns up to those */
	int			far_offset;		/* from the start of a tuple's data */
	int			id_offset;
	int			time_offset;
	TupleTableSlot *slot;		/* heap tuples, for visibility and details */
	IndexFetchTableData *fetch;
	Buffer		vmbuffer;		/* for the heap beyond the cached map pages */
	Buffer		vmbuffers[VM_CACHED_PAGES]; /* by visibility map page */
	uint8	   *vmbits[VM_CACHED_PAGES];	/* their map bits, once pinned */
	uint32		heap_pages_per_vm_page;
	uint64		vm_page_reciprocal; /* 2^40 / heap_pages_per_vm_page, rounded up */
	BlockNumber vm_page_reciprocal_limit;	/* blocks it is exact for */
	bool		serializable;

	Buffer	   *hints;			/* where its pages were last found (read_page) */

	int			top;			/* highest level remembered, -1: none */
	LevelPage	level[MAX_BTREE_LEVELS];
	Buffer		ahead_buf;		/* the next leaf, pinned ahead (pin_ahead) */
	BlockNumber ahead_blkno;

	LeafEntry  *entries;
	int			maxentries;
	char	   *values;			/* the entries' quantity and uom, copied */
	int32		nvalues;
	int32		maxvalues;
};

/*
 * Where the pages of an index were last found in shared buffers, kept by
 * each backend from one call to the next: a buffer found through a hint is
 * pinned with ReadRecentBuffer, which checks that the buffer still holds
 * that very page, without the lookup in the shared buffer mapping table
 * that ReadBuffer does (a cache miss and a partition lock per page, most
 * of what reading a page cost when a level's lots are scattered over the
 * leaves).  A hint is only a guess, so a stale one (the page evicted, the
 * index rebuilt under a new relfilenode) costs a ReadBuffer, never a wrong
 * page, and nothing needs invalidating.  Hints are by block number modulo
 * BUFFER_HINTS, for the last few indexes read (ReadRecentBuffer came in
 * 14: before, every page is read with ReadBuffer).
 */
#define BUFFER_HINTS 32768
#define HINTED_INDEXES 4

typedef struct IndexBufferHints
{
	Oid			relid;
	Buffer	   *hints;
} IndexBufferHints;

static IndexBufferHints hinted_indexes[HINTED_INDEXES];
static int	hinted_next;

static Buffer *
index_buffer_hints(Relation index)
{
	Oid			relid = RelationGetRelid(index);
	IndexBufferHints *h;

	for (int i = 0; i < HINTED_INDEXES; i++)
		if (hinted_indexes[i].hints && hinted_indexes[i].relid == relid)
			return hinted_indexes[i].hints;
	/*
	 * A slot taken over from another index keeps that index's hints: they
	 * fail ReadRecentBuffer's check like any stale hint, and clearing them
	 * would cost more than the misses (a Citus worker may read a shard
	 * index per call).  InvalidBuffer is 0.
	 */
	h = &hinted_indexes[hinted_next];
	hinted_next = (hinted_next + 1) % HINTED_INDEXES;
	if (h->hints == NULL)
		h->hints = MemoryContextAllocZero(TopMemoryContext, BUFFER_HINTS * sizeof(Buffer));
	h->relid = relid;
	return h->hints;
}

/* ReadBuffer of a page of the index, through its hint when that holds */
static Buffer
read_hinted_page(Relation index, Buffer *hints, BlockNumber blkno)
{
	Buffer	   *hint = &hints[blkno % BUFFER_HINTS];
	Buffer		buf;

#if PG_VERSION_NUM >= 140000
	if (BufferIsValid(*hint) &&
		ReadRecentBuffer(LOTTRACE_REL_LOCATOR(index), MAIN_FORKNUM, blkno, *hint))
	{
		/* counted as ReadBuffer counts a hit, for pg_statio_*_indexes */
		pgstat_count_buffer_read(index);
		pgstat_count_buffer_hit(index);
		return *hint;
	}
#endif
	buf = ReadBuffer(index, blkno);
	*hint = buf;
	return buf;
}

static inline Buffer
read_page(BtreeLinkReader *r, BlockNumber blkno)
{
	return read_hinted_page(r->index, r->hints, blkno);
}

/*
 * The null bits of a tuple with nulls: a set bit is a column that is not
 * null.  The data then starts after the bitmap (IndexInfoFindDataOffset).
 */
static inline uint8
tuple_not_null_bits(IndexTuple itup)
{
	return *((const bits8 *) itup + sizeof(IndexTupleData));
}

/* the key of a leaf or pivot tuple (int8, first: right after the header) */
static inline int64
tuple_key(BtreeLinkReader *r, IndexTuple itup)
{
	bool		isnull;

	if (likely(!IndexTupleHasNulls(itup)))
		return *(const int64 *) ((const char *) itup + MAXALIGN(sizeof(IndexTupleData)));
	/* nulls among the INCLUDE columns (a link's uom) leave the key first */
	if (tuple_not_null_bits(itup) & 1)
		return *(const int64 *) ((const char *) itup + IndexInfoFindDataOffset(itup->t_info));
	return DatumGetInt64(index_getattr(itup, 1, r->itupdesc, &isnull));
}

/*
 * The key, far end and link id of a leaf tuple: read at their fixed offsets
 * when none of the columns up to them is null (always, for the genealogy
 * indexes: those columns are NOT NULL int8 and timestamptz, and the nullable
 * quantity and uom come after them), through index_getattr otherwise.
 * False for a tuple whose key is null, which belongs to no lot.
 */
static inline bool
tuple_fields(BtreeLinkReader *r, IndexTuple itup, int64 *key, int64 *far, int64 *link_id,
			 TimestampTz *linked_at)
{
	bool		isnull;

	if (likely(r->fixed_offsets &&
			   (!IndexTupleHasNulls(itup) ||
				(tuple_not_null_bits(itup) & r->fixed_mask) == r->fixed_mask)))
	{
		const char *data = (const char *) itup + IndexInfoFindDataOffset(itup->t_info);

		*key = *(const int64 *) data;	/* as tuple_key */
		if (r->far_col != InvalidAttrNumber)
		{
			*far = *(const int64 *) (data + r->far_offset);
			*link_id = *(const int64 *) (data + r->id_offset);
		}
		if (r->time_col != InvalidAttrNumber)
			*linked_at = *(const TimestampTz *) (data + r->time_offset);
		return true;
	}
	*key = DatumGetInt64(index_getattr(itup, 1, r->itupdesc, &isnull));
	if (isnull)
		return false;
	if (r->far_col != InvalidAttrNumber)
	{
		*far = DatumGetInt64(index_getattr(itup, r->far_col, r->itupdesc, &isnull));
		*link_id = DatumGetInt64(index_getattr(itup, r->id_col, r->itupdesc, &isnull));
	}
	if (r->time_col != InvalidAttrNumber)
		*linked_at = DatumGetTimestampTz(index_getattr(itup, r->time_col, r->itupdesc, &isnull));
	return true;
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

/* The same test against a remembered bound (no bound: minus infinity). */
static inline bool
bound_at_most(const KeyBound *bound, int64 key)
{
	if (bound->none)
		return true;
	if (bound->key != key)
		return bound->key < key;
	return !bound->has_tid;
}

static inline bool
remembered_beyond(LevelPage *lp, int64 key)
{
	return !lp->high.none && bound_at_most(&lp->high, key);
}

static inline bool
remembered_covers(LevelPage *lp, int64 key)
{
	return BufferIsValid(lp->buf) && bound_at_most(&lp->low, key) && !remembered_beyond(lp, key);
}

static void
pivot_bound(BtreeLinkReader *r, IndexTuple pivot, KeyBound *bound)
{
	bound->none = BTreeTupleGetNAtts(pivot, r->index) == 0;
	bound->key = bound->none ? 0 : tuple_key(r, pivot);
	bound->has_tid = BTreeTupleGetHeapTID(pivot) != NULL;
}

/*
 * Lock the level's page for the key, first pinning blkno (whose lower bound
 * is "low") if it is not the remembered one, and moving right as long as the
 * page is being deleted or the key is beyond its high key.  Returns the
 * locked page.
 */
static Page
lock_page(BtreeLinkReader *r, int lvl, BlockNumber blkno, const KeyBound *low,
		  int64 key, TraceLevelStats *stats)
{
	LevelPage  *lp = &r->level[lvl];
	KeyBound	next_low;

	for (;;)
	{
		Page		page;
		BTPageOpaque opaque;

		if (!BufferIsValid(lp->buf) || lp->blkno != blkno)
		{
			if (BufferIsValid(lp->buf))
				ReleaseBuffer(lp->buf);
			if (lvl == 0 && BufferIsValid(r->ahead_buf) && r->ahead_blkno == blkno)
			{
				lp->buf = r->ahead_buf;
				r->ahead_buf = InvalidBuffer;
			}
			else
				lp->buf = read_page(r, blkno);
			lp->blkno = blkno;
			lp->low = *low;
			LockBuffer(lp->buf, BUFFER_LOCK_SHARE);
			_bt_checkpage(r->index, lp->buf);
			stats->reads++;
		}
		else
			LockBuffer(lp->buf, BUFFER_LOCK_SHARE);

		page = BufferGetPage(lp->buf);
		opaque = BTPageGetOpaque(page);
		if (P_RIGHTMOST(opaque))
			lp->high.none = true;
		else
			pivot_bound(r, (IndexTuple) PageGetItem(page, PageGetItemId(page, P_HIKEY)), &lp->high);
		if (P_IGNORE(opaque) || remembered_beyond(lp, key))
		{
			/*
			 * The right sibling's range starts where this one's ends; a page
			 * being deleted hands its whole range to it.
			 */
			next_low = P_IGNORE(opaque) ? lp->low : lp->high;
			blkno = opaque->btpo_next;
			low = &next_low;
			LockBuffer(lp->buf, BUFFER_LOCK_UNLOCK);
			if (blkno == P_NONE)
				elog(ERROR, "fell off the end of index \"%s\"", RelationGetRelationName(r->index));
			continue;
		}
		if (LOTTRACE_BTPO_LEVEL(opaque) != (uint32) lvl)
			elog(ERROR, "btree level %u does not match the expected %d in index \"%s\"",
				 LOTTRACE_BTPO_LEVEL(opaque), lvl, RelationGetRelationName(r->index));
		if (lvl == 0 && r->serializable)
			PredicateLockPage(r->index, lp->blkno, r->snapshot);
		return page;
	}
}

static void
release_levels(BtreeLinkReader *r)
{
	for (int i = 0; i < MAX_BTREE_LEVELS; i++)
	{
		if (BufferIsValid(r->level[i].buf))
			ReleaseBuffer(r->level[i].buf);
		r->level[i].buf = InvalidBuffer;
	}
	r->top = -1;
	if (BufferIsValid(r->ahead_buf))
		ReleaseBuffer(r->ahead_buf);
	r->ahead_buf = InvalidBuffer;
}

static const KeyBound no_bound = {true, 0, false};

/* The (fast) root, as the metapage says now: false for an empty index. */
static bool
find_root(BtreeLinkReader *r, BlockNumber *root)
{
	Buffer		buf = read_page(r, BTREE_METAPAGE);
	BTMetaPageData *meta;
	uint32		level;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	meta = BTPageGetMeta(BufferGetPage(buf));
	if (meta->btm_magic != BTREE_MAGIC)
		elog(ERROR, "index \"%s\" is not a btree", RelationGetRelationName(r->index));
	*root = meta->btm_fastroot;
	level = meta->btm_fastlevel;
	UnlockReleaseBuffer(buf);
	if (*root == P_NONE)
		return false;
	if (level >= MAX_BTREE_LEVELS)
		elog(ERROR, "index \"%s\" is too deep", RelationGetRelationName(r->index));
	for (int i = (int) level + 1; i <= r->top; i++)
	{
		if (BufferIsValid(r->level[i].buf))
			ReleaseBuffer(r->level[i].buf);
		r->level[i].buf = InvalidBuffer;
	}
	r->top = (int) level;
	return true;
}

/* the offset of the pivot whose downlink leads to the key's entries */
static OffsetNumber
downlink_offset(BtreeLinkReader *r, Page page, int64 key)
{
	/* the first data item of an internal page is minus infinity */
	OffsetNumber low = P_FIRSTDATAKEY(BTPageGetOpaque(page));
	OffsetNumber high = PageGetMaxOffsetNumber(page);

	while (low < high)
	{
		OffsetNumber mid = low + (high - low + 1) / 2;

		if (pivot_at_most(r, (IndexTuple) PageGetItem(page, PageGetItemId(page, mid)), key))
			low = mid;
		else
			high = mid - 1;
	}
	return low;
}

/*
 * Pin the leaf the reader is going to next and ask for the parts of it read
 * first (header and line pointers, and the end, where a leaf built in order
 * keeps its first tuples), so that they arrive while the entries of the
 * current leaf are being handed over.  lock_page takes the pin over.  The
 * bytes are not looked at until the page is locked.
 */
static void
pin_ahead(BtreeLinkReader *r, BlockNumber blkno)
{
	char	   *page;

	if (BufferIsValid(r->ahead_buf))
	{
		if (r->ahead_blkno == blkno)
			return;
		ReleaseBuffer(r->ahead_buf);
	}
	r->ahead_buf = read_page(r, blkno);
	r->ahead_blkno = blkno;
	page = (char *) BufferGetPage(r->ahead_buf);
	for (int i = 0; i < 256; i += 64)
		prefetch_read(page + i);
	for (int i = BLCKSZ - 1024; i < BLCKSZ; i += 64)
		prefetch_read(page + i);
}

/*
 * The leaf a key's entries start on, when the remembered parent of the
 * current leaf says so: InvalidBlockNumber otherwise (lock_leaf will find
 * it, moving right past splits as need be).
 */
static BlockNumber
peek_leaf(BtreeLinkReader *r, int64 key)
{
	LevelPage  *parent = &r->level[1];
	BlockNumber blkno = InvalidBlockNumber;
	Page		page;

	if (r->top < 1 || !remembered_covers(parent, key))
		return InvalidBlockNumber;
	LockBuffer(parent->buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(parent->buf);
	if (!P_IGNORE(BTPageGetOpaque(page)) && LOTTRACE_BTPO_LEVEL(BTPageGetOpaque(page)) == 1)
	{
		KeyBound	high;

		if (P_RIGHTMOST(BTPageGetOpaque(page)))
			high.none = true;
		else
			pivot_bound(r, (IndexTuple) PageGetItem(page, PageGetItemId(page, P_HIKEY)), &high);
		if (high.none || !bound_at_most(&high, key))
		{
			ItemId		pivot = PageGetItemId(page, downlink_offset(r, page, key));

			blkno = BTreeTupleGetDownLink((IndexTuple) PageGetItem(page, pivot));
		}
	}
	LockBuffer(parent->buf, BUFFER_LOCK_UNLOCK);
	return blkno;
}

/*
 * Lock the leaf where entries of the key start: from the deepest
 * remembered page that covers the key, follow downlinks (the last pivot at
 * most (key, minus infinity)) down.  Returns NULL for an empty index.
 */
static Page
lock_leaf(BtreeLinkReader *r, int64 key, TraceLevelStats *stats)
{
	int			lvl = 0;
	BlockNumber blkno;
	KeyBound	low_bound = no_bound;
	Page		page;

	while (lvl <= r->top && !remembered_covers(&r->level[lvl], key))
		lvl++;
	if (lvl > r->top)
	{
		if (!find_root(r, &blkno))
			return NULL;
		lvl = r->top;
	}
	else
	{
		blkno = r->level[lvl].blkno;
		low_bound = r->level[lvl].low;
	}

	for (;;)
	{
		BTPageOpaque opaque;
		OffsetNumber low;
		IndexTuple	pivot;

		page = lock_page(r, lvl, blkno, &low_bound, key, stats);
		if (lvl == 0)
			return page;

		opaque = BTPageGetOpaque(page);
		low = downlink_offset(r, page, key);
		pivot = (IndexTuple) PageGetItem(page, PageGetItemId(page, low));
		blkno = BTreeTupleGetDownLink(pivot);
		/* the child's range starts at its pivot (minus infinity: the page's) */
		if (low == P_FIRSTDATAKEY(opaque))
			low_bound = r->level[lvl].low;
		else
			pivot_bound(r, pivot, &low_bound);
		LockBuffer(r->level[lvl].buf, BUFFER_LOCK_UNLOCK);
		lvl--;
	}
}

/*
 * Copy a varlena column of the leaf tuple (a link's quantity or uom), as
 * index_deform_tuple left it in the reader's columns, to the reader's
 * values: its offset there, -1 when null.  Index tuples hold no
 * out-of-line values, so the bytes are the whole value.
 */
static int32
copy_value(BtreeLinkReader *r, AttrNumber col)
{
	Datum		value = r->columns[col - 1];
	Size		size;
	int32		offset;

	if (r->columns_null[col - 1])
		return -1;
	size = VARSIZE_ANY(DatumGetPointer(value));
	offset = MAXALIGN(r->nvalues);
	if (offset + size > (Size) r->maxvalues)
	{
		while (offset + size > (Size) r->maxvalues)
			r->maxvalues *= 2;
		r->values = repalloc(r->values, r->maxvalues);
	}
	memcpy(r->values + offset, DatumGetPointer(value), size);
	r->nvalues = offset + size;
	return offset;
}

static void
add_entry(BtreeLinkReader *r, int *n, int64 near, ItemPointer tid, int64 far, int64 link_id,
		  TimestampTz linked_at, int32 quantity, int32 uom, int32 item)
{
	LeafEntry  *entry;

	if (*n == r->maxentries)
	{
		r->maxentries *= 2;
		r->entries = repalloc(r->entries, r->maxentries * sizeof(LeafEntry));
	}
	entry = &r->entries[(*n)++];
	entry->near = near;
	entry->tid = *tid;
	entry->far = far;
	entry->link_id = link_id;
	entry->linked_at = linked_at;
	entry->quantity = quantity;
	entry->uom = uom;
	entry->item = item;
}

/*
 * First offset in [low, high) of the leaf whose key is at least the key.
 *
 * The keys of a frontier are sorted and mostly close together, so the
 * answer is usually at or just past "low", among tuples just read: a
 * galloping search from there touches a few cache lines where a binary
 * search over the rest of the page would miss the cache at every step.
 */
static OffsetNumber
leaf_lower_bound(BtreeLinkReader *r, Page page, int64 key, OffsetNumber low, OffsetNumber high)
{
	OffsetNumber step = 1;

	while (low < high)
	{
		OffsetNumber probe = low + step - 1;

		if (probe >= high)
			break;
		if (tuple_key(r, (IndexTuple) PageGetItem(page, PageGetItemId(page, probe))) >= key)
		{
			high = probe;
			break;
		}
		low = probe + 1;
		step *= 2;
	}
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

/*
 * Copy out of the locked leaf the entries of keys[*k] and of the keys after
 * it that this page covers, then unlock.  *k moves past the keys done; when
 * the entries of the last one may go on to the right sibling, it stays on
 * that key and the sibling is returned, else P_NONE.
 */
static BlockNumber
copy_entries(BtreeLinkReader *r, Page page, const int64 *keys, int64 nkeys, int64 *k,
			 LotSet *skip, int *nentries, TraceLevelStats *stats)
{
	BTPageOpaque opaque = BTPageGetOpaque(page);
	OffsetNumber maxoff = PageGetMaxOffsetNumber(page);
	OffsetNumber off = P_FIRSTDATAKEY(opaque);
	BlockNumber next = P_NONE;
	int64		tuples = 0;
	int64		key_found;

	*nentries = 0;
	r->nvalues = 0;
	for (;;)
	{
		int64		key = keys[*k];

		off = leaf_lower_bound(r, page, key, off, maxoff + 1);
		for (; off <= maxoff; off++)
		{
			IndexTuple	itup = (IndexTuple) PageGetItem(page, PageGetItemId(page, off));
			int64		far = 0;
			int64		link_id = 0;
			TimestampTz linked_at = 0;
			int32		quantity = -1;
			int32		uom = -1;
			int32		item = -1;

			/*
			 * Tuples are read one by one, each read waiting for the last:
			 * asking for one a distance ahead lets the fetches overlap.
			 */
			if (off + TUPLE_PREFETCH_DISTANCE <= maxoff)
				prefetch_read(PageGetItem(page, PageGetItemId(page, off + TUPLE_PREFETCH_DISTANCE)));

			if (!tuple_fields(r, itup, &key_found, &far, &link_id, &linked_at) || key_found != key)
				break;
			tuples++;
			if (skip && lotset_contains(skip, far))
				continue;
			if (r->quantity_col != InvalidAttrNumber)
			{
				/*
				 * One pass over the tuple: each index_getattr of a column
				 * after a varlena one would walk it from the start.
				 */
				index_deform_tuple(itup, r->itupdesc, r->columns, r->columns_null);
				quantity = copy_value(r, r->quantity_col);
				uom = copy_value(r, r->uom_col);
				if (r->item_col != InvalidAttrNumber)
					item = copy_value(r, r->item_col);
			}
			if (BTreeTupleIsPosting(itup))
			{
				for (int i = 0; i < BTreeTupleGetNPosting(itup); i++)
					add_entry(r, nentries, key, BTreeTupleGetPostingN(itup, i), far, link_id,
							  linked_at, quantity, uom, item);
			}
			else
				add_entry(r, nentries, key, &itup->t_tid, far, link_id, linked_at, quantity, uom, item);
		}
		/* entries of the key may go on to the right sibling */
		if (off > maxoff && !P_RIGHTMOST(opaque) && r->level[0].high.key == key)
		{
			next = opaque->btpo_next;
			break;
		}
		if (++(*k) >= nkeys || remembered_beyond(&r->level[0], keys[*k]))
			break;
	}
	LockBuffer(r->level[0].buf, BUFFER_LOCK_UNLOCK);
	stats->tuples += tuples;
	return next;
}

/*
 * Where the columns read at fixed offsets lie in a tuple, when all of them
 * and those before them are fixed-width (the varlena quantity and uom come
 * after them) and not null.
 */
static void
find_fixed_offsets(BtreeLinkReader *r)
{
	int			offset = 0;
	int			natts = Max(Max(r->far_col, r->id_col), Max(r->time_col, 1));

	r->fixed_offsets = natts <= 8;
	r->fixed_mask = (uint8) ((1 << Min(natts, 8)) - 1);
	for (int i = 0; i < natts && r->fixed_offsets; i++)
	{
		Form_pg_attribute att = TupleDescAttr(r->itupdesc, i);

		if (att->attlen <= 0)
		{
			r->fixed_offsets = false;
			return;
		}
		offset = att_align_nominal(offset, att->attalign);
		if (i + 1 == r->far_col)
			r->far_offset = offset;
		if (i + 1 == r->id_col)
			r->id_offset = offset;
		if (i + 1 == r->time_col)
			r->time_offset = offset;
		offset += att->attlen;
	}
}

BtreeLinkReader *
lottrace_btree_reader_create(Relation heap, Relation index, AttrNumber far_col, AttrNumber id_col,
							 AttrNumber time_col, AttrNumber quantity_col, AttrNumber uom_col,
							 AttrNumber item_col,
							 Snapshot snapshot, TupleTableSlot *slot)
{
	BtreeLinkReader *r;
	Buffer	   *hints;
	Buffer		buf;
	uint32		version;

	if (index->rd_rel->relam != BTREE_AM_OID ||
		IndexRelationGetNumberOfKeyAttributes(index) != 1 ||
		TupleDescAttr(RelationGetDescr(index), 0)->atttypid != INT8OID)
		return NULL;
	hints = index_buffer_hints(index);
	buf = read_hinted_page(index, hints, BTREE_METAPAGE);
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
	r->time_col = time_col;
	r->quantity_col = quantity_col;
	r->uom_col = uom_col;
	r->item_col = item_col;
	r->columns = palloc(r->itupdesc->natts * sizeof(Datum));
	r->columns_null = palloc(r->itupdesc->natts * sizeof(bool));
	find_fixed_offsets(r);
	r->slot = slot;
	r->fetch = table_index_fetch_begin(heap);
	r->vmbuffer = InvalidBuffer;
	for (int i = 0; i < VM_CACHED_PAGES; i++)
		r->vmbuffers[i] = InvalidBuffer;
	/* as visibilitymap.c lays out its pages: two bits per heap page */
	r->heap_pages_per_vm_page = (BLCKSZ - MAXALIGN(SizeOfPageHeaderData)) * 4;
	r->vm_page_reciprocal = ((UINT64CONST(1) << 40) + r->heap_pages_per_vm_page - 1) /
		r->heap_pages_per_vm_page;
	r->vm_page_reciprocal_limit = (BlockNumber) Min((UINT64CONST(1) << 40) / r->heap_pages_per_vm_page,
													MaxBlockNumber);
	r->serializable = IsolationIsSerializable();
	r->hints = hints;
	r->top = -1;
	for (int i = 0; i < MAX_BTREE_LEVELS; i++)
		r->level[i].buf = InvalidBuffer;
	r->ahead_buf = InvalidBuffer;
	r->maxentries = 64;
	r->entries = palloc(r->maxentries * sizeof(LeafEntry));
	r->maxvalues = 1024;
	r->values = palloc(r->maxvalues);
	return r;
}

void
lottrace_btree_reader_free(BtreeLinkReader *r)
{
	release_levels(r);
	table_index_fetch_end(r->fetch);
	if (BufferIsValid(r->vmbuffer))
		ReleaseBuffer(r->vmbuffer);
	for (int i = 0; i < VM_CACHED_PAGES; i++)
		if (BufferIsValid(r->vmbuffers[i]))
			ReleaseBuffer(r->vmbuffers[i]);
	pfree(r->entries);
	pfree(r->values);
	pfree(r->columns);
	pfree(r->columns_null);
	pfree(r);
}

/*
 * The visibility map page of a heap block: a division by a number known
 * only at run time costs tens of cycles per entry, a multiplication by its
 * reciprocal one.  With d heap pages per map page and the reciprocal
 * 2^40 / d rounded up, block * reciprocal / 2^40 exceeds block / d by less
 * than block / 2^40, which below 2^40 / d blocks (256 GB of heap at 8 kB) is
 * less than the 1/d that would carry the quotient over: the product is
 * exact.
 */
static inline uint32
heap_block_vm_page(BtreeLinkReader *r, BlockNumber block)
{
	if (block < r->vm_page_reciprocal_limit)
		return (uint32) (((uint64) block * r->vm_page_reciprocal) >> 40);
	return block / r->heap_pages_per_vm_page;
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
	BlockNumber block = ItemPointerGetBlockNumber(tid);
	uint32		vm_page = heap_block_vm_page(r, block);
	Buffer	   *vmbuffer = vm_page < VM_CACHED_PAGES ? &r->vmbuffers[vm_page] : &r->vmbuffer;

	if (!details)
	{
		bool		all_visible;

		if (vm_page < VM_CACHED_PAGES && r->vmbits[vm_page] != NULL)
		{
			/*
			 * A cached map page stays pinned: read its bits in place, without
			 * a lock, as visibilitymap_get_status does, but without a call
			 * and a buffer check per entry.
			 */
			uint32		bit = block - vm_page * r->heap_pages_per_vm_page;

			all_visible = ((r->vmbits[vm_page][bit / 4] >> ((bit % 4) * 2)) &
						   VISIBILITYMAP_ALL_VISIBLE) != 0;
		}
		else
		{
			/* (a wrong guess of the map page would only cost a buffer swap) */
			all_visible = VM_ALL_VISIBLE(r->heap, block, vmbuffer);
			if (vm_page < VM_CACHED_PAGES && BufferIsValid(*vmbuffer) &&
				BufferGetBlockNumber(*vmbuffer) == vm_page)
				r->vmbits[vm_page] = (uint8 *) PageGetContents(BufferGetPage(*vmbuffer));
		}
		if (all_visible)
		{
			if (r->serializable)
				PredicateLockPage(r->heap, ItemPointerGetBlockNumber(tid), r->snapshot);
			return true;
		}
	}
	stats->heap_fetches++;
	if (!table_index_fetch_tuple(r->fetch, &heap_tid, r->snapshot, r->slot, &call_again, &all_dead))
		return false;
	if (!details)
		ExecClearTuple(r->slot);
	return true;
}

bool
lottrace_btree_reader_read(BtreeLinkReader *r, const int64 *keys, int64 nkeys, bool details,
						   LotSet *skip, GenealogyLinkVisitor visit, void *arg,
						   BtreeDetailsReader read_details, void *details_arg, TraceLevelStats *stats)
{
	int64		k = 0;
	BlockNumber next = P_NONE;

	/* the index may carry the details itself: then no heap, as without */
	bool		heap_details = details && r->quantity_col == InvalidAttrNumber;

	while (k < nkeys)
	{
		Page		page;
		int			nentries;

		CHECK_FOR_INTERRUPTS();
		if (next != P_NONE)
			page = lock_page(r, 0, next, &r->level[0].high, keys[k], stats);
		else if ((page = lock_leaf(r, keys[k], stats)) == NULL)
			break;				/* empty index */
		next = copy_entries(r, page, keys, nkeys, &k, skip, &nentries, stats);
		if (next != P_NONE)
			pin_ahead(r, next);
		else if (k < nkeys && remembered_beyond(&r->level[0], keys[k]))
		{
			BlockNumber ahead = peek_leaf(r, keys[k]);

			if (BlockNumberIsValid(ahead))
				pin_ahead(r, ahead);
		}

		for (int i = 0; i < nentries; i++)
		{
			LeafEntry  *entry = &r->entries[i];
			GenealogyLink link;

			if (!entry_visible(r, &entry->tid, heap_details, stats))
				continue;
			link.near = entry->near;
			link.far = entry->far;
			link.link_id = entry->link_id;
			link.linked_at = entry->linked_at;
			if (heap_details)
				read_details(details_arg, &link);
			else if (details)
			{
				link.quantity_isnull = entry->quantity < 0;
				link.quantity = link.quantity_isnull ? (Datum) 0 :
					PointerGetDatum(r->values + entry->quantity);
				link.uom_isnull = entry->uom < 0;
				link.uom = link.uom_isnull ? (Datum) 0 : PointerGetDatum(r->values + entry->uom);
				link.item_isnull = entry->item < 0;
				link.item = link.item_isnull ? (Datum) 0 : PointerGetDatum(r->values + entry->item);
				link.kind = InvalidOid;
			}
			stats->links++;
			if (visit(arg, &link))
				return true;
		}
	}
	return false;
}
