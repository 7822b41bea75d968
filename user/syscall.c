/* syscall — system calls through the SYSCALL instruction only (AMD's fast path, legacy mode):
 * from the program's own code with the vDSO's convention (argument 2 in EBP), then through the
 * vDSO's SYSCALL variant. Processors that do not offer SYSCALL say so. */
#include "ulib.h"
#include "entrydemo.h"

static void *vdso_entry;

static long via_vdso(long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
  return __syscall_via(vdso_entry, nr, a1, a2, a3, a4, a5, a6);
}

int main(void) {
  vdso_entry = vdso_sym("__trapgate_vsyscall_syscall");
  printf("syscall: __trapgate_vsyscall_syscall at %p\n", vdso_entry);
  printf("syscall: through SYSCALL in the program itself\n");
  entry_demo(TG_PATH_SYSCALL, __syscall_syscall);
  printf("syscall: through the vDSO\n");
  return entry_demo(TG_PATH_SYSCALL, via_vdso);
}
