/* syscall.S — system call stubs, one per kernel entry path. All take (nr, a1..a6) with the C
 * calling convention and load the Linux i386 registers: EAX = nr, EBX ECX EDX ESI EDI EBP. */

/* After the four pushes the arguments start at 20(%esp). */
.macro LOAD_ARGS first
  pushl %ebp
  pushl %edi
  pushl %esi
  pushl %ebx
  movl \first+0(%esp), %eax
  movl \first+4(%esp), %ebx
  movl \first+8(%esp), %ecx
  movl \first+12(%esp), %edx
  movl \first+16(%esp), %esi
  movl \first+20(%esp), %edi
  movl \first+24(%esp), %ebp
.endm

.macro RESTORE_RET
  popl %ebx
  popl %esi
  popl %edi
  popl %ebp
  ret
.endm

.text
/* int $0x80: the gate with DPL 3 in the IDT. */
.globl __syscall_int80
__syscall_int80:
  LOAD_ARGS 20
  int $0x80
  RESTORE_RET

/* Through __kernel_vsyscall (AT_SYSINFO): whatever path the kernel selected. */
.globl __syscall_vsyscall
__syscall_vsyscall:
  LOAD_ARGS 20
  call *__vsyscall
  RESTORE_RET

/* Through any routine with the __kernel_vsyscall convention: (entry, nr, a1..a6). */
.globl __syscall_via
__syscall_via:
  LOAD_ARGS 24
  call *20(%esp)
  RESTORE_RET

/* SYSENTER executed here, in the program's own code, with the vDSO's register convention.
 * The kernel does not return here: SYSEXIT goes to the vDSO's landing pad, which pops EBP,
 * EDX, ECX and RETs — to our caller, since we were CALLed. */
.globl __syscall_sysenter
__syscall_sysenter:
  LOAD_ARGS 20
  call 1f
  RESTORE_RET
1:
  pushl %ecx
  pushl %edx
  pushl %ebp
  movl %esp, %ebp               /* the kernel finds the user stack (and argument 6) here */
  sysenter
  ud2

/* SYSCALL executed here: ECX is lost to the return address, so argument 2 goes in EBP. The
 * kernel returns by SYSRET to the vDSO's landing pad as well. */
.globl __syscall_syscall
__syscall_syscall:
  LOAD_ARGS 20
  call 2f
  RESTORE_RET
2:
  pushl %ecx
  pushl %edx
  pushl %ebp
  movl %ecx, %ebp
  syscall
  ud2

/* Used until AT_SYSINFO is known (and if it is missing). */
.globl __int80_vsyscall
__int80_vsyscall:
  int $0x80
  ret

.section .note.GNU-stack, "", @progbits
