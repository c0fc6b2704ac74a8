/*
 * spool.h
 *	  An append-only sequence of int64 values that keeps its first values in
 *	  memory, up to a limit, and the rest in a temporary file; read back from
 *	  the start as many times as needed.
 *
 * The trace engine's lists that grow with the size of a trace (the lots a
 * level reaches, with the lots they were reached from) go through spools,
 * so that the memory of a search stays within work_mem however big the
 * trace: past its limit a spool writes to a BufFile, which honours
 * temp_tablespaces and temp_file_limit and goes away with the transaction.
 */
#ifndef LOTTRACE_SPOOL_H
#define LOTTRACE_SPOOL_H

#include "postgres.h"

#include "storage/buffile.h"

#define SPOOL_BUFFER_VALUES 1024	/* file reads and writes, 8 kB at a time */

typedef struct Spool
{
	MemoryContext cxt;			/* of the memory part and the file */
	int64	   *mem;			/* the first values */
	int64		nmem;
	int64		memsize;		/* allocated */
	int64		memlimit;		/* values kept in memory at most */
	BufFile    *file;			/* the others, once there are any */
	int64		nfile;			/* values written to the file */
	int64		buffer[SPOOL_BUFFER_VALUES];	/* of the file, writing or
												 * reading */
	int			nbuffer;
	/* reading */
	bool		reading;
	int64		next;			/* values read */
	int			buffer_next;
} Spool;

/* an empty spool that allocates in the current memory context */
extern void spool_init(Spool *spool, Size memory_limit);
extern void spool_reset(Spool *spool);
extern void spool_free(Spool *spool);
extern void spool_put_slow(Spool *spool, int64 value);
extern void spool_rewind(Spool *spool);
extern bool spool_get_slow(Spool *spool, int64 *value);

static inline int64
spool_count(const Spool *spool)
{
	return spool->nmem + spool->nfile + (spool->reading ? 0 : spool->nbuffer);
}

static inline void
spool_put(Spool *spool, int64 value)
{
	Assert(!spool->reading);
	if (spool->nmem < spool->memsize)
		spool->mem[spool->nmem++] = value;
	else
		spool_put_slow(spool, value);
}

/* the next value since the last rewind; false at the end */
static inline bool
spool_get(Spool *spool, int64 *value)
{
	Assert(spool->reading);
	if (spool->next < spool->nmem)
	{
		*value = spool->mem[spool->next++];
		return true;
	}
	return spool_get_slow(spool, value);
}

#endif							/* LOTTRACE_SPOOL_H */
