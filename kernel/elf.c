/* elf.c — load a static ELF32 i386 executable (from a multiboot module) into a process's
 * address space. Every field read from the image is checked against the image size first. */
#include "types.h"
#include "defs.h"
#include "memlayout.h"
#include "elf.h"
#include "proc.h"

/* Returns 0 and fills entry/phdr/phnum, or -1 with *err set to the reason. */
int elf_load(struct proc *p, const void *image, uint32_t size, uint32_t *entry,
             uint32_t *phdr, uint32_t *phnum, const char **err) {
  const struct elfhdr *eh = image;
  const uint8_t *base = image;
  uint32_t brk = 0, phdr_va = 0;

  if (size < sizeof(*eh) || eh->magic != ELF_MAGIC) {
    *err = "not an ELF file";
    return -1;
  }
  if (eh->eclass != ELFCLASS32 || eh->edata != ELFDATA2LSB || eh->machine != EM_386) {
    *err = "not an ELF32 i386 file";
    return -1;
  }
  if (eh->type != ET_EXEC) {
    *err = "not a static executable (ET_EXEC)";
    return -1;
  }
  if (eh->phentsize != sizeof(struct proghdr) || eh->phnum == 0 || eh->phnum > 64 ||
      eh->phoff > size || eh->phnum * sizeof(struct proghdr) > size - eh->phoff) {
    *err = "bad program header table";
    return -1;
  }
  const struct proghdr *ph = (const struct proghdr *)(base + eh->phoff);
  for (int i = 0; i < eh->phnum; i++) {
    if (ph[i].type == PT_INTERP) {
      *err = "dynamically linked (PT_INTERP)";
      return -1;
    }
    if (ph[i].type == PT_PHDR)
      phdr_va = ph[i].vaddr;
    if (ph[i].type != PT_LOAD || ph[i].memsz == 0)
      continue;
    const struct proghdr *s = &ph[i];
    if (s->filesz > s->memsz || s->off > size || s->filesz > size - s->off ||
        s->vaddr < USERBASE || s->memsz > UMMAP_BASE || s->vaddr > UMMAP_BASE - s->memsz) {
      *err = "bad PT_LOAD segment";
      return -1;
    }
    /* A read-only segment whose file bytes line up with its pages is mapped straight from the
     * module (modules are page-aligned, MB_HEADER_PAGE_ALIGN): no copy, as Linux maps a file.
     * Anything else gets zeroed pages and a copy. */
    uint32_t in_page = s->vaddr % PGSIZE;
    if (!(s->flags & PF_W) && s->memsz == s->filesz && s->off % PGSIZE == in_page &&
        V2P(base) % PGSIZE == 0) {
      if (uvm_map_shared(p->pgdir, s->vaddr - in_page, V2P(base + s->off - in_page),
                         s->memsz + in_page) < 0) {
        *err = "out of memory";
        return -1;
      }
    } else if (uvm_alloc(p->pgdir, s->vaddr, s->vaddr + s->memsz, (s->flags & PF_W) ? PTE_W : 0) < 0 ||
               copyout(p->pgdir, s->vaddr, base + s->off, s->filesz) < 0) {
      *err = "out of memory";
      return -1;
    }
    if (s->vaddr + s->memsz > brk)
      brk = s->vaddr + s->memsz;
    /* AT_PHDR: where the program headers are in memory, if a segment loads them. */
    if (phdr_va == 0 && eh->phoff >= s->off && eh->phoff - s->off < s->filesz)
      phdr_va = s->vaddr + (eh->phoff - s->off);
  }
  if (brk == 0) {
    *err = "no loadable segment";
    return -1;
  }
  p->brk_start = p->brk = PGROUNDUP(brk);   /* as Linux: start_brk = ELF_PAGEALIGN(end of bss) */
  *entry = eh->entry;
  *phdr = phdr_va;
  *phnum = eh->phnum;
  return 0;
}
