/* pool.h: a pool of fixed-size objects, recycled through a free list.
 *
 * Objects are carved from chunks that are never returned until the pool is
 * finalised, so the pool's memory is its high-water mark of live objects:
 * bounded by what is in flight, not by how long the simulation runs.  Chunks
 * start small and double up to per_chunk objects, so the pool follows what is
 * in flight; they start on a cache line, and objects are sized so that none
 * straddles more lines than it must (a power of two up to 64 bytes, whole
 * lines beyond).  A freed
 * object's first bytes hold the free-list link; the caller initialises every
 * object it gets.
 */
#ifndef TCPQSIM_POOL_H
#define TCPQSIM_POOL_H

#include <stddef.h>
#include <stdint.h>

struct pool_chunk;

struct pool {
	size_t obj_size;          /* bytes per object (>= sizeof(void *)) */
	size_t per_chunk;         /* objects per chunk, at most */
	size_t next_chunk;        /* objects in the next chunk */
	struct pool_chunk *chunks; /* every chunk allocated, owned */
	void *free_list;          /* freed objects */
	char *next;               /* next never-used object in the newest chunk */
	char *end;                /* end of the newest chunk */
	size_t live;              /* objects handed out and not yet freed */
	size_t max_live;          /* high-water mark of live */
	size_t bytes;             /* bytes allocated for chunks */
	size_t max_bytes;         /* ceiling on bytes; 0 for none */
};

/* pool_init: an empty pool of objects of obj_size bytes. */
void pool_init(struct pool *p, size_t obj_size, size_t per_chunk);

/* pool_fini: free every chunk (every object, live or not). */
void pool_fini(struct pool *p);

/* pool__carve: an object from the newest chunk or a new one (internal; the
 * slow path of pool_get) */
void *pool__carve(struct pool *p);

/* pool_get: an uninitialised object, or NULL when out of memory or when a new
 * chunk would pass max_bytes.  Inline: a free-list pop is a few
 * instructions, called for every packet. */
static inline void *pool_get(struct pool *p)
{
	void *obj = p->free_list;
	if (obj)
		p->free_list = *(void **)obj;
	else if (!(obj = pool__carve(p)))
		return NULL;
	if (++p->live > p->max_live)
		p->max_live = p->live;
	return obj;
}

/* pool_put: give obj back; it must have come from pool_get of this pool. */
static inline void pool_put(struct pool *p, void *obj)
{
	*(void **)obj = p->free_list;
	p->free_list = obj;
	p->live--;
}

#endif
