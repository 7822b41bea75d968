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
long sys_getuid(void);
long sys_getgid(void);
long sys_geteuid(void);
long sys_getegid(void);
long sys_gettid(void);
long sys_getgroups(int size, uint32_t list);
long sys_getgroups32(int size, uint32_t list);
long sys_getpgrp(void);
long sys_getpgid(int pid);
long sys_getsid(int pid);
long sys_setpgid(int pid, int pgid);
long sys_setsid(void);
long sys_wait4(int pid, uint32_t status, int options, uint32_t rusage);
long sys_waitpid(int pid, uint32_t status, int options);
long sys_kill(int pid, int sig);
long sys_tkill(int tid, int sig);
long sys_tgkill(int tgid, int tid, int sig);
long sys_prlimit64(int pid, int resource, uint32_t new_limit, uint32_t old_limit);
long sys_ugetrlimit(int resource, uint32_t rlim);
long sys_getrlimit(int resource, uint32_t rlim);
long sys_setrlimit(int resource, uint32_t rlim);
long sys_sysinfo(uint32_t info);
long sys_times(uint32_t buf);
long sys_prctl(int option, uint32_t arg2);
long sys_sigaltstack(uint32_t uss, uint32_t uoss);
long sys_set_robust_list(uint32_t head, uint32_t len);
long sys_getrandom(uint32_t buf, uint32_t count, uint32_t flags);

/* sys_mem.c */
long sys_brk(uint32_t addr);
long sys_mmap2(uint32_t addr, uint32_t len, uint32_t prot, uint32_t flags, int fd, uint32_t pgoff);
long sys_munmap(uint32_t addr, uint32_t len);
long sys_mprotect(uint32_t addr, uint32_t len, uint32_t prot);

/* sys_io.c */
long sys_read(int fd, uint32_t buf, uint32_t count);
long sys_write(int fd, uint32_t buf, uint32_t count);
long sys_readv(int fd, uint32_t iov, int iovcnt);
long sys_writev(int fd, uint32_t iov, int iovcnt);
long sys_pread64(int fd, uint32_t buf, uint32_t count, uint32_t off_lo, uint32_t off_hi);
long sys_lseek(int fd, int32_t off, int whence);
long sys__llseek(int fd, uint32_t off_hi, uint32_t off_lo, uint32_t result, int whence);
long sys_sendfile(int out_fd, int in_fd, uint32_t offset, uint32_t count);
long sys_sendfile64(int out_fd, int in_fd, uint32_t offset, uint32_t count);
long sys_ioctl(int fd, uint32_t cmd, uint32_t arg);
long sys_poll(uint32_t fds, uint32_t nfds, int timeout);

/* sys_file.c */
long sys_open(uint32_t path, uint32_t flags, uint32_t mode);
long sys_openat(int dirfd, uint32_t path, uint32_t flags, uint32_t mode);
long sys_close(int fd);
long sys_dup(int oldfd);
long sys_dup2(int oldfd, int newfd);
long sys_dup3(int oldfd, int newfd, uint32_t flags);
long sys_fcntl(int fd, int cmd, uint32_t arg);
long sys_fcntl64(int fd, int cmd, uint32_t arg);
long sys_stat64(uint32_t path, uint32_t buf);
long sys_lstat64(uint32_t path, uint32_t buf);
long sys_fstat64(int fd, uint32_t buf);
long sys_fstatat64(int dirfd, uint32_t path, uint32_t buf, uint32_t flags);
long sys_statx(int dirfd, uint32_t path, uint32_t flags, uint32_t mask, uint32_t buf);
long sys_getdents64(int fd, uint32_t dirp, uint32_t count);
long sys_getcwd(uint32_t buf, uint32_t size);
long sys_chdir(uint32_t path);
long sys_access(uint32_t path, int mode);
long sys_faccessat(int dirfd, uint32_t path, int mode);
long sys_faccessat2(int dirfd, uint32_t path, int mode, int flags);
long sys_readlink(uint32_t path, uint32_t buf, int size);
long sys_readlinkat(int dirfd, uint32_t path, uint32_t buf, int size);
long sys_umask(uint32_t mask);

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
