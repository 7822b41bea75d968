/* start.c — from the initial stack to main(): find argv, envp and the auxiliary vector, take
 * __kernel_vsyscall from AT_SYSINFO, run main, exit with its result. */
#include "ulib.h"
#include "elf.h"

extern int main(int argc, char **argv, char **envp);
extern void __int80_vsyscall(void);

char **environ;
void *__vsyscall = (void *)__int80_vsyscall;
static uint32_t *auxv;

uint32_t getauxval(uint32_t type) {
  for (uint32_t *a = auxv; a && a[0] != AT_NULL; a += 2)
    if (a[0] == type)
      return a[1];
  return 0;
}

void __libc_start(uint32_t *sp) __attribute__((noreturn));
void __libc_start(uint32_t *sp) {
  int argc = sp[0];
  char **argv = (char **)(sp + 1);
  char **envp = argv + argc + 1;
  char **e = envp;
  while (*e)
    e++;
  auxv = (uint32_t *)(e + 1);
  environ = envp;
  if (getauxval(AT_SYSINFO))
    __vsyscall = (void *)getauxval(AT_SYSINFO);
  exit(main(argc, argv, envp));
}

/* The vDSO is a real ELF shared object at AT_SYSINFO_EHDR: walk its section headers to the
 * dynamic symbol table. */
void *vdso_sym(const char *name) {
  const char *base = (const char *)getauxval(AT_SYSINFO_EHDR);
  if (base == NULL)
    return NULL;
  const struct elfhdr *eh = (const struct elfhdr *)base;
  if (eh->magic != ELF_MAGIC)
    return NULL;
  const struct secthdr *sh = (const struct secthdr *)(base + eh->shoff);
  for (int i = 0; i < eh->shnum; i++) {
    if (sh[i].type != SHT_DYNSYM)
      continue;
    const struct elfsym *sym = (const struct elfsym *)(base + sh[i].off);
    const char *str = base + sh[sh[i].link].off;
    for (uint32_t j = 0; j < sh[i].size / sizeof(*sym); j++)
      if (strcmp(str + sym[j].name, name) == 0)
        return (void *)(base + sym[j].value);
  }
  return NULL;
}
