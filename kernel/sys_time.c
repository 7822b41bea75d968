/* sys_time.c — clocks and sleeping. Monotonic time is the PIT tick count (timer.c); realtime
 * adds the RTC's reading at boot. Sleeps HLT with interrupts enabled until the deadline. */
#include "types.h"
#include "defs.h"
#include "errno.h"
#include "time.h"
#include "syscall.h"
#include "proc.h"

#define NSEC_PER_SEC 1000000000u

uint32_t boot_epoch;      /* seconds since 1970 at boot (rtc.c), set by kmain */

/* The time of clockid in ns, or -EINVAL through *err. */
static uint64_t clock_now(int clockid, int *err) {
  *err = 0;
  switch (clockid) {
  case CLOCK_REALTIME:
  case CLOCK_REALTIME_COARSE:
    return (uint64_t)boot_epoch * NSEC_PER_SEC + uptime_ns();
  case CLOCK_MONOTONIC:
  case CLOCK_MONOTONIC_RAW:
  case CLOCK_MONOTONIC_COARSE:
  case CLOCK_BOOTTIME:
    return uptime_ns();
  case CLOCK_PROCESS_CPUTIME_ID:
  case CLOCK_THREAD_CPUTIME_ID:
    return uptime_ns() - curproc->start_ns;   /* one process at a time: all time is its own */
  default:
    *err = -EINVAL;
    return 0;
  }
}

static void split_ns(uint64_t ns, uint64_t *sec, uint32_t *nsec) {
  *nsec = div64_u32(&ns, NSEC_PER_SEC);
  *sec = ns;
}

long sys_time(uint32_t tloc) {
  uint64_t sec;
  uint32_t nsec;
  int err;
  split_ns(clock_now(CLOCK_REALTIME, &err), &sec, &nsec);
  if (tloc && put_user32(tloc, (uint32_t)sec) < 0)
    return -EFAULT;
  return (int32_t)sec;
}

long sys_gettimeofday(uint32_t tv, uint32_t tz) {
  uint64_t sec;
  uint32_t nsec;
  int err;
  split_ns(clock_now(CLOCK_REALTIME, &err), &sec, &nsec);
  if (tv) {
    struct old_timeval32 t = { (int32_t)sec, (int32_t)(nsec / 1000) };
    if (copy_to_user((void *)tv, &t, sizeof(t)) < 0)
      return -EFAULT;
  }
  if (tz) {
    struct timezone_ z = { 0, 0 };
    if (copy_to_user((void *)tz, &z, sizeof(z)) < 0)
      return -EFAULT;
  }
  return 0;
}

long sys_clock_gettime(int clockid, uint32_t tp) {
  int err;
  uint64_t sec;
  uint32_t nsec;
  uint64_t ns = clock_now(clockid, &err);
  if (err)
    return err;
  split_ns(ns, &sec, &nsec);
  struct old_timespec32 t = { (int32_t)sec, (int32_t)nsec };
  return copy_to_user((void *)tp, &t, sizeof(t));
}

long sys_clock_gettime64(int clockid, uint32_t tp) {
  int err;
  uint64_t sec;
  uint32_t nsec;
  uint64_t ns = clock_now(clockid, &err);
  if (err)
    return err;
  split_ns(ns, &sec, &nsec);
  struct __kernel_timespec t = { (int64_t)sec, nsec };
  return copy_to_user((void *)tp, &t, sizeof(t));
}

/* Sleep for a relative request of sec:nsec on clockid (or until the absolute time). */
static long do_sleep(int clockid, int flags, int64_t sec, int64_t nsec) {
  int err;
  if (nsec < 0 || nsec >= NSEC_PER_SEC || sec < 0)
    return -EINVAL;
  uint64_t now = clock_now(clockid, &err);
  if (err)
    return err;
  if (clockid == CLOCK_PROCESS_CPUTIME_ID || clockid == CLOCK_THREAD_CPUTIME_ID)
    return -EINVAL;     /* Linux: -EINVAL for the thread clock; keep it simple for both */
  uint64_t req = (uint64_t)sec * NSEC_PER_SEC + (uint64_t)nsec;
  uint64_t delta;
  if (flags & TIMER_ABSTIME)
    delta = req > now ? req - now : 0;
  else
    delta = req;
  /* The clock moves in whole ticks: one more tick guarantees the full request elapses. */
  if (delta > 0)
    sleep_until(uptime_ns() + delta + NS_PER_TICK);
  return 0;
}

long sys_nanosleep(uint32_t req, uint32_t rem) {
  struct old_timespec32 t;
  if (copy_from_user(&t, (void *)req, sizeof(t)) < 0)
    return -EFAULT;
  return do_sleep(CLOCK_MONOTONIC, 0, t.tv_sec, t.tv_nsec);
}

long sys_clock_nanosleep(int clockid, int flags, uint32_t req, uint32_t rem) {
  struct old_timespec32 t;
  if (copy_from_user(&t, (void *)req, sizeof(t)) < 0)
    return -EFAULT;
  return do_sleep(clockid, flags, t.tv_sec, t.tv_nsec);
}

long sys_clock_nanosleep_time64(int clockid, int flags, uint32_t req, uint32_t rem) {
  struct __kernel_timespec t;
  if (copy_from_user(&t, (void *)req, sizeof(t)) < 0)
    return -EFAULT;
  return do_sleep(clockid, flags, t.tv_sec, t.tv_nsec);
}
