/* getkey — the classic non-blocking get_key: a byte from the console's receive buffer, or
 * -EAGAIN. Polls until no key has come for ten polls 25 ms apart. */
#include "ulib.h"

int main(void) {
  int keys = 0, misses = 0;
  char got[64];
  while (misses < 10) {
    long k = tg_get_key();
    if (k == -EAGAIN) {
      misses++;
      sleep_ms(25);
      continue;
    }
    if (k < 0) {
      printf("getkey: error %ld\n", k);
      return 1;
    }
    misses = 0;
    if (keys < (int)sizeof(got) - 1)
      got[keys++] = k;
  }
  got[keys] = 0;
  if (keys == 0) {
    printf("getkey: no key (-EAGAIN, %s)\n", errname(-EAGAIN));
    return 0;
  }
  printf("getkey: %d key%s:", keys, keys == 1 ? "" : "s");
  for (int i = 0; i < keys; i++)
    printf(" %02x", (unsigned char)got[i]);
  printf("\n");
  return 0;
}
