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
  [__NR_time]                   = SYS(sys_time),
  [__NR_getpid]                 = SYS(sys_getpid),
  [__NR_brk]                    = SYS(sys_brk),
  [__NR_ioctl]                  = SYS(sys_ioctl),
  [__NR_getppid]                = SYS(sys_getppid),
  [__NR_gettimeofday]           = SYS(sys_gettimeofday),
  [__NR_munmap]                 = SYS(sys_munmap),
  [__NR_uname]                  = SYS(sys_uname),
  [__NR_mprotect]               = SYS(sys_mprotect),
  [__NR_writev]                 = SYS(sys_writev),
  [__NR_sched_yield]            = SYS(sys_sched_yield),
  [__NR_nanosleep]              = SYS(sys_nanosleep),
  [__NR_rt_sigaction]           = SYS(sys_rt_sigaction),
  [__NR_rt_sigprocmask]         = SYS(sys_rt_sigprocmask),
  [__NR_mmap2]                  = SYS(sys_mmap2),
  [__NR_getuid32]               = SYS(sys_getuid32),
  [__NR_getgid32]               = SYS(sys_getgid32),
  [__NR_geteuid32]              = SYS(sys_geteuid32),
  [__NR_getegid32]              = SYS(sys_getegid32),
  [__NR_set_thread_area]        = SYS(sys_set_thread_area),
  [__NR_exit_group]             = SYS(sys_exit_group),
  [__NR_set_tid_address]        = SYS(sys_set_tid_address),
  [__NR_clock_gettime]          = SYS(sys_clock_gettime),
  [__NR_clock_nanosleep]        = SYS(sys_clock_nanosleep),
  [__NR_clock_gettime64]        = SYS(sys_clock_gettime64),
  [__NR_clock_nanosleep_time64] = SYS(sys_clock_nanosleep_time64),
};

static const syscall_fn tgcalls[TG_NR_COUNT] = {
  [TG_NR_get_key - TG_SYSCALL_BASE]         = SYS(sys_tg_get_key),
  [TG_NR_video_draw - TG_SYSCALL_BASE]      = SYS(sys_tg_video_draw),
  [TG_NR_get_kernel_info - TG_SYSCALL_BASE] = SYS(sys_tg_get_kernel_info),
  [TG_NR_arg_check - TG_SYSCALL_BASE]       = SYS(sys_tg_arg_check),
};

int syscall_trace;      /* kernel command line "strace": print every call */

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

  long ret = fn ? fn(tf->ebx, tf->ecx, tf->edx, tf->esi, tf->edi, tf->ebp) : -ENOSYS;
  if (syscall_trace)
    kprintf("# [%d] %s syscall %d(%x, %x, %x) = %d\n", curproc->pid, path_names[path], nr,
            tf->ebx, tf->ecx, tf->edx, (int)ret);
  tf->eax = ret;
}
