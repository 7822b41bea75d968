/* main.c — kmain: bring the machine up, then run the multiboot modules one after another,
 * each as a process, and leave through the debug-exit port with the last one's exit status.
 *
 * Kernel command line (words; anything else, such as the kernel's own path that QEMU puts
 * first, is ignored):
 *   entry=int80|sysenter|syscall  the path the vDSO's __kernel_vsyscall uses (default: the
 *                                 fastest the processor offers: syscall, sysenter, int80)
 *   env.NAME=VALUE                put NAME=VALUE in every process's environment
 *   strace                        print every system call on a "# " line
 *   test=panic | test=kstack      deliberately fault in the kernel (NULL write / stack
 *                                 overflow into the guard page) to show the panic path
 */
#include "types.h"
#include "defs.h"
#include "memlayout.h"
#include "multiboot.h"
#include "trapgate.h"
#include "proc.h"
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
  kprintf("trapgate-kernel " KERNEL_VERSION " (i686): %d module%s\n", nmods, nmods == 1 ? "" : "s");
  cpu_init();
  int path = vdso_init(want_path);
  kprintf("# cpu %s family %d model %d stepping %d; %d KB RAM, %d KB free\n", cpu.vendor,
          cpu.family, cpu.model, cpu.stepping, kmem_total_pages() * 4, kmem_free_pages() * 4);
  kprintf("# entry paths offered: int80%s%s\n", cpu.has_sysenter ? " sysenter" : "",
          cpu.has_syscall ? " syscall" : "");
  kprintf("trapgate: system calls through __kernel_vsyscall use %s\n", entry_path_name(path));
  run_tests();

  int status = 0;
  for (int i = 0; i < nmods; i++) {
    struct proc *p = proc_create(mods[i].string, P2V(mods[i].start), mods[i].end - mods[i].start);
    if (p == NULL) {
      status = 126;                     /* a shell's "cannot execute" */
      continue;
    }
    int pid = p->pid;
    char name[NPROCNAME];
    safestrcpy(name, p->name, sizeof(name));
    status = proc_run(p);
    if (status != 0)
      kprintf("trapgate: pid %d (%s) exit %d\n", pid, name, status);
  }
  kprintf("trapgate: halt, status %d\n", status);
  machine_exit(status);
}
