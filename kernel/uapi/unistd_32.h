/* unistd_32.h — the Linux i386 system call numbers this kernel implements, from Linux's
 * arch/x86/entry/syscalls/syscall_32.tbl. Arguments in EBX ECX EDX ESI EDI EBP, number and
 * result in EAX, -errno on error. Any other number returns -ENOSYS. */
#ifndef UAPI_UNISTD_32_H
#define UAPI_UNISTD_32_H
#define __NR_exit                     1
#define __NR_read                     3
#define __NR_write                    4
#define __NR_time                    13
#define __NR_getpid                  20
#define __NR_brk                     45
#define __NR_ioctl                   54
#define __NR_getppid                 64
#define __NR_gettimeofday            78
#define __NR_munmap                  91
#define __NR_uname                  122
#define __NR_mprotect               125
#define __NR_writev                 146
#define __NR_sched_yield            158
#define __NR_nanosleep              162
#define __NR_rt_sigaction           174
#define __NR_rt_sigprocmask         175
#define __NR_mmap2                  192
#define __NR_getuid32               199
#define __NR_getgid32               200
#define __NR_geteuid32              201
#define __NR_getegid32              202
#define __NR_set_thread_area        243
#define __NR_exit_group             252
#define __NR_set_tid_address        258
#define __NR_clock_gettime          265
#define __NR_clock_nanosleep        267
#define __NR_clock_gettime64        403
#define __NR_clock_nanosleep_time64 407
#define NR_LINUX_SYSCALLS           451  /* table size: the highest Linux i386 number + 1 */
#endif
