/*
 * spool.c
 *	  Int64 spools: memory first, then a temporary file (see spool.h).
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "spool.h"

#define SPOOL_FIRST_VALUES 256

void
spool_init(Spool *spool, Size memory_limit)
{
	memset(spool, 0, offsetof(Spool, buffer));
	spool->cxt = CurrentMemoryContext;
	spool->nbuffer = 0;
	spool->buffer_next = 0;
	spool->reading = false;
	spool->next = 0;
	spool->memlimit = Max(memory_limit / sizeof(int64), SPOOL_FIRST_VALUES);
}

/* empty again, keeping the memory (not the file) */
void
spool_reset(Spool *spool)
{
	if (spool->file)
		BufFileClose(spool->file);
	spool->file = NULL;
	spool->nmem = 0;
	spool->nfile = 0;
	spool->nbuffer = 0;
	spool->reading = false;
	spool->next = 0;
}

void
spool_free(Spool *spool)
{
	spool_reset(spool);
	if (spool->mem)
		pfree(spool->mem);
	spool->mem = NULL;
	spool->memsize = 0;
}

static void
flush_buffer(Spool *spool)
{
	if (spool->file == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(spool->cxt);

		spool->file = BufFileCreateTemp(false);
		MemoryContextSwitchTo(old);
	}
	BufFileWrite(spool->file, spool->buffer, spool->nbuffer * sizeof(int64));
	spool->nfile += spool->nbuffer;
	spool->nbuffer = 0;
}

void
spool_put_slow(Spool *spool, int64 value)
{
	/* grow the memory part, doubling, up to its limit */
	if (spool->memsize < spool->memlimit)
	{
		int64		size = Min(Max(spool->memsize * 2, SPOOL_FIRST_VALUES), spool->memlimit);

		if (spool->mem)
			spool->mem = repalloc_huge(spool->mem, size * sizeof(int64));
		else
			spool->mem = MemoryContextAllocHuge(spool->cxt, size * sizeof(int64));
		spool->memsize = size;
		spool->mem[spool->nmem++] = value;
		return;
	}
	spool->buffer[spool->nbuffer++] = value;
	if (spool->nbuffer == SPOOL_BUFFER_VALUES)
		flush_buffer(spool);
}

/* ends writing (for good), or starts reading again from the first value */
void
spool_rewind(Spool *spool)
{
	if (!spool->reading)
	{
		if (spool->nbuffer > 0)
			flush_buffer(spool);
		spool->reading = true;
	}
	spool->next = 0;
	spool->nbuffer = 0;
	spool->buffer_next = 0;
	if (spool->file && BufFileSeek(spool->file, 0, 0, SEEK_SET) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not rewind temporary file of a trace: %m")));
}

bool
spool_get_slow(Spool *spool, int64 *value)
{
	if (spool->buffer_next == spool->nbuffer)
	{
		int64		left = spool->nmem + spool->nfile - spool->next;
		size_t		want;
		size_t		got;

		if (left <= 0)
			return false;
		want = Min(left, SPOOL_BUFFER_VALUES) * sizeof(int64);
		got = BufFileRead(spool->file, spool->buffer, want);
		if (got != want)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not read temporary file of a trace: read only %zu of %zu bytes",
							got, want)));
		spool->nbuffer = (int) (want / sizeof(int64));
		spool->buffer_next = 0;
	}
	spool->next++;
	*value = spool->buffer[spool->buffer_next++];
	return true;
}
