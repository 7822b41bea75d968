/* boot.S — multiboot v1 entry. The loader jumps here in 32-bit protected mode with paging off,
 * %eax = MB_BOOTLOADER_MAGIC and %ebx = physical address of the multiboot information
 * (Multiboot Specification §3.2). The kernel is linked at KERNLINK (0xC0100000) but loaded at
 * EXTMEM (0x100000): until paging is on, every address must be converted with V2P_WO.
 *
 * We build a temporary page directory that maps the first BOOTMAP_SZ bytes of physical memory
 * twice — at 0 (so the instruction after the MOV to CR0 can still be fetched, SDM Vol. 3A §9.9.1)
 * and at KERNBASE — enable paging, jump to the higher half and call kmain(). vm.c then
 * replaces this directory with the real kernel one. */
#include "memlayout.h"
#include "multiboot.h"
#include "arch/x86/mmu.h"
#include "arch/x86/msr.h"

#define BOOT_NPT (BOOTMAP_SZ >> PDXSHIFT)   /* page tables needed for the boot map */

.section .multiboot, "a"
.align 4
multiboot_header:
  .long MB_HEADER_MAGIC
  .long MB_HEADER_PAGE_ALIGN | MB_HEADER_MEMORY_INFO
  .long -(MB_HEADER_MAGIC + (MB_HEADER_PAGE_ALIGN | MB_HEADER_MEMORY_INFO))

.section .text
/* The ELF entry point is a physical address: the loader jumps there with paging off. */
.globl _start
_start = V2P_WO(entry)

.globl entry
entry:
  cli
  cld
  movl %eax, %esi                       /* keep the loader's magic; %ebx (info) is left alone */

  /* Clear .bss (the multiboot loader should have, but the kernel does not rely on it). */
  movl $V2P_WO(__bss_start), %edi
  movl $V2P_WO(__bss_end), %ecx
  subl %edi, %ecx
  xorl %eax, %eax
  rep stosb

  /* With 4 MB pages (CPUID.01H:EDX.PSE, then CR4.PSE; SDM Vol. 3A §4.3) the boot map is
   * BOOT_NPT page-directory entries and nothing else: boot time is guest instructions. */
  movl %ebx, %ebp                       /* CPUID clobbers %ebx: keep the info address */
  movl $1, %eax
  cpuid
  movl %ebp, %ebx
  testl $CPUID1_EDX_PSE, %edx
  jz 4f
  movl %cr4, %eax
  orl $CR4_PSE, %eax
  movl %eax, %cr4
  movl $(PTE_P | PTE_W | PTE_PS), %eax
  movl $V2P_WO(entry_pgdir), %edi
  xorl %ecx, %ecx
3:
  movl %eax, (%edi, %ecx, 4)
  movl %eax, (KERNBASE >> PDXSHIFT) * 4(%edi, %ecx, 4)
  addl $(NPTENTRIES * PGSIZE), %eax
  incl %ecx
  cmpl $BOOT_NPT, %ecx
  jb 3b
  jmp 5f

  /* Without: fill the boot page tables, entry i mapping physical page i, present + writable. */
4:
  movl $V2P_WO(entry_pgtables), %edi
  movl $(PTE_P | PTE_W), %eax
  movl $(BOOT_NPT * NPTENTRIES), %ecx
1:
  stosl
  addl $PGSIZE, %eax
  loop 1b

  /* Page directory entries 0.. and (KERNBASE >> 22).. point at those tables. */
  movl $V2P_WO(entry_pgtables) + (PTE_P | PTE_W), %eax
  movl $V2P_WO(entry_pgdir), %edi
  xorl %ecx, %ecx
2:
  movl %eax, (%edi, %ecx, 4)
  movl %eax, (KERNBASE >> PDXSHIFT) * 4(%edi, %ecx, 4)
  addl $PGSIZE, %eax
  incl %ecx
  cmpl $BOOT_NPT, %ecx
  jb 2b
5:

  /* SDM Vol. 3A §9.9.1: load CR3, then set CR0.PG. CR0.WP makes supervisor writes honour
   * read-only user pages (so copy_to_user cannot write a read-only page). CR0.EM = 1, MP = 0:
   * there is no x87 for programs (the kernel and user/ are built without it), so every x87
   * instruction raises #NM, whatever CR0.TS the task switches of idt.c leave (SDM Vol. 3A
   * §2.5, Table 2-2), and WAIT never faults. */
  movl $V2P_WO(entry_pgdir), %eax
  movl %eax, %cr3
  movl %cr0, %eax
  orl $(CR0_PG | CR0_WP | CR0_EM), %eax
  andl $~CR0_MP, %eax
  movl %eax, %cr0

  /* Now running with paging on but still at the low (identity) address: jump high. */
  movl $boot_stack_top, %esp
  movl $high, %eax
  jmp *%eax
high:
  xorl %ebp, %ebp                       /* the end of the EBP chain for backtraces */
  pushl %ebx                            /* kmain(magic, physical address of the multiboot info) */
  pushl %esi
  call kmain
3:
  cli
  hlt
  jmp 3b

.section .bss
.align PGSIZE
entry_pgdir:
  .skip PGSIZE
entry_pgtables:
  .skip BOOT_NPT * PGSIZE
/* The boot stack (kmain and the scheduler run on it), with a guard page below it that
 * vm.c leaves unmapped in the kernel page directory. */
.globl boot_stack_guard, boot_stack, boot_stack_top
boot_stack_guard:
  .skip PGSIZE
boot_stack:
  .skip KSTACKSIZE
boot_stack_top:
