/* resource.h — resource limits (getrlimit 76, ugetrlimit 191, prlimit64 340:
 * include/uapi/asm-generic/resource.h) and struct sysinfo (116; include/uapi/linux/sysinfo.h). */
#ifndef UAPI_RESOURCE_H
#define UAPI_RESOURCE_H
#define RLIMIT_CPU     0
#define RLIMIT_FSIZE   1
#define RLIMIT_DATA    2
#define RLIMIT_STACK   3
#define RLIMIT_CORE    4
#define RLIMIT_RSS     5
#define RLIMIT_NPROC   6
#define RLIMIT_NOFILE  7
#define RLIMIT_MEMLOCK 8
#define RLIMIT_AS      9
#define RLIM_NLIMITS   16
#define RLIM_INFINITY  0xFFFFFFFFu            /* struct rlimit (32-bit) */
#define RLIM64_INFINITY 0xFFFFFFFFFFFFFFFFull /* struct rlimit64 */
struct rlimit_k { uint32_t rlim_cur, rlim_max; };
struct rlimit64_k { uint64_t rlim_cur, rlim_max; };

struct sysinfo_k {
  int32_t  uptime;             /* seconds since boot */
  uint32_t loads[3];           /* 1, 5, 15 minute load averages, << 16 */
  uint32_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
  uint16_t procs, pad;
  uint32_t totalhigh, freehigh;
  uint32_t mem_unit;           /* bytes per unit of the memory fields */
  char     _f[8];
};
_Static_assert(sizeof(struct sysinfo_k) == 64, "i386 struct sysinfo is 64 bytes");

/* prctl options (include/uapi/linux/prctl.h) */
#define PR_SET_NAME 15
#define PR_GET_NAME 16

/* struct tms of times (43) */
struct tms_k { int32_t tms_utime, tms_stime, tms_cutime, tms_cstime; };

/* sigaltstack (186) */
struct sigaltstack_k { uint32_t ss_sp; int32_t ss_flags; uint32_t ss_size; };
#define SS_DISABLE 2
#define MINSIGSTKSZ 2048
#endif
