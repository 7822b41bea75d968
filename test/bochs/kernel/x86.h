/*
 * x86.h — the hardware facts the protection test kernel uses, with the manual's names
 * (Intel SDM Vol. 3A chapters 3–6). Shared by C and assembly: the assembler sees only the
 * #defines.
 */
#ifndef X86_H
#define X86_H

/* ---- Selectors of the test GDT (index * 8); see gdt_init() in main.c for each descriptor. ---- */
#define SEL_NULL        0x000
#define SEL_KCODE       0x008   /* 32-bit code, DPL 0, flat, execute/read */
#define SEL_KDATA       0x010   /* data, DPL 0, flat, read/write */
#define SEL_UCODE       0x018   /* 32-bit code, DPL 3, flat */
#define SEL_UDATA       0x020   /* data, DPL 3, flat */
#define SEL_TSS         0x028   /* 32-bit TSS (available, busy once loaded) */
#define SEL_LDT         0x030   /* the LDT */
#define SEL_R1CODE      0x038   /* 32-bit code, DPL 1, flat */
#define SEL_R1DATA      0x040   /* data, DPL 1, flat */
#define SEL_R2DATA      0x048   /* data, DPL 2, flat */
#define SEL_KCONF       0x050   /* conforming code, DPL 0, readable, flat */
#define SEL_KCONF_XO    0x058   /* conforming code, DPL 0, execute-only */
#define SEL_KCODE_XO    0x060   /* non-conforming code, DPL 0, execute-only */
#define SEL_UDATA_RO    0x068   /* data, DPL 3, read-only */
#define SEL_ED_B1       0x070   /* expand-down data, DPL 0, B = 1, limit 0xFFF, base SEG_TEST_BASE */
#define SEL_ED_B0       0x078   /* expand-down data, DPL 0, B = 0, limit 0xFFF, base SEG_TEST_BASE */
#define SEL_GRAN        0x080   /* data, DPL 0, G = 1, limit 1 (0x1FFF bytes), base SEG_TEST_BASE */
#define SEL_USTK_LIM    0x088   /* data, DPL 3, limit 0x1FFF, base ulim_area */
#define SEL_USTK_ED     0x090   /* expand-down data, DPL 3, B = 1, limit 0xFFF, base ued_area */
#define SEL_USTK16      0x098   /* data, DPL 3, B = 0, limit 0xFFFF, base u16_area */
#define SEL_CGATE32     0x0a0   /* 32-bit call gate, DPL 3, 2 parameters -> SEL_KCODE:cg32_target */
#define SEL_CGATE16     0x0a8   /* 16-bit call gate, DPL 3, 3 parameters -> SEL_CG16CODE:0 */
#define SEL_CG16CODE    0x0b0   /* 32-bit code, DPL 0, base cg16_target, limit 0xFFF */
#define SEL_CGATE_K     0x0b8   /* 32-bit call gate, DPL 0 -> SEL_KCODE:cg32_target */
#define SEL_CGATE_NP    0x0c0   /* 32-bit call gate, DPL 3, not present */
#define SEL_CODE_NP     0x0c8   /* 32-bit code, DPL 0, not present */
#define SEL_CGATE_TNP   0x0d0   /* 32-bit call gate, DPL 3 -> SEL_CODE_NP */
#define SEL_CODELIM     0x0d8   /* 32-bit code, DPL 0, base codelim_area, limit 0x0F */
#define SEL_DATA_NP     0x0e0   /* data, DPL 3, not present */
#define SEL_TSS16       0x0e8   /* 16-bit TSS, available */
#define SEL_TASKGATE    0x0f0   /* task gate (in the GDT) -> SEL_TSS */
#define SEL_INTGATE     0x0f8   /* 32-bit interrupt gate (in the GDT: not valid for LAR) */
#define SEL_RSVD8       0x100   /* system type 8 (reserved) */
#define SEL_TSS_BUSY    0x108   /* 32-bit TSS, busy */
#define SEL_IG16CODE    0x110   /* 32-bit code, DPL 0, base ig16_target, limit 0xFFF */
#define SEL_CODELIM2    0x118   /* 32-bit code, DPL 0, base codelim_area, limit 0x0E */
#define SEL_ED_G        0x120   /* expand-down data, DPL 0, B = 1, G = 1, limit 0 (0xFFF), base SEG_TEST_BASE */
#define SEL_ACC         0x128   /* data, DPL 3, accessed bit clear */
#define SEL_CGATE32R    0x130   /* 32-bit call gate, DPL 3, 2 parameters -> SEL_KCODE:cg32_ret_target */
#define SEL_UCODE16     0x138   /* 16-bit code, DPL 3 (for LAR) */
#define SEL_UCONF       0x140   /* conforming code, DPL 3, readable */
#define SEL_TSS2        0x148   /* 32-bit TSS of the second task, available */
#define SEL_TSS_SMALL   0x150   /* 32-bit TSS, available, limit 0x66 (one byte short) */
#define SEL_TASKGATE2   0x158   /* task gate, DPL 0 -> SEL_TSS2 */
#define SEL_R1DATA_NP   0x160   /* data, DPL 1, not present */
#define SEL_R1STK_LIM   0x168   /* data, DPL 1, limit 0xFFF, base r1stack */
#define SEL_CGATE_R1    0x170   /* 32-bit call gate, DPL 3, 2 parameters -> SEL_R1CODE:r1_handler */
#define SEL_CGATE_BADOFF 0x178  /* 32-bit call gate, DPL 3 -> SEL_CG16CODE:0x2000 (beyond its limit) */
#define SEL_SCRATCH     0x180   /* data, DPL 0, flat: rewritten by the descriptor-cache cases */
#define SEL_UCG         0x188   /* 32-bit code, DPL 3, base cg16_target, limit 0xFFF */
#define GDT_ENTRIES     50

/* LDT selectors (TI = 1). */
#define SEL_LDT0        0x004   /* LDT entry 0: data, DPL 3, flat — index 0 of the LDT is not a null selector */
#define SEL_LDT1        0x00c   /* LDT entry 1: data, DPL 0, flat */
#define SEL_LDT2        0x014   /* LDT entry 2: data, DPL 3, base ldt_base2 */
#define LDT_ENTRIES     3

#define RPL3            3

/* ---- Descriptor access bytes (bits 47:40): P DPL S Type (SDM Vol. 3A §3.4.5, Table 3-1/3-2). ---- */
#define DESC_P          0x80
#define DESC_DPL(n)     ((n) << 5)
#define DESC_S          0x10                /* code or data (else system) */
#define TYPE_DATA_RW    0x2
#define TYPE_DATA_RO    0x0
#define TYPE_DATA_EXPDOWN 0x4
#define TYPE_CODE       0x8
#define TYPE_CODE_READ  0x2
#define TYPE_CODE_CONF  0x4
#define TYPE_ACCESSED   0x1
/* System types (Table 3-2). */
#define SYS_TSS16_AVAIL 0x1
#define SYS_LDT         0x2
#define SYS_TSS16_BUSY  0x3
#define SYS_CALLGATE16  0x4
#define SYS_TASKGATE    0x5
#define SYS_INTGATE16   0x6
#define SYS_TRAPGATE16  0x7
#define SYS_RESERVED8   0x8
#define SYS_TSS32_AVAIL 0x9
#define SYS_TSS32_BUSY  0xb
#define SYS_CALLGATE32  0xc
#define SYS_INTGATE32   0xe
#define SYS_TRAPGATE32  0xf
/* Flags nibble (bits 55:52). */
#define DESC_G          0x8
#define DESC_DB         0x4

/* ---- Vectors (SDM Vol. 3A Table 6-1) and the test kernel's own. ---- */
#define T_DE  0
#define T_DB  1
#define T_BP  3
#define T_OF  4
#define T_BR  5
#define T_UD  6
#define T_NM  7
#define T_DF  8
#define T_TS  10
#define T_NP  11
#define T_SS  12
#define T_GP  13
#define T_PF  14
#define T_AC  17
#define T_DONE       0x40   /* DPL 3 interrupt gate: a case reports its end state ("ok") */
#define T_GATE_DPL0  0x41   /* DPL 0 interrupt gate */
#define T_GATE_NP    0x42   /* DPL 3 interrupt gate, not present */
#define T_GATE16     0x43   /* DPL 3 16-bit interrupt gate -> SEL_IG16CODE:0 */
#define T_GATE_R1    0x44   /* DPL 3 interrupt gate -> SEL_R1CODE:r1_handler */
#define T_GATE_CONF  0x45   /* DPL 3 interrupt gate -> SEL_KCONF:conf_handler */
#define T_TASKGATE   0x46   /* DPL 3 task gate -> SEL_TSS2 */
#define IDT_ENTRIES  0x48

/* ---- Paging (SDM Vol. 3A §4.3, 32-bit paging). ---- */
#define PTE_P   0x001
#define PTE_W   0x002
#define PTE_U   0x004
#define PTE_A   0x020
#define PTE_D   0x040
#define PDE_PS  0x080
#define PF_P    0x1   /* #PF error code bits (Figure 4-12) */
#define PF_W    0x2
#define PF_U    0x4

#define CR0_PE  0x00000001
#define CR0_ET  0x00000010
#define CR0_WP  0x00010000
#define CR0_AM  0x00040000
#define CR0_TS  0x00000008
#define CR0_MP  0x00000002
#define CR0_EM  0x00000004
#define CR0_PG  0x80000000
#define CR4_TSD 0x00000004
#define CR4_PSE 0x00000010

#define EFLAGS_CF  0x0001
#define EFLAGS_R1  0x0002    /* reserved, always 1 */
#define EFLAGS_ZF  0x0040
#define EFLAGS_TF  0x0100
#define EFLAGS_IF  0x0200
#define EFLAGS_OF  0x0800
#define EFLAGS_IOPL3 0x3000
#define EFLAGS_NT  0x4000
#define EFLAGS_AC  0x40000
#define EFLAGS_VM  0x20000

#define MSR_SYSENTER_CS  0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176

/* ---- Memory layout. ---- */
#define TEST_LINEAR    0x00800000   /* page table pt_test: 4 pages whose PTEs the cases rewrite */
#define PSE_LINEAR     0x00c00000   /* a 4 MiB page (PDE 3) -> physical PSE_PHYS */
#define PSE_PHYS       0x00400000
#define SEG_TEST_BASE  0x00400000   /* base of the expand-down and granularity test segments */

#endif
