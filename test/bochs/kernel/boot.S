/*
 * boot.S — multiboot entry, the trap stubs, and the two halves of the case harness:
 * enter() starts a case snippet at any privilege level with chosen registers, and the trap handler
 * records what the processor delivered and returns from enter() (a longjmp), so the next case runs
 * whatever the snippet did.
 */
#include "x86.h"

/* ---- Multiboot v1 header (flags 0: no memory map or modules asked for). ---- */
    .section .multiboot, "a"
    .align 4
    .long 0x1badb002, 0, -0x1badb002

    .text
    .globl _start
_start:
    cli
    mov $boot_stack_top, %esp
    pushl $EFLAGS_R1
    popfl
    call kmain
1:  cli
    hlt
    jmp 1b

/*
 * The trap record, filled by trap_common for every vector (struct trap_record in main.c):
 *   0 vector, 4 frame_esp (ESP after the processor's pushes), 8 CR2, 12 DS, 16 ES, 20 FS, 24 GS
 *   (as the handler found them), 28 SS, 32 DR6, 36 the general registers (PUSHAL order: EDI ESI
 *   EBP ESP EBX EDX ECX EAX), 68 nframe, 72 frame[12]: the words the processor pushed, from
 *   frame_esp upwards (up to the end of frame_esp's page), 120 EFLAGS as the handler began.
 */
#define REC_VECTOR 0
#define REC_FRAME_ESP 4
#define REC_CR2 8
#define REC_DS 12
#define REC_ES 16
#define REC_FS 20
#define REC_GS 24
#define REC_SS 28
#define REC_DR6 32
#define REC_REGS 36
#define REC_NFRAME 68
#define REC_FRAME 72
#define REC_FRAME_WORDS 12
#define REC_HANDLER_EFLAGS (REC_FRAME + 4 * REC_FRAME_WORDS)

/*
 * Trap stubs, one per IDT vector, 16 bytes apart: push the vector number and go to trap_common.
 * No dummy error code: the record keeps the raw words the processor pushed, so a frame with an
 * error code and one without (INT 0x0E from software) are told apart in the output.
 */
    .align 16
    .globl trap_stubs
trap_stubs:
    .set vec, 0
    .rept IDT_ENTRIES
    .align 16
    .byte 0x68              /* push imm32 */
    .long vec
    .byte 0xe9              /* jmp rel32 */
    .long trap_common - (. + 4)
    .set vec, vec + 1
    .endr

trap_common:
    pushal
    pushfl                              /* EFLAGS as the gate left them (popped into the record below) */
    movw %ds, %ax
    movw %es, %bx
    movw %fs, %cx
    movw %gs, %dx
    mov $SEL_KDATA, %esi
    mov %esi, %ds
    mov %esi, %es
    popl trap_record + REC_HANDLER_EFLAGS
    cld
    movzwl %ax, %eax
    mov %eax, trap_record + REC_DS
    movzwl %bx, %eax
    mov %eax, trap_record + REC_ES
    movzwl %cx, %eax
    mov %eax, trap_record + REC_FS
    movzwl %dx, %eax
    mov %eax, trap_record + REC_GS
    xor %eax, %eax
    movw %ss, %ax
    mov %eax, trap_record + REC_SS
    mov %cr2, %eax
    mov %eax, trap_record + REC_CR2
    mov %dr6, %eax
    mov %eax, trap_record + REC_DR6
    mov 32(%esp), %eax
    mov %eax, trap_record + REC_VECTOR
    mov %esp, %esi                      /* the PUSHAL block */
    mov $trap_record + REC_REGS, %edi
    mov $8, %ecx
    rep movsl
    lea 36(%esp), %esi                  /* the processor's frame */
    mov %esi, trap_record + REC_FRAME_ESP
    mov %esi, %ecx                      /* words up to the end of the page, at most 12 */
    and $0xfff, %ecx
    neg %ecx
    add $0x1000, %ecx
    shr $2, %ecx
    cmp $REC_FRAME_WORDS, %ecx
    jbe 1f
    mov $REC_FRAME_WORDS, %ecx
1:  mov %ecx, trap_record + REC_NFRAME
    mov $trap_record + REC_FRAME, %edi
    rep movsl
    /* Back to enter()'s caller: the kernel's segments, stack and flags. */
    mov $SEL_KDATA, %eax
    mov %eax, %ss
    mov jb_esp, %esp
    mov %eax, %fs
    mov %eax, %gs
    pushl $EFLAGS_R1
    popfl
    pop %edi
    pop %esi
    pop %ebx
    pop %ebp
    ret

/*
 * void enter(const struct entry *e): runs a case snippet. The entry gives EIP, CS, EFLAGS, ESP, SS,
 * DS, ES, FS, GS and EAX EBX ECX EDX ESI EDI EBP (struct entry in main.c). An outer-ring entry is an
 * IRET with a five-word frame on the case stack; a ring-0 entry is an IRET with a three-word frame
 * built just below e->esp (SS stays SEL_KDATA). Returns when the snippet traps (a fault, or
 * INT T_DONE at its end): the trap handler returns for it.
 */
#define E_EIP 0
#define E_CS 4
#define E_EFLAGS 8
#define E_ESP 12
#define E_SS 16
#define E_DS 20
#define E_ES 24
#define E_FS 28
#define E_GS 32
#define E_EAX 36
#define E_EBX 40
#define E_ECX 44
#define E_EDX 48
#define E_ESI 52
#define E_EDI 56
#define E_EBP 60
    .globl enter
enter:
    push %ebp
    push %ebx
    push %esi
    push %edi
    mov %esp, jb_esp
    mov 20(%esp), %eax
    testl $3, E_CS(%eax)
    jz 1f
    mov $case_stack_top, %esp
    pushl E_SS(%eax)
    pushl E_ESP(%eax)
    jmp 2f
1:  mov E_ESP(%eax), %esp
2:  pushl E_EFLAGS(%eax)
    pushl E_CS(%eax)
    pushl E_EIP(%eax)
    pushl E_DS(%eax)
    pushl E_ES(%eax)
    pushl E_FS(%eax)
    pushl E_GS(%eax)
    mov E_EBX(%eax), %ebx
    mov E_ECX(%eax), %ecx
    mov E_EDX(%eax), %edx
    mov E_ESI(%eax), %esi
    mov E_EDI(%eax), %edi
    mov E_EBP(%eax), %ebp
    mov E_EAX(%eax), %eax
    pop %gs
    pop %fs
    pop %es
    pop %ds
    iret

/*
 * Stacks. The case stack is where ring-0 snippets run and where enter() builds the IRET frame
 * of an outer-ring entry; its top sits 0x100 bytes below the end of its page, so the trap
 * handler can copy a frame's words up to the top without leaving the page.
 */
    .bss
    .align 4096
boot_stack: .space 0x4000
boot_stack_top:
    .align 4096
    .globl case_stack, case_stack_top
case_stack: .space 0xf00
case_stack_top: .space 0x100
    .align 4
jb_esp: .long 0
    .globl trap_record
trap_record: .space REC_HANDLER_EFLAGS + 4
