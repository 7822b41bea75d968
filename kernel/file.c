/* file.c — open files: the table of struct file, and reading, writing, stat and poll for each
 * kind (file.h). User buffers are copied through one kernel bounce buffer: the kernel runs one
 * system call at a time with interrupts off, and interrupt handlers never touch files. */
#include "types.h"
#include "defs.h"
#include "errno.h"
#include "fcntl.h"
#include "stat.h"
#include "file.h"
#include "proc.h"

#define TTY_RDEV   ((4 << 8) | 64)    /* /dev/ttyS0 is char device 4:64 */
#define PIPE_DEV   0x0d               /* st_dev of pipefs on Linux: anonymous 0:13 */

/* Default: all three are the COM1 terminal, as the kernel transcripts expect. */
struct stdio_cfg stdio_cfg[3] = {
  { .tty = 1, .onlcr = 1, .line = LINE_COM1 }, { .tty = 1, .onlcr = 1, .line = LINE_COM1 },
  { .tty = 1, .onlcr = 1, .line = LINE_COM1 },
};

static struct file ftable[NFILE];
static char bounce[4096];

struct file *file_alloc(void) {
  for (int i = 0; i < NFILE; i++)
    if (ftable[i].ref == 0) {
      memset(&ftable[i], 0, sizeof(ftable[i]));
      ftable[i].ref = 1;
      return &ftable[i];
    }
  return NULL;
}

struct file *file_dup(struct file *f) {
  f->ref++;
  return f;
}

void file_close(struct file *f) {
  if (--f->ref < 0)
    panic("file_close: reference count below 0");
}

/* A new open file for standard descriptor fd (0-2), as stdio_cfg says: a terminal is open for
 * reading and writing (as /dev/ttyS0 would be), a pipe end only one way. */
struct file *console_file(int fd) {
  struct file *f = file_alloc();
  if (f == NULL)
    return NULL;
  f->type = FT_CONSOLE;
  f->tty = stdio_cfg[fd].tty;
  f->onlcr = stdio_cfg[fd].onlcr;
  f->line = fd == 0 ? LINE_COM1 : stdio_cfg[fd].line;
  f->readable = f->tty || fd == 0;
  f->writable = f->tty || fd != 0;
  f->flags = (f->readable && f->writable ? O_RDWR : f->writable ? O_WRONLY : O_RDONLY) | O_LARGEFILE;
  return f;
}

/* Write count bytes from user address buf to a serial line, a bounce buffer at a time. As
 * Linux's tty write: a bad address before anything was written is -EFAULT, after that a short
 * count. */
static long serial_write_user(struct file *f, uint32_t buf, uint32_t count) {
  uint32_t done = 0;
  if (count > 0x7FFFFFFF)
    count = 0x7FFFFFFF;
  while (done < count) {
    uint32_t n = count - done < sizeof(bounce) ? count - done : sizeof(bounce);
    uint32_t got = copy_from_user_partial(bounce, (void *)(buf + done), n);
    serial_write(f->line, bounce, got, f->onlcr);
    done += got;
    if (got < n)
      return done ? (long)done : -EFAULT;
  }
  return done;
}

long file_write(struct file *f, uint32_t ubuf, uint32_t n) {
  if (!f->writable)
    return -EBADF;
  if (!access_ok(ubuf, n))
    return -EFAULT;
  switch (f->type) {
  case FT_CONSOLE:
    return serial_write_user(f, ubuf, n);
  case FT_NULL:
    return n;
  default:
    return -EBADF;
  }
}

static long mem_read(const struct memfile *mf, uint32_t ubuf, uint32_t n, uint32_t off) {
  if (off >= mf->size)
    return 0;
  if (n > mf->size - off)
    n = mf->size - off;
  if (copy_to_user((void *)ubuf, mf->data + off, n) < 0)
    return -EFAULT;
  return n;
}

long file_read(struct file *f, uint32_t ubuf, uint32_t n) {
  if (!f->readable)
    return -EBADF;
  if (!access_ok(ubuf, n))
    return -EFAULT;
  switch (f->type) {
  case FT_CONSOLE: {
    if (n == 0)
      return 0;
    int got = console_read(bounce, n < sizeof(bounce) ? n : sizeof(bounce), f->tty);
    if (got > 0 && copy_to_user((void *)ubuf, bounce, got) < 0)
      return -EFAULT;
    return got;
  }
  case FT_MEM: {
    long r = mem_read(f->mf, ubuf, n, f->off);
    if (r > 0)
      f->off += r;
    return r;
  }
  case FT_NULL:
    return 0;
  case FT_DIR:
    return -EISDIR;
  default:
    return -EBADF;
  }
}

/* pread64: at off, without moving the file offset; only seekable files. */
long file_pread(struct file *f, uint32_t ubuf, uint32_t n, uint32_t off) {
  if (!f->readable)
    return -EBADF;
  if (!access_ok(ubuf, n))
    return -EFAULT;
  switch (f->type) {
  case FT_MEM:
    return mem_read(f->mf, ubuf, n, off);
  case FT_NULL:
    return 0;
  case FT_DIR:
    return -EISDIR;
  default:
    return -ESPIPE;
  }
}

void file_stat(const struct file *f, struct kstat *st) {
  switch (f->type) {
  case FT_CONSOLE:
    if (f->tty)
      *st = (struct kstat){ .dev = 5, .ino = 64 + f->line, .mode = S_IFCHR | 0620, .nlink = 1,
                            .rdev = TTY_RDEV + f->line, .size = 0, .blksize = 1024, .mtime = 0 };
    else
      *st = (struct kstat){ .dev = PIPE_DEV, .ino = 1000 + (uint32_t)(f - ftable),
                            .mode = S_IFIFO | 0600, .nlink = 1, .rdev = 0, .size = 0,
                            .blksize = 4096, .mtime = 0 };
    break;
  case FT_MEM:
  case FT_NULL:
    fs_stat_file(f->mf, st);
    break;
  case FT_DIR:
    fs_stat_dir(f->dir, st);
    break;
  default:
    memset(st, 0, sizeof(*st));
  }
}

/* The poll events (POLLIN, POLLOUT) f is ready for now, among those asked. */
int file_poll(struct file *f, int events) {
  int ready = 0;
  if (f->writable)
    ready |= POLLOUT;
  if (f->readable && (f->type != FT_CONSOLE || console_readable()))
    ready |= POLLIN;
  return ready & (events | POLLERR | POLLHUP);
}
