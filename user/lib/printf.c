/* printf.c — formatted output: %d %i %u %x %X %s %c %p %%, flags '0' and '-', a width, 'l'
 * and 'll'. Each printf formats into a buffer and makes one write(2). */
#include "ulib.h"

struct out {
  char *buf;
  size_t size, len;
};

static void put(struct out *o, char c) {
  if (o->len + 1 < o->size)
    o->buf[o->len] = c;
  o->len++;
}

static void put_num(struct out *o, uint64_t v, uint32_t base, int neg, int width, int zero,
                    int left, int upper) {
  char tmp[24];
  int n = 0;
  const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  do
    tmp[n++] = digits[div64_u32(&v, base)];
  while (v != 0);
  int len = n + neg;
  if (neg && zero)
    put(o, '-');
  if (!left)
    for (; width > len; width--)
      put(o, zero ? '0' : ' ');
  if (neg && !zero)
    put(o, '-');
  while (n > 0)
    put(o, tmp[--n]);
  if (left)
    for (; width > len; width--)
      put(o, ' ');
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap) {
  struct out o = { buf, size, 0 };
  for (; *fmt; fmt++) {
    if (*fmt != '%') {
      put(&o, *fmt);
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
    while (*fmt == 'l')
      ll++, fmt++;
    if (left)
      zero = 0;
    switch (*fmt) {
    case 'd':
    case 'i': {
      int64_t v = ll >= 2 ? va_arg(ap, int64_t) : va_arg(ap, int32_t);
      put_num(&o, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0, width, zero, left, 0);
      break;
    }
    case 'u':
    case 'x':
    case 'X': {
      uint64_t v = ll >= 2 ? va_arg(ap, uint64_t) : va_arg(ap, uint32_t);
      put_num(&o, v, *fmt == 'u' ? 10 : 16, 0, width, zero, left, *fmt == 'X');
      break;
    }
    case 'p':
      put(&o, '0');
      put(&o, 'x');
      put_num(&o, va_arg(ap, uint32_t), 16, 0, 8, 1, 0, 0);
      break;
    case 's': {
      const char *s = va_arg(ap, const char *);
      if (s == NULL)
        s = "(null)";
      int len = strlen(s);
      if (!left)
        for (; width > len; width--)
          put(&o, ' ');
      while (*s)
        put(&o, *s++);
      if (left)
        for (; width > len; width--)
          put(&o, ' ');
      break;
    }
    case 'c':
      put(&o, (char)va_arg(ap, int));
      break;
    case '%':
      put(&o, '%');
      break;
    case 0:
      fmt--;
      break;
    default:
      put(&o, '%');
      put(&o, *fmt);
    }
  }
  if (size > 0)
    buf[o.len < size ? o.len : size - 1] = 0;
  return o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, size, fmt, ap);
  va_end(ap);
  return n;
}

static int vdprintf(int fd, const char *fmt, va_list ap) {
  char buf[512];
  int n = vsnprintf(buf, sizeof(buf), fmt, ap);
  if (n > (int)sizeof(buf) - 1)
    n = sizeof(buf) - 1;
  return write(fd, buf, n);
}

int printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vdprintf(1, fmt, ap);
  va_end(ap);
  return n;
}

int dprintf(int fd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vdprintf(fd, fmt, ap);
  va_end(ap);
  return n;
}

int puts(const char *s) {
  return printf("%s\n", s);
}

const char *errname(long err) {
  switch (-err) {
  case 0: return "OK";
  case EPERM: return "EPERM";
  case ENOENT: return "ENOENT";
  case ESRCH: return "ESRCH";
  case EBADF: return "EBADF";
  case EAGAIN: return "EAGAIN";
  case ENOMEM: return "ENOMEM";
  case EFAULT: return "EFAULT";
  case EINVAL: return "EINVAL";
  case ENOTTY: return "ENOTTY";
  case ERANGE: return "ERANGE";
  case ENOSYS: return "ENOSYS";
  default: return "E?";
  }
}
