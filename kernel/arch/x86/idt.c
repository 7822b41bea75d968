/* idt.c — the interrupt descriptor table: 256 interrupt gates to the stubs of vectors.S.
 * All gates are interrupt gates (IF cleared on entry: the kernel runs with interrupts off except
 * while it idles) and have DPL 0, so INT n from ring 3 raises #GP (SDM Vol. 3A §6.12.1.1) —
 * except int $0x80, the system call gate, with DPL 3.
 *
 * #DF and #DB are task gates (SDM Vol. 3A §6.12.2, §7.3): they run on stacks of their own
 * whatever ESP was. For #DF that keeps a kernel stack overflow reportable. For #DB it closes a
 * hole of the fast system calls: neither SYSENTER nor (legacy-mode) SYSCALL clears EFLAGS.TF, so
 * a single-step trap is delivered right after them, at CPL 0, before the entry stub's first
 * instruction — with ESP = &TSS.ESP0 after SYSENTER, or ESP = whatever user mode left after
 * SYSCALL, which does not switch stacks. Through an interrupt gate that delivery would push the
 * frame (and the handler its registers) wherever user mode pointed ESP, kernel memory included. */
#include "types.h"
#include "defs.h"
#include "arch/x86/mmu.h"
#include "arch/x86/traps.h"
#include "arch/x86/x86.h"
#include "arch/x86/arch.h"

struct gatedesc idt[256];
extern uint32_t vectors[256];   /* vectors.S */

static void set_gate(int vec, int type, uint16_t sel, uint32_t off, int dpl) {
  idt[vec] = (struct gatedesc){
    .off_15_0 = off & 0xFFFF, .cs = sel, .args = 0, .rsv1 = 0, .type = type, .s = 0,
    .dpl = dpl, .p = 1, .off_31_16 = off >> 16,
  };
}

void idt_init(void) {
  for (int v = 0; v < 256; v++)
    set_gate(v, STS_IG32, KCODE_SEL, vectors[v], DPL_KERNEL);
  set_gate(T_SYSCALL, STS_IG32, KCODE_SEL, vectors[T_SYSCALL], DPL_USER);
  set_gate(T_DEBUG, STS_TG, DBTSS_SEL, 0, DPL_KERNEL);
  set_gate(T_DBLFLT, STS_TG, DFTSS_SEL, 0, DPL_KERNEL);

  struct pseudodesc pd = { sizeof(idt) - 1, (uint32_t)idt };
  lidt(&pd);
}
