/* sys_file.c — names and descriptors: open, close, dup, fcntl, the stat family, getdents64,
 * the working directory, access, readlink, umask. The names are those of fs.c: read-only files
 * from boot modules, the directories their paths imply, /dev/null. Nothing can be created or
 * written (EROFS), and there are no symbolic links. */
#include "types.h"
#include "defs.h"
#include "errno.h"
#include "fcntl.h"
#include "stat.h"
#include "syscall.h"
#include "proc.h"
#include "file.h"

/* ---- descriptors ---- */

/* The lowest free descriptor >= from, now holding f; or -EMFILE. */
static int fd_install(struct file *f, int from, int cloexec) {
  for (int fd = from; fd < NOFILE; fd++)
    if (curproc->ofile[fd] == NULL) {
      curproc->ofile[fd] = f;
      if (cloexec)
        curproc->cloexec |= 1ull << fd;
      else
        curproc->cloexec &= ~(1ull << fd);
      return fd;
    }
  return -EMFILE;
}

static void fd_release(int fd) {
  file_close(curproc->ofile[fd]);
  curproc->ofile[fd] = NULL;
  curproc->cloexec &= ~(1ull << fd);
}

long sys_close(int fd) {
  if (fd_file(fd) == NULL)
    return -EBADF;
  fd_release(fd);
  return 0;
}

long sys_dup(int oldfd) {
  struct file *f = fd_file(oldfd);
  if (f == NULL)
    return -EBADF;
  int fd = fd_install(f, 0, 0);
  if (fd >= 0)
    file_dup(f);
  return fd;
}

static long dup_to(int oldfd, int newfd, int cloexec) {
  struct file *f = fd_file(oldfd);
  if (f == NULL || newfd < 0 || newfd >= NOFILE)
    return -EBADF;
  file_dup(f);
  if (curproc->ofile[newfd])
    fd_release(newfd);
  return fd_install(f, newfd, cloexec);
}

long sys_dup2(int oldfd, int newfd) {
  if (oldfd == newfd)
    return fd_file(oldfd) ? newfd : -EBADF;
  return dup_to(oldfd, newfd, 0);
}

long sys_dup3(int oldfd, int newfd, uint32_t flags) {
  if (oldfd == newfd || (flags & ~O_CLOEXEC))
    return -EINVAL;
  return dup_to(oldfd, newfd, flags & O_CLOEXEC);
}

long sys_fcntl64(int fd, int cmd, uint32_t arg) {
  struct file *f = fd_file(fd);
  if (f == NULL)
    return -EBADF;
  switch (cmd) {
  case F_DUPFD:
  case F_DUPFD_CLOEXEC: {
    if (arg >= NOFILE)
      return -EINVAL;
    int nfd = fd_install(f, arg, cmd == F_DUPFD_CLOEXEC);
    if (nfd >= 0)
      file_dup(f);
    return nfd;
  }
  case F_GETFD:
    return (curproc->cloexec >> fd) & 1 ? FD_CLOEXEC : 0;
  case F_SETFD:
    if (arg & FD_CLOEXEC)
      curproc->cloexec |= 1ull << fd;
    else
      curproc->cloexec &= ~(1ull << fd);
    return 0;
  case F_GETFL:
    return f->flags;
  case F_SETFL:
    f->flags = (f->flags & ~(O_APPEND | O_NONBLOCK)) | (arg & (O_APPEND | O_NONBLOCK));
    return 0;
  default:
    return -EINVAL;
  }
}

long sys_fcntl(int fd, int cmd, uint32_t arg) {
  return sys_fcntl64(fd, cmd, arg);
}

/* ---- names ---- */

enum node { N_NONE, N_FILE, N_DIR };

/* A user path, resolved against dirfd (AT_FDCWD: the working directory) into abs[MAXPATH].
 * Returns 0 or -errno (-EFAULT, -ENAMETOOLONG, -ENOENT for "", -EBADF, -ENOTDIR). With
 * empty_ok an empty path is allowed and abs is left empty. */
static int at_path(int dirfd, uint32_t upath, char *abs, int empty_ok) {
  static char kpath[MAXPATH];
  int n = strncpy_from_user(kpath, (const char *)upath, MAXPATH);
  if (n == -ERANGE)
    return -ENAMETOOLONG;
  if (n < 0)
    return n;
  if (kpath[0] == 0) {
    abs[0] = 0;
    return empty_ok ? 0 : -ENOENT;
  }
  const char *base = curproc->cwd;
  if (kpath[0] != '/' && dirfd != AT_FDCWD) {
    struct file *d = fd_file(dirfd);
    if (d == NULL)
      return -EBADF;
    if (d->type != FT_DIR)
      return -ENOTDIR;
    base = d->dir;
  }
  return fs_normalize(base, kpath, abs);
}

static enum node lookup(const char *abs, const struct memfile **mf) {
  *mf = fs_lookup(abs);
  if (*mf != NULL)
    return N_FILE;
  return fs_isdir(abs, curproc->cwd) ? N_DIR : N_NONE;
}

/* The directory part of abs exists? (To tell EROFS from ENOENT when creating.) */
static int parent_exists(const char *abs) {
  char parent[MAXPATH];
  fs_normalize(abs, "..", parent);
  return fs_isdir(parent, curproc->cwd);
}

long sys_openat(int dirfd, uint32_t upath, uint32_t flags, uint32_t mode) {
  char abs[MAXPATH];
  const struct memfile *mf;
  int r = at_path(dirfd, upath, abs, 0);
  if (r < 0)
    return r;
  uint32_t acc = flags & O_ACCMODE;
  int want_write = acc == O_WRONLY || acc == O_RDWR || (flags & O_TRUNC);
  enum node n = lookup(abs, &mf);
  if (n == N_NONE)
    return (flags & O_CREAT) && parent_exists(abs) ? -EROFS : -ENOENT;
  if ((flags & O_CREAT) && (flags & O_EXCL))
    return -EEXIST;
  if (n == N_FILE && (flags & O_DIRECTORY))
    return -ENOTDIR;
  if (n == N_DIR && (want_write || (flags & O_CREAT)))
    return -EISDIR;
  int is_null = n == N_FILE && (mf->mode & S_IFMT) == S_IFCHR;
  if (n == N_FILE && want_write && !is_null)
    return -EROFS;

  struct file *f = file_alloc();
  if (f == NULL)
    return -ENFILE;
  f->flags = (flags & (O_ACCMODE | O_APPEND | O_NONBLOCK | O_DIRECTORY | O_NOFOLLOW)) | O_LARGEFILE;
  if (flags & O_PATH) {
    f->flags = O_PATH;
  } else {
    f->readable = acc == O_RDONLY || acc == O_RDWR;
    f->writable = acc == O_WRONLY || acc == O_RDWR;
  }
  if (n == N_DIR) {
    f->type = FT_DIR;
    safestrcpy(f->dir, abs, sizeof(f->dir));
  } else {
    f->type = is_null ? FT_NULL : FT_MEM;
    f->mf = mf;
  }
  int fd = fd_install(f, 0, flags & O_CLOEXEC);
  if (fd < 0)
    file_close(f);
  return fd;
}

long sys_open(uint32_t upath, uint32_t flags, uint32_t mode) {
  return sys_openat(AT_FDCWD, upath, flags, mode);
}

/* The node a path (or, with AT_EMPTY_PATH and "", dirfd itself) names, as a kstat. */
static int stat_at(int dirfd, uint32_t upath, uint32_t flags, struct kstat *st) {
  char abs[MAXPATH];
  const struct memfile *mf;
  int r = at_path(dirfd, upath, abs, flags & AT_EMPTY_PATH);
  if (r < 0)
    return r;
  if (abs[0] == 0) {
    struct file *f = dirfd == AT_FDCWD ? NULL : fd_file(dirfd);
    if (dirfd == AT_FDCWD) {
      fs_stat_dir(curproc->cwd, st);
      return 0;
    }
    if (f == NULL)
      return -EBADF;
    file_stat(f, st);
    return 0;
  }
  switch (lookup(abs, &mf)) {
  case N_FILE:
    fs_stat_file(mf, st);
    return 0;
  case N_DIR:
    fs_stat_dir(abs, st);
    return 0;
  default:
    return -ENOENT;
  }
}

/* Linux's old_encode_dev/new_encode_dev: dev is stored as major << 8 | minor (minor < 256). */
static int put_stat64(uint32_t ubuf, const struct kstat *k) {
  struct stat64_k s;
  memset(&s, 0, sizeof(s));
  s.st_dev = k->dev;
  s.__st_ino = k->ino;
  s.st_ino = k->ino;
  s.st_mode = k->mode;
  s.st_nlink = k->nlink;
  s.st_rdev = k->rdev;
  s.st_size = k->size;
  s.st_blksize = k->blksize;
  s.st_blocks = (k->size + 511) / 512;
  s.st_atime_ = s.st_mtime_ = s.st_ctime_ = k->mtime;
  return copy_to_user((void *)ubuf, &s, sizeof(s));
}

long sys_stat64(uint32_t upath, uint32_t ubuf) {
  struct kstat st;
  int r = stat_at(AT_FDCWD, upath, 0, &st);
  return r < 0 ? r : put_stat64(ubuf, &st);
}

long sys_lstat64(uint32_t upath, uint32_t ubuf) {
  return sys_stat64(upath, ubuf);       /* no symbolic links */
}

long sys_fstat64(int fd, uint32_t ubuf) {
  struct kstat st;
  struct file *f = fd_file(fd);
  if (f == NULL)
    return -EBADF;
  file_stat(f, &st);
  return put_stat64(ubuf, &st);
}

long sys_fstatat64(int dirfd, uint32_t upath, uint32_t ubuf, uint32_t flags) {
  struct kstat st;
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH))
    return -EINVAL;
  int r = stat_at(dirfd, upath, flags, &st);
  return r < 0 ? r : put_stat64(ubuf, &st);
}

long sys_statx(int dirfd, uint32_t upath, uint32_t flags, uint32_t mask, uint32_t ubuf) {
  struct kstat k;
  struct statx_k s;
  int r = stat_at(dirfd, upath, flags, &k);
  if (r < 0)
    return r;
  memset(&s, 0, sizeof(s));
  s.stx_mask = STATX_BASIC_STATS;
  s.stx_blksize = k.blksize;
  s.stx_nlink = k.nlink;
  s.stx_mode = k.mode;
  s.stx_ino = k.ino;
  s.stx_size = k.size;
  s.stx_blocks = (k.size + 511) / 512;
  s.stx_atime.tv_sec = s.stx_ctime.tv_sec = s.stx_mtime.tv_sec = k.mtime;
  s.stx_rdev_major = k.rdev >> 8;
  s.stx_rdev_minor = k.rdev & 0xFF;
  s.stx_dev_major = k.dev >> 8;
  s.stx_dev_minor = k.dev & 0xFF;
  return copy_to_user((void *)ubuf, &s, sizeof(s));
}

/* getdents64: as many whole entries as fit in count bytes; 0 at the end; -EINVAL when not even
 * the next one fits. */
long sys_getdents64(int fd, uint32_t udirp, uint32_t count) {
  static char ent[sizeof(struct linux_dirent64) + MAXPATH + 8];
  struct linux_dirent64 *d = (struct linux_dirent64 *)ent;
  struct kstat st;
  struct file *f = fd_file(fd);
  uint32_t done = 0;
  if (f == NULL)
    return -EBADF;
  if (f->type != FT_DIR)
    return -ENOTDIR;
  while (fs_dir_entry(f->dir, curproc->cwd, f->off, d->d_name, MAXPATH, &st)) {
    uint32_t reclen = (offsetof(struct linux_dirent64, d_name) + strlen(d->d_name) + 1 + 7) & ~7u;
    if (done + reclen > count)
      return done ? (long)done : -EINVAL;
    d->d_ino = st.ino;
    d->d_off = f->off + 1;
    d->d_reclen = reclen;
    uint32_t fmt = st.mode & S_IFMT;
    d->d_type = fmt == S_IFDIR ? DT_DIR : fmt == S_IFREG ? DT_REG : fmt == S_IFCHR ? DT_CHR : DT_UNKNOWN;
    if (copy_to_user((void *)(udirp + done), d, reclen) < 0)
      return -EFAULT;
    done += reclen;
    f->off++;
  }
  return done;
}

/* ---- the working directory, access, links, umask ---- */

long sys_getcwd(uint32_t ubuf, uint32_t size) {
  uint32_t n = strlen(curproc->cwd) + 1;
  if (size < n)
    return -ERANGE;
  if (copy_to_user((void *)ubuf, curproc->cwd, n) < 0)
    return -EFAULT;
  return n;
}

long sys_chdir(uint32_t upath) {
  char abs[MAXPATH];
  const struct memfile *mf;
  int r = at_path(AT_FDCWD, upath, abs, 0);
  if (r < 0)
    return r;
  switch (lookup(abs, &mf)) {
  case N_DIR:
    safestrcpy(curproc->cwd, abs, sizeof(curproc->cwd));
    return 0;
  case N_FILE:
    return -ENOTDIR;
  default:
    return -ENOENT;
  }
}

/* access for root on a read-only file system: W_OK fails with EROFS (but not on /dev/null),
 * X_OK needs an execute bit on a file. */
long sys_faccessat2(int dirfd, uint32_t upath, int mode, int flags) {
  char abs[MAXPATH];
  const struct memfile *mf;
  if (mode & ~(R_OK | W_OK | X_OK))
    return -EINVAL;
  int r = at_path(dirfd, upath, abs, 0);
  if (r < 0)
    return r;
  enum node n = lookup(abs, &mf);
  if (n == N_NONE)
    return -ENOENT;
  if ((mode & W_OK) && !(n == N_FILE && (mf->mode & S_IFMT) == S_IFCHR))
    return -EROFS;
  if ((mode & X_OK) && n == N_FILE && !(mf->mode & 0111))
    return -EACCES;
  return 0;
}

long sys_faccessat(int dirfd, uint32_t upath, int mode) {
  return sys_faccessat2(dirfd, upath, mode, 0);
}

long sys_access(uint32_t upath, int mode) {
  return sys_faccessat2(AT_FDCWD, upath, mode, 0);
}

/* No symbolic links: a name that exists is not one (EINVAL); /proc/self/exe does not exist. */
long sys_readlinkat(int dirfd, uint32_t upath, uint32_t ubuf, int size) {
  char abs[MAXPATH];
  const struct memfile *mf;
  if (size <= 0)
    return -EINVAL;
  int r = at_path(dirfd, upath, abs, 0);
  if (r < 0)
    return r;
  return lookup(abs, &mf) == N_NONE ? -ENOENT : -EINVAL;
}

long sys_readlink(uint32_t upath, uint32_t ubuf, int size) {
  return sys_readlinkat(AT_FDCWD, upath, ubuf, size);
}

long sys_umask(uint32_t mask) {
  uint32_t old = curproc->umask;
  curproc->umask = mask & 0777;
  return old;
}
