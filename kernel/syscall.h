/* syscall.h — the system call handlers (sys_*.c). Each takes its arguments as the Linux i386
 * ABI passes them (EBX, ECX, EDX, ESI, EDI, EBP) and returns the value for EAX, -errno on
 * error. */
#ifndef SYSCALL_H
#define SYSCALL_H
#include "types.h"

/* sys_proc.c */
long sys_exit(int status);
long sys_exit_group(int status);
long sys_getpid(void);
long sys_getppid(void);
long sys_getuid32(void);
long sys_geteuid32(void);
long sys_getgid32(void);
long sys_getegid32(void);
long sys_set_tid_address(uint32_t tidptr);
long sys_sched_yield(void);
long sys_rt_sigaction(int sig, uint32_t act, uint32_t oact, uint32_t sigsetsize);
long sys_rt_sigprocmask(int how, uint32_t set, uint32_t oset, uint32_t sigsetsize);
long sys_uname(uint32_t buf);

/* sys_mem.c */
long sys_brk(uint32_t addr);
long sys_mmap2(uint32_t addr, uint32_t len, uint32_t prot, uint32_t flags, int fd, uint32_t pgoff);
long sys_munmap(uint32_t addr, uint32_t len);
long sys_mprotect(uint32_t addr, uint32_t len, uint32_t prot);

/* sys_io.c */
long sys_read(int fd, uint32_t buf, uint32_t count);
long sys_write(int fd, uint32_t buf, uint32_t count);
long sys_writev(int fd, uint32_t iov, int iovcnt);
long sys_ioctl(int fd, uint32_t cmd, uint32_t arg);

/* sys_time.c */
long sys_time(uint32_t tloc);
long sys_gettimeofday(uint32_t tv, uint32_t tz);
long sys_clock_gettime(int clockid, uint32_t tp);
long sys_clock_gettime64(int clockid, uint32_t tp);
long sys_nanosleep(uint32_t req, uint32_t rem);
long sys_clock_nanosleep(int clockid, int flags, uint32_t req, uint32_t rem);
long sys_clock_nanosleep_time64(int clockid, int flags, uint32_t req, uint32_t rem);

/* arch/x86/tls.c */
long sys_set_thread_area(uint32_t u_info);

/* sys_trapgate.c */
long sys_tg_get_key(void);
long sys_tg_video_draw(uint32_t row, uint32_t col, uint32_t attr, uint32_t str);
long sys_tg_get_kernel_info(uint32_t info);
long sys_tg_arg_check(uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4, uint32_t a5, uint32_t a6);

#endif
