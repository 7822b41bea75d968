/* proc.h — a process: one address space, one kernel stack, one thread. */
#ifndef PROC_H
#define PROC_H
#include "types.h"
#include "arch/x86/mmu.h"
#include "arch/x86/arch.h"
#include "signal.h"
#include "file.h"

#define NPROCNAME 16
#define MAXARG    32         /* argv words from a module's command line */
#define MAXENV    16         /* env.NAME=VALUE words from the kernel command line */
#define ARGMAX    (64 * 1024) /* bytes of argv + envp strings and pointers at most (a tg-args module) */

enum procstate { P_UNUSED, P_RUNNABLE, P_RUNNING, P_ZOMBIE };

struct proc {
  int pid, ppid;
  char name[NPROCNAME];          /* basename of argv[0], for messages */
  enum procstate state;
  pde_t *pgdir;                  /* page directory (user half + shared kernel half) */
  uint32_t kstack_top;           /* top of the kernel stack: TSS.ESP0 while it runs */
  struct trapframe *tf;          /* user registers, at the top of the kernel stack */
  struct context *context;       /* kernel registers saved by swtch() */
  uint32_t brk_start, brk;       /* the program break: heap is [brk_start, brk) */
  struct segdesc tls[NTLS];      /* set_thread_area descriptors, copied into the GDT on switch */
  uint32_t clear_child_tid;      /* set_tid_address */
  struct k_sigaction sigaction[NSIG];  /* recorded by rt_sigaction, never delivered */
  uint32_t sigmask[2];           /* recorded by rt_sigprocmask */
  uint64_t start_ns;             /* uptime when it started (CLOCK_PROCESS_CPUTIME_ID) */
  int exit_status;
  struct file *ofile[NOFILE];    /* open descriptors */
  uint64_t cloexec;              /* FD_CLOEXEC, one bit per descriptor (kept, never acted on: no execve) */
  char cwd[MAXPATH];             /* working directory: absolute, normalised */
  uint32_t umask;
  struct { uint32_t sp, size; int flags; } altstack;   /* sigaltstack, recorded */
};

/* What a tg-args module (uapi/trapgate.h) says about the next program. */
struct exec_args {
  const char *strings;           /* argc + envc NUL-terminated strings, in module memory */
  uint32_t argc, envc, size;     /* size: bytes of those strings */
  const char *cwd;               /* the working directory, after them */
};

extern struct proc *curproc;

/* proc.c */
struct proc *proc_create(const char *cmdline, const void *image, uint32_t size,
                         const struct exec_args *args);
int proc_run(struct proc *p, int keep);
void proc_exit(int status) __attribute__((noreturn));
void proc_kill(struct proc *p, int signo) __attribute__((noreturn));
void switchuvm(struct proc *p);

/* elf.c */
int elf_load(struct proc *p, const void *image, uint32_t size, uint32_t *entry,
             uint32_t *phdr, uint32_t *phnum, const char **err);

/* vdso.c */
int vdso_init(int want);
int vdso_map(pde_t *pgdir);
uint32_t vdso_sysinfo(void);
uint32_t vdso_landing_pad(void);

#endif
