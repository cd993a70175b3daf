/* pool.c: fixed-size object pool (see pool.h). */
#include "sim/pool.h"

#include <stdlib.h>

#define LINE 64u         /* cache line: chunks start on one */
#define FIRST_CHUNK 32u  /* objects in the first chunk; each next one doubles */

struct pool_chunk {
	struct pool_chunk *next;
	_Alignas(LINE) unsigned char data[];
};

/* obj_size rounded so that objects never straddle more cache lines than
 * they must: a power of two up to a line, whole lines beyond */
static size_t object_size(size_t obj_size)
{
	size_t align = _Alignof(max_align_t);
	if (obj_size < sizeof(void *))
		obj_size = sizeof(void *);
	if (obj_size > LINE)
		return (obj_size + LINE - 1) / LINE * LINE;
	size_t n = align;
	while (n < obj_size)
		n *= 2;
	return n;
}

void pool_init(struct pool *p, size_t obj_size, size_t per_chunk)
{
	p->obj_size = object_size(obj_size);
	p->per_chunk = per_chunk ? per_chunk : 1024;
	p->next_chunk = p->per_chunk < FIRST_CHUNK ? p->per_chunk : FIRST_CHUNK;
	p->chunks = NULL;
	p->free_list = NULL;
	p->next = p->end = NULL;
	p->live = p->max_live = 0;
	p->bytes = 0;
	p->max_bytes = 0;
}

void pool_fini(struct pool *p)
{
	struct pool_chunk *c = p->chunks;
	while (c) {
		struct pool_chunk *n = c->next;
		free(c);
		c = n;
	}
	p->chunks = NULL;
	p->free_list = NULL;
	p->next = p->end = NULL;
	p->live = 0;
}

void *pool__carve(struct pool *p)
{
	if (p->next == p->end) {
		/* chunks grow with the objects in use: 32, 64, ... up to
		 * per_chunk objects, so a small run stays small */
		size_t n = p->next_chunk;
		size_t sz = (sizeof(struct pool_chunk) + p->obj_size * n + LINE - 1) / LINE * LINE;
		if (p->max_bytes && p->bytes + sz > p->max_bytes)
			return NULL;
		struct pool_chunk *c = aligned_alloc(LINE, sz);
		if (!c)
			return NULL;
		c->next = p->chunks;
		p->chunks = c;
		p->bytes += sz;
		p->next = (char *)c->data;
		p->end = p->next + p->obj_size * n;
		if (p->next_chunk < p->per_chunk)
			p->next_chunk = p->next_chunk * 2 < p->per_chunk ? p->next_chunk * 2 : p->per_chunk;
	}
	void *obj = p->next;
	p->next += p->obj_size;
	return obj;
}
