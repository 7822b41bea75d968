/* lib.c — the few C library routines the kernel needs (gcc may emit calls to mem* itself),
 * and 64-bit division by a 32-bit divisor without libgcc. */
#include "types.h"
#include "defs.h"

void *memset(void *dst, int c, size_t n) {
  void *ret = dst;
  __asm__ volatile("cld; rep stosb" : "+D"(dst), "+c"(n) : "a"(c) : "memory");
  return ret;
}

void *memcpy(void *dst, const void *src, size_t n) {
  void *ret = dst;
  __asm__ volatile("cld; rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
  return ret;
}

void *memmove(void *dst, const void *src, size_t n) {
  char *d = dst;
  const char *s = src;
  if (d == s || n == 0)
    return dst;
  if (d < s || d >= s + n)
    return memcpy(dst, src, n);
  while (n-- > 0)
    d[n] = s[n];
  return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
  const uint8_t *p = a, *q = b;
  for (; n > 0; n--, p++, q++)
    if (*p != *q)
      return *p - *q;
  return 0;
}

/* strlen and strnlen by REPNE SCASB: one instruction per string for an emulator that runs the
 * scan directly in RAM (argv and envp are measured this way at every exec). */
size_t strlen(const char *s) {
  const char *p = s;
  size_t n = ~(size_t)0;
  __asm__ volatile("cld; repne scasb" : "+D"(p), "+c"(n) : "a"(0) : "memory", "cc");
  return (size_t)(p - s) - 1;
}

size_t strnlen(const char *s, size_t max) {
  const char *p = s;
  size_t n = max;
  if (max == 0)
    return 0;
  __asm__ volatile("cld; repne scasb" : "+D"(p), "+c"(n) : "a"(0) : "memory", "cc");
  size_t scanned = p - s;
  return s[scanned - 1] == 0 ? scanned - 1 : scanned;
}

int strcmp(const char *a, const char *b) {
  while (*a && *a == *b)
    a++, b++;
  return (uint8_t)*a - (uint8_t)*b;
}

int strncmp(const char *a, const char *b, size_t n) {
  while (n > 0 && *a && *a == *b)
    n--, a++, b++;
  return n == 0 ? 0 : (uint8_t)*a - (uint8_t)*b;
}

/* Copy at most n-1 bytes and always NUL-terminate (like BSD strlcpy, but returns dst). */
char *safestrcpy(char *dst, const char *src, size_t n) {
  char *d = dst;
  if (n == 0)
    return dst;
  while (--n > 0 && (*d = *src++) != 0)
    d++;
  *d = 0;
  return dst;
}

/* Set bits in v (gcc's __builtin_popcount would call libgcc's __popcountsi2 on i686). */
uint32_t popcount32(uint32_t v) {
  v = v - ((v >> 1) & 0x55555555u);
  v = (v & 0x33333333u) + ((v >> 2) & 0x33333333u);
  v = (v + (v >> 4)) & 0x0F0F0F0Fu;
  return (v * 0x01010101u) >> 24;
}

/* Divide *n by base in place and return the remainder, like Linux's do_div(): two 32-bit DIVs,
 * high word first, so no __udivdi3 from libgcc is needed (SDM Vol. 2A DIV: EDX:EAX / r32). */
uint32_t div64_u32(uint64_t *n, uint32_t base) {
  uint32_t hi = (uint32_t)(*n >> 32), lo = (uint32_t)*n, qhi = 0, rem;
  if (hi >= base) {
    qhi = hi / base;
    hi = hi % base;
  }
  __asm__("divl %2" : "=a"(lo), "=d"(rem) : "rm"(base), "0"(lo), "1"(hi));
  *n = ((uint64_t)qhi << 32) | lo;
  return rem;
}
