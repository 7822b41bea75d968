/* file.h — open files and the names they are opened by.
 *
 * Four kinds of file: the console's standard streams (a terminal or a pipe, on COM1 or COM2),
 * read-only files that boot modules carry (fs.c), the directories their paths imply, and
 * /dev/null. A process's descriptors point at struct files, shared after dup(). */
#ifndef FILE_H
#define FILE_H
#include "types.h"

#define NOFILE   64          /* descriptors per process (RLIMIT_NOFILE) */
#define NFILE    128         /* open files in the whole system */
#define MAXPATH  256         /* bytes of a path, NUL included (Linux: 4096) */

enum file_type { FT_NONE, FT_CONSOLE, FT_MEM, FT_DIR, FT_NULL };

/* How the kernel command line connects the standard descriptors (stdin=, stdout=, stderr=). */
struct stdio_cfg {
  int tty;                   /* 1: a terminal (canonical input, TCGETS, S_IFCHR); 0: a pipe */
  int onlcr;                 /* the kernel sends LF as CR LF (a terminal on a bare serial line) */
  int line;                  /* LINE_COM1 or LINE_COM2: where output goes */
};
extern struct stdio_cfg stdio_cfg[3];

/* A name in the file system: a read-only file from a boot module, or /dev/null. */
struct memfile {
  char path[MAXPATH];        /* absolute, normalised */
  const uint8_t *data;       /* kernel virtual address (the module, direct-mapped) */
  uint32_t size;             /* bytes */
  uint32_t mode;             /* S_IFREG | permissions, or S_IFCHR for /dev/null */
  uint32_t mtime;            /* seconds since 1970 */
  uint32_t rdev;             /* S_IFCHR: device number (major << 8 | minor) */
};

struct file {
  enum file_type type;
  int ref;
  uint32_t flags;            /* as F_GETFL reports them: O_ACCMODE, O_APPEND, O_NONBLOCK, O_LARGEFILE */
  int readable, writable;
  int tty, onlcr, line;      /* FT_CONSOLE */
  const struct memfile *mf;  /* FT_MEM, FT_NULL */
  char dir[MAXPATH];         /* FT_DIR: its path */
  uint32_t off;              /* FT_MEM: byte offset; FT_DIR: entries returned so far */
};

/* What stat reports, before it is laid out as struct stat64 or struct statx. */
struct kstat {
  uint32_t dev, ino, mode, nlink, rdev, size, blksize, mtime;
};

/* file.c */
struct file *file_alloc(void);
struct file *file_dup(struct file *f);
void file_close(struct file *f);
struct file *console_file(int fd);
long file_read(struct file *f, uint32_t ubuf, uint32_t n);
long file_write(struct file *f, uint32_t ubuf, uint32_t n);
long file_pread(struct file *f, uint32_t ubuf, uint32_t n, uint32_t off);
void file_stat(const struct file *f, struct kstat *st);
int file_poll(struct file *f, int events);

/* sys_io.c */
struct file *fd_file(int fd);

/* fs.c */
void fs_add_module(const void *image, uint32_t size);
int fs_normalize(const char *cwd, const char *path, char *out);
const struct memfile *fs_lookup(const char *abspath);
int fs_isdir(const char *abspath, const char *cwd);
void fs_stat_file(const struct memfile *mf, struct kstat *st);
void fs_stat_dir(const char *abspath, struct kstat *st);
int fs_dir_entry(const char *dir, const char *cwd, uint32_t index, char *name, uint32_t size,
                 struct kstat *st);

#endif
