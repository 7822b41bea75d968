/* x86.h — wrappers for the instructions C cannot express. */
#ifndef ARCH_X86_X86_H
#define ARCH_X86_X86_H
#include "types.h"

static inline uint8_t inb(uint16_t port) {
  uint8_t v;
  __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}
static inline void outb(uint16_t port, uint8_t v) {
  __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outw(uint16_t port, uint16_t v) {
  __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}
static inline void lgdt(const void *pd) { __asm__ volatile("lgdt (%0)" : : "r"(pd) : "memory"); }
static inline void lidt(const void *pd) { __asm__ volatile("lidt (%0)" : : "r"(pd) : "memory"); }
static inline void ltr(uint16_t sel) { __asm__ volatile("ltr %0" : : "r"(sel)); }
static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void hlt(void) { __asm__ volatile("hlt" ::: "memory"); }
/* STI's one-instruction interrupt shadow (SDM Vol. 2B STI) makes this race-free: an interrupt
 * that became pending after the caller's check still wakes the HLT. */
static inline void sti_hlt_cli(void) { __asm__ volatile("sti; hlt; cli" ::: "memory"); }

static inline uint32_t rcr0(void) { uint32_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline void lcr0(uint32_t v) { __asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory"); }
static inline uint32_t rcr2(void) { uint32_t v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline uint32_t rcr3(void) { uint32_t v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline void lcr3(uint32_t v) { __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
static inline uint32_t rcr4(void) { uint32_t v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void lcr4(uint32_t v) { __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }
static inline void invlpg(uint32_t va) { __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory"); }
static inline uint32_t rebp(void) { uint32_t v; __asm__ volatile("mov %%ebp, %0" : "=r"(v)); return v; }
static inline uint32_t readeflags(void) { uint32_t v; __asm__ volatile("pushfl; popl %0" : "=r"(v)); return v; }

static inline uint64_t rdmsr(uint32_t msr) {
  uint32_t lo, hi;
  __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
  return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint32_t lo, uint32_t hi) {
  __asm__ volatile("wrmsr" : : "c"(msr), "a"(lo), "d"(hi) : "memory");
}
static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d) {
  __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}
#endif
