/* sys_trapgate.c — trapgate's own calls (TG_SYSCALL_BASE + n, uapi/trapgate.h): the classic
 * teaching examples get_key, video_draw and get_kernel_info. */
#include "types.h"
#include "defs.h"
#include "errno.h"
#include "memlayout.h"
#include "trapgate.h"
#include "syscall.h"
#include "proc.h"

#define VGA_TEXT   0xB8000      /* physical address of the colour text screen */
#define VGA_ROWS   25
#define VGA_COLS   80

extern uint32_t nirqs, nexceptions, entries[TG_NPATHS];
extern int vdso_path;

long sys_tg_get_key(void) {
  return console_getkey();
}

long sys_tg_video_draw(uint32_t row, uint32_t col, uint32_t attr, uint32_t str) {
  char s[VGA_COLS + 1];
  if (row >= VGA_ROWS || col >= VGA_COLS || attr > 0xFF)
    return -EINVAL;
  int n = strncpy_from_user(s, (const char *)str, VGA_COLS - col + 1);
  if (n == -EFAULT)
    return -EFAULT;
  if (n < 0)                            /* longer than the rest of the row: clip */
    n = VGA_COLS - col;
  volatile uint16_t *cell = (volatile uint16_t *)P2V(VGA_TEXT) + row * VGA_COLS + col;
  for (int i = 0; i < n; i++)
    cell[i] = (uint16_t)(attr << 8) | (uint8_t)s[i];
  return n;
}

long sys_tg_get_kernel_info(uint32_t uinfo) {
  struct tg_kernel_info info;
  memset(&info, 0, sizeof(info));
  safestrcpy(info.version, "trapgate-kernel " KERNEL_VERSION, sizeof(info.version));
  uint64_t up = uptime_ns();
  uint64_t total = (uint64_t)kmem_total_pages() * 4096;
  uint64_t freeb = (uint64_t)kmem_free_pages() * 4096;
  info.uptime_ns_lo = (uint32_t)up;
  info.uptime_ns_hi = (uint32_t)(up >> 32);
  info.mem_total_lo = (uint32_t)total;
  info.mem_total_hi = (uint32_t)(total >> 32);
  info.mem_free_lo = (uint32_t)freeb;
  info.mem_free_hi = (uint32_t)(freeb >> 32);
  for (int i = 0; i < TG_NPATHS; i++)
    info.entries[i] = entries[i];
  info.vdso_path = vdso_path;
  info.paths_available = entry_paths_available();
  info.interrupts = nirqs;
  info.exceptions = nexceptions;
  info.hz = HZ;
  return copy_to_user((void *)uinfo, &info, sizeof(info));
}

long sys_tg_arg_check(uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4, uint32_t a5, uint32_t a6) {
  return a1 + 2 * a2 + 3 * a3 + 4 * a4 + 5 * a5 + 6 * a6;
}
