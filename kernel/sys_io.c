/* sys_io.c — input and output on descriptors: read, write and their vector and positional
 * forms, sendfile, lseek, ioctl, poll. What a descriptor reads or writes depends on the file
 * behind it (file.c): the console's terminal or pipes, a read-only file, /dev/null. */
#include "types.h"
#include "defs.h"
#include "errno.h"
#include "fcntl.h"
#include "termios.h"
#include "syscall.h"
#include "proc.h"
#include "file.h"

#define IOV_MAX 1024

struct iovec_k {
  uint32_t iov_base;
  uint32_t iov_len;
};

/* The open file behind descriptor fd, or NULL. */
struct file *fd_file(int fd) {
  if (fd < 0 || fd >= NOFILE)
    return NULL;
  return curproc->ofile[fd];
}

long sys_read(int fd, uint32_t buf, uint32_t count) {
  struct file *f = fd_file(fd);
  if (f == NULL)
    return -EBADF;
  return file_read(f, buf, count);
}

long sys_write(int fd, uint32_t buf, uint32_t count) {
  struct file *f = fd_file(fd);
  if (f == NULL)
    return -EBADF;
  return file_write(f, buf, count);
}

long sys_pread64(int fd, uint32_t buf, uint32_t count, uint32_t off_lo, uint32_t off_hi) {
  struct file *f = fd_file(fd);
  if (f == NULL)
    return -EBADF;
  if ((int32_t)off_hi < 0)
    return -EINVAL;
  if (off_hi != 0)
    return 0;                           /* beyond any file here: end of file */
  return file_pread(f, buf, count, off_lo);
}

/* readv/writev: one read or write per element, stopping at the first short one (as a pipe or
 * a terminal would return it). */
static long rw_vector(int fd, uint32_t iov, int iovcnt, int writing) {
  struct iovec_k v;
  long total = 0;
  struct file *f = fd_file(fd);
  if (f == NULL)
    return -EBADF;
  if (iovcnt < 0 || iovcnt > IOV_MAX)
    return -EINVAL;
  for (int i = 0; i < iovcnt; i++) {
    if (copy_from_user(&v, (void *)(iov + i * sizeof(v)), sizeof(v)) < 0)
      return total ? total : -EFAULT;
    if (v.iov_len == 0)
      continue;
    long r = writing ? file_write(f, v.iov_base, v.iov_len) : file_read(f, v.iov_base, v.iov_len);
    if (r < 0)
      return total ? total : r;
    total += r;
    if ((uint32_t)r < v.iov_len)
      break;
  }
  return total;
}

long sys_writev(int fd, uint32_t iov, int iovcnt) {
  return rw_vector(fd, iov, iovcnt, 1);
}

long sys_readv(int fd, uint32_t iov, int iovcnt) {
  return rw_vector(fd, iov, iovcnt, 0);
}

/* lseek to a 64-bit position: only read-only files and directories (rewind) can seek. */
static long seek(struct file *f, int64_t off, int whence, uint64_t *result) {
  int64_t base;
  switch (f->type) {
  case FT_CONSOLE:
    return -ESPIPE;
  case FT_NULL:
    *result = 0;
    return 0;
  case FT_DIR:
    if (whence != SEEK_SET || off != 0)
      return -EINVAL;
    f->off = 0;
    *result = 0;
    return 0;
  case FT_MEM:
    break;
  default:
    return -EBADF;
  }
  switch (whence) {
  case SEEK_SET: base = 0; break;
  case SEEK_CUR: base = f->off; break;
  case SEEK_END: base = f->mf->size; break;
  default: return -EINVAL;
  }
  int64_t pos = base + off;
  if (pos < 0)
    return -EINVAL;
  if (pos > 0x7FFFFFFF)
    return -EOVERFLOW;
  f->off = pos;
  *result = pos;
  return 0;
}

long sys_lseek(int fd, int32_t off, int whence) {
  uint64_t pos;
  struct file *f = fd_file(fd);
  if (f == NULL)
    return -EBADF;
  long r = seek(f, off, whence, &pos);
  return r < 0 ? r : (long)pos;
}

long sys__llseek(int fd, uint32_t off_hi, uint32_t off_lo, uint32_t result, int whence) {
  uint64_t pos;
  struct file *f = fd_file(fd);
  if (f == NULL)
    return -EBADF;
  long r = seek(f, (int64_t)(((uint64_t)off_hi << 32) | off_lo), whence, &pos);
  if (r < 0)
    return r;
  return copy_to_user((void *)result, &pos, sizeof(pos));
}

/* sendfile: copy from in_fd to out_fd in the kernel, one buffer per call (a short count, as
 * Linux gives from a pipe; callers loop). With offp, read there and advance *offp instead of
 * the file position. */
static long do_sendfile(int out_fd, int in_fd, uint64_t *offp, uint32_t count) {
  static char buf[4096];
  struct file *in = fd_file(in_fd), *out = fd_file(out_fd);
  long n;
  if (in == NULL || out == NULL || !in->readable || !out->writable)
    return -EBADF;
  if (count > sizeof(buf))
    count = sizeof(buf);
  if (in->type == FT_MEM) {
    const struct memfile *mf = in->mf;
    uint64_t pos = offp ? *offp : in->off;
    n = pos >= mf->size ? 0 : (long)(mf->size - pos < count ? mf->size - pos : count);
    memcpy(buf, mf->data + pos, n);
    if (offp)
      *offp += n;
    else
      in->off += n;
  } else if (in->type == FT_CONSOLE && offp == NULL) {
    n = count ? console_read(buf, count, in->tty) : 0;
  } else if (in->type == FT_NULL) {
    n = 0;
  } else {
    return in->type == FT_CONSOLE ? -ESPIPE : -EINVAL;
  }
  if (n > 0) {
    if (out->type == FT_CONSOLE)
      serial_write(out->line, buf, n, out->onlcr);
    else if (out->type != FT_NULL)
      return -EINVAL;
  }
  return n;
}

long sys_sendfile64(int out_fd, int in_fd, uint32_t uoffset, uint32_t count) {
  uint64_t off;
  if (uoffset == 0)
    return do_sendfile(out_fd, in_fd, NULL, count);
  if (copy_from_user(&off, (void *)uoffset, sizeof(off)) < 0)
    return -EFAULT;
  if ((int64_t)off < 0)
    return -EINVAL;
  long n = do_sendfile(out_fd, in_fd, &off, count);
  if (n >= 0 && copy_to_user((void *)uoffset, &off, sizeof(off)) < 0)
    return -EFAULT;
  return n;
}

long sys_sendfile(int out_fd, int in_fd, uint32_t uoffset, uint32_t count) {
  uint32_t off32;
  if (uoffset == 0)
    return do_sendfile(out_fd, in_fd, NULL, count);
  if (get_user32(&off32, uoffset) < 0)
    return -EFAULT;
  if ((int32_t)off32 < 0)
    return -EINVAL;
  uint64_t off = off32;
  long n = do_sendfile(out_fd, in_fd, &off, count);
  if (n >= 0 && put_user32(uoffset, (uint32_t)off) < 0)
    return -EFAULT;
  return n;
}

long sys_ioctl(int fd, uint32_t cmd, uint32_t arg) {
  struct file *f = fd_file(fd);
  if (f == NULL)
    return -EBADF;
  if (f->type != FT_CONSOLE || !f->tty)
    return -ENOTTY;                     /* pipes and files: no terminal ioctls */
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
  case TCSETS:
  case TCSETSW:
  case TCSETSF:
    return 0;                           /* accepted, not acted on: the line stays canonical */
  case TIOCGWINSZ: {
    struct winsize ws = { .ws_row = 24, .ws_col = 80, .ws_xpixel = 0, .ws_ypixel = 0 };
    return copy_to_user((void *)arg, &ws, sizeof(ws));
  }
  case TIOCGPGRP:
    return put_user32(arg, curproc->pid);
  case TIOCSPGRP:
    return 0;
  default:
    return -ENOTTY;
  }
}

/* poll: ready descriptors now; otherwise wait (HLT) until console input arrives or the timeout
 * (ms; negative: none) passes. */
long sys_poll(uint32_t ufds, uint32_t nfds, int timeout) {
  struct pollfd_k pfd;
  if (nfds > NOFILE)
    return -EINVAL;
  uint64_t deadline = timeout > 0 ? uptime_ns() + (uint64_t)timeout * 1000000 + NS_PER_TICK : 0;
  for (;;) {
    int ready = 0;
    for (uint32_t i = 0; i < nfds; i++) {
      if (copy_from_user(&pfd, (void *)(ufds + i * sizeof(pfd)), sizeof(pfd)) < 0)
        return -EFAULT;
      if (pfd.fd < 0) {
        pfd.revents = 0;
      } else {
        struct file *f = fd_file(pfd.fd);
        pfd.revents = f == NULL ? POLLNVAL : file_poll(f, pfd.events);
      }
      if (pfd.revents)
        ready++;
      if (copy_to_user((void *)(ufds + i * sizeof(pfd) + 6), &pfd.revents, 2) < 0)
        return -EFAULT;
    }
    if (ready || timeout == 0 || (timeout > 0 && uptime_ns() >= deadline))
      return ready;
    idle_wait();
  }
}
