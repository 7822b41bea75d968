/* traps.h — interrupt and exception vectors (SDM Vol. 3A §6.3, Table 6-1), the PIC's IRQ
 * vectors and the pseudo-vectors of the fast system-call entries. Usable from C and assembler. */
#ifndef ARCH_X86_TRAPS_H
#define ARCH_X86_TRAPS_H

#define T_DIVIDE   0   /* #DE divide error                     fault */
#define T_DEBUG    1   /* #DB debug                            fault/trap */
#define T_NMI      2   /*     non-maskable interrupt */
#define T_BRKPT    3   /* #BP breakpoint (INT3)                trap */
#define T_OFLOW    4   /* #OF overflow (INTO)                  trap */
#define T_BOUND    5   /* #BR BOUND range exceeded             fault */
#define T_ILLOP    6   /* #UD invalid opcode                   fault */
#define T_DEVICE   7   /* #NM device not available             fault */
#define T_DBLFLT   8   /* #DF double fault                     abort, error code (0) */
#define T_COPROC   9   /*     coprocessor segment overrun (reserved since the 486) */
#define T_TSS     10   /* #TS invalid TSS                      fault, error code */
#define T_SEGNP   11   /* #NP segment not present              fault, error code */
#define T_STACK   12   /* #SS stack-segment fault              fault, error code */
#define T_GPFLT   13   /* #GP general protection               fault, error code */
#define T_PGFLT   14   /* #PF page fault                       fault, error code; CR2 = address */
#define T_FPERR   16   /* #MF x87 floating-point error         fault */
#define T_ALIGN   17   /* #AC alignment check                  fault, error code (0) */
#define T_MCHK    18   /* #MC machine check                    abort */
#define T_SIMDERR 19   /* #XM SIMD floating-point              fault */

/* The one list of vectors for which the processor pushes an error code (SDM Vol. 3A §6.13).
 * vectors.S generates every entry stub from it. */
#define T_ERRCODE_VECTORS 8, 10, 11, 12, 13, 14, 17

#define T_IRQ0     0x20  /* the master 8259A is remapped here; the slave at T_IRQ0 + 8 */
#define IRQ_TIMER  0
#define IRQ_KBD    1
#define IRQ_COM1   4
#define IRQ_SPURIOUS 7

#define T_SYSCALL  0x80  /* int $0x80: the only gate with DPL 3 */

/* Pseudo-vectors stored in the frame's vector slot by the fast entry stubs (never in the IDT). */
#define T_SYSENTER 0x100
#define T_SYSCALLI 0x101 /* the SYSCALL instruction */

#endif
