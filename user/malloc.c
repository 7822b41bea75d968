/* malloc — the classic "malloc" system call is brk(2): the runtime's malloc (a K&R free list)
 * grows the heap with it. Also the anonymous mappings of mmap2, munmap and mprotect. */
#include "ulib.h"

int main(void) {
  uint32_t start = brk(0);
  printf("malloc: brk(0) is page aligned: %s\n", (start & 4095) == 0 ? "yes" : "no");

  /* 200 blocks of growing size, each filled with its index, checked, half freed, reused. */
  unsigned char *blocks[200];
  uint32_t total = 0;
  for (int i = 0; i < 200; i++) {
    size_t n = 16 + i * 37;
    blocks[i] = malloc(n);
    if (blocks[i] == NULL) {
      printf("malloc: out of memory at %d\n", i);
      return 1;
    }
    memset(blocks[i], i, n);
    total += n;
  }
  int bad = 0;
  for (int i = 0; i < 200; i++)
    for (size_t j = 0; j < 16 + (size_t)i * 37; j++)
      if (blocks[i][j] != (unsigned char)i)
        bad++;
  printf("malloc: 200 blocks, %u bytes, %d corrupted\n", total, bad);
  uint32_t grown = brk(0) - start;
  printf("malloc: heap grew by %u KB through brk\n", grown / 1024);
  for (int i = 0; i < 200; i += 2)
    free(blocks[i]);
  void *again = malloc(1000);
  printf("malloc: after freeing 100 blocks a new one reuses the heap: %s\n",
         (uint32_t)again >= start && (uint32_t)again < start + grown ? "yes" : "no");
  for (int i = 1; i < 200; i += 2)
    free(blocks[i]);
  free(again);
  char *s = calloc(1, 32);
  strcpy(s, "calloc'd and zeroed");
  s = realloc(s, 4096);
  printf("malloc: realloc kept \"%s\"\n", s);

  /* brk below the start is refused (the break stays), shrinking and growing work. */
  uint32_t cur = brk(0);
  printf("malloc: brk(4096) refused: %s\n", (uint32_t)brk((void *)4096) == cur ? "yes" : "no");
  printf("malloc: brk(+1 MB) = +%u KB\n", ((uint32_t)brk((void *)(cur + 0x100000)) - cur) / 1024);
  printf("malloc: brk back = %s\n", (uint32_t)brk((void *)cur) == cur ? "ok" : "no");

  /* mmap2: anonymous private pages, zero filled. */
  char *m = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  printf("malloc: mmap2 3 pages at %p, zeroed: %s\n", m, m[0] == 0 && m[3 * 4096 - 1] == 0 ? "yes" : "no");
  strcpy(m + 4096, "in the second page");
  printf("malloc: mprotect read-only: %ld\n", mprotect(m, 3 * 4096, PROT_READ));
  printf("malloc: still readable: \"%s\"\n", m + 4096);
  printf("malloc: mprotect back to read-write: %ld\n", mprotect(m, 3 * 4096, PROT_READ | PROT_WRITE));
  m[0] = 'x';
  printf("malloc: munmap middle page: %ld\n", munmap(m + 4096, 4096));
  char *m2 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  printf("malloc: the hole is reused: %s\n", m2 == m + 4096 ? "yes" : "no");
  long r = (long)mmap(NULL, 4096, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  printf("malloc: MAP_SHARED: %ld (%s)\n", r, errname(r));
  r = (long)mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 3, 0);
  printf("malloc: a file mapping: %ld (%s)\n", r, errname(r));
  r = (long)mmap((void *)0x50000000, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  printf("malloc: MAP_FIXED at 0x50000000: %p\n", (void *)r);
  r = (long)mmap((void *)0xC0000000, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  printf("malloc: MAP_FIXED over the kernel: %ld (%s)\n", r, errname(r));
  r = mprotect((void *)0x30000000, 4096, PROT_READ);
  printf("malloc: mprotect of unmapped memory: %ld (%s)\n", r, errname(r));
  printf("malloc: munmap all: %ld %ld %ld\n", munmap(m, 3 * 4096), munmap(m2, 4096),
         munmap((void *)0x50000000, 4096));
  return 0;
}
