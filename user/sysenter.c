/* sysenter — system calls through SYSENTER only: first by the vDSO's SYSENTER variant, found by
 * name in the vDSO's ELF symbol table, then by a SYSENTER instruction in this program's own code
 * (lib/syscall.S). Either way the kernel returns by SYSEXIT to the vDSO's landing pad, never to
 * an address the program chose. */
#include "ulib.h"
#include "entrydemo.h"

static void *vdso_entry;

static long via_vdso(long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
  return __syscall_via(vdso_entry, nr, a1, a2, a3, a4, a5, a6);
}

int main(void) {
  vdso_entry = vdso_sym("__trapgate_vsyscall_sysenter");
  void *landing = vdso_sym("__trapgate_vsyscall_landing");
  printf("sysenter: vDSO at %p, __trapgate_vsyscall_sysenter at %p, landing pad at %p\n",
         (void *)getauxval(AT_SYSINFO_EHDR), vdso_entry, landing);
  if (vdso_entry == NULL)
    return 1;
  printf("sysenter: through the vDSO\n");
  entry_demo(TG_PATH_SYSENTER, via_vdso);
  printf("sysenter: through SYSENTER in the program itself\n");
  return entry_demo(TG_PATH_SYSENTER, __syscall_sysenter);
}
