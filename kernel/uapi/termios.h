/* termios.h — the terminal ioctls the console answers (include/uapi/asm-generic/ioctls.h,
 * termbits.h). struct termios is the kernel's 36-byte i386 layout. */
#ifndef UAPI_TERMIOS_H
#define UAPI_TERMIOS_H
#define TCGETS     0x5401
#define TCSETS     0x5402
#define TCSETSW    0x5403
#define TCSETSF    0x5404
#define TIOCGPGRP  0x540F
#define TIOCSPGRP  0x5410
#define TIOCGWINSZ 0x5413
#define NCCS 19
struct termios_k {
  uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
  uint8_t c_line;
  uint8_t c_cc[NCCS];
};
struct winsize {
  uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};
/* the flag bits the console reports */
#define ICRNL  0000400
#define IXON   0002000
#define OPOST  0000001
#define ONLCR  0000004
#define B115200 0010002
#define CS8    0000060
#define CREAD  0000200
#define ISIG   0000001
#define ICANON 0000002
#define ECHO   0000010
#define VINTR 0
#define VQUIT 1
#define VERASE 2
#define VKILL 3
#define VEOF 4
#define VTIME 5
#define VMIN 6
#endif
