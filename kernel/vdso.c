/* vdso.c — the vDSO: select the entry variant at boot, map it into every process.
 *
 * The image (vdso/vdso.S) holds three variants of __kernel_vsyscall — int $0x80, SYSENTER,
 * SYSCALL. At boot the kernel copies the image into its own frames, finds the variants in the
 * image's dynamic symbol table, selects the fastest one the processor offers (SYSCALL, then
 * SYSENTER, then int $0x80) unless the command line forces one (entry=int80|sysenter|syscall),
 * and patches the value of the __kernel_vsyscall symbol in its copy to the selected variant.
 * AT_SYSINFO carries the same address. The frames are mapped read-only, user, at VDSO_BASE in
 * every address space, shared (PTE_AVL_SHARED: never freed with a process). */
#include "types.h"
#include "defs.h"
#include "memlayout.h"
#include "elf.h"
#include "trapgate.h"
#include "proc.h"
#include "arch/x86/mmu.h"

extern const char vdso_image[], vdso_image_end[];

static uint32_t vdso_frames[VDSO_MAXSZ / PGSIZE];
static uint32_t vdso_npages;
static uint32_t sym_variant[TG_NPATHS];   /* offsets in the image */
static uint32_t sym_landing;
int vdso_path;                            /* TG_PATH_* */

/* The dynamic symbol named name in the image at img, or NULL. */
static struct elfsym *vdso_sym(char *img, uint32_t size, const char *name) {
  struct elfhdr *eh = (struct elfhdr *)img;
  if (eh->shoff == 0 || eh->shoff > size || eh->shnum * sizeof(struct secthdr) > size - eh->shoff)
    return NULL;
  struct secthdr *sh = (struct secthdr *)(img + eh->shoff);
  for (int i = 0; i < eh->shnum; i++) {
    if (sh[i].type != SHT_DYNSYM || sh[i].link >= eh->shnum)
      continue;
    struct elfsym *syms = (struct elfsym *)(img + sh[i].off);
    const char *strtab = img + sh[sh[i].link].off;
    for (uint32_t j = 0; j < sh[i].size / sizeof(struct elfsym); j++)
      if (strcmp(strtab + syms[j].name, name) == 0)
        return &syms[j];
  }
  return NULL;
}

/* want: TG_PATH_* from the command line, or -1 for "fastest". Returns the path selected. */
int vdso_init(int want) {
  static const char *const names[TG_NPATHS] = {
    [TG_PATH_INT80] = "__trapgate_vsyscall_int80",
    [TG_PATH_SYSENTER] = "__trapgate_vsyscall_sysenter",
    [TG_PATH_SYSCALL] = "__trapgate_vsyscall_syscall",
  };
  uint32_t size = vdso_image_end - vdso_image;
  if (size > VDSO_MAXSZ)
    panic("vdso: image is %d bytes, at most %d fit", size, VDSO_MAXSZ);

  /* A writable kernel copy, page by page: the frames that processes will map. */
  static char copy[VDSO_MAXSZ] __attribute__((aligned(PGSIZE)));
  memcpy(copy, vdso_image, size);
  for (int i = 0; i < TG_NPATHS; i++) {
    struct elfsym *s = vdso_sym(copy, size, names[i]);
    if (s == NULL)
      panic("vdso: symbol %s missing", names[i]);
    sym_variant[i] = s->value;
  }
  struct elfsym *landing = vdso_sym(copy, size, "__trapgate_vsyscall_landing");
  struct elfsym *vsyscall = vdso_sym(copy, size, "__kernel_vsyscall");
  if (landing == NULL || vsyscall == NULL)
    panic("vdso: __kernel_vsyscall or the landing pad missing");
  sym_landing = landing->value;

  int avail = entry_paths_available();
  int path = want;
  if (path < 0 || !(avail & (1 << path))) {
    int best = (avail & (1 << TG_PATH_SYSCALL)) ? TG_PATH_SYSCALL
             : (avail & (1 << TG_PATH_SYSENTER)) ? TG_PATH_SYSENTER : TG_PATH_INT80;
    if (path >= 0)
      kprintf("trapgate: entry=%s: not offered by this processor\n", entry_path_name(path));
    path = best;
  }
  vdso_path = path;
  vsyscall->value = sym_variant[path];   /* __kernel_vsyscall now names the selected variant */

  vdso_npages = PGROUNDUP(size) / PGSIZE;
  for (uint32_t i = 0; i < vdso_npages; i++)
    vdso_frames[i] = V2P(copy + i * PGSIZE);
  return path;
}

int vdso_map(pde_t *pgdir) {
  for (uint32_t i = 0; i < vdso_npages; i++)
    if (mappages(pgdir, VDSO_BASE + i * PGSIZE, PGSIZE, vdso_frames[i],
                 PTE_U | PTE_AVL_SHARED) < 0)
      return -1;
  return 0;
}

uint32_t vdso_sysinfo(void) { return VDSO_BASE + sym_variant[vdso_path]; }
uint32_t vdso_landing_pad(void) { return VDSO_BASE + sym_landing; }
