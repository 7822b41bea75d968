/* abi — the rest of the Linux i386 calls a C library makes at start-up: ids, set_tid_address,
 * terminal ioctls, clocks, signal bookkeeping, uname. */
#include "ulib.h"
#include "termios.h"
#include "signal.h"
#include "utsname.h"

int main(void) {
  printf("abi: getuid32 %ld geteuid32 %ld getgid32 %ld getegid32 %ld\n", syscall0(__NR_getuid32),
         syscall0(__NR_geteuid32), syscall0(__NR_getgid32), syscall0(__NR_getegid32));
  int tid = 0;
  printf("abi: getpid %ld, getppid %ld, set_tid_address = %ld (the tid)\n", getpid(),
         syscall0(__NR_getppid), syscall1(__NR_set_tid_address, &tid));
  printf("abi: AT_PAGESZ %u, AT_CLKTCK %u, AT_UID %u, AT_ENTRY %s, AT_PHNUM %u, AT_PHENT %u\n",
         getauxval(AT_PAGESZ), getauxval(AT_CLKTCK), getauxval(AT_UID),
         getauxval(AT_ENTRY) >= 0x08048000 && getauxval(AT_ENTRY) < 0x08100000 ? "in the text" : "?",
         getauxval(AT_PHNUM), getauxval(AT_PHENT));
  const uint32_t *phdr = (const uint32_t *)getauxval(AT_PHDR);
  printf("abi: AT_PHDR %p, first program header type %u (PT_LOAD)\n", phdr, phdr[0]);
  printf("abi: AT_RANDOM at %s, AT_PLATFORM \"%s\"\n",
         getauxval(AT_RANDOM) > 0xBFF00000 ? "the stack top" : "?", (char *)getauxval(AT_PLATFORM));

  struct termios_k t;
  long r = syscall3(__NR_ioctl, 0, TCGETS, &t);
  printf("abi: ioctl(0, TCGETS) = %ld, ICANON %s, VEOF %d\n", r, (t.c_lflag & ICANON) ? "on" : "off",
         t.c_cc[VEOF]);
  struct winsize ws;
  r = syscall3(__NR_ioctl, 1, TIOCGWINSZ, &ws);
  printf("abi: ioctl(1, TIOCGWINSZ) = %ld, %u rows x %u columns\n", r, ws.ws_row, ws.ws_col);
  r = syscall3(__NR_ioctl, 1, 0x1234, 0);
  printf("abi: ioctl(1, 0x1234) = %ld (%s)\n", r, errname(r));
  r = syscall3(__NR_ioctl, 7, TCGETS, &t);
  printf("abi: ioctl(7, TCGETS) = %ld (%s)\n", r, errname(r));

  struct old_timespec32 ts;
  struct __kernel_timespec ts64;
  struct old_timeval32 tv;
  long t1 = syscall1(__NR_time, NULL);
  long g = syscall2(__NR_gettimeofday, &tv, NULL);
  long c = syscall2(__NR_clock_gettime, CLOCK_REALTIME, &ts);
  long c64 = syscall2(__NR_clock_gettime64, CLOCK_REALTIME, &ts64);
  printf("abi: time/gettimeofday/clock_gettime/clock_gettime64 agree: %s (%ld %ld %ld)\n",
         tv.tv_sec - t1 <= 1 && ts.tv_sec - tv.tv_sec <= 1 && ts64.tv_sec - ts.tv_sec <= 1 ? "yes" : "no",
         g, c, c64);
  printf("# abi: time() = %ld\n", t1);
  long clocks[] = { CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_PROCESS_CPUTIME_ID, 42 };
  for (uint32_t i = 0; i < NELEM(clocks); i++) {
    r = syscall2(__NR_clock_gettime, clocks[i], &ts);
    printf("abi: clock_gettime(%ld) = %ld%s%s\n", clocks[i], r, r ? " " : "", r ? errname(r) : "");
  }

  struct k_sigaction sa = { 0x08049999, 0x04000000, 0, { 0, 0 } }, old;
  r = syscall4(__NR_rt_sigaction, SIGINT, &sa, NULL, 8);
  long r2 = syscall4(__NR_rt_sigaction, SIGINT, NULL, &old, 8);
  printf("abi: rt_sigaction(SIGINT) = %ld, read back %ld: handler %p flags %x\n", r, r2,
         (void *)old.handler, old.flags);
  r = syscall4(__NR_rt_sigaction, SIGKILL, &sa, NULL, 8);
  printf("abi: rt_sigaction(SIGKILL) = %ld (%s)\n", r, errname(r));
  r = syscall4(__NR_rt_sigaction, SIGINT, &sa, NULL, 4);
  printf("abi: rt_sigaction with sigsetsize 4 = %ld (%s)\n", r, errname(r));
  uint32_t set[2] = { 1u << (SIGUSR1 - 1), 0 }, oset[2];
  r = syscall4(__NR_rt_sigprocmask, SIG_BLOCK, set, NULL, 8);
  r2 = syscall4(__NR_rt_sigprocmask, SIG_SETMASK, NULL, oset, 8);
  printf("abi: rt_sigprocmask(SIG_BLOCK, SIGUSR1) = %ld, mask now %x %x\n", r, oset[0], oset[1]);
  r = syscall4(__NR_rt_sigprocmask, 99, set, NULL, 8);
  printf("abi: rt_sigprocmask(99) = %ld (%s)\n", r, errname(r));

  struct new_utsname u;
  r = syscall1(__NR_uname, &u);
  printf("abi: uname = %ld: %s %s %s %s %s\n", r, u.sysname, u.nodename, u.release, u.machine,
         u.domainname);
  return 0;
}
