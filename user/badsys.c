/* badsys — system call numbers the kernel does not have: negative, huge, just past the
 * tables, and real Linux calls not implemented here. All must return -ENOSYS (-38), through
 * every path, and the program goes on. */
#include "ulib.h"

int main(void) {
  static const long numbers[] = { 9999, -1, 0x7FFFFFFF, (long)0x80000000, 451, 0, 2, 11,
                                  TG_SYSCALL_BASE - 1, TG_SYSCALL_BASE + TG_NR_COUNT };
  struct tg_kernel_info k;
  tg_get_kernel_info(&k);
  int has_sysenter = k.paths_available & (1 << TG_PATH_SYSENTER);
  int has_syscall = k.paths_available & (1 << TG_PATH_SYSCALL);
  for (uint32_t i = 0; i < NELEM(numbers); i++) {
    long n = numbers[i];
    long a = __syscall_int80(n, 0, 0, 0, 0, 0, 0);
    long b = __syscall_vsyscall(n, 0, 0, 0, 0, 0, 0);
    long c = has_sysenter ? __syscall_sysenter(n, 0, 0, 0, 0, 0, 0) : -ENOSYS;
    long d = has_syscall ? __syscall_syscall(n, 0, 0, 0, 0, 0, 0) : -ENOSYS;
    char cs[16], ds[16];
    snprintf(cs, sizeof(cs), has_sysenter ? "%ld" : "n/a", c);
    snprintf(ds, sizeof(ds), has_syscall ? "%ld" : "n/a", d);
    printf("badsys: %-11ld (0x%08lx): int80 %ld, vsyscall %ld, sysenter %s, syscall %s %s\n", n, n,
           a, b, cs, ds, a == -ENOSYS && b == -ENOSYS && c == -ENOSYS && d == -ENOSYS ? "ENOSYS" : "?!");
  }
  printf("badsys: still running\n");
  return 0;
}
