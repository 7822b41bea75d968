/* print — the classic "print" system call is write(2): to stdout and stderr (both the console),
 * writev(2) gathering three pieces, and printf's formatting on top. */
#include "ulib.h"

struct iovec {
  const void *base;
  size_t len;
};

int main(void) {
  static const char msg[] = "print: write(1, msg, len) from ring 3\n";
  long r = write(1, msg, sizeof(msg) - 1);
  printf("print: write returned %ld\n", r);
  static const char err[] = "print: write to fd 2 (stderr is the console too)\n";
  r = write(2, err, strlen(err));
  printf("print: write(2, ...) returned %ld\n", r);

  struct iovec iov[3] = {
    { "print: writev ", 14 }, { "gathers ", 8 }, { "three pieces\n", 13 },
  };
  r = syscall3(__NR_writev, 1, iov, 3);
  printf("print: writev returned %ld\n", r);

  r = write(5, "x", 1);
  printf("print: write to fd 5: %ld (%s)\n", r, errname(r));
  r = write(1, "", 0);
  printf("print: write of 0 bytes: %ld\n", r);

  printf("print: printf %%d %d %d %d, %%u %u, %%x %x %X, %%08x %08x\n", 42, -42, 0, 3000000000u,
         0xbeef, 0xBEEF, 0x1234);
  printf("print: %%5d [%5d] %%-5d [%-5d] %%05d [%05d] %%s [%s] [%8s] [%-8s] %%c %c%c\n", 7, 7, -7,
         "str", "right", "left", 'o', 'k');
  printf("print: %%p %p, %%lld %lld, %%llu %llu, %%llx %llx, %%%%\n", (void *)0x8048000,
         -1234567890123LL, 18446744073709551615ULL, 0x123456789abcdefULL);
  return 0;
}
