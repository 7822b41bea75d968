/* sys_io.c — file descriptors 0, 1 and 2 are all the console (COM1), for reading and writing,
 * as a terminal is; every other descriptor is -EBADF. */
#include "types.h"
#include "defs.h"
#include "errno.h"
#include "termios.h"
#include "syscall.h"
#include "proc.h"

#define CHUNK 256
#define IOV_MAX 1024

struct iovec_k {
  uint32_t iov_base;
  uint32_t iov_len;
};

static int is_console(int fd) {
  return fd >= 0 && fd <= 2;
}

/* Write count bytes from user address buf to the console, CHUNK at a time. As Linux's tty
 * write: a bad address before anything was written is -EFAULT, after that a short count. */
static long console_write_user(uint32_t buf, uint32_t count) {
  char kbuf[CHUNK];
  uint32_t done = 0;
  if (count > 0x7FFFFFFF)
    count = 0x7FFFFFFF;
  while (done < count) {
    uint32_t n = count - done < CHUNK ? count - done : CHUNK;
    uint32_t got = copy_from_user_partial(kbuf, (void *)(buf + done), n);
    console_write(kbuf, got);
    done += got;
    if (got < n)
      return done ? (long)done : -EFAULT;
  }
  return done;
}

long sys_write(int fd, uint32_t buf, uint32_t count) {
  if (!is_console(fd))
    return -EBADF;
  if (!access_ok(buf, count))
    return -EFAULT;
  return console_write_user(buf, count);
}

long sys_writev(int fd, uint32_t iov, int iovcnt) {
  struct iovec_k v;
  long total = 0;
  if (!is_console(fd))
    return -EBADF;
  if (iovcnt < 0 || iovcnt > IOV_MAX)
    return -EINVAL;
  for (int i = 0; i < iovcnt; i++) {
    if (copy_from_user(&v, (void *)(iov + i * sizeof(v)), sizeof(v)) < 0)
      return total ? total : -EFAULT;
    if (!access_ok(v.iov_base, v.iov_len))
      return total ? total : -EFAULT;
    long r = console_write_user(v.iov_base, v.iov_len);
    if (r < 0)
      return total ? total : r;
    total += r;
    if ((uint32_t)r < v.iov_len)
      break;
  }
  return total;
}

/* read: blocks until a line arrives; 0 at EOF (Ctrl-D on an empty line, console.c). */
long sys_read(int fd, uint32_t buf, uint32_t count) {
  char kbuf[CHUNK];
  if (!is_console(fd))
    return -EBADF;
  if (!access_ok(buf, count))
    return -EFAULT;
  if (count == 0)
    return 0;
  int n = console_read(kbuf, count < CHUNK ? count : CHUNK);
  if (n > 0 && copy_to_user((void *)buf, kbuf, n) < 0)
    return -EFAULT;
  return n;
}

long sys_ioctl(int fd, uint32_t cmd, uint32_t arg) {
  if (fd < 0 || fd > 2)
    return -EBADF;
  switch (cmd) {
  case TCGETS: {
    /* What a serial terminal at 115200 baud in canonical mode reports. */
    struct termios_k t = {
      .c_iflag = ICRNL | IXON,
      .c_oflag = OPOST | ONLCR,
      .c_cflag = B115200 | CS8 | CREAD,
      .c_lflag = ISIG | ICANON,
      .c_line = 0,
      .c_cc = { [VINTR] = 3, [VQUIT] = 28, [VERASE] = 127, [VKILL] = 21, [VEOF] = 4,
                [VTIME] = 0, [VMIN] = 1 },
    };
    return copy_to_user((void *)arg, &t, sizeof(t));
  }
  case TIOCGWINSZ: {
    struct winsize ws = { .ws_row = 24, .ws_col = 80, .ws_xpixel = 0, .ws_ypixel = 0 };
    return copy_to_user((void *)arg, &ws, sizeof(ws));
  }
  default:
    return -ENOTTY;
  }
}
