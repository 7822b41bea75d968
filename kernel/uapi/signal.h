/* signal.h — Linux i386 signal numbers and the rt_sigaction structure
 * (arch/x86/include/uapi/asm/signal.h). */
#ifndef UAPI_SIGNAL_H
#define UAPI_SIGNAL_H
#define SIGHUP     1
#define SIGINT     2
#define SIGQUIT    3
#define SIGILL     4
#define SIGTRAP    5
#define SIGABRT    6
#define SIGBUS     7
#define SIGFPE     8
#define SIGKILL    9
#define SIGUSR1   10
#define SIGSEGV   11
#define SIGUSR2   12
#define SIGPIPE   13
#define SIGALRM   14
#define SIGTERM   15
#define SIGCHLD   17
#define SIGCONT   18
#define SIGSTOP   19
#define NSIG      64

#define SIG_BLOCK   0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

/* struct sigaction as the rt_sigaction system call sees it (the kernel's, not libc's). */
struct k_sigaction {
  uint32_t handler;          /* SIG_DFL 0, SIG_IGN 1, or a function */
  uint32_t flags;            /* SA_* */
  uint32_t restorer;
  uint32_t mask[2];          /* 64 signals */
};
#endif
