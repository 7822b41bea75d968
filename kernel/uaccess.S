/* uaccess.S — the only kernel instructions that touch user memory. Each instruction that may
 * fault on a bad user address is listed in the exception table (__ex_table: faulting EIP,
 * fixup EIP); trap.c resumes a kernel-mode #PF/#GP there at its fixup, so a bad pointer becomes
 * -EFAULT instead of a kernel fault (Linux's arch/x86/lib/usercopy_32.c, __ex_table).
 * The range checks (below KERNBASE, no wrap-around) are done in uaccess.c before these run. */
#include "errno.h"

.section .text

/* uint32_t __copy_user(void *dst, const void *src, uint32_t n)
 * Returns the number of bytes NOT copied (0 on success). REP MOVSB leaves ECX = bytes still to
 * go when it faults (SDM Vol. 2B REP: the registers are updated per iteration). */
.globl __copy_user
__copy_user:
  pushl %esi
  pushl %edi
  movl 12(%esp), %edi
  movl 16(%esp), %esi
  movl 20(%esp), %ecx
  cld
1:
  rep movsb
2:
  movl %ecx, %eax
  popl %edi
  popl %esi
  ret

/* int32_t __strncpy_from_user(char *dst, const char *src, uint32_t n)
 * Copies up to n bytes, stopping after a NUL. Returns the string length (without the NUL) if
 * a NUL was copied, n if none was found in n bytes, -EFAULT on a bad address. */
.globl __strncpy_from_user
__strncpy_from_user:
  pushl %esi
  pushl %edi
  movl 12(%esp), %edi
  movl 16(%esp), %esi
  movl 20(%esp), %ecx
  xorl %edx, %edx
  cld
3:
  cmpl %ecx, %edx
  je 5f
4:
  lodsb
  stosb
  testb %al, %al
  jz 5f
  incl %edx
  jmp 3b
5:
  movl %edx, %eax
  popl %edi
  popl %esi
  ret
6:
  movl $-EFAULT, %eax
  popl %edi
  popl %esi
  ret

.section __ex_table, "a"
  .long 1b, 2b
  .long 4b, 6b

.section .note.GNU-stack, "", @progbits
