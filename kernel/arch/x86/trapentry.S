/* trapentry.S — the common kernel entry and exit.
 *
 * alltraps: every IDT stub (vectors.S) jumps here with the processor's frame, the error code
 *   and the vector on the kernel stack; we push the data segment registers and the general
 *   registers to complete struct trapframe (frame.h), load kernel data segments and call
 *   trap(tf), the one C dispatcher.
 * trapret: the exit path. It tests the RPL of the saved CS to choose the return: to ring 3
 *   (restore the user's segment registers, IRET pops SS:ESP too) or to ring 0 (IRET pops only
 *   EIP, CS, EFLAGS; SDM Vol. 3A §6.14, IRET in Vol. 2A).
 * sysenter_entry, syscall_entry: the fast system-call entries build the same frame by hand
 *   and leave by SYSEXIT and SYSRET.
 */
#include "memlayout.h"
#include "arch/x86/mmu.h"
#include "arch/x86/traps.h"
#include "arch/x86/frame.h"

#define TSS_ESP0 4              /* offsetof(struct taskstate, esp0), asserted in mmu.h */

/* Push the segment registers and the general registers: the lower half of struct trapframe. */
.macro SAVE_ALL
  pushl %ds
  pushl %es
  pushl %fs
  pushl %gs
  pushal
  movl $KDATA_SEL, %eax
  movl %eax, %ds
  movl %eax, %es
  xorl %eax, %eax
  movl %eax, %fs
  movl %eax, %gs
  cld                           /* the C ABI wants DF = 0; an interrupt gate does not clear it */
.endm

/* Pop the user's segment registers. A selector can have become unusable while we were in the
 * kernel (set_thread_area cleared its descriptor): the POP then faults in ring 0 and the fixup
 * (exception table, see uaccess.c) replaces it by the null selector, as Linux does. */
.macro RESTORE_USER_SEGS
90: popl %gs
91: popl %fs
92: popl %es
93: popl %ds
  .section .text.fixup, "ax"
94: movl $0, (%esp)
    jmp 90b
95: movl $0, (%esp)
    jmp 91b
96: movl $0, (%esp)
    jmp 92b
97: movl $0, (%esp)
    jmp 93b
  .previous
  .section __ex_table, "a"
  .long 90b, 94b
  .long 91b, 95b
  .long 92b, 96b
  .long 93b, 97b
  .previous
.endm

.section .text
.globl alltraps
alltraps:
  SAVE_ALL
  pushl %esp                    /* trap(struct trapframe *tf) */
  call trap
  addl $4, %esp
  /* fall through */

.globl trapret
trapret:
  testl $SEL_RPL_MASK, TF_CS(%esp)  /* RPL of the interrupted CS: kernel or user? */
  jz ret_to_kernel
ret_to_user:
  popal
  RESTORE_USER_SEGS
  addl $8, %esp                 /* error code, vector */
  iret                          /* pops EIP, CS, EFLAGS, ESP, SS */
ret_to_kernel:
  popal
  addl $16, %esp                /* the kernel's own segment registers: still loaded */
  addl $8, %esp                 /* error code, vector */
  iret                          /* pops EIP, CS, EFLAGS */

/* ---- SYSENTER (SDM Vol. 2B SYSENTER; Vol. 3A §5.8.7) ----
 * The processor loaded CS = IA32_SYSENTER_CS, SS = CS + 8, EIP = IA32_SYSENTER_EIP and
 * ESP = IA32_SYSENTER_ESP, which points at TSS.ESP0; it cleared IF, VM and RF — not TF — and
 * saved nothing. (A single-step trap can therefore arrive before the first instruction here,
 * with ESP = &TSS.ESP0: #DB is a task gate, idt.c, so nothing is pushed there.) The vDSO's
 * __kernel_vsyscall left the user ESP in EBP, the user's ECX, EDX and EBP pushed on the user
 * stack (EBP is the sixth argument, fetched by syscall.c). */
.globl sysenter_entry
sysenter_entry:
  movl (%esp), %esp             /* ESP = TSS.ESP0: this process's kernel stack */
  pushfl                        /* SYSENTER leaves TF, NT and AC as user mode set them */
  andl $~(FL_TF | FL_NT | FL_AC), (%esp)
  popfl
  pushl $UDATA_SEL              /* frame: SS */
  pushl %ebp                    /*        ESP (the vDSO's copy) */
  pushfl                        /*        EFLAGS, with the IF user mode had */
  orl $FL_IF, (%esp)
  pushl $UCODE_SEL              /*        CS */
  pushl $0                      /*        EIP: set to the vDSO landing pad by syscall.c */
  pushl $T_SYSENTER             /*        vector */
  pushl $0                      /*        error code */
  SAVE_ALL
  pushl %esp
  call trap
  addl $4, %esp
  /* SYSEXIT: EIP = EDX, ESP = ECX, CS = IA32_SYSENTER_CS + 16 | 3, SS = + 24 | 3; EFLAGS is not
   * touched, so restore it (with IF still 0) and let STI's one-instruction shadow open the
   * interrupt window only after SYSEXIT. ECX and EDX are the vDSO's to restore. */
  movl TF_EIP(%esp), %eax
  movl %eax, TF_EDX(%esp)
  movl TF_ESP(%esp), %eax
  movl %eax, TF_ECX(%esp)
  popal
  RESTORE_USER_SEGS
  addl $16, %esp                /* error code, vector, EIP, CS */
  andl $~FL_IF, (%esp)
  popfl
  sti
  sysexit

/* ---- SYSCALL, legacy mode (AMD APM Vol. 3 SYSCALL) ----
 * The processor loaded CS = STAR[47:32], SS = CS + 8, EIP = STAR[31:0], put the return EIP in
 * ECX and cleared IF, VM and RF — not TF. It did not switch stacks: ESP is still the user's,
 * which is why a single step into SYSCALL must not push anything (#DB is a task gate, idt.c).
 * One XCHG swaps ESP with TSS.ESP0, so the kernel runs on its own stack from the next
 * instruction on; TSS.ESP0 is put back at once. The vDSO moved the second argument from ECX to
 * EBP and pushed ECX, EDX, EBP on the user stack. */
.globl syscall_entry
syscall_entry:
  xchgl %esp, ts + TSS_ESP0     /* ESP = kernel stack, TSS.ESP0 = user ESP */
  pushl $UDATA_SEL              /* frame: SS */
  pushl ts + TSS_ESP0           /*        ESP (user) */
  pushl %eax
  leal 12(%esp), %eax
  movl %eax, ts + TSS_ESP0      /* TSS.ESP0 = kernel stack top again */
  popl %eax
  pushfl                        /* clear TF, NT, AC left by user mode */
  andl $~(FL_TF | FL_NT | FL_AC), (%esp)
  popfl
  pushfl                        /*        EFLAGS */
  orl $FL_IF, (%esp)
  pushl $UCODE_SEL              /*        CS */
  pushl %ecx                    /*        EIP: the address after SYSCALL (syscall.c replaces it) */
  pushl $T_SYSCALLI             /*        vector */
  pushl $0                      /*        error code */
  SAVE_ALL
  pushl %esp
  call trap
  addl $4, %esp
  /* SYSRET (legacy mode): EIP = ECX, CS = STAR[63:48] | 3, SS = STAR[63:48] + 8, IF = 1.
   * ESP and the other flags are ours to restore. */
  movl TF_EIP(%esp), %eax
  movl %eax, TF_ECX(%esp)
  popal
  RESTORE_USER_SEGS
  addl $16, %esp                /* error code, vector, EIP, CS */
  andl $~FL_IF, (%esp)
  popfl
  popl %esp                     /* user ESP */
  sysretl

/* ---- the debug task (idt.c, tss.c): #DB arrives by task gate ----
 * The processor saved the interrupted context in the main TSS, switched to db_ts, set
 * EFLAGS.NT and db_ts.link. The handler edits the saved context; IRET with NT = 1 switches
 * back to it (SDM Vol. 2A IRET, "task return"). The next #DB resumes this task after the IRET. */
.globl debug_task
debug_task:
  movl $db_stack + PGSIZE, %esp
  xorl %ebp, %ebp
  call debug_task_handler
  iret
  jmp debug_task

/* Where a single step from user mode continues in the main task: debug_task_handler built a
 * trap frame of the user state on the process's kernel stack and pointed ESP at it. */
.globl debug_from_user
debug_from_user:
  pushl %esp
  call trap
  addl $4, %esp
  jmp trapret

/* ---- the double-fault task (tss.c): runs on its own stack with its own TSS ---- */
.globl double_fault_task
double_fault_task:
  xorl %ebp, %ebp
  call double_fault
1:
  cli
  hlt
  jmp 1b

.section .note.GNU-stack, "", @progbits
