/* gdt.c — the global descriptor table. The order of the first five entries is dictated by the
 * fast system-call instructions (SDM Vol. 2B SYSENTER/SYSEXIT; AMD APM Vol. 3 SYSCALL/SYSRET):
 *
 *   0x00 null        0x08 kernel code   0x10 kernel data   0x1b user code   0x23 user data
 *   0x28 TSS         0x33 0x3b 0x43 TLS slots (set_thread_area)
 *   0x48 double-fault TSS                 0x50 debug-exception TSS
 */
#include "types.h"
#include "defs.h"
#include "arch/x86/mmu.h"
#include "arch/x86/x86.h"
#include "arch/x86/arch.h"

struct segdesc gdt[NSEGS];

void gdt_init(void) {
  gdt[SEG_NULL] = (struct segdesc){ 0 };
  gdt[SEG_KCODE] = SEG_FLAT(STA_X | STA_R, DPL_KERNEL);
  gdt[SEG_KDATA] = SEG_FLAT(STA_W, DPL_KERNEL);
  gdt[SEG_UCODE] = SEG_FLAT(STA_X | STA_R, DPL_USER);
  gdt[SEG_UDATA] = SEG_FLAT(STA_W, DPL_USER);
  /* TSS limit = sizeof - 1 and I/O map base = sizeof: there is no I/O permission bitmap, so
   * IN/OUT at CPL 3 (IOPL 0) always raise #GP (SDM Vol. 1 §19.5.2). */
  gdt[SEG_TSS] = SEG_SYS(STS_T32A, &ts, sizeof(ts) - 1, DPL_KERNEL);
  gdt[SEG_DFTSS] = SEG_SYS(STS_T32A, &df_ts, sizeof(df_ts) - 1, DPL_KERNEL);
  gdt[SEG_DBTSS] = SEG_SYS(STS_T32A, &db_ts, sizeof(db_ts) - 1, DPL_KERNEL);
  for (int i = SEG_TLS_MIN; i <= SEG_TLS_MAX; i++)
    gdt[i] = (struct segdesc){ 0 };

  struct pseudodesc pd = { sizeof(gdt) - 1, (uint32_t)gdt };
  lgdt(&pd);
  /* Reload every segment register: CS by a far jump, the rest by MOV (SDM Vol. 3A §3.4.3). */
  __asm__ volatile("ljmp %0, $1f\n1:\n"
                   "movw %w1, %%ds\n movw %w1, %%es\n movw %w1, %%ss\n"
                   "movw %w2, %%fs\n movw %w2, %%gs\n"
                   : : "i"(KCODE_SEL), "r"(KDATA_SEL), "r"(0) : "memory");
  ltr(TSS_SEL);
}

/* Install a process's three TLS descriptors (called on every switch to a process). */
void gdt_load_tls(const struct segdesc *tls) {
  for (int i = 0; i < NTLS; i++)
    gdt[SEG_TLS_MIN + i] = tls[i];
}
