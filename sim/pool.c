/* pool.c: fixed-size object pool (see pool.h). */
#include "sim/pool.h"

#include <stdlib.h>

struct pool_chunk {
	struct pool_chunk *next;
	max_align_t data[];
};

void pool_init(struct pool *p, size_t obj_size, size_t per_chunk)
{
	size_t align = _Alignof(max_align_t);
	if (obj_size < sizeof(void *))
		obj_size = sizeof(void *);
	p->obj_size = (obj_size + align - 1) / align * align;
	p->per_chunk = per_chunk ? per_chunk : 1024;
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

void *pool_get(struct pool *p)
{
	void *obj;
	if (p->free_list) {
		obj = p->free_list;
		p->free_list = *(void **)obj;
	} else {
		if (p->next == p->end) {
			size_t sz = sizeof(struct pool_chunk) + p->obj_size * p->per_chunk;
			if (p->max_bytes && p->bytes + sz > p->max_bytes)
				return NULL;
			struct pool_chunk *c = malloc(sz);
			if (!c)
				return NULL;
			c->next = p->chunks;
			p->chunks = c;
			p->bytes += sz;
			p->next = (char *)c->data;
			p->end = p->next + p->obj_size * p->per_chunk;
		}
		obj = p->next;
		p->next += p->obj_size;
	}
	if (++p->live > p->max_live)
		p->max_live = p->live;
	return obj;
}

void pool_put(struct pool *p, void *obj)
{
	*(void **)obj = p->free_list;
	p->free_list = obj;
	p->live--;
}
