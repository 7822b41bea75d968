/* probes.S — misbehaviours, one instruction sequence each, for the `bad` program. They live in
 * .text.probes, linked right after crt0 (user.ld), so the addresses in the kernel's fault
 * lines do not depend on the C compiler. Each should end the process; none returns. */

.macro PROBE name
  .globl probe_\name
  .type probe_\name, @function
  .p2align 4
probe_\name:
.endm

.section .text.probes, "ax"

/* Kernel memory is mapped in every address space, but supervisor-only (PTE_U = 0):
 * #PF with error P|U (5) for a read, P|W|U (7) for a write. */
PROBE kread
  movl 0xC0100000, %eax
  ret
PROBE kwrite
  movl $0x2badc0de, 0xC0100000
  ret

/* Privileged instructions at CPL 3: #GP(0) (SDM Vol. 3A §5.9). */
PROBE cli
  cli
  ret
PROBE hlt
  hlt
  ret
PROBE cr3
  xorl %eax, %eax
  movl %eax, %cr3
  ret
PROBE lgdt
  lgdt gdt_bogus
  ret
PROBE wrmsr
  movl $0x176, %ecx             /* IA32_SYSENTER_EIP */
  xorl %eax, %eax
  xorl %edx, %edx
  wrmsr
  ret
PROBE sysexit
  sysexit
  ret

/* I/O with IOPL 0 and no I/O permission bitmap: #GP(0) (SDM Vol. 1 §19.5). */
PROBE in
  inb $0x60, %al
  ret
PROBE out
  movb $0x80, %al
  outb %al, $0x80
  ret

/* Kernel selectors from ring 3: the load itself faults, #GP(selector) (SDM Vol. 3A §5.5-5.8). */
PROBE ds
  movl $0x10, %eax
  movl %eax, %ds                /* DPL 0 < CPL 3: #GP(0x10) */
  movl (%esp), %eax             /* (never reached: "then use") */
  ret
PROBE ss
  movl $0x10, %eax
  movl %eax, %ss                /* #GP(0x10) */
  ret
PROBE lds
  lds farptr_kdata, %eax        /* far pointer 0x10:0 */
  ret
PROBE ljmp
  ljmp $0x08, $0xC0100000       /* nonconforming code, DPL 0: #GP(0x08) */
PROBE lcall
  lcall $0x08, $0xC0100000
  ret
PROBE lret
  pushl $0x08
  pushl $0xC0100000
  lret                          /* return to a more privileged level: #GP(0x08) */
PROBE iret
  pushfl
  pushl $0x08
  pushl $0xC0100000
  iret                          /* likewise for IRET */
/* The null selector may be loaded into DS; using it faults: #GP(0) (SDM Vol. 3A §5.4.1).
 * (QEMU's TCG does not check this and lets the access through; not in the golden runs.) */
PROBE nullds
  xorl %eax, %eax
  movl %eax, %ds
  movl farptr_kdata, %eax       /* a DS-relative access */
  ret

/* IRET with EFLAGS.NT set is a task return to the TSS's link field (SDM Vol. 2A IRET): the
 * kernel never enters the main task through a gate, so the link is 0: #TS(0). */
PROBE ntiret
  pushfl
  orl $0x4000, (%esp)           /* NT */
  popfl
  iret

/* Wild jumps: an instruction fetch from a supervisor page (5) or an unmapped one (4). */
PROBE jmpk
  movl $0xC0001000, %eax
  jmp *%eax
PROBE jmp0
  xorl %eax, %eax
  jmp *%eax

/* Writing the program's own text (read-only PT_LOAD): #PF error 7. */
PROBE wtext
  movl $0, probe_wtext
  ret

/* Run the stack into the guard page below it: #PF error 6 at the guard page's top. */
PROBE stack
1:
  pushl %eax
  jmp 1b

/* Arithmetic and opcode exceptions. */
PROBE div0
  movl $1, %eax
  xorl %edx, %edx
  xorl %ecx, %ecx
  divl %ecx                     /* #DE */
  ret
PROBE ud2
  ud2                           /* #UD */
PROBE bound
  movl $100, %eax
  bound %eax, bounds_0_10       /* 100 outside [0, 10]: #BR */
  ret

/* INT n through a DPL 0 gate from ring 3: #GP(vector * 8 + 2) (SDM Vol. 3A §6.12.1.1). Only
 * int $0x80 has DPL 3 here, so INT3 and INTO fault the same way. */
PROBE int13
  int $13
  ret
PROBE int3
  int3
  ret
PROBE into
  movl $0x7FFFFFFF, %eax
  addl $1, %eax                 /* sets OF */
  into
  ret

/* EFLAGS.TF: the single-step trap after the instruction that follows POPF: #DB, SIGTRAP. */
PROBE step
  pushfl
  orl $0x100, (%esp)
  popfl
  nop
  nop
  ret

/* Single-stepping into the fast entries: TF set by the POPF just before SYSENTER / SYSCALL,
 * which do not clear it, so #DB arrives in ring 0 before the kernel has a stack of its own.
 * The kernel (a task gate for #DB) drops TF and completes the call: these return getpid(). */
PROBE stepsysenter
  movl $20, %eax                /* getpid, with the vDSO's convention: */
  pushl %ecx
  pushl %edx
  pushl %ebp
  movl %esp, %ebp
  pushfl
  orl $0x100, (%esp)
  popfl
  sysenter                      /* returns through the landing pad to our caller */
PROBE stepsyscall
  movl $20, %eax
  pushl %ecx
  pushl %edx
  pushl %ebp
  movl %ecx, %ebp
  pushfl
  orl $0x100, (%esp)
  popfl
  syscall
/* The same with the stack in read-only memory: POPF takes TF from .rodata, and nothing may
 * come between it and SYSCALL. Delivered through an interrupt gate, the #DB frame would be
 * written by ring 0 below ESP — into this read-only page: #PF while delivering #DB, a double
 * fault, a dead kernel. Here the call completes; the landing pad then pops EBP, EDX, ECX and
 * the return address from .rodata and lands in stepsyscall_exit, which exits with status 42. */
PROBE stepsyscallro
  movl $20, %eax
  movl $stepsyscall_stack, %esp
  popfl
  syscall
stepsyscall_exit:
  movl $252, %eax               /* exit_group(42) */
  movl $42, %ebx
  int $0x80

/* x87 instructions: CR0.EM = 1, there is no FPU for programs: #NM. */
PROBE x87
  fld1
  ret

/* The fast entries with a bad user stack: the kernel cannot fetch argument 6 at ESP, returns
 * -EFAULT to the vDSO's landing pad, whose first POP faults in user mode — the kernel lives. */
PROBE sysenter0
  movl $20, %eax                /* getpid */
  xorl %ebp, %ebp               /* "user stack" at 0 */
  sysenter
  ret
PROBE syscall0
  movl $20, %eax
  xorl %esp, %esp               /* SYSCALL keeps ESP: the kernel entry must not use it */
  syscall
  ret

.section .rodata
.p2align 2
farptr_kdata:
  .long 0
  .word 0x10
bounds_0_10:
  .long 0, 10
gdt_bogus:
  .word 0
  .long 0
stepsyscall_stack:
  .long 0x302                   /* EFLAGS for POPF: TF | IF | 1 */
  .long 0, 0, 0                 /* EBP, EDX, ECX for the landing pad */
  .long stepsyscall_exit        /* and where its RET goes */

.section .note.GNU-stack, "", @progbits
