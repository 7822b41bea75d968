/* ulib.h — trapgate's small user-space runtime: system calls through each entry path,
 * Linux-style wrappers (they return the kernel's value: -errno on error, there is no errno),
 * formatted printing, malloc over brk, strings. */
#ifndef ULIB_H
#define ULIB_H
#include "types.h"
#include "errno.h"
#include "unistd_32.h"
#include "auxvec.h"
#include "trapgate.h"
#include "time.h"
#include "mman.h"

typedef __builtin_va_list va_list;
#define va_start(ap, last) __builtin_va_start(ap, last)
#define va_arg(ap, t) __builtin_va_arg(ap, t)
#define va_end(ap) __builtin_va_end(ap)

/* syscall.S: one stub per entry path. Number, then up to six arguments. */
long __syscall_int80(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
long __syscall_sysenter(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
long __syscall_syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
long __syscall_vsyscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
/* Call an entry routine with the __kernel_vsyscall convention (e.g. a vDSO symbol). */
long __syscall_via(void *entry, long nr, long a1, long a2, long a3, long a4, long a5, long a6);

/* The default path: __kernel_vsyscall from AT_SYSINFO, as a C library uses it. */
#define syscall0(n)             __syscall_vsyscall((n), 0, 0, 0, 0, 0, 0)
#define syscall1(n, a)          __syscall_vsyscall((n), (long)(a), 0, 0, 0, 0, 0)
#define syscall2(n, a, b)       __syscall_vsyscall((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define syscall3(n, a, b, c)    __syscall_vsyscall((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define syscall4(n, a, b, c, d) \
  __syscall_vsyscall((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define syscall6(n, a, b, c, d, e, f) \
  __syscall_vsyscall((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

/* start.c */
extern char **environ;
extern void *__vsyscall;                /* AT_SYSINFO */
uint32_t getauxval(uint32_t type);
void *vdso_sym(const char *name);       /* look a symbol up in the vDSO's ELF dynamic table */

/* wrappers */
void exit(int status) __attribute__((noreturn));
long write(int fd, const void *buf, size_t n);
long read(int fd, void *buf, size_t n);
long brk(void *addr);
void *sbrk(long increment);
long getpid(void);
long nanosleep(const struct old_timespec32 *req, struct old_timespec32 *rem);
long clock_gettime(int clockid, struct old_timespec32 *tp);
long sleep_ms(uint32_t ms);
uint64_t monotonic_ns(void);
void *mmap(void *addr, size_t len, int prot, int flags, int fd, long pgoff);
long munmap(void *addr, size_t len);
long mprotect(void *addr, size_t len, int prot);

/* trapgate calls */
long tg_get_key(void);
long tg_video_draw(unsigned row, unsigned col, unsigned attr, const char *s);
long tg_get_kernel_info(struct tg_kernel_info *info);

/* printf.c: %d %i %u %x %X %s %c %p %%, flags 0 and -, width, l and ll */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int dprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int puts(const char *s);
const char *errname(long err);          /* "EFAULT" for -14 etc. */

/* malloc.c: first-fit free list over brk (K&R) */
void *malloc(size_t n);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t n);
void free(void *p);

/* string.c */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strcpy(char *d, const char *s);
long strtol(const char *s, char **end, int base);
uint32_t div64_u32(uint64_t *n, uint32_t base);

#endif
