/* cpu.c — what the processor offers (CPUID), and the MSRs of the two fast system-call
 * mechanisms.
 *
 * SYSENTER (SDM Vol. 3A §5.8.7): IA32_SYSENTER_CS = kernel code (0x08; SS = 0x10, and SYSEXIT
 *   derives user CS 0x1b = CS + 16 | 3, SS 0x23 = CS + 24 | 3), IA32_SYSENTER_EIP = the entry
 *   stub, IA32_SYSENTER_ESP = the address of TSS.ESP0 (not its value: the stub loads through it,
 *   so switching processes only rewrites the TSS).
 * SYSCALL in legacy mode (AMD APM Vol. 2 §6.1.1, Vol. 3 SYSCALL): EFER.SCE enables it;
 *   STAR[31:0] = entry EIP, STAR[47:32] = kernel CS (0x08; SS = +8), STAR[63:48] = the SYSRET
 *   selector 0x1b (CS = 0x1b | 3, SS = 0x1b + 8 = 0x23). Intel processors offer SYSCALL only in
 *   64-bit mode and report CPUID.80000001H:EDX[11] = 0 outside it. */
#include "types.h"
#include "defs.h"
#include "arch/x86/arch.h"
#include "arch/x86/msr.h"
#include "arch/x86/x86.h"

struct cpu_info cpu;

void cpu_init(void) {
  uint32_t max, a, b, c, d;
  cpuid(0, &max, &b, &c, &d);
  memcpy(cpu.vendor + 0, &b, 4);
  memcpy(cpu.vendor + 4, &d, 4);
  memcpy(cpu.vendor + 8, &c, 4);
  cpu.vendor[12] = 0;
  if (max >= 1) {
    cpuid(1, &a, &b, &c, &d);
    cpu.family = (a >> 8) & 0xF;
    cpu.model = (a >> 4) & 0xF;
    cpu.stepping = a & 0xF;
    if (cpu.family == 0xF)
      cpu.family += (a >> 20) & 0xFF;
    if (cpu.family == 6 || cpu.family >= 0xF)
      cpu.model |= ((a >> 16) & 0xF) << 4;
    cpu.features_edx = d;
    cpu.has_tsc = !!(d & CPUID1_EDX_TSC);
    /* SDM Vol. 2A CPUID, SEP: the Pentium Pro (family 6, model < 3, stepping < 3) sets the bit
     * without supporting the instructions. */
    cpu.has_sysenter = (d & CPUID1_EDX_SEP) && (d & CPUID1_EDX_MSR) &&
                       !(cpu.family == 6 && cpu.model < 3 && cpu.stepping < 3);
  }
  cpuid(0x80000000, &max, &b, &c, &d);
  if (max >= 0x80000001 && max <= 0x8000FFFF) {
    cpuid(0x80000001, &a, &b, &c, &d);
    cpu.has_syscall = !!(d & CPUID80000001_EDX_SYSCALL) && (cpu.features_edx & CPUID1_EDX_MSR);
  }

  if (cpu.has_sysenter) {
    wrmsr(MSR_IA32_SYSENTER_CS, KCODE_SEL, 0);
    wrmsr(MSR_IA32_SYSENTER_ESP, (uint32_t)&ts.esp0, 0);
    wrmsr(MSR_IA32_SYSENTER_EIP, (uint32_t)sysenter_entry, 0);
  }
  if (cpu.has_syscall) {
    wrmsr(MSR_STAR, (uint32_t)syscall_entry, ((uint32_t)UCODE_SEL << 16) | KCODE_SEL);
    uint64_t efer = rdmsr(MSR_EFER);
    wrmsr(MSR_EFER, (uint32_t)efer | EFER_SCE, (uint32_t)(efer >> 32));
    if (!(rdmsr(MSR_EFER) & EFER_SCE))
      cpu.has_syscall = 0;
  }
}
