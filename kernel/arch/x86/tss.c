/* tss.c — the task-state segments. In the main TSS only SS0:ESP0 matter for interrupts (SDM
 * Vol. 3A §8.7, §6.12.1): on an interrupt or exception from ring 3 the processor loads them as
 * the new stack. ESP0 is rewritten on every switch to a process; IA32_SYSENTER_ESP points at the
 * ESP0 field itself (cpu.c), so the SYSENTER entry stub finds the same value with one load and a
 * process switch touches nothing but the TSS. CR3 is kept equal to the loaded page directory:
 * a return from a task gate's task reloads it from here (SDM Vol. 3A §7.3, step 12).
 *
 * Two more TSSs serve the task gates of idt.c: the double-fault task (#DF: a kernel stack
 * overflow into a guard page still produces a readable panic instead of a triple fault) and the
 * debug task (#DB, see idt.c and trap.c debug_task_handler). */
#include "types.h"
#include "defs.h"
#include "memlayout.h"
#include "arch/x86/mmu.h"
#include "arch/x86/x86.h"
#include "arch/x86/arch.h"

struct taskstate ts;
struct taskstate df_ts, db_ts;
static char df_stack[PGSIZE] __attribute__((aligned(16)));
char db_stack[PGSIZE] __attribute__((aligned(16)));
extern char boot_stack_top[];
extern void double_fault_task(void), debug_task(void);

void tss_init(void) {
  ts.ss0 = KDATA_SEL;
  ts.esp0 = (uint32_t)boot_stack_top;
  ts.iomb = sizeof(ts);                 /* beyond the limit: no I/O permission bitmap */
}

/* A task that starts at eip on its own stack, in the kernel's address space, interrupts off. */
static void task_init(struct taskstate *t, void (*eip)(void), char *stack, uint32_t size,
                      uint32_t kcr3) {
  t->esp0 = t->esp = (uint32_t)stack + size;
  t->ss0 = t->ss = KDATA_SEL;
  t->ds = t->es = KDATA_SEL;
  t->cs = KCODE_SEL;
  t->eip = (uint32_t)eip;
  t->eflags = FL_1;
  t->cr3 = kcr3;
  t->iomb = sizeof(*t);
}

/* Called once the kernel page directory exists: a task switch loads CR3 from the TSS. */
void tss_init_tasks(uint32_t kcr3) {
  task_init(&df_ts, double_fault_task, df_stack, sizeof(df_stack), kcr3);
  task_init(&db_ts, debug_task, db_stack, sizeof(db_stack), kcr3);
  ts.cr3 = kcr3;
}

void tss_set_cr3(uint32_t cr3) {
  ts.cr3 = cr3;
}

void tss_set_esp0(uint32_t esp0) {
  ts.esp0 = esp0;
}
