/* printk.c — formatted output to the kernel log (console.c): %d %i %u %o %x %X %p %s %c %%, the 'll' length
 * modifier, '0' and '-' flags and a field width. */
#include "types.h"
#include "defs.h"

#define va_start(ap, last) __builtin_va_start(ap, last)
#define va_arg(ap, t) __builtin_va_arg(ap, t)
#define va_end(ap) __builtin_va_end(ap)

struct outbuf {
  char *buf;
  size_t size, len;   /* len may exceed size: the would-be length */
};

static void out(struct outbuf *o, char c) {
  if (o->buf == NULL)
    klog_putc((uint8_t)c);
  else if (o->len + 1 < o->size)
    o->buf[o->len] = c;
  o->len++;
}

static void out_num(struct outbuf *o, uint64_t v, uint32_t base, int neg, int width, int zero,
                    int left, int upper) {
  char tmp[24];
  int n = 0;
  const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  do {
    tmp[n++] = digits[div64_u32(&v, base)];
  } while (v != 0);
  int len = n + (neg ? 1 : 0);
  if (neg && zero)
    out(o, '-');
  if (!left)
    for (; width > len; width--)
      out(o, zero ? '0' : ' ');
  if (neg && !zero)
    out(o, '-');
  while (n > 0)
    out(o, tmp[--n]);
  if (left)
    for (; width > len; width--)
      out(o, ' ');
}

static void format(struct outbuf *o, const char *fmt, va_list ap) {
  for (; *fmt; fmt++) {
    if (*fmt != '%') {
      out(o, *fmt);
      continue;
    }
    int zero = 0, left = 0, width = 0, ll = 0;
    fmt++;
    for (;; fmt++) {
      if (*fmt == '0') zero = 1;
      else if (*fmt == '-') left = 1;
      else break;
    }
    while (*fmt >= '0' && *fmt <= '9')
      width = width * 10 + (*fmt++ - '0');
    while (*fmt == 'l') {
      ll++;
      fmt++;
    }
    if (left)
      zero = 0;
    switch (*fmt) {
    case 'd':
    case 'i': {
      int64_t v = ll >= 2 ? va_arg(ap, int64_t) : va_arg(ap, int32_t);
      out_num(o, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0, width, zero, left, 0);
      break;
    }
    case 'u':
    case 'o':
    case 'x':
    case 'X': {
      uint64_t v = ll >= 2 ? va_arg(ap, uint64_t) : va_arg(ap, uint32_t);
      out_num(o, v, *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16, 0, width, zero, left, *fmt == 'X');
      break;
    }
    case 'p':
      out(o, '0');
      out(o, 'x');
      out_num(o, va_arg(ap, uint32_t), 16, 0, 8, 1, 0, 0);
      break;
    case 's': {
      const char *s = va_arg(ap, const char *);
      if (s == NULL)
        s = "(null)";
      int len = strlen(s);
      if (!left)
        for (; width > len; width--)
          out(o, ' ');
      while (*s)
        out(o, *s++);
      if (left)
        for (; width > len; width--)
          out(o, ' ');
      break;
    }
    case 'c':
      out(o, (char)va_arg(ap, int));
      break;
    case '%':
      out(o, '%');
      break;
    case 0:
      return;
    default:
      out(o, '%');
      out(o, *fmt);
    }
  }
}

void kprintf(const char *fmt, ...) {
  struct outbuf o = { NULL, 0, 0 };
  va_list ap;
  va_start(ap, fmt);
  format(&o, fmt, ap);
  va_end(ap);
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap) {
  struct outbuf o = { buf, size, 0 };
  format(&o, fmt, ap);
  if (size > 0)
    buf[o.len < size ? o.len : size - 1] = 0;
  return o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = kvsnprintf(buf, size, fmt, ap);
  va_end(ap);
  return n;
}
