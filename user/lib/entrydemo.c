/* entrydemo.c — shared by the int80, sysenter and syscall programs: make system calls through
 * one entry path only and show, from get_kernel_info, that exactly those entries were counted. */
#include "ulib.h"
#include "entrydemo.h"

static const char *const path_names[TG_NPATHS] = { "int80", "sysenter", "syscall" };

int entry_demo(int path, syscall_stub sys) {
  struct tg_kernel_info before, after;
  const char *name = path_names[path];

  /* The default path can always ask whether this one is offered. */
  if (tg_get_kernel_info(&before) < 0 || !(before.paths_available & (1u << path))) {
    printf("%s: not offered by this processor\n", name);
    return 0;
  }
  sys(TG_NR_get_kernel_info, (long)&before, 0, 0, 0, 0, 0);
  long pid = 0;
  for (int i = 0; i < 10; i++)
    pid = sys(__NR_getpid, 0, 0, 0, 0, 0, 0);
  char msg[64];
  int n = snprintf(msg, sizeof(msg), "%s: write(2) through %s\n", name, name);
  long w = sys(__NR_write, 1, (long)msg, n, 0, 0, 0);
  /* Six arguments, to see EBP (argument 6) arrive: mmap2 with pgoff 0 on an anonymous map. */
  long m = sys(__NR_mmap2, 0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  long u = sys(__NR_munmap, m, 4096, 0, 0, 0, 0);
  long bad = sys(9999, 0, 0, 0, 0, 0, 0);
  /* All six argument registers, EBP included, must arrive: a1 + 2*a2 + ... + 6*a6. */
  long sum = sys(TG_NR_arg_check, 0x1000, 0x200, 0x30, 4, 0x50000, 0x600000);
  sys(TG_NR_get_kernel_info, (long)&after, 0, 0, 0, 0, 0);

  printf("%s: getpid x10 = %ld, write = %ld, mmap2 = %p, munmap = %ld, nr 9999 = %ld (%s)\n",
         name, pid, w, (void *)m, u, bad, errname(bad));
  printf("%s: six arguments: %s (0x%lx)\n", name,
         sum == 0x1000 + 2 * 0x200 + 3 * 0x30 + 4 * 4 + 5 * 0x50000 + 6 * 0x600000 ? "ok" : "WRONG",
         sum);
  printf("%s: kernel entries counted: int80 +%u, sysenter +%u, syscall +%u\n", name,
         after.entries[0] - before.entries[0], after.entries[1] - before.entries[1],
         after.entries[2] - before.entries[2]);
  return 0;
}
