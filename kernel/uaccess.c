/* uaccess.c — copying between the kernel and a user address space.
 *
 * Two layers of protection, as in Linux: (1) an overflow-safe range check — the whole range
 * [addr, addr + len) must lie below UADDR_LIMIT (KERNBASE), and addr + len must not wrap —
 * rejects kernel addresses, which the kernel itself could reach; (2) a fault inside the range
 * (unmapped, PROT_NONE, or a write to a read-only page: CR0.WP) is caught by the exception
 * table and reported as -EFAULT. */
#include "types.h"
#include "defs.h"
#include "errno.h"
#include "memlayout.h"

struct exception_table_entry {
  uint32_t insn;       /* address of an instruction that may fault */
  uint32_t fixup;      /* where to resume if it does */
};
extern const struct exception_table_entry __start___ex_table[], __stop___ex_table[];

uint32_t __copy_user(void *dst, const void *src, uint32_t n);
int32_t __strncpy_from_user(char *dst, const char *src, uint32_t n);

uint32_t search_exception_table(uint32_t eip) {
  for (const struct exception_table_entry *e = __start___ex_table; e < __stop___ex_table; e++)
    if (e->insn == eip)
      return e->fixup;
  return 0;
}

/* Is [addr, addr + len) a user range? Written so that addr + len cannot overflow. */
int access_ok(uint32_t addr, uint32_t len) {
  return addr <= UADDR_LIMIT && len <= UADDR_LIMIT - addr;
}

/* Returns 0, or -EFAULT if any byte could not be copied. */
int copy_from_user(void *dst, const void __user *src, uint32_t len) {
  if (!access_ok((uint32_t)src, len))
    return -EFAULT;
  return __copy_user(dst, (const void *)src, len) ? -EFAULT : 0;
}

int copy_to_user(void __user *dst, const void *src, uint32_t len) {
  if (!access_ok((uint32_t)dst, len))
    return -EFAULT;
  return __copy_user((void *)dst, src, len) ? -EFAULT : 0;
}

/* Like copy_from_user, but returns the number of bytes copied (a prefix), for partial writes. */
uint32_t copy_from_user_partial(void *dst, const void __user *src, uint32_t len) {
  if (!access_ok((uint32_t)src, len))
    return 0;
  return len - __copy_user(dst, (const void *)src, len);
}

/* Copy a NUL-terminated string of at most n bytes (including the NUL) into dst. Returns its
 * length, -ENAMETOOLONG-like -ERANGE if no NUL within n bytes, -EFAULT on a bad address. The
 * range check clips at UADDR_LIMIT: a string running into kernel space faults. */
int strncpy_from_user(char *dst, const char __user *src, uint32_t n) {
  uint32_t a = (uint32_t)src;
  if (n == 0)
    return -ERANGE;
  if (a >= UADDR_LIMIT)
    return -EFAULT;
  uint32_t max = n;
  if (max > UADDR_LIMIT - a)
    max = UADDR_LIMIT - a;
  int32_t r = __strncpy_from_user(dst, (const char *)src, max);
  if (r < 0)
    return r;
  if ((uint32_t)r == max) {
    dst[max - 1] = 0;
    return max < n ? -EFAULT : -ERANGE;   /* ran into the kernel boundary, or too long */
  }
  return r;
}

int get_user32(uint32_t *val, uint32_t __user addr) {
  return copy_from_user(val, (const void *)addr, 4);
}

int put_user32(uint32_t __user addr, uint32_t val) {
  return copy_to_user((void *)addr, &val, 4);
}
