/* video — the classic "video_draw": the kernel writes a string into the VGA text screen
 * (physical 0xB8000, 80x25 cells of character + attribute) for the program, which has no
 * access to that memory itself. */
#include "ulib.h"

int main(void) {
  long r = tg_video_draw(1, 2, 0x1F, "Hello from ring 3 (white on blue)");
  printf("video: draw at row 1 col 2 attr 0x1f: %ld cells\n", r);
  r = tg_video_draw(24, 0, 0x4E, "bottom row, yellow on red");
  printf("video: draw at row 24: %ld cells\n", r);
  r = tg_video_draw(0, 70, 0x0A, "clipped at the end of the row");
  printf("video: draw at col 70 is clipped: %ld cells\n", r);
  r = tg_video_draw(25, 0, 0x07, "x");
  printf("video: row 25: %ld (%s)\n", r, errname(r));
  r = tg_video_draw(0, 80, 0x07, "x");
  printf("video: col 80: %ld (%s)\n", r, errname(r));
  r = tg_video_draw(0, 0, 0x100, "x");
  printf("video: attr 0x100: %ld (%s)\n", r, errname(r));
  r = tg_video_draw(0, 0, 0x07, (const char *)0xC00B8000);
  printf("video: the string at a kernel address: %ld (%s)\n", r, errname(r));
  r = tg_video_draw(0, 0, 0x07, NULL);
  printf("video: the string at NULL: %ld (%s)\n", r, errname(r));
  return 0;
}
