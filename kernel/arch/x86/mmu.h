/* mmu.h — IA-32 protected-mode structures and constants, named as in the Intel SDM Vol. 3A.
 * Usable from C and from assembler (structures only under !__ASSEMBLER__). */
#ifndef ARCH_X86_MMU_H
#define ARCH_X86_MMU_H

/* ---- EFLAGS (SDM Vol. 1 §3.4.3, Vol. 3A §2.3) ---- */
#define FL_CF    0x00000001
#define FL_1     0x00000002  /* reserved, always 1 */
#define FL_PF    0x00000004
#define FL_AF    0x00000010
#define FL_ZF    0x00000040
#define FL_SF    0x00000080
#define FL_TF    0x00000100  /* trap flag: single step */
#define FL_IF    0x00000200  /* interrupt enable */
#define FL_DF    0x00000400  /* direction */
#define FL_OF    0x00000800
#define FL_IOPL  0x00003000  /* I/O privilege level (2 bits) */
#define FL_NT    0x00004000  /* nested task */
#define FL_RF    0x00010000  /* resume */
#define FL_VM    0x00020000  /* virtual-8086 mode */
#define FL_AC    0x00040000  /* alignment check */
#define FL_ID    0x00200000  /* CPUID available */

/* ---- Control registers (SDM Vol. 3A §2.5) ---- */
#define CR0_PE   0x00000001  /* protection enable */
#define CR0_MP   0x00000002  /* monitor coprocessor */
#define CR0_EM   0x00000004  /* emulation: x87 instructions raise #NM */
#define CR0_TS   0x00000008  /* task switched */
#define CR0_NE   0x00000020  /* numeric error */
#define CR0_WP   0x00010000  /* write protect: supervisor writes honour R/W */
#define CR0_AM   0x00040000  /* alignment mask */
#define CR0_PG   0x80000000  /* paging */

#define CR4_PSE  0x00000010
#define CR4_PGE  0x00000080

/* ---- Segment selectors (SDM Vol. 3A §3.4.2) and the GDT layout ----
 * The order is fixed by the fast system call instructions (SDM Vol. 2B SYSENTER/SYSEXIT,
 * AMD APM Vol. 3 SYSCALL/SYSRET): user code = kernel code + 16, user data = kernel code + 24. */
#define SEG_NULL     0
#define SEG_KCODE    1   /* 0x08  kernel code, DPL 0        (IA32_SYSENTER_CS, STAR[47:32]) */
#define SEG_KDATA    2   /* 0x10  kernel data + stack, DPL 0 */
#define SEG_UCODE    3   /* 0x1b  user code, DPL 3           (SYSEXIT: SYSENTER_CS + 16; STAR[63:48]) */
#define SEG_UDATA    4   /* 0x23  user data + stack, DPL 3   (SYSEXIT: SYSENTER_CS + 24; SYSRET: STAR[63:48] + 8) */
#define SEG_TSS      5   /* 0x28  the task-state segment */
#define SEG_TLS_MIN  6   /* 0x33.. set_thread_area slots, as Linux's GDT_ENTRY_TLS_MIN */
#define SEG_TLS_MAX  8
#define NTLS         (SEG_TLS_MAX - SEG_TLS_MIN + 1)
#define SEG_DFTSS    9   /* 0x48  TSS of the double-fault task */
#define SEG_DBTSS    10  /* 0x50  TSS of the debug-exception task */
#define NSEGS        11

#define SEL_RPL_MASK 3
#define SEL_TI       4   /* table indicator: 1 = LDT */
#define SEL(idx, rpl) (((idx) << 3) | (rpl))
#define KCODE_SEL    SEL(SEG_KCODE, 0)
#define KDATA_SEL    SEL(SEG_KDATA, 0)
#define UCODE_SEL    SEL(SEG_UCODE, 3)
#define UDATA_SEL    SEL(SEG_UDATA, 3)
#define TSS_SEL      SEL(SEG_TSS, 0)
#define DFTSS_SEL    SEL(SEG_DFTSS, 0)
#define DBTSS_SEL    SEL(SEG_DBTSS, 0)

#define DPL_KERNEL   0
#define DPL_USER     3

/* Segment descriptor types (SDM Vol. 3A §3.4.5.1, S = 1: code/data) */
#define STA_A    0x1   /* accessed */
#define STA_W    0x2   /* data: writable */
#define STA_R    0x2   /* code: readable */
#define STA_E    0x4   /* data: expand down */
#define STA_C    0x4   /* code: conforming */
#define STA_X    0x8   /* executable (code) */

/* System segment and gate types (SDM Vol. 3A §3.5, S = 0) */
#define STS_T32A 0x9   /* available 32-bit TSS */
#define STS_T32B 0xB   /* busy 32-bit TSS */
#define STS_TG   0x5   /* task gate */
#define STS_IG32 0xE   /* 32-bit interrupt gate (clears IF) */
#define STS_TG32 0xF   /* 32-bit trap gate (leaves IF) */

/* ---- Paging, 32-bit (SDM Vol. 3A §4.3) ---- */
#define PGSIZE   4096
#define PGSHIFT  12
#define PDXSHIFT 22
#define NPDENTRIES 1024
#define NPTENTRIES 1024

#define PTE_P    0x001  /* present */
#define PTE_W    0x002  /* writable */
#define PTE_U    0x004  /* user (U/S) */
#define PTE_PWT  0x008
#define PTE_PCD  0x010
#define PTE_A    0x020  /* accessed */
#define PTE_D    0x040  /* dirty */
#define PTE_PS   0x080  /* page size (PDE) */
#define PTE_G    0x100  /* global */
#define PTE_AVL_PROTNONE 0x200  /* software bit: frame kept but access revoked (mprotect PROT_NONE) */
#define PTE_AVL_SHARED   0x400  /* software bit: frame not owned by this address space (the vDSO) */

/* #PF error code (SDM Vol. 3A §4.7) */
#define PFERR_P  0x1    /* 0: not present, 1: protection violation */
#define PFERR_W  0x2    /* write access */
#define PFERR_U  0x4    /* CPL 3 access */
#define PFERR_RSVD 0x8
#define PFERR_I  0x10   /* instruction fetch (only with NX or SMEP) */

#ifndef __ASSEMBLER__
#include "types.h"

#define PDX(va)   (((uint32_t)(va) >> PDXSHIFT) & 0x3FF)
#define PTX(va)   (((uint32_t)(va) >> PGSHIFT) & 0x3FF)
#define PTE_ADDR(pte) ((uint32_t)(pte) & ~0xFFF)
#define PTE_FLAGS(pte) ((uint32_t)(pte) & 0xFFF)
#define PGROUNDUP(a)   (((uint32_t)(a) + PGSIZE - 1) & ~(PGSIZE - 1))
#define PGROUNDDOWN(a) ((uint32_t)(a) & ~(PGSIZE - 1))

/* Segment descriptor (SDM Vol. 3A §3.4.5, Figure 3-8). */
struct segdesc {
  uint32_t lim_15_0 : 16;
  uint32_t base_15_0 : 16;
  uint32_t base_23_16 : 8;
  uint32_t type : 4;      /* STA_* or STS_* */
  uint32_t s : 1;         /* 1 = code/data, 0 = system */
  uint32_t dpl : 2;
  uint32_t p : 1;
  uint32_t lim_19_16 : 4;
  uint32_t avl : 1;
  uint32_t rsv1 : 1;      /* L, 64-bit code: 0 */
  uint32_t db : 1;        /* 1 = 32-bit segment */
  uint32_t g : 1;         /* limit in 4 KB units */
  uint32_t base_31_24 : 8;
};
_Static_assert(sizeof(struct segdesc) == 8, "segment descriptor is 8 bytes");

/* A flat 4 GB code/data segment: base 0, limit 0xFFFFF pages, 32-bit. */
#define SEG_FLAT(stype, sdpl) (struct segdesc){ \
  .lim_15_0 = 0xFFFF, .base_15_0 = 0, .base_23_16 = 0, .type = (stype), .s = 1, .dpl = (sdpl), \
  .p = 1, .lim_19_16 = 0xF, .avl = 0, .rsv1 = 0, .db = 1, .g = 1, .base_31_24 = 0 }
/* A system segment (TSS) with byte granularity. */
#define SEG_SYS(stype, base, lim, sdpl) (struct segdesc){ \
  .lim_15_0 = (uint32_t)(lim) & 0xFFFF, .base_15_0 = (uint32_t)(base) & 0xFFFF, \
  .base_23_16 = ((uint32_t)(base) >> 16) & 0xFF, .type = (stype), .s = 0, .dpl = (sdpl), .p = 1, \
  .lim_19_16 = ((uint32_t)(lim) >> 16) & 0xF, .avl = 0, .rsv1 = 0, .db = 0, .g = 0, \
  .base_31_24 = (uint32_t)(base) >> 24 }

/* Gate descriptor for the IDT (SDM Vol. 3A §6.11, Figure 6-2). */
struct gatedesc {
  uint32_t off_15_0 : 16;
  uint32_t cs : 16;        /* code segment selector (or TSS selector for a task gate) */
  uint32_t args : 5;       /* 0 */
  uint32_t rsv1 : 3;       /* 0 */
  uint32_t type : 4;       /* STS_IG32, STS_TG32, STS_TG */
  uint32_t s : 1;          /* 0 */
  uint32_t dpl : 2;        /* highest ring allowed to use INT n on this gate */
  uint32_t p : 1;
  uint32_t off_31_16 : 16;
};
_Static_assert(sizeof(struct gatedesc) == 8, "gate descriptor is 8 bytes");

/* 32-bit task-state segment (SDM Vol. 3A §8.2.1, Figure 8-2). */
struct taskstate {
  uint32_t link;        /* previous task's TSS selector */
  uint32_t esp0;        /* stack for CPL 0 after a privilege change */
  uint16_t ss0, pad0;
  uint32_t esp1;
  uint16_t ss1, pad1;
  uint32_t esp2;
  uint16_t ss2, pad2;
  uint32_t cr3;
  uint32_t eip;
  uint32_t eflags;
  uint32_t eax, ecx, edx, ebx;
  uint32_t esp, ebp, esi, edi;
  uint16_t es, pad3;
  uint16_t cs, pad4;
  uint16_t ss, pad5;
  uint16_t ds, pad6;
  uint16_t fs, pad7;
  uint16_t gs, pad8;
  uint16_t ldt, pad9;
  uint16_t t;           /* debug trap on task switch */
  uint16_t iomb;        /* I/O map base address (offset from TSS base) */
};
_Static_assert(sizeof(struct taskstate) == 104, "32-bit TSS is 104 bytes");
_Static_assert(offsetof(struct taskstate, esp0) == 4, "TSS.ESP0 at offset 4");
_Static_assert(offsetof(struct taskstate, iomb) == 102, "TSS I/O map base at offset 102");

/* Pseudo-descriptor for LGDT/LIDT (SDM Vol. 3A §3.5.1). */
struct __attribute__((packed)) pseudodesc {
  uint16_t limit;
  uint32_t base;
};
#endif /* !__ASSEMBLER__ */

#endif
