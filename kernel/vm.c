/* vm.c — page directories and page tables (32-bit paging, SDM Vol. 3A §4.3).
 *
 * The kernel's half (0xC0000000 and up) is built once in kpgdir and its page-directory entries
 * are copied into every process's page directory; all its page tables are allocated at boot, so
 * a later change to a kernel page-table entry is seen by every address space. Kernel pages are
 * supervisor-only (no PTE_U); the kernel text and read-only data are also read-only (CR0.WP).
 * User pages carry PTE_U. */
#include "types.h"
#include "defs.h"
#include "memlayout.h"
#include "arch/x86/mmu.h"
#include "arch/x86/x86.h"
#include "arch/x86/arch.h"
#include "arch/x86/msr.h"

pde_t *kpgdir;
#define NKSTACKS 16
extern char __kernel_start[], __etext[], __erodata[], __kernel_end[];
extern char boot_stack_guard[];

/* The page-table entry for va in pgdir; with alloc, create a missing page table (user half). */
static pte_t *walkpgdir(pde_t *pgdir, uint32_t va, int alloc) {
  pde_t *pde = &pgdir[PDX(va)];
  if (!(*pde & PTE_P)) {
    if (!alloc)
      return NULL;
    void *pt = kalloc_zeroed();
    if (pt == NULL)
      return NULL;
    /* PDE permissions are the most permissive; the PTEs decide (SDM Vol. 3A §4.6.1). */
    *pde = V2P(pt) | PTE_P | PTE_W | (va < KERNBASE ? PTE_U : 0);
  }
  pte_t *pt = P2V(PTE_ADDR(*pde));
  return &pt[PTX(va)];
}

pte_t *vm_pte(pde_t *pgdir, uint32_t va) {
  return walkpgdir(pgdir, va, 0);
}

/* Map [va, va+size) to [pa, pa+size) with perm. Returns 0, or -1 when out of memory. */
int mappages(pde_t *pgdir, uint32_t va, uint32_t size, uint32_t pa, uint32_t perm) {
  uint32_t a = PGROUNDDOWN(va), last = PGROUNDDOWN(va + size - 1);
  for (;;) {
    pte_t *pte = walkpgdir(pgdir, a, 1);
    if (pte == NULL)
      return -1;
    if (*pte & PTE_P)
      panic("mappages: remap of %x", a);
    *pte = pa | perm | PTE_P;
    if (a == last)
      break;
    a += PGSIZE;
    pa += PGSIZE;
  }
  return 0;
}

/* Map physical [pa, pa + 4 MB) at P2V(pa) through a new page table, 4 KB pages: kernel text and
 * read-only data read-only, the boot stack's guard page left out. */
static void map_direct_table(uint32_t pa) {
  pte_t *pt = kalloc_zeroed();
  if (pt == NULL)
    panic("kvm_init: no memory for the direct map");
  kpgdir[PDX(P2V(pa))] = V2P(pt) | PTE_P | PTE_W;
  uint32_t ro_start = V2P(__kernel_start), ro_end = V2P(__erodata), guard = V2P(boot_stack_guard);
  for (uint32_t i = 0; i < NPTENTRIES; i++, pa += PGSIZE)
    pt[i] = pa | PTE_P | PTE_W;
  for (uint32_t a = ro_start; a < ro_end; a += PGSIZE)     /* text and read-only data */
    if (PDX(P2V(a)) == PDX(P2V(pa - PGSIZE)))
      pt[PTX(a)] &= ~PTE_W;
  if (PDX(P2V(guard)) == PDX(P2V(pa - PGSIZE)))
    pt[PTX(guard)] = 0;                   /* the guard page below the boot stack */
}

/* Build the kernel page directory: the direct map of RAM, and page tables for the kernel-stack
 * area, then switch to it. The 4 MB regions that hold the kernel image get page tables (its
 * text is read-only, the boot stack has a guard page); the rest of RAM is mapped with 4 MB
 * pages where the processor has them (CPUID.01H:EDX.PSE, CR4.PSE; SDM Vol. 3A §4.3), else
 * with page tables too. Boot time is guest instructions: each entry is written once, in a
 * tight loop. */
void kvm_init(void) {
  uint32_t a, b, c, d;
  kpgdir = kalloc_zeroed();
  if (kpgdir == NULL)
    panic("kvm_init: no memory");
  cpuid(1, &a, &b, &c, &d);
  int pse = (d & CPUID1_EDX_PSE) != 0;
  if (pse)
    lcr4(rcr4() | CR4_PSE);
  uint32_t top = phystop < BOOTMAP_SZ ? BOOTMAP_SZ : phystop;
  uint32_t image_end = V2P(__kernel_end);
  for (uint32_t pa = 0; pa < top; pa += NPTENTRIES * PGSIZE) {
    if (pa < image_end || !pse || top - pa < NPTENTRIES * PGSIZE)
      map_direct_table(pa);
    else
      kpgdir[PDX(P2V(pa))] = pa | PTE_P | PTE_W | PTE_PS;
  }
  /* Page tables for every kernel-stack slot (the slots' pages are mapped on demand). */
  _Static_assert(NKSTACKS * KSTACK_SLOT <= NPTENTRIES * PGSIZE, "kernel stacks fit one page table");
  if (walkpgdir(kpgdir, KSTACKS, 1) == NULL)
    panic("kvm_init: no memory for the kernel-stack page table");
  switchkvm();
}

void switchkvm(void) {
  tss_set_cr3(V2P(kpgdir));
  lcr3(V2P(kpgdir));
}

/* A new page directory with the kernel half shared. */
pde_t *setupuvm(void) {
  pde_t *pgdir = kalloc_zeroed();
  if (pgdir == NULL)
    return NULL;
  for (int i = PDX(KERNBASE); i < NPDENTRIES; i++)
    pgdir[i] = kpgdir[i];
  return pgdir;
}

/* Is va mapped (present) in the kernel half? Used by the backtrace to avoid faulting. */
int kaddr_mapped(uint32_t va) {
  if (va < KERNBASE)
    return 0;
  if ((kpgdir[PDX(va)] & (PTE_P | PTE_PS)) == (PTE_P | PTE_PS))
    return 1;
  pte_t *pte = walkpgdir(kpgdir, va, 0);
  return pte != NULL && (*pte & PTE_P);
}

/* ---- kernel stacks: KSTACK_SLOT-sized slots, a never-mapped guard page at the bottom ---- */
static uint8_t kstack_used[NKSTACKS];

/* Returns the top of a fresh kernel stack, or 0. */
uint32_t kstack_alloc(void) {
  for (int i = 0; i < NKSTACKS; i++) {
    if (kstack_used[i])
      continue;
    uint32_t base = KSTACKS + i * KSTACK_SLOT;
    uint32_t stack = base + KSTACK_SLOT - KSTACKSIZE;   /* [base, stack) is the guard */
    for (uint32_t va = stack; va < base + KSTACK_SLOT; va += PGSIZE) {
      uint32_t pa = kalloc_frame();
      if (pa == 0)
        panic("kstack_alloc: out of memory");
      mappages(kpgdir, va, PGSIZE, pa, PTE_W);
    }
    kstack_used[i] = 1;
    return base + KSTACK_SLOT;
  }
  return 0;
}

void kstack_free(uint32_t top) {
  uint32_t base = top - KSTACK_SLOT;
  int i = (base - KSTACKS) / KSTACK_SLOT;
  for (uint32_t va = top - KSTACKSIZE; va < top; va += PGSIZE) {
    pte_t *pte = walkpgdir(kpgdir, va, 0);
    kfree_frame(PTE_ADDR(*pte));
    *pte = 0;
    invlpg(va);
  }
  kstack_used[i] = 0;
}

/* ---- user memory ---- */

/* A page mapped from memory this address space does not own (PTE_AVL_SHARED: a program
 * module's read-only page) that is to become writable: give it a private copy first, as a
 * copy-on-write would. Returns 0, or -1 when out of memory. */
static int unshare(pte_t *pte) {
  if (!(*pte & PTE_AVL_SHARED))
    return 0;                             /* (the vDSO never gets here: mprotect refuses it) */
  void *mem = kalloc_zeroed();
  if (mem == NULL)
    return -1;
  memcpy(mem, P2V(PTE_ADDR(*pte)), PGSIZE);
  *pte = V2P(mem) | (PTE_FLAGS(*pte) & ~PTE_AVL_SHARED);
  return 0;
}

/* Allocate zeroed pages for [start, end) with perm (PTE_U implied). Returns 0 or -ENOMEM-like -1
 * (the pages already allocated stay mapped; the caller frees the address space). */
int uvm_alloc(pde_t *pgdir, uint32_t start, uint32_t end, uint32_t perm) {
  for (uint32_t a = PGROUNDDOWN(start); a < end; a += PGSIZE) {
    pte_t *pte = walkpgdir(pgdir, a, 1);
    if (pte == NULL)
      return -1;
    if (*pte & (PTE_P | PTE_AVL_PROTNONE)) {
      /* already mapped: ELF segments sharing a page */
      if ((perm & PTE_W) && unshare(pte) < 0)
        return -1;
      *pte |= perm & PTE_W;
      invlpg(a);
      continue;
    }
    void *mem = kalloc_zeroed();
    if (mem == NULL)
      return -1;
    *pte = V2P(mem) | perm | PTE_U | PTE_P;
  }
  return 0;
}

/* Map [va, va + len) to the physical pages from pa, user and read-only, without taking them
 * over (PTE_AVL_SHARED: never freed here): a program's read-only segment straight from its
 * module. va and pa page-aligned. Returns 0, or -1 when out of memory. */
int uvm_map_shared(pde_t *pgdir, uint32_t va, uint32_t pa, uint32_t len) {
  uint32_t end = va + PGROUNDUP(len);
  while (va < end) {
    pte_t *pt = walkpgdir(pgdir, va, 1);   /* then the rest of this page table directly */
    if (pt == NULL)
      return -1;
    uint32_t n = NPTENTRIES - PTX(va);
    if (n > (end - va) / PGSIZE)
      n = (end - va) / PGSIZE;
    for (uint32_t i = 0; i < n; i++, va += PGSIZE, pa += PGSIZE)
      if (!(pt[i] & (PTE_P | PTE_AVL_PROTNONE)))   /* else a page another segment holds */
        pt[i] = pa | PTE_U | PTE_P | PTE_AVL_SHARED;
  }
  return 0;
}

/* Unmap and free the user pages in [start, end), a page table at a time: absent tables are
 * skipped whole. */
void uvm_free(pde_t *pgdir, uint32_t start, uint32_t end) {
  uint32_t a = PGROUNDDOWN(start);
  while (a < end) {
    uint32_t table_end = (a | ((1u << PDXSHIFT) - 1)) + 1;   /* 0 past the top */
    if (table_end == 0 || table_end > end)
      table_end = end;
    pde_t pde = pgdir[PDX(a)];
    if (!(pde & PTE_P)) {
      a = table_end;
      continue;
    }
    pte_t *pt = P2V(PTE_ADDR(pde));
    uint32_t last = table_end == end ? PTX(end - 1) : NPTENTRIES - 1;
    for (uint32_t i = PTX(a); i <= last; i++) {
      pte_t e = pt[i];
      if (!(e & (PTE_P | PTE_AVL_PROTNONE)))
        continue;
      if (!(e & PTE_AVL_SHARED))
        kfree_frame(PTE_ADDR(e));
      pt[i] = 0;
      invlpg((a & ~((1u << PDXSHIFT) - 1)) | (i << PGSHIFT));
    }
    a = table_end;
    if (a == 0)
      break;                              /* wrapped past 4 GB */
  }
}

/* Change the permissions of the mapped pages in [start, end): perm is PTE_W or 0 (read-only),
 * or PTE_AVL_PROTNONE to revoke all access while keeping the frame. */
void uvm_protect(pde_t *pgdir, uint32_t start, uint32_t end, uint32_t perm) {
  for (uint32_t a = start; a < end; a += PGSIZE) {
    pte_t *pte = walkpgdir(pgdir, a, 0);
    if (pte == NULL || !(*pte & (PTE_P | PTE_AVL_PROTNONE)))
      continue;
    if ((perm & PTE_W) && unshare(pte) < 0)
      continue;                           /* out of memory: the page stays read-only */
    uint32_t keep = *pte & (~0xFFFu | PTE_AVL_SHARED);
    if (perm & PTE_AVL_PROTNONE)
      *pte = keep | PTE_AVL_PROTNONE;
    else
      *pte = keep | PTE_P | PTE_U | (perm & PTE_W);
    invlpg(a);
  }
}

/* Is every page of [start, end) mapped (or PROT_NONE) / unmapped? */
int uvm_range_mapped(pde_t *pgdir, uint32_t start, uint32_t end, int want_mapped) {
  for (uint32_t a = start; a < end; a += PGSIZE) {
    pte_t *pte = walkpgdir(pgdir, a, 0);
    int mapped = pte != NULL && (*pte & (PTE_P | PTE_AVL_PROTNONE));
    if (mapped != want_mapped)
      return 0;
  }
  return 1;
}

/* Free a process's page directory: user pages, user page tables, the directory. */
void freeuvm(pde_t *pgdir) {
  uvm_free(pgdir, 0, KERNBASE);
  for (uint32_t i = 0; i < PDX(KERNBASE); i++)
    if (pgdir[i] & PTE_P)
      kfree_frame(PTE_ADDR(pgdir[i]));
  kfree_frame(V2P(pgdir));
}

/* Copy len bytes from the kernel to user address va of pgdir, through the direct map (the
 * pages need not be writable by the user, nor pgdir loaded). Returns 0, or -1 if a page is
 * missing. */
int copyout(pde_t *pgdir, uint32_t va, const void *src, uint32_t len) {
  const char *s = src;
  while (len > 0) {
    uint32_t a = PGROUNDDOWN(va);
    pte_t *pte = walkpgdir(pgdir, a, 0);
    if (pte == NULL || !(*pte & PTE_P) || a >= KERNBASE)
      return -1;
    uint32_t n = PGSIZE - (va - a);
    if (n > len)
      n = len;
    memmove((char *)P2V(PTE_ADDR(*pte)) + (va - a), s, n);
    len -= n;
    s += n;
    va += n;
  }
  return 0;
}
