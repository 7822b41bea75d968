/* bad — one misbehaviour per run, chosen by argv[1] (see lib/probes.S). Each must end this
 * process with one kernel line — or, for the single steps into the fast entries, come back
 * (status 1, or 42 from stepsyscallro) — and the kernel must go on to the next module. */
#include "ulib.h"

#define PROBES(X) \
  X(kread,     "read kernel memory (0xC0100000)") \
  X(kwrite,    "write kernel memory (0xC0100000)") \
  X(cli,       "cli") \
  X(hlt,       "hlt") \
  X(cr3,       "mov to cr3") \
  X(lgdt,      "lgdt") \
  X(wrmsr,     "wrmsr") \
  X(sysexit,   "sysexit at CPL 3") \
  X(in,        "in from port 0x60") \
  X(out,       "out to port 0x80") \
  X(ds,        "mov $0x10, %ds (kernel data selector)") \
  X(ss,        "mov $0x10, %ss") \
  X(lds,       "lds with selector 0x10") \
  X(ljmp,      "far jump to 0x08:0xc0100000 (kernel code)") \
  X(lcall,     "far call to 0x08:0xc0100000") \
  X(lret,      "far return to 0x08") \
  X(iret,      "iret to 0x08") \
  X(nullds,    "null selector in %ds, then use it") \
  X(ntiret,    "iret with EFLAGS.NT set (task return)") \
  X(jmpk,      "jump to 0xc0001000") \
  X(jmp0,      "jump to 0") \
  X(wtext,     "write to its own text") \
  X(stack,     "run the stack into its guard page") \
  X(div0,      "divide by zero") \
  X(ud2,       "ud2") \
  X(bound,     "bound, out of range") \
  X(int13,     "int $13 (DPL 0 gate)") \
  X(int3,      "int3 (DPL 0 gate)") \
  X(into,      "into with OF set (DPL 0 gate)") \
  X(step,      "single step (EFLAGS.TF)") \
  X(sysenter0, "sysenter with the user stack pointer at 0") \
  X(syscall0,  "syscall with ESP = 0") \
  X(stepsysenter, "single step into sysenter") \
  X(stepsyscall, "single step into syscall") \
  X(stepsyscallro, "single step into syscall, stack in read-only memory") \
  X(x87,       "an x87 instruction (fld1)")

#define DECLARE(name, what) extern void probe_##name(void);
PROBES(DECLARE)

static const struct {
  const char *name, *what;
  void (*fn)(void);
} probes[] = {
#define ENTRY(name, what) { #name, what, probe_##name },
  PROBES(ENTRY)
};

int main(int argc, char **argv) {
  if (argc < 2) {
    printf("usage: bad <probe>; probes:");
    for (uint32_t i = 0; i < NELEM(probes); i++)
      printf(" %s", probes[i].name);
    printf("\n");
    return 2;
  }
  for (uint32_t i = 0; i < NELEM(probes); i++) {
    if (strcmp(argv[1], probes[i].name) != 0)
      continue;
    printf("bad: %s: %s at %p\n", probes[i].name, probes[i].what, probes[i].fn);
    long r = ((long (*)(void))probes[i].fn)();
    printf("bad: %s: returned %ld\n", probes[i].name, r);
    return 1;
  }
  printf("bad: no probe %s\n", argv[1]);
  return 2;
}
