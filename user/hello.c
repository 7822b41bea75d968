/* hello — the first program: write through __kernel_vsyscall (AT_SYSINFO), its arguments and
 * environment, and who the kernel says it is. */
#include "ulib.h"
#include "utsname.h"

int main(int argc, char **argv, char **envp) {
  printf("hello, world\n");
  printf("argc=%d", argc);
  for (int i = 0; i < argc; i++)
    printf(" argv[%d]=\"%s\"", i, argv[i]);
  printf("\n");
  for (char **e = envp; *e; e++)
    printf("env %s\n", *e);
  struct new_utsname u;
  long r = syscall1(__NR_uname, &u);
  printf("uname: %ld %s %s %s\n", r, u.sysname, u.nodename, u.machine);
  printf("pid %ld ppid %ld\n", getpid(), syscall0(__NR_getppid));
  return 0;
}
