/*
 * spool.h
 *	  An append-only stream of values that keeps its first bytes in memory,
 *	  up to a limit, and the rest in a temporary file; read back from the
 *	  start as many times as needed.
 *
 * The trace engine's lists that grow with the size of a trace (the lots a
 * level reaches, with the lots they were reached from) go through spools,
 * so that the memory of a search stays within work_mem however big the
 * trace: past its limit a spool writes to a BufFile, which honours
 * temp_tablespaces and temp_file_limit and goes away with the transaction.
 *
 * Values are int64s, uint32s, or unsigned varints (seven bits a byte, low
 * bits first) for small numbers such as differences between sorted ids.
 */
#ifndef LOTTRACE_SPOOL_H
#define LOTTRACE_SPOOL_H

#include "postgres.h"

#include "storage/buffile.h"

#define SPOOL_BUFFER_SIZE 8192	/* file reads and writes at a time */
#define SPOOL_VARINT_MAX 10		/* bytes of a 64-bit varint at most */

typedef struct Spool
{
	MemoryContext cxt;			/* of the memory part and the file */
	char	   *mem;			/* the first bytes */
	Size		nmem;
	Size		memroom;		/* bytes of mem to fill: memsize, until the
								 * file is begun */
	Size		memsize;		/* allocated */
	Size		memlimit;		/* bytes kept in memory at most */
	BufFile    *file;			/* the others, once there are any */
	int64		nfile;			/* bytes written to the file */
	char		buffer[SPOOL_BUFFER_SIZE];	/* of the file, writing or reading */
	int			nbuffer;
	/* reading: the bytes at hand (of mem, then of the buffer) */
	bool		reading;
	const char *read;
	const char *read_end;
	int64		file_next;		/* bytes of the file read into the buffer */
} Spool;

/* an empty spool that allocates in the current memory context */
extern void lottrace_spool_init(Spool *spool, Size memory_limit);
extern void lottrace_spool_reset(Spool *spool);
extern void lottrace_spool_free(Spool *spool);
extern void lottrace_spool_put_slow(Spool *spool, const void *bytes, int n);
extern void lottrace_spool_rewind(Spool *spool);
extern bool lottrace_spool_get_slow(Spool *spool, void *bytes, int n);
extern bool lottrace_spool_get_varint_slow(Spool *spool, uint64 *value);

/* bytes in the memory part (allocated) */
static inline Size
spool_memory(const Spool *spool)
{
	return spool->memsize;
}

/* bytes in the file, or on their way to it */
static inline int64
spool_file_bytes(const Spool *spool)
{
	return spool->nfile + (spool->reading ? 0 : spool->nbuffer);
}

/* appends n bytes: in memory while there is room, else towards the file */
static inline void
spool_put(Spool *spool, const void *bytes, int n)
{
	Assert(!spool->reading);
	if (spool->nmem + n <= spool->memroom)
	{
		memcpy(spool->mem + spool->nmem, bytes, n);
		spool->nmem += n;
	}
	else
		lottrace_spool_put_slow(spool, bytes, n);
}

/* reads the next n bytes; false at the end */
static inline bool
spool_get(Spool *spool, void *bytes, int n)
{
	Assert(spool->reading);
	if (spool->read_end - spool->read >= n)
	{
		memcpy(bytes, spool->read, n);
		spool->read += n;
		return true;
	}
	return lottrace_spool_get_slow(spool, bytes, n);
}

static inline void
spool_put_int64(Spool *spool, int64 value)
{
	spool_put(spool, &value, sizeof(value));
}

static inline void
spool_put_uint32(Spool *spool, uint32 value)
{
	spool_put(spool, &value, sizeof(value));
}

static inline bool
spool_get_int64(Spool *spool, int64 *value)
{
	return spool_get(spool, value, sizeof(*value));
}

static inline bool
spool_get_uint32(Spool *spool, uint32 *value)
{
	return spool_get(spool, value, sizeof(*value));
}

static inline void
spool_put_varint(Spool *spool, uint64 value)
{
	char		bytes[SPOOL_VARINT_MAX];
	int			n = 0;

	while (value >= 0x80)
	{
		bytes[n++] = (char) (value | 0x80);
		value >>= 7;
	}
	bytes[n++] = (char) value;
	spool_put(spool, bytes, n);
}

static inline bool
spool_get_varint(Spool *spool, uint64 *value)
{
	Assert(spool->reading);
	if (spool->read_end - spool->read >= SPOOL_VARINT_MAX)
	{
		const unsigned char *p = (const unsigned char *) spool->read;
		uint64		v = 0;
		int			shift = 0;
		int			n = 0;

		do
		{
			v |= (uint64) (p[n] & 0x7f) << shift;
			shift += 7;
		} while (p[n++] & 0x80);
		spool->read += n;
		*value = v;
		return true;
	}
	return lottrace_spool_get_varint_slow(spool, value);
}

#endif							/* LOTTRACE_SPOOL_H */
