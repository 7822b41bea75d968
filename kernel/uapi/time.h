/* time.h — Linux i386 time structures and clock ids (include/uapi/linux/time.h,
 * time_types.h). The "32" structures are the old 32-bit-time_t ABI used by syscalls 13, 78,
 * 162, 265, 267; __kernel_timespec is the 64-bit one of 403 and 407. */
#ifndef UAPI_TIME_H
#define UAPI_TIME_H
struct old_timespec32 { int32_t tv_sec; int32_t tv_nsec; };
struct old_timeval32  { int32_t tv_sec; int32_t tv_usec; };
struct __kernel_timespec { int64_t tv_sec; int64_t tv_nsec; };
struct timezone_ { int32_t tz_minuteswest; int32_t tz_dsttime; };

#define CLOCK_REALTIME           0
#define CLOCK_MONOTONIC          1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID  3
#define CLOCK_MONOTONIC_RAW      4
#define CLOCK_REALTIME_COARSE    5
#define CLOCK_MONOTONIC_COARSE   6
#define CLOCK_BOOTTIME           7
#define TIMER_ABSTIME            1
#endif
