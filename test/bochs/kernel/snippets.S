/*
 * snippets.S — the instructions each case runs, entered by enter() with the registers the case
 * chose. Every snippet ends in a trap: the fault under test, or INT T_DONE ("ok"), whose handler
 * records the state. SNIP registers the label in the symbol table that main.c prints addresses
 * against (so the transcript says "s_lret+0x0", not an address that moves with every build).
 */
#include "x86.h"

.macro SNIP name
    .pushsection .snip_syms, "a"
    .long \name, .Lsname\@
    .popsection
    .pushsection .rodata.snipnames, "a"
.Lsname\@: .asciz "\name"
    .popsection
    .globl \name
\name:
.endm

/* INT T_DONE, then UD2 so the EIP it pushes still names this snippet (never executed). */
#define DONE int $T_DONE; ud2

    .text
/* ---- Generic ---- */
SNIP s_done
    DONE
SNIP s_read1                    /* EBX = byte DS:[EAX] */
    movb (%eax), %bl
    DONE
SNIP s_read2
    movw (%eax), %bx
    DONE
SNIP s_read4
    movl (%eax), %ebx
    DONE
SNIP s_write1
    movb %bl, (%eax)
    DONE
SNIP s_write4
    movl %ebx, (%eax)
    DONE
SNIP s_jmp_eax                  /* instruction fetch at EAX */
    jmp *%eax
SNIP s_mov_ds                   /* DS = AX */
    movw %ax, %ds
    DONE
SNIP s_mov_ss                   /* SS = AX */
    movw %ax, %ss
    nop
    DONE
SNIP s_mov_ds_read              /* DS = AX, then ECX = DS:[EBX] */
    movw %ax, %ds
    movl (%ebx), %ecx
    DONE
SNIP s_lds_use                  /* EBX:DS = far pointer at [ESI], then ECX = DS:[EBX] */
    lds (%esi), %ebx
    movl (%ebx), %ecx
    DONE

/* ---- Stack segment: EBP- and ESP-based addressing default to SS ---- */
SNIP s_read_ebp
    movl 0x2000(%ebp), %ebx
    DONE
SNIP s_read_ds_ebp
    movl %ds:0x2000(%ebp), %ebx
    DONE
SNIP s_read_esp
    movl 0x1000(%esp), %ebx
    DONE
SNIP s_push
    pushl %eax
    DONE

/* ---- Far transfers ---- */
SNIP s_lret
    lret
SNIP s_lret8
    lret $8
SNIP s_iret
    iret
SNIP s_lcall_ind                /* CALL FAR [ESI] */
    lcall *(%esi)
    DONE
SNIP s_ljmp_ind                 /* JMP FAR [ESI] */
    ljmp *(%esi)
SNIP s_cg32_call                /* two parameters through the 32-bit call gate */
    pushl $0x11111111
    pushl $0x22222222
    lcall $(SEL_CGATE32 | RPL3), $0
    DONE
SNIP s_cg16_call                /* three word parameters through the 16-bit call gate */
    pushw $0x1111
    pushw $0x2222
    pushw $0x3333
    lcall $(SEL_CGATE16 | RPL3), $0
    DONE
SNIP s_cg32r_call               /* call gate whose target returns with RETF 8 */
    pushl $0x11111111
    pushl $0x22222222
    lcall $(SEL_CGATE32R | RPL3), $0
    DONE
SNIP cg32_target                /* ring 0 via SEL_CGATE32: report with the gate's frame on the stack */
    DONE
SNIP cg32_ret_target            /* ring 0 via SEL_CGATE32R: load DPL-0 data segments, return releasing 8 bytes */
    movl $SEL_KDATA, %eax
    movl %eax, %ds
    movl %eax, %es
    lret $8
SNIP conf_fn                    /* conforming code (runs at the caller's CPL): the 4 words on its stack */
    movl (%esp), %eax
    movl 4(%esp), %ebx
    movl 8(%esp), %ecx
    movl 12(%esp), %edx
    DONE

    .align 16
SNIP cg16_target                /* base of SEL_CG16CODE: entered at offset 0 by the 16-bit call gate */
    DONE
    .align 16
SNIP ig16_target                /* base of SEL_IG16CODE: entered at offset 0 by the 16-bit interrupt gate */
    DONE
SNIP r1_handler                 /* ring 1 via IDT T_GATE_R1 */
    DONE

/*
 * Code-segment limit tests: SEL_CODELIM (limit 0x0F) and SEL_CODELIM2 (limit 0x0E) have their
 * base here.
 */
    .align 16
SNIP codelim_area
    .byte 0xeb, 0x1e            /* 00: jmp 0x20 (beyond the limit) */
    .byte 0x6a, 0x20            /* 02: push $0x20 */
    .byte 0xc3                  /* 04: ret (to 0x20) */
    .fill 10, 1, 0x90           /* 05-0E: nop */
    .byte 0x31, 0xc0            /* 0F: xor %eax,%eax (its second byte is beyond limit 0x0F) */
    .byte 0xcd, T_DONE          /* 11: int $T_DONE */
    .fill 16, 1, 0xcc

/* ---- Interrupts ---- */
SNIP s_int41
    int $T_GATE_DPL0
    DONE
SNIP s_int3
    int3
    DONE
SNIP s_int_3                    /* CD 03: INT n with n = 3, not the one-byte INT3 */
    .byte 0xcd, 0x03
    DONE
SNIP s_into
    into
    DONE
SNIP s_icebp
    .byte 0xf1
    DONE
SNIP s_int42
    int $T_GATE_NP
    DONE
SNIP s_int43
    int $T_GATE16
    DONE
SNIP s_int44
    int $T_GATE_R1
    DONE
SNIP s_int45
    int $T_GATE_CONF
    DONE
SNIP s_int0e                    /* INT 0x0E from software: no error code */
    int $0x0e
    DONE
SNIP s_ud2
    ud2
    DONE

/* ---- Single-step and the MOV SS / POP SS interrupt shadow ---- */
SNIP s_tf_plain
    pushfl
    orl $EFLAGS_TF, (%esp)
    popfl
    nop
    nop
    nop
    DONE
SNIP s_popss_tf
    pushl %ss
    pushfl
    orl $EFLAGS_TF, (%esp)
    popfl
    popl %ss
    nop
    nop
    nop
    DONE
SNIP s_movss_tf
    movl %ss, %eax
    pushfl
    orl $EFLAGS_TF, (%esp)
    popfl
    movl %eax, %ss
    nop
    nop
    nop
    DONE

/* ---- Segment inspection: ESI -> selector list (ends with -1), EDI -> (value, EFLAGS) pairs ---- */
.macro INSPECT_LOOP name, insn
SNIP \name
1:  movl (%esi), %ecx
    cmpl $-1, %ecx
    je 2f
    movl $0xffffffff, %eax
    \insn
    pushfl
    popl %edx
    movl %eax, (%edi)
    movl %edx, 4(%edi)
    addl $4, %esi
    addl $8, %edi
    jmp 1b
2:  DONE
.endm
    INSPECT_LOOP s_lar_all, "lar %cx, %eax"
    INSPECT_LOOP s_lsl_all, "lsl %cx, %eax"
    INSPECT_LOOP s_verr_all, "verr %cx"
    INSPECT_LOOP s_verw_all, "verw %cx"

SNIP s_arpl                     /* ARPL AX, BX; ECX = EFLAGS */
    arpl %bx, %ax
    pushfl
    popl %ecx
    DONE
SNIP s_arpl_mem                 /* ARPL [EDI], BX; ECX = EFLAGS, EAX = the dword at [EDI] */
    arpl %bx, (%edi)
    pushfl
    popl %ecx
    movl (%edi), %eax
    DONE
SNIP s_acc                      /* LAR before and after loading DS from the selector in AX */
    lar %ax, %ebx
    movw %ax, %ds
    lar %ax, %ecx
    DONE

/*
 * SGDT/SIDT with 16- and 32-bit operand size, with the registers briefly holding the pseudo-
 * descriptor at [ESI] (nothing can fault in between). EBX -> the real GDTR image, EDX -> the real
 * IDTR image, EDI -> 32-byte buffer.
 */
SNIP s_sgdt_sidt
    lgdt (%esi)
    .byte 0x66
    sgdt (%edi)
    sgdt 8(%edi)
    lgdt (%ebx)
    lidt (%esi)
    .byte 0x66
    sidt 16(%edi)
    sidt 24(%edi)
    lidt (%edx)
    DONE

/* Stores of 16-bit system registers to 32-bit registers: EAX..EDX start as all ones. */
SNIP s_r32
    movl $-1, %eax
    smsw %eax
    movl $-1, %ebx
    str %ebx
    movl $-1, %ecx
    movl %ds, %ecx
    movl $-1, %edx
    sldt %edx
    DONE
/* ... and to memory: EDI -> 16 bytes of 0xFF. */
SNIP s_r16_mem
    smsw (%edi)
    str 4(%edi)
    mov %ds, 8(%edi)
    sldt 12(%edi)
    DONE

/* PUSH of a segment register with 32-bit operand size: does it write 2 or 4 bytes? */
SNIP s_push_sreg
    pushl $-1
    popl %eax
    pushl %ds
    movl (%esp), %ebx
    popl %eax
    pushl $-1
    popl %eax
    pushl %cs
    movl (%esp), %ecx
    popl %eax
    pushl $-1
    popl %eax
    pushw %ds
    movl (%esp), %edx
    popw %ax
    DONE

/* ---- Privileged instructions (run at CPL 3 for #GP(0)) ---- */
SNIP s_hlt
    hlt
    DONE
SNIP s_cli
    cli
    DONE
SNIP s_lgdt
    lgdt (%esi)
    DONE
SNIP s_mov_cr0
    movl %cr0, %eax
    DONE
SNIP s_invlpg
    invlpg (%esi)
    DONE
SNIP s_rdmsr
    rdmsr
    DONE
SNIP s_rdtsc
    rdtsc
    DONE
SNIP s_ltr                      /* LTR AX */
    ltr %ax
    DONE
SNIP s_lldt_then_ds             /* LLDT AX, then DS = BX */
    lldt %ax
    movw %bx, %ds
    DONE
SNIP s_lmsw                     /* LMSW AX; EBX = CR0 */
    lmsw %ax
    movl %cr0, %ebx
    DONE

/* ---- I/O: port in DX ---- */
SNIP s_outb
    outb %al, %dx
    DONE
SNIP s_outw
    outw %ax, %dx
    DONE

/* ---- SYSENTER / SYSEXIT ---- */
SNIP s_sysenter
    sysenter
SNIP s_sysexit
    sysexit
SNIP sysenter_target            /* ring 0 via SYSENTER: note CS, SS, EFLAGS, ESP; SYSEXIT to ECX:EDX */
    mov %cs, sysenter_seen
    mov %ss, sysenter_seen + 4
    pushfl
    popl sysenter_seen + 8
    movl %esp, sysenter_seen + 12
    sysexit

/* ---- Lock prefix ---- */
SNIP s_lock_mov                 /* LOCK MOV: not a lockable instruction */
    .byte 0xf0
    movl %eax, (%esi)
    DONE
SNIP s_lock_add_mem
    lock addl %eax, (%esi)
    DONE

/* ---- Task switches ---- */
SNIP s_task_call                /* CALL through a task gate; back here after the task's IRET */
    lcall $SEL_TASKGATE2, $0
    str %ebx
    pushfl
    popl %ecx
    movl %cr0, %edx
    DONE
SNIP s_task_jmp                 /* JMP FAR to the TSS selector in AX */
    movw %ax, farptr_sel
    ljmp *farptr_off
    ud2                         /* (the EIP saved in the old TSS) */
SNIP t2_call_entry              /* the second task, entered by CALL: note TR, EFLAGS, CR0; IRET back */
    str %eax
    movl %eax, task2_seen
    pushfl
    popl task2_seen + 4
    movl %cr0, %eax
    movl %eax, task2_seen + 8
    iret
    jmp t2_call_entry
SNIP t2_jmp_entry               /* the second task, entered by JMP */
    str %eax
    pushfl
    popl %ebx
    movl %cr0, %ecx
    DONE

SNIP t2_err_entry               /* the second task, entered by an exception: pop its error code */
    popl %edx
    str %eax
    pushfl
    popl %ebx
    DONE
SNIP s_int_taskgate
    int $T_TASKGATE
    DONE

/* ---- Descriptor caches: the segment registers keep what was loaded ---- */
SNIP s_es_patch_iret            /* ES = AX; [EDI] = EBX (a descriptor's high dword); IRET */
    movw %ax, %es
    movl %ebx, (%edi)
    iret
SNIP s_ds_patch_reload          /* DS = AX; [EDI] = EBX; ECX = DS:[ESI]; DS = AX again */
    movw %ax, %ds
    movl %ebx, (%edi)
    movl (%esi), %ecx
    movw %ax, %ds
    DONE
SNIP s_bound                    /* BOUND EAX, [ESI] */
    boundl %eax, (%esi)
    DONE

/* ---- 16-bit operand size returns ---- */
SNIP s_iretw
    .byte 0x66
    iret
SNIP s_lretw
    .byte 0x66
    lret

/* ---- x87 instructions and CR0.EM/TS/MP (no x87 state is ever used) ---- */
SNIP s_fninit
    .byte 0xdb, 0xe3
    DONE
SNIP s_wait
    .byte 0x9b
    DONE

/* ---- More privileged instructions ---- */
SNIP s_clts
    clts
    DONE
SNIP s_wbinvd
    wbinvd
    DONE
SNIP s_mov_dr7
    movl %dr7, %eax
    DONE

/* ---- EFLAGS images ---- */
SNIP s_pushf_done               /* EBX = EFLAGS */
    pushfl
    popl %ebx
    DONE
SNIP s_popf                     /* POPF EAX; EBX = EFLAGS */
    pushl %eax
    popfl
    pushfl
    popl %ebx
    DONE

/* ---- Stack pointer as operand ---- */
SNIP s_pop_esp_mem              /* POP [ESP+4]: the address uses ESP after the pop */
    pushl $0x11111111
    pushl $0x22222222
    popl 4(%esp)
    movl (%esp), %ebx
    movl 4(%esp), %ecx
    DONE
SNIP s_pop_esp                  /* POP ESP */
    pushl $0x12345678
    popl %esp
    DONE
SNIP s_push_esp                 /* PUSH ESP pushes the value before the push */
    movl %esp, %ecx
    pushl %esp
    popl %ebx
    DONE

/* ---- String instructions faulting part way ---- */
SNIP s_rep_movsb
    rep movsb
    DONE
SNIP s_rep_stosl
    rep stosl
    DONE

/* ---- Read-modify-write at [ESI] ---- */
SNIP s_rmw_add
    addl $0, (%esi)
    DONE
SNIP s_rmw_xchg
    xchgl %ebx, (%esi)
    DONE
SNIP s_rmw_cmpxchg              /* the comparison fails ([ESI] != EAX): the old value is written back */
    movl $0xdeadbeef, %eax
    cmpxchgl %ebx, (%esi)
    DONE
SNIP s_rmw_cmpxchg8b
    movl $0xdeadbeef, %eax
    movl $0xdeadbeef, %edx
    cmpxchg8b (%esi)
    DONE
SNIP s_rmw_bt
    btl $0, (%esi)
    DONE
SNIP s_rmw_bts
    btsl $0, (%esi)
    DONE

/* ---- Encodings that are #UD ---- */
SNIP s_mov_cs
    .byte 0x8e, 0xc8            /* mov %ax, %cs */
    DONE
SNIP s_lea_reg
    .byte 0x8d, 0xc0            /* lea with a register operand */
    DONE
SNIP s_lss_reg
    .byte 0x0f, 0xb2, 0xc0      /* lss with a register operand */
    DONE
SNIP s_mov_cr1
    .byte 0x0f, 0x22, 0xc8      /* mov %eax, %cr1 */
    DONE
SNIP s_cmpxchg8b_reg
    .byte 0x0f, 0xc7, 0xc8      /* cmpxchg8b with a register operand */
    DONE

/* ---- Call gates without pushing parameters first ---- */
SNIP s_cg32_call_bare
    lcall $(SEL_CGATE32 | RPL3), $0
    DONE
SNIP s_cgr1_call
    pushl $0x11111111
    pushl $0x22222222
    lcall $(SEL_CGATE_R1 | RPL3), $0
    DONE
SNIP s_cgbad_call
    lcall $(SEL_CGATE_BADOFF | RPL3), $0
    DONE

/* ---- Debug breakpoints: DR0 = bp_exec, DR1 = a data address in ESI ---- */
SNIP s_bp
    nop
SNIP bp_exec
    nop
    movl %ebx, (%esi)
    nop
    DONE

    .data
    .align 4
    .globl farptr_off, farptr_sel
farptr_off: .long 0
farptr_sel: .word 0

    .bss
    .align 4
    .globl task2_seen
task2_seen: .space 12
    .globl sysenter_seen
sysenter_seen: .space 16
