/*
 * spool.c
 *	  Spools: memory first, then a temporary file (see spool.h).
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "spool.h"

#define SPOOL_FIRST_BYTES 2048

void
lottrace_spool_init(Spool *spool, Size memory_limit)
{
	memset(spool, 0, offsetof(Spool, buffer));
	spool->cxt = CurrentMemoryContext;
	spool->memlimit = Max(memory_limit, SPOOL_FIRST_BYTES);
	lottrace_spool_reset(spool);
}

/* empty again, keeping the memory (not the file) */
void
lottrace_spool_reset(Spool *spool)
{
	if (spool->file)
		BufFileClose(spool->file);
	spool->file = NULL;
	spool->nmem = 0;
	spool->memroom = spool->memsize;
	spool->nfile = 0;
	spool->nbuffer = 0;
	spool->reading = false;
	spool->read = spool->read_end = NULL;
	spool->file_next = 0;
}

void
lottrace_spool_free(Spool *spool)
{
	lottrace_spool_reset(spool);
	if (spool->mem)
		pfree(spool->mem);
	spool->mem = NULL;
	spool->memsize = 0;
	spool->memroom = 0;
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
	BufFileWrite(spool->file, spool->buffer, spool->nbuffer);
	spool->nfile += spool->nbuffer;
	spool->nbuffer = 0;
}

void
lottrace_spool_put_slow(Spool *spool, const void *data, int n)
{
	const char *bytes = data;

	/* grow the memory part, doubling, up to its limit */
	if (spool->file == NULL && spool->nbuffer == 0 && spool->memsize < spool->memlimit)
	{
		Size		size = Min(Max(spool->memsize * 2, SPOOL_FIRST_BYTES), spool->memlimit);

		if (spool->mem)
			spool->mem = repalloc_huge(spool->mem, size);
		else
			spool->mem = MemoryContextAllocHuge(spool->cxt, size);
		spool->memsize = size;
		spool->memroom = size;
		if (spool->nmem + n <= spool->memroom)
		{
			memcpy(spool->mem + spool->nmem, bytes, n);
			spool->nmem += n;
			return;
		}
	}
	/* the rest goes to the file, through the buffer */
	while (n > 0)
	{
		int			room = Min(n, SPOOL_BUFFER_SIZE - spool->nbuffer);

		memcpy(spool->buffer + spool->nbuffer, bytes, room);
		spool->nbuffer += room;
		bytes += room;
		n -= room;
		if (spool->nbuffer == SPOOL_BUFFER_SIZE)
			flush_buffer(spool);
	}
	/* no more in memory: the bytes must stay in order */
	spool->memroom = spool->nmem;
}

/* ends writing (for good), or starts reading again from the first value */
void
lottrace_spool_rewind(Spool *spool)
{
	if (!spool->reading)
	{
		if (spool->nbuffer > 0)
			flush_buffer(spool);
		spool->reading = true;
	}
	spool->read = spool->mem;
	spool->read_end = spool->mem + spool->nmem;
	spool->file_next = 0;
	spool->nbuffer = 0;
	if (spool->file && BufFileSeek(spool->file, 0, 0, SEEK_SET) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not rewind temporary file of a trace: %m")));
}

/* the next byte; false at the end */
static bool
next_byte(Spool *spool, char *byte)
{
	if (spool->read == spool->read_end)
	{
		/* the memory part is read: on to the file, a buffer at a time */
		int64		left = spool->nfile - spool->file_next;
		size_t		want;
		size_t		got;

		if (left <= 0)
			return false;
		want = Min(left, SPOOL_BUFFER_SIZE);
		got = BufFileRead(spool->file, spool->buffer, want);
		if (got != want)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not read temporary file of a trace: read only %zu of %zu bytes",
							got, want)));
		spool->file_next += want;
		spool->read = spool->buffer;
		spool->read_end = spool->buffer + want;
	}
	*byte = *spool->read++;
	return true;
}

bool
lottrace_spool_get_slow(Spool *spool, void *data, int n)
{
	char	   *bytes = data;

	for (int i = 0; i < n; i++)
	{
		if (!next_byte(spool, &bytes[i]))
		{
			if (i > 0)
				elog(ERROR, "temporary file of a trace ends within a value");
			return false;
		}
	}
	return true;
}

bool
lottrace_spool_get_varint_slow(Spool *spool, uint64 *value)
{
	uint64		v = 0;
	int			shift = 0;
	char		byte;

	for (;;)
	{
		if (!next_byte(spool, &byte))
		{
			if (shift > 0)
				elog(ERROR, "temporary file of a trace ends within a value");
			return false;
		}
		if (shift >= 64)
			elog(ERROR, "invalid varint in temporary file of a trace");
		v |= (uint64) ((unsigned char) byte & 0x7f) << shift;
		shift += 7;
		if (!((unsigned char) byte & 0x80))
			break;
	}
	*value = v;
	return true;
}
