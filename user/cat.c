/* cat — read(0) until end of file: it blocks until the console has a line, and returns 0 when
 * Ctrl-D (0x04) arrives on an empty line. */
#include "ulib.h"

int main(void) {
  char buf[128];
  int lines = 0, bytes = 0;
  for (;;) {
    long n = read(0, buf, sizeof(buf) - 1);
    if (n < 0) {
      printf("cat: read error %ld\n", n);
      return 1;
    }
    if (n == 0)
      break;
    buf[n] = 0;
    bytes += n;
    lines++;
    printf("cat: read %ld: ", n);
    for (long i = 0; i < n; i++) {
      if (buf[i] == '\n')
        printf("\\n");
      else if (buf[i] < ' ' || buf[i] > '~')
        printf("\\x%02x", (unsigned char)buf[i]);
      else
        printf("%c", buf[i]);
    }
    printf("\n");
  }
  printf("cat: EOF after %d reads, %d bytes\n", lines, bytes);
  return 0;
}
