/* sys_proc.c — process identity and lifetime: exit, ids, signals (recorded), uname. */
#include "types.h"
#include "defs.h"
#include "errno.h"
#include "signal.h"
#include "utsname.h"
#include "syscall.h"
#include "proc.h"

long sys_exit(int status) {
  proc_exit(status & 0xFF);
}

/* One thread per process: exit_group is exit. */
long sys_exit_group(int status) {
  proc_exit(status & 0xFF);
}

long sys_getpid(void) { return curproc->pid; }
long sys_getppid(void) { return curproc->ppid; }   /* 0: started by the kernel, like init */
long sys_getuid32(void) { return 0; }
long sys_geteuid32(void) { return 0; }
long sys_getgid32(void) { return 0; }
long sys_getegid32(void) { return 0; }

/* Recorded for a future exit (a single thread never needs the futex wake); returns the tid. */
long sys_set_tid_address(uint32_t tidptr) {
  curproc->clear_child_tid = tidptr;
  return curproc->pid;
}

/* One runnable process: nothing to yield to. */
long sys_sched_yield(void) { return 0; }

/* rt_sigaction: accepted and recorded, never delivered (an exception still ends the process).
 * Linux's checks: sigsetsize must be 8, sig in 1..64, SIGKILL and SIGSTOP not changeable. */
long sys_rt_sigaction(int sig, uint32_t act, uint32_t oact, uint32_t sigsetsize) {
  struct k_sigaction ka;
  if (sigsetsize != 8)
    return -EINVAL;
  if (sig < 1 || sig > NSIG || (act && (sig == SIGKILL || sig == SIGSTOP)))
    return -EINVAL;
  if (act && copy_from_user(&ka, (void *)act, sizeof(ka)) < 0)
    return -EFAULT;
  if (oact && copy_to_user((void *)oact, &curproc->sigaction[sig - 1], sizeof(ka)) < 0)
    return -EFAULT;
  if (act)
    curproc->sigaction[sig - 1] = ka;
  return 0;
}

long sys_rt_sigprocmask(int how, uint32_t set, uint32_t oset, uint32_t sigsetsize) {
  uint32_t m[2], old[2] = { curproc->sigmask[0], curproc->sigmask[1] };
  if (sigsetsize != 8)
    return -EINVAL;
  if (set) {
    if (copy_from_user(m, (void *)set, sizeof(m)) < 0)
      return -EFAULT;
    switch (how) {
    case SIG_BLOCK:
      curproc->sigmask[0] |= m[0];
      curproc->sigmask[1] |= m[1];
      break;
    case SIG_UNBLOCK:
      curproc->sigmask[0] &= ~m[0];
      curproc->sigmask[1] &= ~m[1];
      break;
    case SIG_SETMASK:
      curproc->sigmask[0] = m[0];
      curproc->sigmask[1] = m[1];
      break;
    default:
      return -EINVAL;
    }
    /* SIGKILL and SIGSTOP cannot be blocked. */
    curproc->sigmask[0] &= ~((1u << (SIGKILL - 1)) | (1u << (SIGSTOP - 1)));
  }
  if (oset && copy_to_user((void *)oset, old, sizeof(old)) < 0)
    return -EFAULT;
  return 0;
}

long sys_uname(uint32_t buf) {
  static const struct new_utsname uts = {
    .sysname = "Linux",
    .nodename = "trapgate",
    .release = "6.1.0-trapgate",
    .version = "#1 trapgate reference kernel " KERNEL_VERSION,
    .machine = "i686",
    .domainname = "(none)",
  };
  return copy_to_user((void *)buf, &uts, sizeof(uts));
}
