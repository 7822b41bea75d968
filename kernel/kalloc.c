/* kalloc.c — the physical page-frame allocator. One bit per 4 KB frame below PHYSTOP_MAX; a
 * frame is free only if the multiboot memory map says its whole page is available RAM and it
 * holds neither the kernel image nor a module. Allocation is first-fit from the lowest address,
 * so runs are reproducible. */
#include "types.h"
#include "defs.h"
#include "memlayout.h"
#include "arch/x86/mmu.h"

#define NFRAMES (PHYSTOP_MAX / PGSIZE)

static uint32_t used[NFRAMES / 32];     /* bit set: frame in use or not RAM */
static uint32_t nfree, ntotal;
static uint32_t search_from;            /* no free frame below this index */
uint32_t phystop;                       /* end of the highest usable RAM (direct-map size) */

static void frame_set(uint32_t f) { used[f / 32] |= 1u << (f % 32); }
static void frame_clear(uint32_t f) { used[f / 32] &= ~(1u << (f % 32)); }
static int frame_used(uint32_t f) { return (used[f / 32] >> (f % 32)) & 1; }

void kinit_begin(void) {
  memset(used, 0xFF, sizeof(used));
  nfree = ntotal = 0;
  phystop = 0;
}

/* Add the RAM range [start, end) (physical, bytes). Below 1 MB stays unused. */
void kinit_add_ram(uint64_t start, uint64_t end) {
  if (start < EXTMEM)
    start = EXTMEM;
  if (end > PHYSTOP_MAX)
    end = PHYSTOP_MAX;
  uint32_t first = PGROUNDUP((uint32_t)start) / PGSIZE;
  uint32_t last = (uint32_t)PGROUNDDOWN((uint32_t)end) / PGSIZE;
  if (start >= end)
    return;
  for (uint32_t f = first; f < last;) {
    if (f % 32 == 0 && last - f >= 32) {
      /* Whole words at once: boot time is guest instructions. */
      uint32_t words = (last - f) / 32;
      for (uint32_t w = f / 32; w < f / 32 + words; w++) {
        uint32_t n = used[w] == 0xFFFFFFFF ? 32 : popcount32(used[w]);
        nfree += n;
        ntotal += n;
      }
      memset(&used[f / 32], 0, words * 4);
      f += words * 32;
      continue;
    }
    if (frame_used(f)) {
      frame_clear(f);
      nfree++;
      ntotal++;
    }
    f++;
  }
  if (last * PGSIZE > phystop)
    phystop = last * PGSIZE;
}

/* Take [start, end) out of the free frames (kernel image, modules). */
void kinit_reserve(uint32_t start, uint32_t end) {
  if (end > PHYSTOP_MAX)
    end = PHYSTOP_MAX;
  uint32_t last = PGROUNDUP(end) / PGSIZE;
  for (uint32_t f = PGROUNDDOWN(start) / PGSIZE; f < last;) {
    if (f % 32 == 0 && last - f >= 32) {
      uint32_t n = 32 - popcount32(used[f / 32]);   /* whole words at once */
      used[f / 32] = 0xFFFFFFFF;
      nfree -= n;
      ntotal -= n;
      f += 32;
      continue;
    }
    if (!frame_used(f)) {
      frame_set(f);
      nfree--;
      ntotal--;
    }
    f++;
  }
}

/* Allocate one frame; returns its physical address, or 0 when memory is exhausted. The frame
 * is not cleared: see kalloc_zeroed(). */
uint32_t kalloc_frame(void) {
  for (uint32_t w = search_from / 32; w < NFRAMES / 32; w++) {
    if (used[w] == 0xFFFFFFFF)
      continue;
    uint32_t f = w * 32 + __builtin_ctz(~used[w]);
    frame_set(f);
    nfree--;
    search_from = f + 1;
    return f * PGSIZE;
  }
  return 0;
}

/* Allocate a frame and clear it through the direct map; returns its kernel virtual address. */
void *kalloc_zeroed(void) {
  uint32_t pa = kalloc_frame();
  if (pa == 0)
    return NULL;
  void *va = P2V(pa);
  memset(va, 0, PGSIZE);
  return va;
}

void kfree_frame(uint32_t pa) {
  uint32_t f = pa / PGSIZE;
  if (pa % PGSIZE || f >= NFRAMES || !frame_used(f))
    panic("kfree_frame: bad frame %x", pa);
  frame_clear(f);
  nfree++;
  if (f < search_from)
    search_from = f;
}

uint32_t kmem_free_pages(void) { return nfree; }
uint32_t kmem_total_pages(void) { return ntotal; }
