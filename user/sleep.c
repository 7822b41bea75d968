/* sleep — the classic "sleep" system call is nanosleep(2): the kernel halts (HLT, interrupts
 * on) until the PIT has counted the time off. Only comparisons are printed, never durations. */
#include "ulib.h"

int main(void) {
  uint64_t t0 = monotonic_ns();
  long r = sleep_ms(10);
  uint64_t t1 = monotonic_ns();
  printf("sleep: nanosleep(10 ms) = %ld\n", r);
  printf("sleep: slept >= 10 ms: %s\n", t1 - t0 >= 10000000 ? "yes" : "no");
  printf("# sleep: slept %u us\n", (uint32_t)(t1 - t0) / 1000);

  struct old_timespec32 req = { 0, 25000000 };
  t0 = monotonic_ns();
  r = syscall4(__NR_clock_nanosleep, CLOCK_MONOTONIC, 0, &req, NULL);
  t1 = monotonic_ns();
  printf("sleep: clock_nanosleep(MONOTONIC, 25 ms) = %ld, slept >= 25 ms: %s\n", r,
         t1 - t0 >= 25000000 ? "yes" : "no");

  /* Absolute: until "now + 30 ms" on the 64-bit-time call. */
  struct __kernel_timespec now, until;
  syscall2(__NR_clock_gettime64, CLOCK_MONOTONIC, &now);
  until.tv_sec = now.tv_sec;
  until.tv_nsec = now.tv_nsec + 30000000;
  if (until.tv_nsec >= 1000000000) {
    until.tv_sec++;
    until.tv_nsec -= 1000000000;
  }
  r = syscall4(__NR_clock_nanosleep_time64, CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
  struct __kernel_timespec after;
  syscall2(__NR_clock_gettime64, CLOCK_MONOTONIC, &after);
  int reached = after.tv_sec > until.tv_sec ||
                (after.tv_sec == until.tv_sec && after.tv_nsec >= until.tv_nsec);
  printf("sleep: clock_nanosleep_time64(TIMER_ABSTIME, now + 30 ms) = %ld, deadline reached: %s\n",
         r, reached ? "yes" : "no");

  struct old_timespec32 bad = { 0, 1000000000 };
  r = nanosleep(&bad, NULL);
  printf("sleep: nanosleep with tv_nsec = 10^9: %ld (%s)\n", r, errname(r));
  bad.tv_sec = -1;
  bad.tv_nsec = 0;
  r = nanosleep(&bad, NULL);
  printf("sleep: nanosleep with tv_sec = -1: %ld (%s)\n", r, errname(r));
  r = syscall4(__NR_clock_nanosleep, 42, 0, &req, NULL);
  printf("sleep: clock_nanosleep on clock 42: %ld (%s)\n", r, errname(r));
  r = syscall0(__NR_sched_yield);
  printf("sleep: sched_yield = %ld\n", r);
  return 0;
}
