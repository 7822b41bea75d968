/* arch.h — the x86 layer's interface to the rest of the kernel. */
#ifndef ARCH_X86_ARCH_H
#define ARCH_X86_ARCH_H
#include "types.h"
#include "arch/x86/mmu.h"

/* gdt.c */
extern struct segdesc gdt[NSEGS];
void gdt_init(void);
void gdt_load_tls(const struct segdesc *tls);

/* tss.c */
extern struct taskstate ts, df_ts, db_ts;
void tss_init(void);
void tss_init_tasks(uint32_t kcr3);
void tss_set_esp0(uint32_t esp0);
void tss_set_cr3(uint32_t cr3);

/* idt.c */
void idt_init(void);

/* cpu.c: processor features and the fast system-call MSRs */
struct cpu_info {
  char vendor[13];
  uint32_t family, model, stepping;
  uint32_t features_edx;        /* CPUID.1:EDX (AT_HWCAP) */
  int has_sysenter, has_syscall, has_tsc;
};
extern struct cpu_info cpu;
void cpu_init(void);

/* trapentry.S */
extern char sysenter_entry[], syscall_entry[], trapret[], debug_from_user[];

/* swtch.S */
struct context {
  uint32_t edi, esi, ebx, ebp, eip;
};
void swtch(struct context **old, struct context *new);

#endif
