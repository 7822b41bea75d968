/* tls.c — set_thread_area(243): thread-local-storage segment descriptors in the GDT slots
 * SEG_TLS_MIN..SEG_TLS_MAX (6..8, as Linux's GDT_ENTRY_TLS_MIN..MAX), per process, loaded on
 * every switch (proc.c switchuvm). Follows Linux's arch/x86/kernel/tls.c: entry_number -1 picks
 * a free slot and writes the number back; an "empty" user_desc clears the slot; descriptors are
 * always DPL 3 data or non-conforming code. */
#include "types.h"
#include "defs.h"
#include "errno.h"
#include "ldt.h"
#include "syscall.h"
#include "proc.h"
#include "arch/x86/arch.h"

_Static_assert(GDT_ENTRY_TLS_MIN == SEG_TLS_MIN && GDT_ENTRY_TLS_MAX == SEG_TLS_MAX,
               "TLS slots at Linux's GDT indexes");

/* Linux's LDT_empty(): the pattern that means "clear this entry". */
static int desc_empty(const struct user_desc *u) {
  return u->base_addr == 0 && u->limit == 0 && u->contents == 0 && u->read_exec_only == 1 &&
         u->seg_32bit == 0 && u->limit_in_pages == 0 && u->seg_not_present == 1 &&
         u->useable == 0;
}

/* Linux's fill_ldt(). */
static struct segdesc desc_from_user(const struct user_desc *u) {
  struct segdesc d = { 0 };
  d.lim_15_0 = u->limit & 0xFFFF;
  d.lim_19_16 = (u->limit >> 16) & 0xF;
  d.base_15_0 = u->base_addr & 0xFFFF;
  d.base_23_16 = (u->base_addr >> 16) & 0xFF;
  d.base_31_24 = u->base_addr >> 24;
  d.type = ((u->read_exec_only ^ 1) << 1) | (u->contents << 2) | STA_A;  /* accessed: can be RO */
  d.s = 1;
  d.dpl = DPL_USER;
  d.p = u->seg_not_present ^ 1;
  d.avl = u->useable;
  d.db = u->seg_32bit;
  d.g = u->limit_in_pages;
  return d;
}

static int slot_free(const struct segdesc *d) {
  const uint32_t *w = (const uint32_t *)d;
  return w[0] == 0 && w[1] == 0;
}

long sys_set_thread_area(uint32_t u_info) {
  struct user_desc u;
  struct proc *p = curproc;
  if (copy_from_user(&u, (void *)u_info, sizeof(u)) < 0)
    return -EFAULT;
  int idx = u.entry_number;
  if (idx == -1) {
    for (idx = SEG_TLS_MIN; idx <= SEG_TLS_MAX; idx++)
      if (slot_free(&p->tls[idx - SEG_TLS_MIN]))
        break;
    if (idx > SEG_TLS_MAX)
      return -ESRCH;
    if (put_user32(u_info, idx) < 0)
      return -EFAULT;
  }
  if (idx < SEG_TLS_MIN || idx > SEG_TLS_MAX)
    return -EINVAL;
  /* Linux's tls_desc_okay(): no code segments that are present (contents 3 = conforming code
   * is refused outright), so a TLS slot can never become a way to run at another privilege. */
  if (!desc_empty(&u)) {
    if (u.contents == 3)
      return -EINVAL;
    if (u.contents == 2 && !u.seg_not_present)
      return -EINVAL;
  }
  p->tls[idx - SEG_TLS_MIN] = desc_empty(&u) ? (struct segdesc){ 0 } : desc_from_user(&u);
  gdt_load_tls(p->tls);
  return 0;
}
