/* swtch.S — void swtch(struct context **old, struct context *new), as in xv6: save the
 * callee-saved registers on the current stack, store the stack pointer in *old, switch to
 * new and pop its registers. The return address is the context's EIP. */
.globl swtch
swtch:
  movl 4(%esp), %eax
  movl 8(%esp), %edx
  pushl %ebp
  pushl %ebx
  pushl %esi
  pushl %edi
  movl %esp, (%eax)
  movl %edx, %esp
  popl %edi
  popl %esi
  popl %ebx
  popl %ebp
  ret

.section .note.GNU-stack, "", @progbits
