/* auxvec.h — ELF auxiliary vector types (Linux include/uapi/linux/auxvec.h,
 * arch/x86/include/uapi/asm/auxvec.h). */
#ifndef UAPI_AUXVEC_H
#define UAPI_AUXVEC_H
#define AT_NULL    0
#define AT_IGNORE  1
#define AT_PHDR    3   /* program headers of the executable, in memory */
#define AT_PHENT   4   /* size of one program header */
#define AT_PHNUM   5   /* number of program headers */
#define AT_PAGESZ  6
#define AT_BASE    7   /* interpreter base (0: static) */
#define AT_FLAGS   8
#define AT_ENTRY   9   /* program entry point */
#define AT_UID    11
#define AT_EUID   12
#define AT_GID    13
#define AT_EGID   14
#define AT_PLATFORM 15 /* string "i686" */
#define AT_HWCAP  16   /* CPUID.1:EDX */
#define AT_CLKTCK 17   /* times() frequency */
#define AT_SECURE 23
#define AT_RANDOM 25   /* address of 16 bytes (not random here: seeded by pid, for reproducible runs) */
#define AT_EXECFN 31
#define AT_SYSINFO 32  /* address of __kernel_vsyscall in the vDSO */
#define AT_SYSINFO_EHDR 33 /* address of the vDSO's ELF header */
#endif
