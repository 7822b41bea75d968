/* tls — set_thread_area(2): a thread-local-storage descriptor in the GDT (slots 6..8, as on
 * Linux), used through %gs, surviving system calls. */
#include "ulib.h"
#include "ldt.h"

static uint32_t tls_block[4] = { 0x11111111, 0x22222222, 0x33333333, 0x44444444 };
static uint32_t other_block[2] = { 0xabcdef01, 0 };

static struct user_desc desc(uint32_t entry, void *base) {
  struct user_desc u;
  memset(&u, 0, sizeof(u));
  u.entry_number = entry;
  u.base_addr = (uint32_t)base;
  u.limit = 0xFFFFF;
  u.seg_32bit = 1;
  u.limit_in_pages = 1;
  u.useable = 1;
  return u;
}

static uint32_t gs_load(uint32_t off) {
  uint32_t v;
  __asm__ volatile("movl %%gs:(%1), %0" : "=r"(v) : "r"(off));
  return v;
}

int main(void) {
  struct user_desc u = desc(-1, tls_block);
  long r = syscall1(__NR_set_thread_area, &u);
  printf("tls: set_thread_area(entry -1) = %ld, entry %d\n", r, (int)u.entry_number);
  uint16_t sel = u.entry_number * 8 + 3;
  __asm__ volatile("movw %0, %%gs" : : "r"(sel));
  printf("tls: %%gs = 0x%x, %%gs:0 = %x, %%gs:12 = %x\n", sel, gs_load(0), gs_load(12));
  __asm__ volatile("movl $0x55555555, %%gs:4" : : : "memory");
  printf("tls: wrote %%gs:4, tls_block[1] = %x\n", tls_block[1]);
  sleep_ms(1);                  /* %gs survives a trip through the kernel and the timer */
  uint16_t now;
  __asm__ volatile("movw %%gs, %0" : "=r"(now));
  printf("tls: after a system call %%gs = 0x%x, %%gs:0 = %x\n", now, gs_load(0));

  struct user_desc v = desc(-1, other_block);
  r = syscall1(__NR_set_thread_area, &v);
  printf("tls: second set_thread_area = %ld, entry %d\n", r, (int)v.entry_number);
  struct user_desc w = desc(-1, other_block);
  syscall1(__NR_set_thread_area, &w);
  struct user_desc x = desc(-1, other_block);
  r = syscall1(__NR_set_thread_area, &x);
  printf("tls: fourth set_thread_area (3 slots) = %ld (%s)\n", r, errname(r));
  struct user_desc y = desc(9, other_block);
  r = syscall1(__NR_set_thread_area, &y);
  printf("tls: entry 9 = %ld (%s)\n", r, errname(r));
  struct user_desc z = desc(7, other_block);
  z.contents = 3;
  r = syscall1(__NR_set_thread_area, &z);
  printf("tls: a conforming code segment = %ld (%s)\n", r, errname(r));
  /* Re-point our own slot: the new base shows at the next segment load. */
  struct user_desc again = desc(u.entry_number, other_block);
  r = syscall1(__NR_set_thread_area, &again);
  __asm__ volatile("movw %0, %%gs" : : "r"(sel));
  printf("tls: re-pointed slot %d = %ld, %%gs:0 = %x\n", (int)u.entry_number, r, gs_load(0));
  /* Clearing the slot %gs holds: on the way out the kernel cannot reload it and puts the null
   * selector in %gs instead of faulting (the exception-table fixup in trapentry.S). */
  struct user_desc empty;
  memset(&empty, 0, sizeof(empty));
  empty.entry_number = u.entry_number;
  empty.read_exec_only = 1;
  empty.seg_not_present = 1;
  r = syscall1(__NR_set_thread_area, &empty);
  __asm__ volatile("movw %%gs, %0" : "=r"(now));
  printf("tls: cleared slot %d = %ld, %%gs is now 0x%x\n", (int)u.entry_number, r, now);
  return 0;
}
