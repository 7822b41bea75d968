/* proc.c — processes. The kernel runs the multiboot modules one after another: create a
 * process from a module (address space, kernel stack, ELF image, vDSO, Linux-layout initial
 * stack), switch to it, and come back here when it exits. */
#include "types.h"
#include "defs.h"
#include "errno.h"
#include "memlayout.h"
#include "auxvec.h"
#include "proc.h"
#include "elf.h"
#include "arch/x86/frame.h"
#include "arch/x86/x86.h"

#define NPROC 4

static struct proc procs[NPROC];
static int nextpid = 1;
static struct context *scheduler_context;
struct proc *curproc;

/* The kernel command line's env.NAME=VALUE words (main.c). */
extern const char *boot_env[MAXENV];
extern int boot_nenv;

static struct proc *proc_alloc(void) {
  for (int i = 0; i < NPROC; i++)
    if (procs[i].state == P_UNUSED) {
      memset(&procs[i], 0, sizeof(procs[i]));
      return &procs[i];
    }
  return NULL;
}

static void proc_free(struct proc *p) {
  for (int fd = 0; fd < NOFILE; fd++)
    if (p->ofile[fd]) {
      file_close(p->ofile[fd]);
      p->ofile[fd] = NULL;
    }
  if (p->pgdir)
    freeuvm(p->pgdir);
  if (p->kstack_top)
    kstack_free(p->kstack_top);
  p->state = P_UNUSED;
}

/* A process's first kernel code: swtch() "returns" here, and we return into trapret, which
 * IRETs to ring 3 with the frame proc_create built (SDM Vol. 3A §6.14: to an outer ring IRET
 * pops SS:ESP as well). */
static void forkret(void) {
}

/* Split a command line into words, in place. */
static int split_words(char *s, char **words, int max) {
  int n = 0;
  while (*s) {
    while (*s == ' ' || *s == '\t')
      *s++ = 0;
    if (*s == 0)
      break;
    if (n == max)
      break;
    words[n++] = s;
    while (*s && *s != ' ' && *s != '\t')
      s++;
  }
  return n;
}

static const char *basename(const char *path) {
  const char *b = path;
  for (; *path; path++)
    if (*path == '/')
      b = path + 1;
  return b;
}

/* Pseudo-random bytes for AT_RANDOM: xorshift32 seeded by the pid, so that runs reproduce. */
static void fill_random(uint8_t *buf, int n, uint32_t seed) {
  uint32_t x = seed * 2654435761u + 1;
  for (int i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    buf[i] = x;
  }
}

/* The argument and environment strings of a new process, back to back, NUL-terminated. */
struct strblock {
  const char *s;
  uint32_t argc, envc, size;
};

/* Writes words to user memory upward from va, a buffer at a time. */
struct wordwriter {
  pde_t *pgdir;
  uint32_t va, n, buf[64];
  int err;
};

static void ww_flush(struct wordwriter *w) {
  if (w->n > 0 && copyout(w->pgdir, w->va, w->buf, w->n * 4) < 0)
    w->err = 1;
  w->va += w->n * 4;
  w->n = 0;
}

static void ww_put(struct wordwriter *w, uint32_t word) {
  w->buf[w->n++] = word;
  if (w->n == NELEM(w->buf))
    ww_flush(w);
}

/* Build the initial user stack in the System V i386 / Linux layout:
 *
 *   sp ->  argc | argv[0..argc-1] | NULL | envp[0..] | NULL | auxv (type, value)... | AT_NULL
 *          ... then, higher up: 16 AT_RANDOM bytes, "i686", the argument and environment strings
 *
 * sp is 16-byte aligned. Returns sp, or 0 on failure. */
#define NAUXV 20
static uint32_t setup_stack(struct proc *p, const struct strblock *sb, uint32_t entry,
                            uint32_t phdr, uint32_t phnum) {
  uint32_t sp = USTACKTOP - 16;    /* (the top 16 bytes stay zero, as an end marker) */
  uint32_t nwords = 1 + sb->argc + 1 + sb->envc + 1 + 2 * NAUXV;

  if (sb->size + nwords * 4 > ARGMAX)
    return 0;
#define PUSH_BYTES(src, n) do { sp -= (n); if (copyout(p->pgdir, sp, (src), (n)) < 0) return 0; } while (0)
  PUSH_BYTES(sb->s, sb->size);
  uint32_t strings = sp;
  PUSH_BYTES("i686", 5);
  uint32_t platform = sp;
  uint8_t rnd[16];
  fill_random(rnd, sizeof(rnd), p->pid);
  sp &= ~3u;
  PUSH_BYTES(rnd, sizeof(rnd));
  uint32_t random = sp;
#undef PUSH_BYTES

  sp = (sp - nwords * 4) & ~15u;
  struct wordwriter w = { .pgdir = p->pgdir, .va = sp, .n = 0, .err = 0 };
  ww_put(&w, sb->argc);
  uint32_t off = 0;
  for (uint32_t i = 0; i < sb->argc + sb->envc; i++) {
    if (i == sb->argc)
      ww_put(&w, 0);                    /* the end of argv */
    ww_put(&w, strings + off);
    off += strlen(sb->s + off) + 1;
  }
  if (sb->envc == 0)
    ww_put(&w, 0);
  ww_put(&w, 0);                        /* the end of envp */
#define AUX(type, val) do { ww_put(&w, (type)); ww_put(&w, (val)); } while (0)
  AUX(AT_SYSINFO, vdso_sysinfo());
  AUX(AT_SYSINFO_EHDR, VDSO_BASE);
  AUX(AT_HWCAP, cpu.features_edx);
  AUX(AT_PAGESZ, PGSIZE);
  AUX(AT_CLKTCK, HZ);
  AUX(AT_PHDR, phdr);
  AUX(AT_PHENT, sizeof(struct proghdr));
  AUX(AT_PHNUM, phnum);
  AUX(AT_BASE, 0);
  AUX(AT_FLAGS, 0);
  AUX(AT_ENTRY, entry);
  AUX(AT_UID, 0);
  AUX(AT_EUID, 0);
  AUX(AT_GID, 0);
  AUX(AT_EGID, 0);
  AUX(AT_SECURE, 0);
  AUX(AT_RANDOM, random);
  AUX(AT_EXECFN, strings);              /* argv[0] */
  AUX(AT_PLATFORM, platform);
  AUX(AT_NULL, 0);
#undef AUX
  ww_flush(&w);
  return w.err ? 0 : sp;
}

/* The strings of a process started from a module string: its words (the first one's directory
 * part dropped) and the kernel command line's env.NAME=VALUE words. */
static char cmdline_strings[256 + MAXENV * 128];

static void strings_from_cmdline(const char *cmdline, struct strblock *sb) {
  char line[256];
  char *argv[MAXARG];
  safestrcpy(line, cmdline, sizeof(line));
  int argc = split_words(line, argv, MAXARG);
  if (argc == 0) {
    argv[0] = "module";
    argc = 1;
  }
  argv[0] = (char *)basename(argv[0]);
  uint32_t n = 0;
  for (int i = 0; i < argc + boot_nenv; i++) {
    const char *s = i < argc ? argv[i] : boot_env[i - argc];
    uint32_t len = strlen(s) + 1;
    memcpy(cmdline_strings + n, s, len);   /* fits: line and the env words are bounded */
    n += len;
  }
  *sb = (struct strblock){ .s = cmdline_strings, .argc = argc, .envc = boot_nenv, .size = n };
}

/* Create a process from an ELF image. cmdline is the module's string: the program name (its
 * directory part is dropped) and the arguments — unless args (a tg-args module) gives argv,
 * envp and the working directory exactly. Returns NULL (after saying why) on failure. */
struct proc *proc_create(const char *cmdline, const void *image, uint32_t size,
                         const struct exec_args *args) {
  struct strblock sb;
  uint32_t entry, phdr, phnum;
  const char *err = "out of memory";
  const char *cwd = "/";

  if (args != NULL) {
    sb = (struct strblock){ .s = args->strings, .argc = args->argc, .envc = args->envc,
                            .size = args->size };
    cwd = args->cwd;
  } else {
    strings_from_cmdline(cmdline, &sb);
  }

  struct proc *p = proc_alloc();
  if (p == NULL)
    panic("proc_create: no free process slot");
  p->pid = nextpid++;
  p->ppid = 0;
  safestrcpy(p->name, basename(sb.s), sizeof(p->name));
  p->start_ns = uptime_ns();
  p->umask = 022;
  if (cwd[0] != '/' || fs_normalize("/", cwd, p->cwd) < 0)
    safestrcpy(p->cwd, "/", sizeof(p->cwd));
  for (int fd = 0; fd < 3; fd++)
    if ((p->ofile[fd] = console_file(fd)) == NULL)
      goto fail;

  if ((p->kstack_top = kstack_alloc()) == 0 || (p->pgdir = setupuvm()) == NULL)
    goto fail;
  if (elf_load(p, image, size, &entry, &phdr, &phnum, &err) < 0)
    goto fail;
  err = "out of memory";
  if (vdso_map(p->pgdir) < 0)
    goto fail;
  /* The user stack, with a guard page below it that is never mapped (mmap2 avoids it). */
  if (uvm_alloc(p->pgdir, USTACKTOP - USTACKSIZE, USTACKTOP, PTE_W) < 0)
    goto fail;
  uint32_t sp = setup_stack(p, &sb, entry, phdr, phnum);
  if (sp == 0) {
    err = "argument list too long";
    goto fail;
  }

  /* The user frame at the top of the kernel stack: ring 3, IF = 1, DF = 0, EDX = 0 (the i386
   * ABI's "function to register with atexit", none), all other registers 0 as Linux does. */
  struct trapframe *tf = (struct trapframe *)(p->kstack_top - sizeof(*tf));
  memset(tf, 0, sizeof(*tf));
  tf->cs = UCODE_SEL;
  tf->ds = tf->es = tf->ss = UDATA_SEL;
  tf->fs = tf->gs = 0;
  tf->eflags = FL_1 | FL_IF;
  tf->eip = entry;
  tf->esp = sp;
  tf->edx = 0;
  p->tf = tf;

  /* The kernel context swtch() will load: "return" to forkret, then to trapret. */
  uint32_t *ksp = (uint32_t *)tf;
  *--ksp = (uint32_t)trapret;
  struct context *c = (struct context *)((char *)ksp - sizeof(*c));
  memset(c, 0, sizeof(*c));
  c->eip = (uint32_t)forkret;
  p->context = c;
  p->state = P_RUNNABLE;
  return p;

fail:
  kprintf("trapgate: pid %d (%s): cannot execute: %s\n", p->pid, p->name, err);
  proc_free(p);
  return NULL;
}

/* Point the processor at p: its kernel stack for the next entry from ring 3 (TSS.ESP0, which
 * SYSENTER and SYSCALL reach too), its TLS descriptors, its page directory. */
void switchuvm(struct proc *p) {
  tss_set_esp0(p->kstack_top);
  gdt_load_tls(p->tls);
  tss_set_cr3(V2P(p->pgdir));
  lcr3(V2P(p->pgdir));
}

static void proc_end(int status) __attribute__((noreturn));

/* Run p until it exits; returns its exit status. With keep, p's memory is not given back: the
 * last program's teardown would only delay the halt. */
int proc_run(struct proc *p, int keep) {
  curproc = p;
  p->state = P_RUNNING;
  switchuvm(p);
  swtch(&scheduler_context, p->context);
  /* p has exited (proc_exit switched back here). */
  switchkvm();
  curproc = NULL;
  int status = p->exit_status;
  if (!keep)
    proc_free(p);
  return status;
}

void proc_exit(int status) {
  if (syscall_trace)
    strace_exit(status & 0xFF, 0);
  proc_end(status);
}

/* End p as if by an unhandled signal: exit status 128 + signo, as a shell reports it. */
void proc_kill(struct proc *p, int signo) {
  if (syscall_trace)
    strace_exit(0, signo);
  proc_end(128 + signo);
}

static void proc_end(int status) {
  struct proc *p = curproc;
  p->exit_status = status & 0xFF;
  p->state = P_ZOMBIE;
  swtch(&p->context, scheduler_context);
  panic("proc_exit: zombie %d resumed", p->pid);
}
