/* vdso.S — the vDSO ("linux-gate.so.1"): a small ELF shared object the kernel maps read-only
 * into every process at VDSO_BASE. AT_SYSINFO points at the variant the kernel selected at boot
 * (vdso.c also re-points the __kernel_vsyscall symbol in the mapped copy), so a C library
 * calls "call *%gs:..."/"call *AT_SYSINFO" with the Linux i386 register convention (number in
 * EAX, arguments in EBX ECX EDX ESI EDI EBP) and gets the fastest entry the processor has.
 *
 * The fast variants push ECX, EDX and EBP — the registers SYSEXIT/SYSRET clobber or that carry
 * the user stack pointer — and the kernel always returns to the one landing pad below, never
 * to an address user mode chose (Linux's arch/x86/entry/vdso/vdso32/system_call.S). */

.text
.globl __kernel_vsyscall
.type __kernel_vsyscall, @function
.globl __trapgate_vsyscall_int80
.type __trapgate_vsyscall_int80, @function
__kernel_vsyscall:
__trapgate_vsyscall_int80:
  int $0x80
  ret
.size __trapgate_vsyscall_int80, . - __trapgate_vsyscall_int80
.size __kernel_vsyscall, . - __kernel_vsyscall

/* SYSENTER saves nothing: the kernel learns the user stack from EBP, and takes the sixth
 * argument (the caller's EBP) from the stack EBP points at. */
.globl __trapgate_vsyscall_sysenter
.type __trapgate_vsyscall_sysenter, @function
.p2align 4
__trapgate_vsyscall_sysenter:
  pushl %ecx
  pushl %edx
  pushl %ebp
  movl %esp, %ebp
  sysenter
  ud2                           /* not reached: SYSEXIT returns to the landing pad */
.size __trapgate_vsyscall_sysenter, . - __trapgate_vsyscall_sysenter

/* SYSCALL overwrites ECX with the return address, so the second argument travels in EBP; the
 * caller's EBP (sixth argument) is on the stack, as for SYSENTER. */
.globl __trapgate_vsyscall_syscall
.type __trapgate_vsyscall_syscall, @function
.p2align 4
__trapgate_vsyscall_syscall:
  pushl %ecx
  pushl %edx
  pushl %ebp
  movl %ecx, %ebp
  syscall
  ud2                           /* not reached: SYSRET returns to the landing pad */
.size __trapgate_vsyscall_syscall, . - __trapgate_vsyscall_syscall

/* SYSEXIT and SYSRET land here, with ESP pointing at the saved EBP. */
.globl __trapgate_vsyscall_landing
.type __trapgate_vsyscall_landing, @function
.p2align 4
__trapgate_vsyscall_landing:
  popl %ebp
  popl %edx
  popl %ecx
  ret
.size __trapgate_vsyscall_landing, . - __trapgate_vsyscall_landing

.section .note.GNU-stack, "", @progbits
