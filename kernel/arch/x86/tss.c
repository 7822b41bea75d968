/* tss.c — the task-state segment. Only SS0:ESP0 matter (SDM Vol. 3A §8.7, §6.12.1): on an
 * interrupt or exception from ring 3 the processor loads them as the new stack. ESP0 is
 * rewritten on every switch to a process; IA32_SYSENTER_ESP points at the ESP0 field itself
 * (cpu.c), so the SYSENTER entry stub finds the same value with one load and a process switch
 * touches nothing but the TSS.
 *
 * A second TSS serves the double-fault task gate: #DF runs on its own stack, so a kernel stack
 * overflow into a guard page still produces a readable panic instead of a triple fault. */
#include "types.h"
#include "defs.h"
#include "memlayout.h"
#include "arch/x86/mmu.h"
#include "arch/x86/x86.h"
#include "arch/x86/arch.h"

struct taskstate ts;
struct taskstate df_ts;
static char df_stack[PGSIZE] __attribute__((aligned(16)));
extern char boot_stack_top[];
extern void double_fault_task(void);

void tss_init(void) {
  ts.ss0 = KDATA_SEL;
  ts.esp0 = (uint32_t)boot_stack_top;
  ts.iomb = sizeof(ts);                 /* beyond the limit: no I/O permission bitmap */
}

/* Called once the kernel page directory exists: the task switch loads CR3 from the TSS. */
void tss_init_double_fault(uint32_t kcr3) {
  df_ts.esp0 = df_ts.esp = (uint32_t)df_stack + sizeof(df_stack);
  df_ts.ss0 = df_ts.ss = KDATA_SEL;
  df_ts.ds = df_ts.es = KDATA_SEL;
  df_ts.cs = KCODE_SEL;
  df_ts.eip = (uint32_t)double_fault_task;
  df_ts.eflags = FL_1;                  /* interrupts off */
  df_ts.cr3 = kcr3;
  df_ts.iomb = sizeof(df_ts);
}

void tss_set_esp0(uint32_t esp0) {
  ts.esp0 = esp0;
}
