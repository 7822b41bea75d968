/* kinfo — the classic "get_kernel_info": version, uptime, memory and the kernel entries per
 * path, in one structure the kernel fills (uapi/trapgate.h). Host- and timing-dependent values
 * are printed on "# " lines. */
#include "ulib.h"

static const char *const paths[TG_NPATHS] = { "int80", "sysenter", "syscall" };

int main(void) {
  struct tg_kernel_info k;
  long r = tg_get_kernel_info(&k);
  printf("kinfo: get_kernel_info = %ld\n", r);
  printf("kinfo: version \"%s\", %u Hz timer\n", k.version, k.hz);
  uint64_t up = ((uint64_t)k.uptime_ns_hi << 32) | k.uptime_ns_lo;
  uint64_t total = ((uint64_t)k.mem_total_hi << 32) | k.mem_total_lo;
  uint64_t freeb = ((uint64_t)k.mem_free_hi << 32) | k.mem_free_lo;
  printf("# kinfo: uptime %llu ns, memory %llu KB total, %llu KB free\n", up, total / 1024,
         freeb / 1024);
  printf("# kinfo: %u interrupts, %u exceptions\n", k.interrupts, k.exceptions);
  printf("kinfo: memory: free <= total: %s, total > 1 MB: %s\n", freeb <= total ? "yes" : "no",
         total > 1024 * 1024 ? "yes" : "no");
  printf("kinfo: __kernel_vsyscall uses %s; offered:", paths[k.vdso_path]);
  for (int i = 0; i < TG_NPATHS; i++)
    if (k.paths_available & (1u << i))
      printf(" %s", paths[i]);
  printf("\n");
  printf("kinfo: system calls so far: int80 %u, sysenter %u, syscall %u\n", k.entries[0],
         k.entries[1], k.entries[2]);
  void *vs = vdso_sym("__kernel_vsyscall");
  printf("kinfo: vDSO __kernel_vsyscall %p, AT_SYSINFO %p: %s\n", vs, (void *)getauxval(AT_SYSINFO),
         vs == (void *)getauxval(AT_SYSINFO) ? "same" : "DIFFERENT");
  return 0;
}
