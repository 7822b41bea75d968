/* sys.c — thin wrappers over the default system-call path (__kernel_vsyscall). */
#include "ulib.h"

void exit(int status) {
  syscall1(__NR_exit_group, status);
  for (;;)
    ;
}

long write(int fd, const void *buf, size_t n) { return syscall3(__NR_write, fd, buf, n); }
long read(int fd, void *buf, size_t n) { return syscall3(__NR_read, fd, buf, n); }
long brk(void *addr) { return syscall1(__NR_brk, addr); }
long getpid(void) { return syscall0(__NR_getpid); }

/* sbrk over brk(2): the kernel returns the new break, or the old one on failure. */
void *sbrk(long increment) {
  static uint32_t cur;
  if (cur == 0)
    cur = brk(0);
  uint32_t old = cur;
  if (increment == 0)
    return (void *)old;
  uint32_t want = old + increment;
  uint32_t got = brk((void *)want);
  if (got != want)
    return (void *)-1;
  cur = got;
  return (void *)old;
}

long nanosleep(const struct old_timespec32 *req, struct old_timespec32 *rem) {
  return syscall2(__NR_nanosleep, req, rem);
}

long clock_gettime(int clockid, struct old_timespec32 *tp) {
  return syscall2(__NR_clock_gettime, clockid, tp);
}

long sleep_ms(uint32_t ms) {
  struct old_timespec32 t = { (int32_t)(ms / 1000), (int32_t)(ms % 1000) * 1000000 };
  return nanosleep(&t, NULL);
}

uint64_t monotonic_ns(void) {
  struct old_timespec32 t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint32_t)t.tv_nsec;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, long pgoff) {
  return (void *)syscall6(__NR_mmap2, addr, len, prot, flags, fd, pgoff);
}

long munmap(void *addr, size_t len) { return syscall2(__NR_munmap, addr, len); }
long mprotect(void *addr, size_t len, int prot) { return syscall3(__NR_mprotect, addr, len, prot); }

long tg_get_key(void) { return syscall0(TG_NR_get_key); }
long tg_video_draw(unsigned row, unsigned col, unsigned attr, const char *s) {
  return syscall4(TG_NR_video_draw, row, col, attr, s);
}
long tg_get_kernel_info(struct tg_kernel_info *info) {
  return syscall1(TG_NR_get_kernel_info, info);
}
