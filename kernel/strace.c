/* strace.c — the "strace" command-line word: every system call, once it returns, as one line
 * of the kernel log in the manner of strace(1):
 *
 *   write(1, "hello\n", 6) = 6
 *   openat(AT_FDCWD, "/nope", O_RDONLY|O_LARGEFILE) = -1 ENOENT (No such file or directory)
 *   brk(NULL) = 0x8244000
 *   exit_group(0) = ?
 *   +++ exited with 0 +++
 *
 * Each call's arguments are described by a string of kinds, one letter per argument (the
 * table below); strings and buffers are read from user memory and quoted as strace quotes
 * them (C escapes, octal for the rest, at most 32 bytes then "..."). Structures are shown by
 * address. Unknown numbers print their name from syscall_names.h and three hex words. */
#include "types.h"
#include "defs.h"
#include "errno.h"
#include "fcntl.h"
#include "mman.h"
#include "termios.h"
#include "unistd_32.h"
#include "trapgate.h"
#include "proc.h"
#include "syscall_names.h"

#define STRLEN_MAX 32           /* strace -s 32 */

/* Argument kinds:
 *   d int   u unsigned   x hex   p pointer (NULL or 0x...)   f descriptor (AT_FDCWD)
 *   s path string   b buffer written by the call's caller (length: the next argument)
 *   B buffer the call fills (length: the result)   o open flags   m octal mode
 *   P mmap/mprotect prot   M mmap flags   c fcntl command   i ioctl request   w lseek whence
 *   k signal   L a 64-bit offset as two arguments, low then high
 * Result kinds: d decimal, x hex (addresses), o octal, ? the call does not return. */
struct scfmt {
  const char *args;
  char ret;
};

static const struct scfmt formats[NR_LINUX_SYSCALLS] = {
  [__NR_exit]            = { "d", '?' },
  [__NR_read]            = { "fBu", 'd' },
  [__NR_write]           = { "fbu", 'd' },
  [__NR_open]            = { "som", 'd' },
  [__NR_close]           = { "f", 'd' },
  [__NR_waitpid]         = { "dpd", 'd' },
  [__NR_chdir]           = { "s", 'd' },
  [__NR_time]            = { "p", 'd' },
  [__NR_lseek]           = { "fdw", 'd' },
  [__NR_getpid]          = { "", 'd' },
  [__NR_getuid]          = { "", 'd' },
  [__NR_access]          = { "sd", 'd' },
  [__NR_kill]            = { "dk", 'd' },
  [__NR_dup]             = { "f", 'd' },
  [__NR_times]           = { "p", 'd' },
  [__NR_brk]             = { "p", 'x' },
  [__NR_getgid]          = { "", 'd' },
  [__NR_geteuid]         = { "", 'd' },
  [__NR_getegid]         = { "", 'd' },
  [__NR_ioctl]           = { "fip", 'd' },
  [__NR_fcntl]           = { "fcx", 'd' },
  [__NR_setpgid]         = { "dd", 'd' },
  [__NR_umask]           = { "m", 'o' },
  [__NR_dup2]            = { "ff", 'd' },
  [__NR_getppid]         = { "", 'd' },
  [__NR_getpgrp]         = { "", 'd' },
  [__NR_setsid]          = { "", 'd' },
  [__NR_setrlimit]       = { "dp", 'd' },
  [__NR_getrlimit]       = { "dp", 'd' },
  [__NR_gettimeofday]    = { "pp", 'd' },
  [__NR_getgroups]       = { "dp", 'd' },
  [__NR_readlink]        = { "spu", 'd' },
  [__NR_munmap]          = { "pu", 'd' },
  [__NR_wait4]           = { "dpdp", 'd' },
  [__NR_sysinfo]         = { "p", 'd' },
  [__NR_uname]           = { "p", 'd' },
  [__NR_mprotect]        = { "puP", 'd' },
  [__NR_getpgid]         = { "d", 'd' },
  [__NR__llseek]         = { "fuupw", 'd' },
  [__NR_getsid]          = { "d", 'd' },
  [__NR_readv]           = { "fpd", 'd' },
  [__NR_writev]          = { "fpd", 'd' },
  [__NR_sched_yield]     = { "", 'd' },
  [__NR_nanosleep]       = { "pp", 'd' },
  [__NR_poll]            = { "pud", 'd' },
  [__NR_prctl]           = { "dp", 'd' },
  [__NR_rt_sigaction]    = { "kppu", 'd' },
  [__NR_rt_sigprocmask]  = { "dppu", 'd' },
  [__NR_pread64]         = { "fBuL", 'd' },
  [__NR_getcwd]          = { "pu", 'd' },
  [__NR_sigaltstack]     = { "pp", 'd' },
  [__NR_sendfile]        = { "ffpu", 'd' },
  [__NR_ugetrlimit]      = { "dp", 'd' },
  [__NR_mmap2]           = { "puPMfx", 'x' },
  [__NR_stat64]          = { "sp", 'd' },
  [__NR_lstat64]         = { "sp", 'd' },
  [__NR_fstat64]         = { "fp", 'd' },
  [__NR_getuid32]        = { "", 'd' },
  [__NR_getgid32]        = { "", 'd' },
  [__NR_geteuid32]       = { "", 'd' },
  [__NR_getegid32]       = { "", 'd' },
  [__NR_getgroups32]     = { "dp", 'd' },
  [__NR_getdents64]      = { "fpu", 'd' },
  [__NR_fcntl64]         = { "fcx", 'd' },
  [__NR_gettid]          = { "", 'd' },
  [__NR_tkill]           = { "dk", 'd' },
  [__NR_sendfile64]      = { "ffpu", 'd' },
  [__NR_set_thread_area] = { "p", 'd' },
  [__NR_exit_group]      = { "d", '?' },
  [__NR_set_tid_address] = { "p", 'd' },
  [__NR_clock_gettime]   = { "dp", 'd' },
  [__NR_clock_nanosleep] = { "ddpp", 'd' },
  [__NR_tgkill]          = { "ddk", 'd' },
  [__NR_openat]          = { "fsom", 'd' },
  [__NR_fstatat64]       = { "fspx", 'd' },
  [__NR_readlinkat]      = { "fspu", 'd' },
  [__NR_faccessat]       = { "fsd", 'd' },
  [__NR_set_robust_list] = { "pu", 'd' },
  [__NR_dup3]            = { "ffo", 'd' },
  [__NR_prlimit64]       = { "ddpp", 'd' },
  [__NR_getrandom]       = { "pux", 'd' },
  [__NR_statx]           = { "fsxxp", 'd' },
  [__NR_clock_gettime64] = { "dp", 'd' },
  [__NR_clock_nanosleep_time64] = { "ddpp", 'd' },
  [__NR_faccessat2]      = { "fsdx", 'd' },
  [386 /* rseq */]       = { "pudx", 'd' },
};

static const char *const tg_names[TG_NR_COUNT] = {
  "tg_get_key", "tg_video_draw", "tg_get_kernel_info", "tg_arg_check",
};

static const struct { const char *name, *msg; } errnos[] = {
  [EPERM] = { "EPERM", "Operation not permitted" },
  [ENOENT] = { "ENOENT", "No such file or directory" },
  [ESRCH] = { "ESRCH", "No such process" },
  [EINTR] = { "EINTR", "Interrupted system call" },
  [EIO] = { "EIO", "Input/output error" },
  [ENXIO] = { "ENXIO", "No such device or address" },
  [E2BIG] = { "E2BIG", "Argument list too long" },
  [ENOEXEC] = { "ENOEXEC", "Exec format error" },
  [EBADF] = { "EBADF", "Bad file descriptor" },
  [ECHILD] = { "ECHILD", "No child processes" },
  [EAGAIN] = { "EAGAIN", "Resource temporarily unavailable" },
  [ENOMEM] = { "ENOMEM", "Cannot allocate memory" },
  [EACCES] = { "EACCES", "Permission denied" },
  [EFAULT] = { "EFAULT", "Bad address" },
  [EBUSY] = { "EBUSY", "Device or resource busy" },
  [EEXIST] = { "EEXIST", "File exists" },
  [ENODEV] = { "ENODEV", "No such device" },
  [ENOTDIR] = { "ENOTDIR", "Not a directory" },
  [EISDIR] = { "EISDIR", "Is a directory" },
  [EINVAL] = { "EINVAL", "Invalid argument" },
  [ENFILE] = { "ENFILE", "Too many open files in system" },
  [EMFILE] = { "EMFILE", "Too many open files" },
  [ENOTTY] = { "ENOTTY", "Inappropriate ioctl for device" },
  [ESPIPE] = { "ESPIPE", "Illegal seek" },
  [EROFS] = { "EROFS", "Read-only file system" },
  [ERANGE] = { "ERANGE", "Numerical result out of range" },
  [ENAMETOOLONG] = { "ENAMETOOLONG", "File name too long" },
  [ENOSYS] = { "ENOSYS", "Function not implemented" },
  [ENOTEMPTY] = { "ENOTEMPTY", "Directory not empty" },
  [ELOOP] = { "ELOOP", "Too many levels of symbolic links" },
  [EOVERFLOW] = { "EOVERFLOW", "Value too large for defined data type" },
};

static const char *const signames[32] = {
  [1] = "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE",
  "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT",
  "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
  "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
};

struct flagname {
  uint32_t bit;
  const char *name;
};

static const struct flagname open_flags[] = {
  { O_CREAT, "O_CREAT" }, { O_EXCL, "O_EXCL" }, { O_NOCTTY, "O_NOCTTY" }, { O_TRUNC, "O_TRUNC" },
  { O_APPEND, "O_APPEND" }, { O_NONBLOCK, "O_NONBLOCK" }, { O_DSYNC, "O_DSYNC" },
  { O_LARGEFILE, "O_LARGEFILE" }, { O_DIRECTORY, "O_DIRECTORY" }, { O_NOFOLLOW, "O_NOFOLLOW" },
  { O_NOATIME, "O_NOATIME" }, { O_CLOEXEC, "O_CLOEXEC" }, { O_PATH, "O_PATH" }, { 0, NULL },
};
static const struct flagname prot_flags[] = {
  { PROT_READ, "PROT_READ" }, { PROT_WRITE, "PROT_WRITE" }, { PROT_EXEC, "PROT_EXEC" }, { 0, NULL },
};
static const struct flagname map_flags[] = {
  { 0x10, "MAP_FIXED" }, { 0x20, "MAP_ANONYMOUS" }, { 0x100, "MAP_GROWSDOWN" },
  { 0x2000, "MAP_LOCKED" }, { 0x4000, "MAP_NORESERVE" }, { 0x8000, "MAP_POPULATE" },
  { 0x20000, "MAP_STACK" }, { 0, NULL },
};

/* "A|B|0x40" for the named bits of v after the first part `first` (NULL: none). */
static void print_flags(const char *first, uint32_t v, const struct flagname *names) {
  int any = 0;
  if (first) {
    kprintf("%s", first);
    any = 1;
  }
  for (const struct flagname *f = names; f->name; f++)
    if (v & f->bit) {
      kprintf("%s%s", any ? "|" : "", f->name);
      v &= ~f->bit;
      any = 1;
    }
  if (v || !any)
    kprintf("%s0x%x", any ? "|" : "", v);
}

/* Bytes as strace quotes them: "..." with C escapes, octal otherwise (three digits when a
 * digit follows), then "..." after the quote when more bytes were left out. */
static void print_quoted(const uint8_t *s, uint32_t n, int more) {
  kprintf("\"");
  for (uint32_t i = 0; i < n; i++) {
    uint8_t c = s[i];
    switch (c) {
    case '"': kprintf("\\\""); break;
    case '\\': kprintf("\\\\"); break;
    case '\n': kprintf("\\n"); break;
    case '\t': kprintf("\\t"); break;
    case '\r': kprintf("\\r"); break;
    case '\f': kprintf("\\f"); break;
    case '\v': kprintf("\\v"); break;
    default:
      if (c >= 0x20 && c < 0x7F)
        kprintf("%c", c);
      else if (i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '7')
        kprintf("\\%c%c%c", '0' + (c >> 6), '0' + ((c >> 3) & 7), '0' + (c & 7));
      else if (c >= 64)
        kprintf("\\%c%c%c", '0' + (c >> 6), '0' + ((c >> 3) & 7), '0' + (c & 7));
      else if (c >= 8)
        kprintf("\\%c%c", '0' + (c >> 3), '0' + (c & 7));
      else
        kprintf("\\%c", '0' + c);
    }
  }
  kprintf(more ? "\"..." : "\"");
}

static void print_pointer(uint32_t p) {
  if (p == 0)
    kprintf("NULL");
  else
    kprintf("0x%x", p);
}

/* A user buffer of len bytes, at most STRLEN_MAX of them shown. */
static void print_buffer(uint32_t addr, uint32_t len) {
  uint8_t buf[STRLEN_MAX];
  uint32_t n = len < STRLEN_MAX ? len : STRLEN_MAX;
  if (copy_from_user_partial(buf, (const void *)addr, n) != n) {
    print_pointer(addr);
    return;
  }
  print_quoted(buf, n, len > n);
}

static void print_path(uint32_t addr) {
  char buf[256];
  int n = strncpy_from_user(buf, (const char *)addr, sizeof(buf));
  if (n == -EFAULT) {
    print_pointer(addr);
    return;
  }
  if (n < 0)
    n = sizeof(buf) - 1;
  print_quoted((const uint8_t *)buf, n, n == (int)sizeof(buf) - 1);
}

static void print_signal(int sig) {
  if (sig > 0 && sig < 32 && signames[sig])
    kprintf("%s", signames[sig]);
  else
    kprintf("%d", sig);
}

static void print_arg(char kind, const uint32_t *a, int i, long ret) {
  uint32_t v = a[i];
  switch (kind) {
  case 'd': kprintf("%d", (int32_t)v); break;
  case 'u': kprintf("%u", v); break;
  case 'x': kprintf("0x%x", v); break;
  case 'p': print_pointer(v); break;
  case 'f':
    if ((int32_t)v == AT_FDCWD)
      kprintf("AT_FDCWD");
    else
      kprintf("%d", (int32_t)v);
    break;
  case 's': print_path(v); break;
  case 'b': print_buffer(v, a[i + 1]); break;
  case 'B':
    if (ret >= 0)
      print_buffer(v, ret);             /* "" at end of file, as strace shows it */
    else
      print_pointer(v);
    break;
  case 'o': {
    static const char *const acc[4] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };
    print_flags(acc[v & O_ACCMODE], v & ~O_ACCMODE, open_flags);
    break;
  }
  case 'm': kprintf("0%o", v); break;
  case 'P':
    if (v == 0)
      kprintf("PROT_NONE");
    else
      print_flags(NULL, v, prot_flags);
    break;
  case 'M': {
    static const char *const type[4] = { "0", "MAP_SHARED", "MAP_PRIVATE", "MAP_SHARED_VALIDATE" };
    print_flags(type[v & 3], v & ~3u, map_flags);
    break;
  }
  case 'c': {
    static const char *const cmds[] = { "F_DUPFD", "F_GETFD", "F_SETFD", "F_GETFL", "F_SETFL",
                                        "F_GETLK", "F_SETLK", "F_SETLKW" };
    if (v < NELEM(cmds))
      kprintf("%s", cmds[v]);
    else if (v == F_DUPFD_CLOEXEC)
      kprintf("F_DUPFD_CLOEXEC");
    else
      kprintf("%u", v);
    break;
  }
  case 'i':
    switch (v) {
    case TCGETS: kprintf("TCGETS"); break;
    case TCSETS: kprintf("TCSETS"); break;
    case TCSETSW: kprintf("TCSETSW"); break;
    case TCSETSF: kprintf("TCSETSF"); break;
    case TIOCGPGRP: kprintf("TIOCGPGRP"); break;
    case TIOCSPGRP: kprintf("TIOCSPGRP"); break;
    case TIOCGWINSZ: kprintf("TIOCGWINSZ"); break;
    default: kprintf("0x%x", v);
    }
    break;
  case 'w': {
    static const char *const whence[] = { "SEEK_SET", "SEEK_CUR", "SEEK_END" };
    if (v < NELEM(whence))
      kprintf("%s", whence[v]);
    else
      kprintf("%u", v);
    break;
  }
  case 'k': print_signal(v); break;
  case 'L': kprintf("%llu", ((uint64_t)a[i + 1] << 32) | v); break;
  }
}

/* The line's head: name(arguments). */
static char print_call(uint32_t nr, const uint32_t *a, long ret) {
  const struct scfmt *f = nr < NR_LINUX_SYSCALLS ? &formats[nr] : NULL;
  const char *name = nr < NR_LINUX_SYSCALLS ? syscall_names[nr] : NULL;
  const char *args = f && f->args ? f->args : "xxx";
  if (nr - TG_SYSCALL_BASE < TG_NR_COUNT) {
    name = tg_names[nr - TG_SYSCALL_BASE];
    args = "xxxxxx";
  }
  if (name)
    kprintf("%s(", name);
  else
    kprintf("syscall_%u(", nr);
  for (int i = 0; args[i]; i++) {
    if (args[i] == 'm' && i > 0 && args[i - 1] == 'o' && !(a[i - 1] & O_CREAT))
      break;                            /* open's mode only matters with O_CREAT */
    if (i > 0)
      kprintf(", ");
    print_arg(args[i], a, i, ret);
    if (args[i] == 'L')
      break;                            /* it took the last two arguments */
  }
  kprintf(")");
  return f && f->args ? f->ret : 'd';
}

/* One finished call: name(arguments) = result. */
void strace_call(uint32_t nr, const uint32_t *args, long ret) {
  char kind = print_call(nr, args, ret);
  if (ret < 0 && ret >= -4095) {
    long e = -ret;
    if (e < (long)NELEM(errnos) && errnos[e].name)
      kprintf(" = -1 %s (%s)\n", errnos[e].name, errnos[e].msg);
    else
      kprintf(" = -1 E%ld\n", e);
  } else if (kind == 'x') {
    kprintf(" = 0x%x\n", (uint32_t)ret);
  } else if (kind == 'o') {
    kprintf(" = 0%o\n", (uint32_t)ret);
  } else {
    kprintf(" = %d\n", (int32_t)ret);
  }
}

/* A call that does not return (exit, exit_group): name(arguments) = ? */
void strace_noreturn(uint32_t nr, const uint32_t *args) {
  print_call(nr, args, 0);
  kprintf(" = ?\n");
}

/* The end of the traced process. */
void strace_exit(int status, int signo) {
  if (signo)
    kprintf("+++ killed by %s +++\n", signo < 32 && signames[signo] ? signames[signo] : "?");
  else
    kprintf("+++ exited with %d +++\n", status);
}
