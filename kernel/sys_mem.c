/* sys_mem.c — the user address space: brk, mmap2 (anonymous private only), munmap, mprotect.
 *
 *   0x00001000 .. 0x08048000   unmapped (NULL pointers fault)
 *   0x08048000 ..              the program's ELF segments, then the heap [brk_start, brk)
 *   0x40000000 .. 0xBFFB0000   mmap2 area, searched upward
 *   0xBFFD0000 .. 0xBFFF0000   the stack (USTACKSIZE), below it one guard page never mapped
 *   0xBFFFE000 .. 0xC0000000   the vDSO
 */
#include "types.h"
#include "defs.h"
#include "errno.h"
#include "memlayout.h"
#include "mman.h"
#include "syscall.h"
#include "proc.h"

/* brk(addr): move the break. Linux semantics: returns the new break, or the old one when addr
 * is 0, below the start, too high, or memory runs out. Pages are allocated (zeroed) eagerly. */
long sys_brk(uint32_t addr) {
  struct proc *p = curproc;
  if (addr < p->brk_start || addr > UMMAP_BASE)
    return p->brk;
  uint32_t oldtop = PGROUNDUP(p->brk), newtop = PGROUNDUP(addr);
  if (newtop > oldtop) {
    if (!uvm_range_mapped(p->pgdir, oldtop, newtop, 0))
      return p->brk;                    /* would run into an mmap2 mapping */
    if (uvm_alloc(p->pgdir, oldtop, newtop, PTE_W) < 0) {
      uvm_free(p->pgdir, oldtop, newtop);
      return p->brk;
    }
  } else if (newtop < oldtop) {
    uvm_free(p->pgdir, newtop, oldtop);
  }
  p->brk = addr;
  return p->brk;
}

static uint32_t prot_to_pte(uint32_t prot) {
  if (prot == PROT_NONE)
    return PTE_AVL_PROTNONE;
  return (prot & PROT_WRITE) ? PTE_W : 0;   /* 32-bit paging: readable = executable */
}

/* Is [addr, addr + len) a range mmap2 may use? Not the heap's reach, stack, guard or vDSO. */
static int mmap_range_ok(uint32_t addr, uint32_t len) {
  return addr >= UMMAP_BASE && len <= USTACKLIMIT - addr;
}

long sys_mmap2(uint32_t addr, uint32_t len, uint32_t prot, uint32_t flags, int fd, uint32_t pgoff) {
  struct proc *p = curproc;
  if (len == 0 || (addr & (PGSIZE - 1)))
    return -EINVAL;
  if ((flags & MAP_TYPE) != MAP_PRIVATE)
    return -EINVAL;                     /* no shared mappings */
  if (!(flags & MAP_ANONYMOUS))
    return -EBADF;                      /* no files to map */
  if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))
    return -EINVAL;
  if (len > USTACKLIMIT)
    return -ENOMEM;
  len = PGROUNDUP(len);

  if (flags & MAP_FIXED) {
    if (!mmap_range_ok(addr, len))
      return -ENOMEM;
    uvm_free(p->pgdir, addr, addr + len);          /* MAP_FIXED replaces what was there */
  } else {
    /* First fit from the hint (if usable) or the mmap base, upward. */
    uint32_t a = (addr && mmap_range_ok(addr, len)) ? addr : UMMAP_BASE;
    for (;;) {
      if (!mmap_range_ok(a, len))
        return -ENOMEM;
      if (uvm_range_mapped(p->pgdir, a, a + len, 0))
        break;
      a += PGSIZE;
    }
    addr = a;
  }
  if (uvm_alloc(p->pgdir, addr, addr + len, PTE_W) < 0) {
    uvm_free(p->pgdir, addr, addr + len);
    return -ENOMEM;
  }
  uvm_protect(p->pgdir, addr, addr + len, prot_to_pte(prot));
  return addr;
}

long sys_munmap(uint32_t addr, uint32_t len) {
  if ((addr & (PGSIZE - 1)) || len == 0 || !access_ok(addr, len))
    return -EINVAL;
  uint32_t end = PGROUNDUP(addr + len);
  if (end == 0 || end > VDSO_BASE)
    end = VDSO_BASE;                    /* the vDSO stays */
  uvm_free(curproc->pgdir, addr, end);
  return 0;
}

long sys_mprotect(uint32_t addr, uint32_t len, uint32_t prot) {
  if ((addr & (PGSIZE - 1)) || !access_ok(addr, len))
    return -EINVAL;
  if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))
    return -EINVAL;
  uint32_t end = PGROUNDUP(addr + len);
  if (len == 0)
    return 0;
  if (end > VDSO_BASE)
    return -EINVAL;
  if (!uvm_range_mapped(curproc->pgdir, addr, end, 1))
    return -ENOMEM;                     /* Linux: part of the range is not mapped */
  uvm_protect(curproc->pgdir, addr, end, prot_to_pte(prot));
  return 0;
}
