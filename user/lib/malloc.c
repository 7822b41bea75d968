/* malloc.c — the classic first-fit free list of K&R §8.7, growing the heap with sbrk (brk).
 * Blocks are 8-byte aligned; free coalesces with its neighbours. */
#include "ulib.h"

typedef union header {
  struct {
    union header *next;         /* next free block */
    uint32_t units;             /* size of this block, in header units */
  } s;
  uint64_t align;
} header;

static header base;
static header *freep;

#define NALLOC 1024             /* grow the heap by at least this many units (8 KB) */

void free(void *ap) {
  if (ap == NULL)
    return;
  header *bp = (header *)ap - 1, *p;
  for (p = freep; !(bp > p && bp < p->s.next); p = p->s.next)
    if (p >= p->s.next && (bp > p || bp < p->s.next))
      break;                    /* at one end of the arena */
  if (bp + bp->s.units == p->s.next) {
    bp->s.units += p->s.next->s.units;
    bp->s.next = p->s.next->s.next;
  } else {
    bp->s.next = p->s.next;
  }
  if (p + p->s.units == bp) {
    p->s.units += bp->s.units;
    p->s.next = bp->s.next;
  } else {
    p->s.next = bp;
  }
  freep = p;
}

static header *morecore(uint32_t units) {
  if (units < NALLOC)
    units = NALLOC;
  char *cp = sbrk(units * sizeof(header));
  if (cp == (char *)-1)
    return NULL;
  header *hp = (header *)cp;
  hp->s.units = units;
  free(hp + 1);
  return freep;
}

void *malloc(size_t nbytes) {
  if (nbytes == 0 || nbytes > 0x7FFF0000)
    return NULL;
  uint32_t units = (nbytes + sizeof(header) - 1) / sizeof(header) + 1;
  header *prevp = freep, *p;
  if (prevp == NULL) {
    base.s.next = freep = prevp = &base;
    base.s.units = 0;
  }
  for (p = prevp->s.next;; prevp = p, p = p->s.next) {
    if (p->s.units >= units) {
      if (p->s.units == units) {
        prevp->s.next = p->s.next;
      } else {
        p->s.units -= units;
        p += p->s.units;
        p->s.units = units;
      }
      freep = prevp;
      return p + 1;
    }
    if (p == freep && (p = morecore(units)) == NULL)
      return NULL;
  }
}

void *calloc(size_t n, size_t size) {
  if (size && n > 0xFFFFFFFFu / size)
    return NULL;
  void *p = malloc(n * size);
  if (p)
    memset(p, 0, n * size);
  return p;
}

void *realloc(void *old, size_t n) {
  if (old == NULL)
    return malloc(n);
  header *h = (header *)old - 1;
  size_t have = (h->s.units - 1) * sizeof(header);
  if (n <= have)
    return old;
  void *p = malloc(n);
  if (p) {
    memcpy(p, old, have);
    free(old);
  }
  return p;
}
