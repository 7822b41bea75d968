/* sys_proc.c — process identity and lifetime: exit, ids, signals (recorded; sent to oneself
 * they end the process), uname, resource limits, sysinfo, prctl, getrandom. */
#include "types.h"
#include "defs.h"
#include "errno.h"
#include "signal.h"
#include "utsname.h"
#include "resource.h"
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

/* The 16-bit id calls of the original i386 ABI (24, 47, 49, 50). */
long sys_getuid(void) { return 0; }
long sys_getgid(void) { return 0; }
long sys_geteuid(void) { return 0; }
long sys_getegid(void) { return 0; }
long sys_gettid(void) { return curproc->pid; }

/* getgroups: the supplementary groups of root, as Linux reports them: {0}. size 0 asks for the
 * count only. (getgroups, 80, has 16-bit ids; getgroups32, 205, 32-bit ones.) */
static long groups(int size, uint32_t list, uint32_t idsize) {
  uint32_t zero = 0;
  if (size < 0)
    return -EINVAL;
  if (size == 0)
    return 1;
  return copy_to_user((void *)list, &zero, idsize) < 0 ? -EFAULT : 1;
}
long sys_getgroups(int size, uint32_t list) { return groups(size, list, 2); }
long sys_getgroups32(int size, uint32_t list) { return groups(size, list, 4); }

/* One process, its own group and session leader. */
long sys_getpgrp(void) { return curproc->pid; }
long sys_getpgid(int pid) { return pid == 0 || pid == curproc->pid ? curproc->pid : -ESRCH; }
long sys_getsid(int pid) { return pid == 0 || pid == curproc->pid ? curproc->pid : -ESRCH; }
long sys_setpgid(int pid, int pgid) {
  if (pid != 0 && pid != curproc->pid)
    return -ESRCH;
  return pgid == 0 || pgid == curproc->pid ? 0 : -EPERM;
}
long sys_setsid(void) { return -EPERM; }        /* already a process group leader */

/* No children ever: there is no fork. */
long sys_wait4(int pid, uint32_t status, int options, uint32_t rusage) { return -ECHILD; }
long sys_waitpid(int pid, uint32_t status, int options) { return -ECHILD; }

/* Signals to oneself: there is no delivery, so a signal whose action is the default and whose
 * default is to terminate ends the process (status 128 + sig); ignored ones and those whose
 * default is to ignore do nothing. Other processes do not exist. */
static long signal_self(int sig) {
  if (sig < 0 || sig > NSIG)
    return -EINVAL;
  if (sig == 0)
    return 0;
  uint32_t handler = curproc->sigaction[sig - 1].handler;
  if (sig == SIGCHLD || sig == SIGCONT || sig == 23 /* SIGURG */ || sig == 28 /* SIGWINCH */)
    return 0;
  if (handler == 1 /* SIG_IGN */ && sig != SIGKILL && sig != SIGSTOP)
    return 0;
  proc_kill(curproc, sig);
}

long sys_kill(int pid, int sig) {
  if (pid != curproc->pid && pid != 0 && pid != -1 && pid != -curproc->pid)
    return -ESRCH;
  return signal_self(sig);
}
long sys_tkill(int tid, int sig) {
  return tid == curproc->pid ? signal_self(sig) : -ESRCH;
}
long sys_tgkill(int tgid, int tid, int sig) {
  return tgid == curproc->pid && tid == curproc->pid ? signal_self(sig) : -ESRCH;
}

/* Resource limits: what a Linux system typically reports; setting is accepted and ignored. */
static void rlimit_of(int resource, uint64_t *cur, uint64_t *max) {
  *cur = *max = RLIM64_INFINITY;
  switch (resource) {
  case RLIMIT_STACK:
    *cur = 8 * 1024 * 1024;
    break;
  case RLIMIT_NOFILE:
    *cur = *max = NOFILE;
    break;
  case RLIMIT_CORE:
    *cur = 0;
    break;
  }
}

long sys_prlimit64(int pid, int resource, uint32_t new_limit, uint32_t old_limit) {
  struct rlimit64_k r;
  if (pid != 0 && pid != curproc->pid)
    return -ESRCH;
  if (resource < 0 || resource >= RLIM_NLIMITS)
    return -EINVAL;
  rlimit_of(resource, &r.rlim_cur, &r.rlim_max);
  if (old_limit && copy_to_user((void *)old_limit, &r, sizeof(r)) < 0)
    return -EFAULT;
  return 0;
}

long sys_ugetrlimit(int resource, uint32_t rlim) {
  uint64_t cur, max;
  if (resource < 0 || resource >= RLIM_NLIMITS)
    return -EINVAL;
  rlimit_of(resource, &cur, &max);
  struct rlimit_k r = { cur > RLIM_INFINITY ? RLIM_INFINITY : (uint32_t)cur,
                        max > RLIM_INFINITY ? RLIM_INFINITY : (uint32_t)max };
  return copy_to_user((void *)rlim, &r, sizeof(r));
}

/* getrlimit (76), the old call: infinity is 0x7FFFFFFF there. */
long sys_getrlimit(int resource, uint32_t rlim) {
  uint64_t cur, max;
  if (resource < 0 || resource >= RLIM_NLIMITS)
    return -EINVAL;
  rlimit_of(resource, &cur, &max);
  struct rlimit_k r = { cur > 0x7FFFFFFF ? 0x7FFFFFFF : (uint32_t)cur,
                        max > 0x7FFFFFFF ? 0x7FFFFFFF : (uint32_t)max };
  return copy_to_user((void *)rlim, &r, sizeof(r));
}

long sys_setrlimit(int resource, uint32_t rlim) {
  return resource < 0 || resource >= RLIM_NLIMITS ? -EINVAL : 0;
}

long sys_sysinfo(uint32_t info) {
  struct sysinfo_k si;
  memset(&si, 0, sizeof(si));
  uint64_t up = uptime_ns();
  div64_u32(&up, 1000000000u);
  si.uptime = (int32_t)up;
  si.totalram = kmem_total_pages();
  si.freeram = kmem_free_pages();
  si.procs = 1;
  si.mem_unit = 4096;
  return copy_to_user((void *)info, &si, sizeof(si));
}

long sys_times(uint32_t buf) {
  uint64_t ticks = uptime_ns();
  div64_u32(&ticks, NS_PER_TICK);
  if (buf) {
    uint64_t mine = uptime_ns() - curproc->start_ns;
    div64_u32(&mine, NS_PER_TICK);
    struct tms_k t = { (int32_t)mine, 0, 0, 0 };
    if (copy_to_user((void *)buf, &t, sizeof(t)) < 0)
      return -EFAULT;
  }
  return (int32_t)ticks;
}

long sys_prctl(int option, uint32_t arg2) {
  switch (option) {
  case PR_SET_NAME: {
    char name[NPROCNAME];
    int n = strncpy_from_user(name, (const char *)arg2, sizeof(name));
    if (n == -EFAULT)
      return -EFAULT;
    safestrcpy(curproc->name, name, sizeof(curproc->name));
    return 0;
  }
  case PR_GET_NAME:
    return copy_to_user((void *)arg2, curproc->name, NPROCNAME);
  default:
    return -EINVAL;
  }
}

/* sigaltstack: recorded (there is no signal delivery to use it). */
long sys_sigaltstack(uint32_t uss, uint32_t uoss) {
  struct sigaltstack_k ss;
  if (uoss) {
    struct sigaltstack_k old = { curproc->altstack.sp,
                                 curproc->altstack.size ? curproc->altstack.flags : SS_DISABLE,
                                 curproc->altstack.size };
    if (copy_to_user((void *)uoss, &old, sizeof(old)) < 0)
      return -EFAULT;
  }
  if (uss) {
    if (copy_from_user(&ss, (void *)uss, sizeof(ss)) < 0)
      return -EFAULT;
    if (ss.ss_flags & ~SS_DISABLE)
      return -EINVAL;
    if (ss.ss_flags & SS_DISABLE) {
      curproc->altstack.size = 0;
    } else {
      if (ss.ss_size < MINSIGSTKSZ)
        return -ENOMEM;
      curproc->altstack.sp = ss.ss_sp;
      curproc->altstack.size = ss.ss_size;
      curproc->altstack.flags = 0;
    }
  }
  return 0;
}

/* The robust-futex list: recorded nowhere (one thread; it would only matter at thread exit). */
long sys_set_robust_list(uint32_t head, uint32_t len) {
  return len == 12 ? 0 : -EINVAL;       /* sizeof(struct robust_list_head) on i386 */
}

/* getrandom: not random — a fixed xorshift stream seeded by the pid and the call count, so that
 * runs reproduce (as AT_RANDOM). */
long sys_getrandom(uint32_t buf, uint32_t count, uint32_t flags) {
  static uint32_t calls;
  uint8_t chunk[64];
  uint32_t x = (curproc->pid * 2654435761u) ^ (++calls * 40503u) ^ 0x9E3779B9u;
  if (count > 0x01FFFFFF)
    count = 0x01FFFFFF;
  for (uint32_t done = 0; done < count;) {
    uint32_t n = count - done < sizeof(chunk) ? count - done : sizeof(chunk);
    for (uint32_t i = 0; i < n; i++) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      chunk[i] = x;
    }
    if (copy_to_user((void *)(buf + done), chunk, n) < 0)
      return done ? (long)done : -EFAULT;
    done += n;
  }
  return count;
}
