/* main.c — kmain: bring the machine up, then run the multiboot modules one after another,
 * each as a process, and leave through the debug-exit port with the last one's exit status.
 *
 * Kernel command line (words; anything else, such as the kernel's own path that QEMU puts
 * first, is ignored):
 *   entry=int80|sysenter|syscall  the path the vDSO's __kernel_vsyscall uses (default: the
 *                                 fastest the processor offers: syscall, sysenter, int80)
 *   env.NAME=VALUE                put NAME=VALUE in every process's environment
 *   stdin=tty|term|pipe           what fd 0 is: a terminal (canonical input, Ctrl-D) or the
 *                                 read end of a pipe (raw bytes); default tty
 *   stdout=tty|term|pipe[,com1|com2]  what fd 1 is and the serial line it writes: a terminal
 *   stderr=tty|term|pipe[,com1|com2]  whose LF the kernel sends as CR LF (tty), a terminal whose
 *                                 line discipline is the host's (term: bytes as they are), or
 *                                 the write end of a pipe; default tty,com1
 *   klog=com1|debugcon|none       where the kernel's own messages go; default com1
 *   quiet                         no banner, no exit or halt lines: only faults, strace, stats
 *   strace                        print every system call, decoded, as strace(1) does
 *   stats                         at halt, print the entries per path, interrupts, faults
 *   test=panic | test=kstack      deliberately fault in the kernel (NULL write / stack
 *                                 overflow into the guard page) to show the panic path
 *
 * Modules: a static ELF program (its string: the name and arguments), a "tg-args" module
 * (the exact argv, envp and working directory of the program after it), or a "tg-file" module
 * (a read-only file at an absolute path); uapi/trapgate.h.
 */
#include "types.h"
#include "defs.h"
#include "memlayout.h"
#include "multiboot.h"
#include "trapgate.h"
#include "proc.h"
#include "file.h"
#include "arch/x86/arch.h"
#include "arch/x86/x86.h"

#define DEBUG_EXIT_PORT 0xF4    /* QEMU -device isa-debug-exit,iobase=0xf4: exit((v << 1) | 1) */
#define BOCHS_SHUTDOWN_PORT 0x8900
#define MAXMODS 64

extern char __kernel_start[], __kernel_end[];
extern uint32_t boot_epoch;

static char cmdline[512];
static struct {
  uint32_t start, end;          /* physical */
  char string[256];
} mods[MAXMODS];
static int nmods;
static char envbuf[MAXENV][128];
const char *boot_env[MAXENV];
int boot_nenv;
static int want_path = -1;
static const char *test_mode = "";
static int quiet, want_stats;

void machine_exit(uint32_t status) {
  outb(DEBUG_EXIT_PORT, status);
  for (const char *p = "Shutdown"; *p; p++)
    outb(BOCHS_SHUTDOWN_PORT, *p);
  for (;;) {
    cli();
    hlt();
  }
}

/* Wait for the next interrupt with interrupts enabled, then disable them again. */
void idle_wait(void) {
  sti_hlt_cli();
}

/* A pointer to physical [pa, pa + len), if the boot mapping covers it. */
static const void *boot_ptr(uint32_t pa, uint32_t len) {
  if (pa >= BOOTMAP_SZ || len > BOOTMAP_SZ - pa)
    return NULL;
  return P2V(pa);
}

static void copy_boot_string(char *dst, uint32_t size, uint32_t pa) {
  dst[0] = 0;
  for (uint32_t i = 0; i + 1 < size; i++) {
    const char *c = boot_ptr(pa + i, 1);
    if (c == NULL || *c == 0)
      return;
    dst[i] = *c;
    dst[i + 1] = 0;
  }
}

/* Copy what we need out of the multiboot information (before any frame is allocated: the
 * loader left it in memory the allocator may hand out) and feed the memory map to kalloc. */
static void read_multiboot(uint32_t magic, uint32_t info_pa) {
  if (magic != MB_BOOTLOADER_MAGIC)
    panic("not started by a multiboot loader (eax %x)", magic);
  const struct mb_info *mb = boot_ptr(info_pa, sizeof(*mb));
  if (mb == NULL)
    panic("multiboot information at %x is out of reach", info_pa);

  if (mb->flags & MB_INFO_CMDLINE)
    copy_boot_string(cmdline, sizeof(cmdline), mb->cmdline);

  if (mb->flags & MB_INFO_MODS) {
    const struct mb_module *m = boot_ptr(mb->mods_addr, mb->mods_count * sizeof(*m));
    for (uint32_t i = 0; m != NULL && i < mb->mods_count && nmods < MAXMODS; i++) {
      mods[nmods].start = m[i].mod_start;
      mods[nmods].end = m[i].mod_end;
      copy_boot_string(mods[nmods].string, sizeof(mods[nmods].string), m[i].string);
      nmods++;
    }
  }

  kinit_begin();
  if (mb->flags & MB_INFO_MEM_MAP) {
    for (uint32_t off = 0; off + sizeof(struct mb_mmap) <= mb->mmap_length;) {
      const struct mb_mmap *e = boot_ptr(mb->mmap_addr + off, sizeof(*e));
      if (e == NULL)
        break;
      if (e->type == MB_MEMORY_AVAILABLE)
        kinit_add_ram(e->addr, e->addr + e->len);
      off += e->size + 4;
    }
  } else if (mb->flags & MB_INFO_MEMORY) {
    kinit_add_ram(EXTMEM, EXTMEM + (uint64_t)mb->mem_upper * 1024);
  }
  kinit_reserve(V2P(__kernel_start), V2P(__kernel_end));
  for (int i = 0; i < nmods; i++)
    kinit_reserve(mods[i].start, mods[i].end);
}

/* stdin=, stdout=, stderr=: KIND[,LINE] with KIND tty, term or pipe, LINE com1 or com2. */
static void parse_stdio(const char *w) {
  int fd = w[3] == 'i' ? 0 : w[3] == 'o' ? 1 : 2;
  const char *v = w + (fd == 0 ? 6 : 7);
  if (strncmp(v, "pipe", 4) == 0) {
    stdio_cfg[fd].tty = stdio_cfg[fd].onlcr = 0;
    v += 4;
  } else if (strncmp(v, "term", 4) == 0) {
    stdio_cfg[fd].tty = 1;
    stdio_cfg[fd].onlcr = 0;
    v += 4;
  } else if (strncmp(v, "tty", 3) == 0) {
    stdio_cfg[fd].tty = stdio_cfg[fd].onlcr = 1;
    v += 3;
  }
  if (strcmp(v, ",com2") == 0 && fd != 0)
    stdio_cfg[fd].line = LINE_COM2;
  else if (strcmp(v, ",com1") == 0 || *v == 0)
    stdio_cfg[fd].line = LINE_COM1;
  else
    kprintf("trapgate: %s: expected tty, term or pipe, then optionally ,com1 or ,com2\n", w);
}

static void parse_cmdline(void) {
  char *s = cmdline;
  while (*s) {
    while (*s == ' ')
      s++;
    char *w = s;
    while (*s && *s != ' ')
      s++;
    if (*s)
      *s++ = 0;
    if (strncmp(w, "entry=", 6) == 0) {
      for (int p = 0; p < TG_NPATHS; p++)
        if (strcmp(w + 6, entry_path_name(p)) == 0)
          want_path = p;
      if (want_path < 0)
        kprintf("trapgate: unknown %s (int80, sysenter or syscall)\n", w);
    } else if (strncmp(w, "env.", 4) == 0 && boot_nenv < MAXENV && w[4] != '=' &&
               w[4] != 0) {
      safestrcpy(envbuf[boot_nenv], w + 4, sizeof(envbuf[0]));
      boot_env[boot_nenv] = envbuf[boot_nenv];
      boot_nenv++;
    } else if (strncmp(w, "stdin=", 6) == 0 || strncmp(w, "stdout=", 7) == 0 ||
               strncmp(w, "stderr=", 7) == 0) {
      parse_stdio(w);
    } else if (strncmp(w, "klog=", 5) == 0) {
      if (strcmp(w + 5, "debugcon") == 0)
        klog_target = KLOG_DEBUGCON;
      else if (strcmp(w + 5, "none") == 0)
        klog_target = KLOG_NONE;
      else
        klog_target = KLOG_COM1;
    } else if (strcmp(w, "quiet") == 0) {
      quiet = 1;
    } else if (strcmp(w, "stats") == 0) {
      want_stats = 1;
    } else if (strcmp(w, "strace") == 0) {
      syscall_trace = 1;
    } else if (strncmp(w, "test=", 5) == 0) {
      test_mode = w + 5;
    }
  }
}

static volatile int overflow_limit = 1 << 30;

static int overflow(int n) {
  volatile char pad[512];
  pad[0] = n;
  if (n >= overflow_limit)
    return 0;
  return overflow(n + 1) + pad[0];
}

static void run_tests(void) {
  if (strcmp(test_mode, "panic") == 0) {
    kprintf("trapgate: test=panic: writing to address 0 in the kernel\n");
    *(volatile uint32_t *)0 = 0x1234;
  } else if (strcmp(test_mode, "kstack") == 0) {
    kprintf("trapgate: test=kstack: overflowing the kernel stack\n");
    overflow(0);
  }
}

/* The kind of module i: by its first bytes. */
static int module_is(int i, const char *magic) {
  uint32_t len = strlen(magic) + 1;
  return mods[i].end - mods[i].start >= len && memcmp(P2V(mods[i].start), magic, len) == 0;
}

/* A tg-args module's contents, checked: the header, then argc + envc + 1 NUL-terminated
 * strings inside the module. Returns 0, or -1 after saying what is wrong. */
static int read_args_module(int i, struct exec_args *a) {
  uint32_t size = mods[i].end - mods[i].start;
  const struct tg_args_header *h = P2V(mods[i].start);
  const char *s = (const char *)(h + 1), *end = (const char *)h + size;
  if (size < sizeof(*h) || h->argc == 0 || h->argc > ARGMAX || h->envc > ARGMAX) {
    kprintf("trapgate: module %d: a malformed tg-args module\n", i + 1);
    return -1;
  }
  a->strings = s;
  a->argc = h->argc;
  a->envc = h->envc;
  for (uint32_t k = 0; k < h->argc + h->envc + 1; k++) {
    if (k == h->argc + h->envc) {
      a->size = s - a->strings;
      a->cwd = s;
    }
    uint32_t n = strnlen(s, end - s);
    if (s + n == end) {
      kprintf("trapgate: module %d: a tg-args module whose strings run past its end\n", i + 1);
      return -1;
    }
    s += n + 1;
  }
  return 0;
}

/* Is module i the last program (no ELF module after it)? */
static int last_program(int i) {
  for (int k = i + 1; k < nmods; k++)
    if (!module_is(k, TG_FILE_MAGIC) && !module_is(k, TG_ARGS_MAGIC))
      return 0;
  return 1;
}

/* Run the program modules one after another; returns the last one's exit status. */
static int run_modules(void) {
  int status = 0;
  struct exec_args args;
  int have_args = 0;
  for (int i = 0; i < nmods; i++)
    if (module_is(i, TG_FILE_MAGIC))
      fs_add_module(P2V(mods[i].start), mods[i].end - mods[i].start);
  for (int i = 0; i < nmods; i++) {
    if (module_is(i, TG_FILE_MAGIC))
      continue;
    if (module_is(i, TG_ARGS_MAGIC)) {
      have_args = read_args_module(i, &args) == 0;
      if (!have_args)
        status = 126;
      continue;
    }
    struct proc *p = proc_create(mods[i].string, P2V(mods[i].start), mods[i].end - mods[i].start,
                                 have_args ? &args : NULL);
    have_args = 0;
    if (p == NULL) {
      status = 126;                     /* a shell's "cannot execute" */
      continue;
    }
    int pid = p->pid;
    char name[NPROCNAME];
    safestrcpy(name, p->name, sizeof(name));
    status = proc_run(p, last_program(i));
    if (status != 0 && !quiet)
      kprintf("trapgate: pid %d (%s) exit %d\n", pid, name, status);
  }
  return status;
}

/* The stats word: one line at halt, for the host to read (README.md, "Command line"). */
static void print_stats(void) {
  extern uint32_t nirqs, nexceptions, npagefaults, entries[TG_NPATHS];
  kprintf("trapgate: stats int80=%u sysenter=%u syscall=%u interrupts=%u exceptions=%u "
          "page-faults=%u\n", entries[TG_PATH_INT80], entries[TG_PATH_SYSENTER],
          entries[TG_PATH_SYSCALL], nirqs, nexceptions, npagefaults);
}

void kmain(uint32_t magic, uint32_t info_pa) {
  console_init();
  read_multiboot(magic, info_pa);
  parse_cmdline();

  gdt_init();
  tss_init();
  idt_init();
  pic_init();
  kvm_init();
  tss_init_tasks(V2P(kpgdir));
  timer_init();
  console_enable_irq();
  boot_epoch = rtc_read_epoch();
  if (!quiet)
    kprintf("trapgate-kernel " KERNEL_VERSION " (i686): %d module%s\n", nmods, nmods == 1 ? "" : "s");
  cpu_init();
  int path = vdso_init(want_path);
  if (!quiet) {
    kprintf("# cpu %s family %d model %d stepping %d; %d KB RAM, %d KB free\n", cpu.vendor,
            cpu.family, cpu.model, cpu.stepping, kmem_total_pages() * 4, kmem_free_pages() * 4);
    kprintf("# entry paths offered: int80%s%s\n", cpu.has_sysenter ? " sysenter" : "",
            cpu.has_syscall ? " syscall" : "");
    kprintf("trapgate: system calls through __kernel_vsyscall use %s\n", entry_path_name(path));
  }
  run_tests();

  int status = run_modules();
  if (want_stats)
    print_stats();
  if (!quiet)
    kprintf("trapgate: halt, status %d\n", status);
  machine_exit(status);
}
