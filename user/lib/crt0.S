/* crt0.S — the entry point. The kernel enters with ESP at argc (then argv, envp, auxv: the
 * System V i386 initial stack), EDX = 0 (no function to register with atexit), DF = 0. */
.section .text.start, "ax"
.globl _start
.type _start, @function
_start:
  xorl %ebp, %ebp               /* the end of the frame-pointer chain */
  movl %esp, %eax
  andl $-16, %esp               /* the i386 ABI wants 16-byte alignment at calls */
  subl $12, %esp
  pushl %eax
  call __libc_start             /* (uint32_t *sp), never returns */
  ud2

.section .note.GNU-stack, "", @progbits
