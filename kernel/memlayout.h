/* memlayout.h — the kernel's virtual and physical memory map (see README.md, "Memory map"). */
#ifndef MEMLAYOUT_H
#define MEMLAYOUT_H

#define EXTMEM      0x00100000  /* start of extended memory; the kernel is loaded here */
#define KERNBASE    0xC0000000  /* first kernel virtual address; physical 0 is mapped here */
#define KERNLINK    (KERNBASE + EXTMEM)  /* where the kernel is linked */
#define PHYSTOP_MAX 0x20000000  /* at most 512 MB of RAM are used (direct map KERNBASE..+512M) */
#define BOOTMAP_SZ  0x01000000  /* boot.S maps the first 16 MB twice: identity and at KERNBASE */

/* Kernel stacks: slots of KSTACK_SLOT bytes, each a guard page (never mapped) then the stack. */
#define KSTACKS     0xFF000000
#define KSTACKSIZE  (3 * 4096)
#define KSTACK_SLOT (4 * 4096)

/* User address space (every process). */
#define USERBASE    0x00001000  /* page 0 is never mapped: NULL pointers fault */
#define UTEXT       0x08048000  /* where static ELF32 programs are linked (i386 convention) */
#define UMMAP_BASE  0x40000000  /* mmap2 searches upward from here */
#define USTACKTOP   0xBFFF0000  /* initial user stack pointer region ends here */
#define USTACKSIZE  (32 * 4096) /* user stack pages, mapped at process creation */
#define USTACKLIMIT (USTACKTOP - USTACKSIZE - 4096)  /* lowest stack page is a guard, never mapped */
#define VDSO_BASE   0xBFFFE000  /* the vDSO (2 pages at most), mapped read-only + user */
#define VDSO_MAXSZ  (2 * 4096)
#define UADDR_LIMIT KERNBASE    /* user pointers must lie entirely below this */

#ifndef __ASSEMBLER__
#define V2P(a) (((uint32_t)(a)) - KERNBASE)
#define P2V(a) ((void *)(((char *)(a)) + KERNBASE))
#endif
#define V2P_WO(x) ((x) - KERNBASE)  /* same as V2P, but without casts (assembler) */
#define P2V_WO(x) ((x) + KERNBASE)

#endif
