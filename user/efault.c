/* efault — bad pointers handed to the kernel: kernel addresses, NULL, unmapped, read-only or
 * PROT_NONE pages, ranges that run into the kernel or wrap around. Every call must fail with
 * -EFAULT (-14) — or write the good prefix — while the program goes on. */
#include "ulib.h"
#include "utsname.h"
#include "ldt.h"

static void show(const char *what, long r) {
  if (r < 0)
    printf("efault: %-44s %ld (%s)\n", what, r, errname(r));
  else
    printf("efault: %-44s %ld bytes\n", what, r);
}

struct iovec {
  const void *base;
  size_t len;
};

int main(void) {
  show("write(1, 0xc0100000 kernel text, 16)", write(1, (void *)0xC0100000, 16));
  show("write(1, 0xc0000000, 1)", write(1, (void *)0xC0000000, 1));
  show("write(1, NULL, 5)", write(1, NULL, 5));
  show("write(1, 0x10000000 unmapped, 5)", write(1, (void *)0x10000000, 5));
  show("write(1, 0xbffffff0, 32) into the kernel", write(1, (void *)0xBFFFFFF0, 32));
  show("write(1, 0xfffffff0, 0x20) wrapping", write(1, (void *)0xFFFFFFF0, 0x20));
  show("write(1, \"ok\", 0xffffffff) wrapping", write(1, "ok", 0xFFFFFFFF));
  show("write via int80 to a kernel address", __syscall_int80(__NR_write, 1, 0xC0100000, 4, 0, 0, 0));
  long r = tg_get_kernel_info(NULL);
  struct tg_kernel_info k;
  tg_get_kernel_info(&k);
  if (k.paths_available & (1 << TG_PATH_SYSENTER))
    show("write via sysenter to a kernel address",
         __syscall_sysenter(__NR_write, 1, 0xC0100000, 4, 0, 0, 0));
  if (k.paths_available & (1 << TG_PATH_SYSCALL))
    show("write via syscall to a kernel address",
         __syscall_syscall(__NR_write, 1, 0xC0100000, 4, 0, 0, 0));
  show("read(0, 0xc0100000, 10)", read(0, (void *)0xC0100000, 10));
  show("uname(0xc0000000)", syscall1(__NR_uname, 0xC0000000));
  show("uname(0xbfffffc0) straddling KERNBASE", syscall1(__NR_uname, 0xBFFFFFC0));
  show("clock_gettime(MONOTONIC, 1)", syscall2(__NR_clock_gettime, CLOCK_MONOTONIC, 1));
  show("nanosleep(0xc0000000, NULL)", syscall2(__NR_nanosleep, 0xC0000000, 0));
  show("get_kernel_info(NULL)", r);
  show("video_draw(0, 0, 7, 0xc0100000)", tg_video_draw(0, 0, 7, (const char *)0xC0100000));
  show("set_thread_area(0xc0000000)", syscall1(__NR_set_thread_area, 0xC0000000));
  show("rt_sigaction(SIGINT, 0xc0000000, ...)", syscall4(__NR_rt_sigaction, 2, 0xC0000000, 0, 8));
  struct iovec bad_iov[2] = { { "efault: first iovec written\n", 28 }, { (void *)0xC0000000, 8 } };
  show("writev: 2nd iovec in the kernel (partial)", syscall3(__NR_writev, 1, bad_iov, 2));
  show("writev(1, 0xc0000000, 1)", syscall3(__NR_writev, 1, 0xC0000000, 1));

  /* The copy faults inside the kernel; the exception table turns it into -EFAULT. */
  char *m = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  memcpy(m + 4096 - 8, "partial\n", 8);
  munmap(m + 4096, 4096);
  show("write 16 bytes, the last 8 unmapped", write(1, m + 4096 - 8, 16));
  mprotect(m, 4096, PROT_NONE);
  show("write from a PROT_NONE page", write(1, m, 4));
  struct old_timespec32 *text = (struct old_timespec32 *)(void *)main;
  show("clock_gettime into read-only text", syscall2(__NR_clock_gettime, CLOCK_MONOTONIC, text));
  struct new_utsname *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  show("uname into a PROT_READ mapping", syscall1(__NR_uname, ro));
  printf("efault: still running\n");
  return 0;
}
