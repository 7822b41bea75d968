/* syscall.c — one system call table for the three entry paths.
 *
 * int $0x80 leaves the caller's registers in the frame as they were. The two fast paths are
 * first made to look the same (do_fast_syscall_32 in Linux's arch/x86/entry/common.c does
 * this too): the sixth argument — the caller's EBP, which the vDSO pushed — is fetched from
 * the user stack, SYSCALL's second argument is moved back from EBP to ECX, and the return
 * address becomes the vDSO's landing pad, whatever EIP user mode had. Then the number in EAX
 * indexes the Linux table (arch/x86/entry/syscalls/syscall_32.tbl numbers) or trapgate's own
 * range TG_SYSCALL_BASE + n; anything else — negative or huge EAX included, the comparison is
 * unsigned — returns -ENOSYS. */
#include "types.h"
#include "defs.h"
#include "errno.h"
#include "unistd_32.h"
#include "trapgate.h"
#include "syscall.h"
#include "proc.h"
#include "arch/x86/frame.h"

typedef long (*syscall_fn)(uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t);
/* Handlers take their own typed arguments; the i386 C calling convention makes the extra
 * words harmless. */
#define SYS(fn) ((syscall_fn)(void *)(fn))

static const syscall_fn syscalls[NR_LINUX_SYSCALLS] = {
  [__NR_exit]                   = SYS(sys_exit),
  [__NR_read]                   = SYS(sys_read),
  [__NR_write]                  = SYS(sys_write),
  [__NR_open]                   = SYS(sys_open),
  [__NR_close]                  = SYS(sys_close),
  [__NR_waitpid]                = SYS(sys_waitpid),
  [__NR_chdir]                  = SYS(sys_chdir),
  [__NR_time]                   = SYS(sys_time),
  [__NR_lseek]                  = SYS(sys_lseek),
  [__NR_getpid]                 = SYS(sys_getpid),
  [__NR_getuid]                 = SYS(sys_getuid),
  [__NR_access]                 = SYS(sys_access),
  [__NR_kill]                   = SYS(sys_kill),
  [__NR_dup]                    = SYS(sys_dup),
  [__NR_times]                  = SYS(sys_times),
  [__NR_brk]                    = SYS(sys_brk),
  [__NR_getgid]                 = SYS(sys_getgid),
  [__NR_geteuid]                = SYS(sys_geteuid),
  [__NR_getegid]                = SYS(sys_getegid),
  [__NR_ioctl]                  = SYS(sys_ioctl),
  [__NR_fcntl]                  = SYS(sys_fcntl),
  [__NR_setpgid]                = SYS(sys_setpgid),
  [__NR_umask]                  = SYS(sys_umask),
  [__NR_dup2]                   = SYS(sys_dup2),
  [__NR_getppid]                = SYS(sys_getppid),
  [__NR_getpgrp]                = SYS(sys_getpgrp),
  [__NR_setsid]                 = SYS(sys_setsid),
  [__NR_setrlimit]              = SYS(sys_setrlimit),
  [__NR_getrlimit]              = SYS(sys_getrlimit),
  [__NR_gettimeofday]           = SYS(sys_gettimeofday),
  [__NR_getgroups]              = SYS(sys_getgroups),
  [__NR_readlink]               = SYS(sys_readlink),
  [__NR_munmap]                 = SYS(sys_munmap),
  [__NR_wait4]                  = SYS(sys_wait4),
  [__NR_sysinfo]                = SYS(sys_sysinfo),
  [__NR_uname]                  = SYS(sys_uname),
  [__NR_mprotect]               = SYS(sys_mprotect),
  [__NR_getpgid]                = SYS(sys_getpgid),
  [__NR__llseek]                = SYS(sys__llseek),
  [__NR_getsid]                 = SYS(sys_getsid),
  [__NR_readv]                  = SYS(sys_readv),
  [__NR_writev]                 = SYS(sys_writev),
  [__NR_sched_yield]            = SYS(sys_sched_yield),
  [__NR_nanosleep]              = SYS(sys_nanosleep),
  [__NR_poll]                   = SYS(sys_poll),
  [__NR_prctl]                  = SYS(sys_prctl),
  [__NR_rt_sigaction]           = SYS(sys_rt_sigaction),
  [__NR_rt_sigprocmask]         = SYS(sys_rt_sigprocmask),
  [__NR_pread64]                = SYS(sys_pread64),
  [__NR_getcwd]                 = SYS(sys_getcwd),
  [__NR_sigaltstack]            = SYS(sys_sigaltstack),
  [__NR_sendfile]               = SYS(sys_sendfile),
  [__NR_ugetrlimit]             = SYS(sys_ugetrlimit),
  [__NR_mmap2]                  = SYS(sys_mmap2),
  [__NR_stat64]                 = SYS(sys_stat64),
  [__NR_lstat64]                = SYS(sys_lstat64),
  [__NR_fstat64]                = SYS(sys_fstat64),
  [__NR_getuid32]               = SYS(sys_getuid32),
  [__NR_getgid32]               = SYS(sys_getgid32),
  [__NR_geteuid32]              = SYS(sys_geteuid32),
  [__NR_getegid32]              = SYS(sys_getegid32),
  [__NR_getgroups32]            = SYS(sys_getgroups32),
  [__NR_getdents64]             = SYS(sys_getdents64),
  [__NR_fcntl64]                = SYS(sys_fcntl64),
  [__NR_gettid]                 = SYS(sys_gettid),
  [__NR_tkill]                  = SYS(sys_tkill),
  [__NR_sendfile64]             = SYS(sys_sendfile64),
  [__NR_set_thread_area]        = SYS(sys_set_thread_area),
  [__NR_exit_group]             = SYS(sys_exit_group),
  [__NR_set_tid_address]        = SYS(sys_set_tid_address),
  [__NR_clock_gettime]          = SYS(sys_clock_gettime),
  [__NR_clock_nanosleep]        = SYS(sys_clock_nanosleep),
  [__NR_tgkill]                 = SYS(sys_tgkill),
  [__NR_openat]                 = SYS(sys_openat),
  [__NR_fstatat64]              = SYS(sys_fstatat64),
  [__NR_readlinkat]             = SYS(sys_readlinkat),
  [__NR_faccessat]              = SYS(sys_faccessat),
  [__NR_set_robust_list]        = SYS(sys_set_robust_list),
  [__NR_dup3]                   = SYS(sys_dup3),
  [__NR_prlimit64]              = SYS(sys_prlimit64),
  [__NR_getrandom]              = SYS(sys_getrandom),
  [__NR_statx]                  = SYS(sys_statx),
  [__NR_clock_gettime64]        = SYS(sys_clock_gettime64),
  [__NR_clock_nanosleep_time64] = SYS(sys_clock_nanosleep_time64),
  [__NR_faccessat2]             = SYS(sys_faccessat2),
};

static const syscall_fn tgcalls[TG_NR_COUNT] = {
  [TG_NR_get_key - TG_SYSCALL_BASE]         = SYS(sys_tg_get_key),
  [TG_NR_video_draw - TG_SYSCALL_BASE]      = SYS(sys_tg_video_draw),
  [TG_NR_get_kernel_info - TG_SYSCALL_BASE] = SYS(sys_tg_get_kernel_info),
  [TG_NR_arg_check - TG_SYSCALL_BASE]       = SYS(sys_tg_arg_check),
};

int syscall_trace;      /* kernel command line "strace": print every call (strace.c) */

static const char *const path_names[TG_NPATHS] = {
  [TG_PATH_INT80] = "int80", [TG_PATH_SYSENTER] = "sysenter", [TG_PATH_SYSCALL] = "syscall",
};

const char *entry_path_name(int path) {
  return path >= 0 && path < TG_NPATHS ? path_names[path] : "?";
}

int entry_paths_available(void) {
  return (1 << TG_PATH_INT80) | (cpu.has_sysenter << TG_PATH_SYSENTER) |
         (cpu.has_syscall << TG_PATH_SYSCALL);
}

void syscall(struct trapframe *tf, int path) {
  if (path != TG_PATH_INT80) {
    /* SYSENTER left the user ESP in EBP (the stub stored it as the frame's ESP); SYSCALL kept
     * the real ESP. Either way it points at the EBP the vDSO pushed: the sixth argument. */
    if (path == TG_PATH_SYSCALL)
      tf->ecx = tf->ebp;
    tf->eip = vdso_landing_pad();
    uint32_t arg6;
    if (get_user32(&arg6, tf->esp) < 0) {
      tf->eax = -EFAULT;
      return;
    }
    tf->ebp = arg6;
  }

  uint32_t nr = tf->eax;
  syscall_fn fn = NULL;
  if (nr < NELEM(syscalls))
    fn = syscalls[nr];
  else if (nr - TG_SYSCALL_BASE < NELEM(tgcalls))
    fn = tgcalls[nr - TG_SYSCALL_BASE];

  const uint32_t args[6] = { tf->ebx, tf->ecx, tf->edx, tf->esi, tf->edi, tf->ebp };
  if (syscall_trace && (nr == __NR_exit || nr == __NR_exit_group))
    strace_noreturn(nr, args);
  long ret = fn ? fn(args[0], args[1], args[2], args[3], args[4], args[5]) : -ENOSYS;
  if (syscall_trace)
    strace_call(nr, args, ret);
  tf->eax = ret;
}
