/* trap.c — the one C dispatcher for every kernel entry: system calls (int $0x80, SYSENTER,
 * SYSCALL), hardware interrupts and processor exceptions. */
#include "types.h"
#include "defs.h"
#include "errno.h"
#include "signal.h"
#include "trapgate.h"
#include "proc.h"
#include "arch/x86/frame.h"
#include "arch/x86/traps.h"
#include "arch/x86/x86.h"
#include "arch/x86/arch.h"

/* Per-vector facts, in one table (SDM Vol. 3A Table 6-1): the words a user-mode fault is
 * reported with — Linux's wording ("trap divide error", "general protection fault") — and the
 * signal that ends the process, following Linux's arch/x86/kernel/traps.c. */
static const struct {
  const char *name;     /* the SDM's name, for kernel panics */
  const char *what;     /* the user-mode kill line */
  int signo;
} exceptions[32] = {
  [T_DIVIDE]  = { "divide error (#DE)", "trap divide error", SIGFPE },
  [T_DEBUG]   = { "debug (#DB)", "trap debug", SIGTRAP },
  [T_NMI]     = { "non-maskable interrupt", "nmi", SIGSEGV },
  [T_BRKPT]   = { "breakpoint (#BP)", "trap int3", SIGTRAP },
  [T_OFLOW]   = { "overflow (#OF)", "trap overflow", SIGSEGV },
  [T_BOUND]   = { "BOUND range exceeded (#BR)", "trap bounds", SIGSEGV },
  [T_ILLOP]   = { "invalid opcode (#UD)", "trap invalid opcode", SIGILL },
  [T_DEVICE]  = { "device not available (#NM)", "trap device not available", SIGILL },
  [T_DBLFLT]  = { "double fault (#DF)", "double fault", SIGSEGV },
  [T_COPROC]  = { "coprocessor segment overrun", "trap coprocessor segment overrun", SIGFPE },
  [T_TSS]     = { "invalid TSS (#TS)", "trap invalid TSS", SIGSEGV },
  [T_SEGNP]   = { "segment not present (#NP)", "trap segment not present", SIGBUS },
  [T_STACK]   = { "stack-segment fault (#SS)", "trap stack segment", SIGBUS },
  [T_GPFLT]   = { "general protection (#GP)", "general protection fault", SIGSEGV },
  [T_PGFLT]   = { "page fault (#PF)", "segfault", SIGSEGV },
  [T_FPERR]   = { "x87 floating-point error (#MF)", "trap coprocessor error", SIGFPE },
  [T_ALIGN]   = { "alignment check (#AC)", "trap alignment check", SIGBUS },
  [T_MCHK]    = { "machine check (#MC)", "machine check", SIGBUS },
  [T_SIMDERR] = { "SIMD floating-point (#XM)", "trap SIMD floating-point", SIGFPE },
};

uint32_t nirqs, nexceptions, npagefaults;
uint32_t entries[TG_NPATHS];

const char *trap_name(uint32_t trapno) {
  if (trapno < 32 && exceptions[trapno].name)
    return exceptions[trapno].name;
  if (trapno == T_SYSCALL)
    return "int $0x80";
  if (trapno == T_SYSENTER)
    return "sysenter";
  if (trapno == T_SYSCALLI)
    return "syscall";
  if (trapno >= T_IRQ0 && trapno < T_IRQ0 + 16)
    return "interrupt";
  return "unknown trap";
}

/* A fault in user mode ends the process, with one line in Linux's manner. */
static void user_fault(struct trapframe *tf) {
  const char *what = "unexpected trap";
  int signo = SIGSEGV;
  if (tf->trapno < 32 && exceptions[tf->trapno].what) {
    what = exceptions[tf->trapno].what;
    signo = exceptions[tf->trapno].signo;
  }
  if (tf->trapno == T_PGFLT)
    kprintf("trapgate: pid %d (%s): segfault at 0x%x ip 0x%08x error %x\n", curproc->pid,
            curproc->name, rcr2(), tf->eip, tf->err);
  else
    kprintf("trapgate: pid %d (%s): %s ip 0x%08x error %x\n", curproc->pid, curproc->name,
            what, tf->eip, tf->err);
  proc_kill(curproc, signo);
}

static void kernel_fault(struct trapframe *tf) {
  uint32_t fixup;
  switch (tf->trapno) {
  case T_PGFLT:
  case T_GPFLT:
  case T_STACK:
  case T_SEGNP:
    /* A fault at an instruction listed in the exception table (a user-memory copy, a segment
     * reload on the way out) resumes at its fixup: the kernel lives on. */
    if ((fixup = search_exception_table(tf->eip)) != 0) {
      tf->eip = fixup;
      return;
    }
    break;
  case T_NMI:
    kprintf("trapgate: NMI ignored\n");
    return;
  }
  panic_trapframe(trap_name(tf->trapno), tf);
}

/* #DB, in the debug task (idt.c): the interrupted context is in the main TSS.
 *  - From ring 0: EFLAGS.TF came in with SYSENTER or SYSCALL (they do not clear it) and the trap
 *    hit the entry stub's first instruction. Drop TF and resume; the stub clears the rest.
 *  - From ring 3: a single step of the program. Resume the main task in the kernel instead, at
 *    debug_from_user, on the process's kernel stack, holding a trap frame of the user state:
 *    trap() then treats it like any other user exception (SIGTRAP). */
void debug_task_handler(void) {
  nexceptions++;
  if ((ts.cs & SEL_RPL_MASK) == 0) {
    ts.eflags &= ~FL_TF;
    return;
  }
  struct trapframe *tf = (struct trapframe *)(curproc->kstack_top - sizeof(*tf));
  *tf = (struct trapframe){
    .edi = ts.edi, .esi = ts.esi, .ebp = ts.ebp, .oesp = 0,
    .ebx = ts.ebx, .edx = ts.edx, .ecx = ts.ecx, .eax = ts.eax,
    .gs = ts.gs, .fs = ts.fs, .es = ts.es, .ds = ts.ds,
    .err = 0, .trapno = T_DEBUG,
    .eip = ts.eip, .cs = ts.cs, .eflags = ts.eflags, .esp = ts.esp, .ss = ts.ss,
  };
  ts.eip = (uint32_t)debug_from_user;
  ts.cs = KCODE_SEL;
  ts.ss = ts.ds = ts.es = KDATA_SEL;
  ts.fs = ts.gs = 0;
  ts.esp = (uint32_t)tf;
  ts.ebp = 0;
  ts.eflags = FL_1;                     /* interrupts off, as after an interrupt gate */
}

void trap(struct trapframe *tf) {
  switch (tf->trapno) {
  case T_SYSCALL:
    entries[TG_PATH_INT80]++;
    syscall(tf, TG_PATH_INT80);
    return;
  case T_SYSENTER:
    entries[TG_PATH_SYSENTER]++;
    syscall(tf, TG_PATH_SYSENTER);
    return;
  case T_SYSCALLI:
    entries[TG_PATH_SYSCALL]++;
    syscall(tf, TG_PATH_SYSCALL);
    return;
  }

  if (tf->trapno >= T_IRQ0 && tf->trapno < T_IRQ0 + 16) {
    int irq = tf->trapno - T_IRQ0;
    nirqs++;
    if (pic_spurious(irq))
      return;
    switch (irq) {
    case IRQ_TIMER:
      timer_intr();
      break;
    case IRQ_COM1:
      console_intr();
      break;
    }
    pic_eoi(irq);
    return;
  }

  nexceptions++;
  if (tf->trapno == T_PGFLT)
    npagefaults++;
  if (tf_from_user(tf))
    user_fault(tf);
  else
    kernel_fault(tf);
}
