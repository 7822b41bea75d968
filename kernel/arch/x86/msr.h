/* msr.h — model-specific registers the kernel writes (SDM Vol. 4; AMD APM Vol. 2 §6.1.1). */
#ifndef ARCH_X86_MSR_H
#define ARCH_X86_MSR_H

#define MSR_IA32_SYSENTER_CS   0x174  /* SDM Vol. 3A §5.8.7: ring-0 CS; SS = CS+8, SYSEXIT CS = CS+16, SS = CS+24 */
#define MSR_IA32_SYSENTER_ESP  0x175  /* ring-0 ESP loaded by SYSENTER */
#define MSR_IA32_SYSENTER_EIP  0x176  /* ring-0 EIP loaded by SYSENTER */

#define MSR_EFER               0xC0000080  /* extended feature enable (AMD APM Vol. 2 §3.1.7) */
#define EFER_SCE               0x00000001  /* SYSCALL/SYSRET enable */
#define MSR_STAR               0xC0000081  /* [31:0] legacy SYSCALL EIP, [47:32] SYSCALL CS, [63:48] SYSRET CS */

/* CPUID feature bits the kernel tests (SDM Vol. 2A CPUID, AMD CPUID Specification). */
#define CPUID1_EDX_PSE         (1u << 3)   /* 4 MB pages (CR4.PSE) */
#define CPUID1_EDX_TSC         (1u << 4)
#define CPUID1_EDX_MSR         (1u << 5)
#define CPUID1_EDX_SEP         (1u << 11)  /* SYSENTER/SYSEXIT */
#define CPUID80000001_EDX_SYSCALL (1u << 11) /* SYSCALL/SYSRET */

#endif
