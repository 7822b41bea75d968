/* string.c — the string routines the programs use (gcc may also call mem* itself). */
#include "ulib.h"

void *memset(void *d, int c, size_t n) {
  unsigned char *p = d;
  while (n-- > 0)
    *p++ = c;
  return d;
}

void *memcpy(void *d, const void *s, size_t n) {
  unsigned char *p = d;
  const unsigned char *q = s;
  while (n-- > 0)
    *p++ = *q++;
  return d;
}

int memcmp(const void *a, const void *b, size_t n) {
  const unsigned char *p = a, *q = b;
  for (; n > 0; n--, p++, q++)
    if (*p != *q)
      return *p - *q;
  return 0;
}

size_t strlen(const char *s) {
  size_t n = 0;
  while (s[n])
    n++;
  return n;
}

int strcmp(const char *a, const char *b) {
  while (*a && *a == *b)
    a++, b++;
  return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n) {
  while (n > 0 && *a && *a == *b)
    n--, a++, b++;
  return n == 0 ? 0 : (unsigned char)*a - (unsigned char)*b;
}

char *strcpy(char *d, const char *s) {
  char *r = d;
  while ((*d++ = *s++) != 0)
    ;
  return r;
}

long strtol(const char *s, char **end, int base) {
  long v = 0;
  int neg = 0;
  while (*s == ' ')
    s++;
  if (*s == '-' || *s == '+')
    neg = *s++ == '-';
  if ((base == 0 || base == 16) && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s += 2;
    base = 16;
  } else if (base == 0) {
    base = 10;
  }
  for (;; s++) {
    int d;
    if (*s >= '0' && *s <= '9') d = *s - '0';
    else if (*s >= 'a' && *s <= 'f') d = *s - 'a' + 10;
    else if (*s >= 'A' && *s <= 'F') d = *s - 'A' + 10;
    else break;
    if (d >= base)
      break;
    v = v * base + d;
  }
  if (end)
    *end = (char *)s;
  return neg ? -v : v;
}

/* 64-bit by 32-bit division without libgcc: two 32-bit DIVs (see the kernel's lib.c). */
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
