/* panic.c — a kernel fault or inconsistency: say what happened, dump the registers, walk the
 * EBP chain (the kernel is built with -fno-omit-frame-pointer), and leave through the debug-exit
 * port with KPANIC_EXIT_STATUS. */
#include "types.h"
#include "defs.h"
#include "memlayout.h"
#include "arch/x86/arch.h"
#include "arch/x86/frame.h"
#include "arch/x86/traps.h"
#include "arch/x86/x86.h"

static int panicking;

/* Print up to 16 return addresses of the EBP chain; stop at EBP 0 (boot.S, a process's first
 * frame) or at an address that is not mapped kernel memory. */
void backtrace(uint32_t ebp) {
  kprintf("backtrace:\n");
  for (int depth = 0; depth < 16 && ebp != 0; depth++) {
    if ((ebp & 3) || !kaddr_mapped(ebp) || !kaddr_mapped(ebp + 4)) {
      kprintf("  (frame pointer 0x%08x not in kernel memory)\n", ebp);
      break;
    }
    uint32_t *frame = (uint32_t *)ebp;
    if (frame[1] == 0)
      break;
    kprintf("  [%d] 0x%08x\n", depth, frame[1]);
    ebp = frame[0];
  }
}

static void panic_begin(void) {
  cli();
  if (panicking++) {           /* a fault while panicking: just stop */
    machine_exit(KPANIC_EXIT_STATUS);
  }
}

void panic(const char *fmt, ...) {
  char msg[160];
  va_list ap;
  panic_begin();
  __builtin_va_start(ap, fmt);
  kvsnprintf(msg, sizeof(msg), fmt, ap);
  __builtin_va_end(ap);
  kprintf("trapgate: kernel panic: %s\n", msg);
  backtrace(rebp());
  machine_exit(KPANIC_EXIT_STATUS);
}

static void dump_regs(uint32_t eip, uint32_t cs, uint32_t eflags, uint32_t esp, uint32_t ss,
                      uint32_t eax, uint32_t ebx, uint32_t ecx, uint32_t edx, uint32_t esi,
                      uint32_t edi, uint32_t ebp, uint32_t ds, uint32_t es) {
  kprintf("  eip %04x:%08x  eflags %08x  esp %04x:%08x\n", cs & 0xFFFF, eip, eflags,
          ss & 0xFFFF, esp);
  kprintf("  eax %08x  ebx %08x  ecx %08x  edx %08x\n", eax, ebx, ecx, edx);
  kprintf("  esi %08x  edi %08x  ebp %08x  ds %04x  es %04x\n", esi, edi, ebp, ds & 0xFFFF,
          es & 0xFFFF);
  kprintf("  cr0 %08x  cr2 %08x  cr3 %08x\n", rcr0(), rcr2(), rcr3());
}

void panic_trapframe(const char *what, const struct trapframe *tf) {
  panic_begin();
  /* A trap from ring 0 pushed no SS:ESP: the interrupted ESP is where they would be. */
  uint32_t esp = tf_from_user(tf) ? tf->esp : (uint32_t)&tf->esp;
  uint32_t ss = tf_from_user(tf) ? tf->ss : KDATA_SEL;
  if (tf->trapno == T_PGFLT)
    kprintf("trapgate: kernel panic: %s at 0x%x ip 0x%08x error %x\n", what, rcr2(), tf->eip,
            tf->err);
  else
    kprintf("trapgate: kernel panic: %s ip 0x%08x error %x\n", what, tf->eip, tf->err);
  dump_regs(tf->eip, tf->cs, tf->eflags, esp, ss, tf->eax, tf->ebx, tf->ecx, tf->edx, tf->esi,
            tf->edi, tf->ebp, tf->ds, tf->es);
  kprintf("  [0] 0x%08x (faulting instruction)\n", tf->eip);
  backtrace(tf->ebp);
  machine_exit(KPANIC_EXIT_STATUS);
}

/* #DF arrives by task gate (idt.c): the processor saved the faulting context in the main TSS
 * and switched to df_ts, with its own stack (SDM Vol. 3A §7.3, §6.15 "Interrupt 8"). */
void double_fault(void) {
  panic_begin();
  kprintf("trapgate: kernel panic: double fault (#DF) ip 0x%08x\n", ts.eip);
  dump_regs(ts.eip, ts.cs, ts.eflags, ts.esp, ts.ss, ts.eax, ts.ebx, ts.ecx, ts.edx, ts.esi,
            ts.edi, ts.ebp, ts.ds, ts.es);
  backtrace(ts.ebp);
  machine_exit(KPANIC_EXIT_STATUS);
}
