/* fs.c — the file system: a flat table of read-only files, each carried by a "tg-file" boot
 * module (uapi/trapgate.h) at an absolute path, plus /dev/null. Directories are not stored:
 * a path is a directory when it is "/", a proper prefix (whole components) of a file's path,
 * or the working directory or one of its ancestors, so the working directory the host passed
 * exists even with no files. Paths are resolved lexically ("." and ".." by name); there are no
 * symbolic links. Contents stay in the module's memory, read through the direct map. */
#include "types.h"
#include "defs.h"
#include "errno.h"
#include "stat.h"
#include "trapgate.h"
#include "file.h"

#define NMEMFILES 64
#define FS_DEV    0x0100001   /* st_dev of this file system: major 0, minor 0x100001 (an anonymous block) */
#define NULL_RDEV ((1 << 8) | 3)   /* /dev/null is char device 1:3 */

static struct memfile files[NMEMFILES] = {
  { .path = "/dev/null", .data = NULL, .size = 0, .mode = S_IFCHR | 0666, .mtime = 0, .rdev = NULL_RDEV },
};
static int nfiles = 1;

/* Add the file a "tg-file" module describes (main.c has checked the magic). */
void fs_add_module(const void *image, uint32_t size) {
  const struct tg_file_header *h = image;
  const char *path = (const char *)(h + 1);
  uint32_t maxpath = size - sizeof(*h);
  if (size < sizeof(*h) || h->data_offset > size || h->size > size - h->data_offset) {
    kprintf("trapgate: a tg-file module is malformed (size %u)\n", size);
    return;
  }
  if (maxpath > MAXPATH)
    maxpath = MAXPATH;
  if (strnlen(path, maxpath) == maxpath || nfiles == NMEMFILES) {
    kprintf("trapgate: a tg-file module has no valid path, or there are more than %d\n", NMEMFILES);
    return;
  }
  struct memfile *mf = &files[nfiles];
  if (path[0] != '/' || fs_normalize("/", path, mf->path) < 0) {
    kprintf("trapgate: tg-file %s: the path must be absolute\n", path);
    return;
  }
  mf->data = (const uint8_t *)image + h->data_offset;
  mf->size = h->size;
  mf->mode = S_IFREG | (h->mode & 07777);
  mf->mtime = h->mtime;
  mf->rdev = 0;
  nfiles++;
}

/* Resolve path against cwd (absolute, normalised) into out[MAXPATH]: "." and empty components
 * vanish, ".." drops the component before it (at "/" it stays "/"). Returns 0, -ENOENT for
 * an empty path, -ENAMETOOLONG. */
int fs_normalize(const char *cwd, const char *path, char *out) {
  uint32_t len = 0;
  if (path[0] == 0)
    return -ENOENT;
  for (int pass = path[0] == '/' ? 1 : 0; pass < 2; pass++) {
    const char *s = pass == 0 ? cwd : path;
    while (*s) {
      while (*s == '/')
        s++;
      const char *c = s;
      while (*s && *s != '/')
        s++;
      uint32_t n = s - c;
      if (n == 0 || (n == 1 && c[0] == '.'))
        continue;
      if (n == 2 && c[0] == '.' && c[1] == '.') {
        while (len > 0 && out[len - 1] != '/')
          len--;
        if (len > 0)
          len--;                        /* the slash before it */
        continue;
      }
      if (len + 1 + n + 1 > MAXPATH)
        return -ENAMETOOLONG;
      out[len++] = '/';
      memcpy(out + len, c, n);
      len += n;
    }
  }
  if (len == 0)
    out[len++] = '/';
  out[len] = 0;
  return 0;
}

const struct memfile *fs_lookup(const char *abspath) {
  for (int i = 0; i < nfiles; i++)
    if (strcmp(files[i].path, abspath) == 0)
      return &files[i];
  return NULL;
}

/* Is dir a proper prefix of path, ending at a component boundary? "/" is one of every path. */
static int under(const char *dir, const char *path) {
  uint32_t n = strlen(dir);
  if (n == 1)
    return path[1] != 0;
  return strncmp(dir, path, n) == 0 && path[n] == '/';
}

int fs_isdir(const char *abspath, const char *cwd) {
  if (strcmp(abspath, "/") == 0 || strcmp(abspath, cwd) == 0 || under(abspath, cwd))
    return 1;
  for (int i = 0; i < nfiles; i++)
    if (under(abspath, files[i].path))
      return 1;
  return 0;
}

static uint32_t path_ino(const char *p) {
  uint32_t h = 2166136261u;             /* FNV-1a */
  for (; *p; p++)
    h = (h ^ (uint8_t)*p) * 16777619u;
  return (h | 0x80000000u);
}

void fs_stat_file(const struct memfile *mf, struct kstat *st) {
  *st = (struct kstat){
    .dev = FS_DEV, .ino = 2 + (uint32_t)(mf - files), .mode = mf->mode, .nlink = 1,
    .rdev = mf->rdev, .size = mf->size, .blksize = 4096, .mtime = mf->mtime,
  };
}

void fs_stat_dir(const char *abspath, struct kstat *st) {
  *st = (struct kstat){
    .dev = FS_DEV, .ino = strcmp(abspath, "/") == 0 ? 1 : path_ino(abspath),
    .mode = S_IFDIR | 0755, .nlink = 2, .rdev = 0, .size = 4096, .blksize = 4096, .mtime = 0,
  };
}

/* The component of path right below dir (path is under dir), into name[size]; its length. */
static uint32_t child_name(const char *dir, const char *path, char *name, uint32_t size) {
  const char *c = path + (strlen(dir) == 1 ? 1 : strlen(dir) + 1);
  uint32_t n = 0;
  while (c[n] && c[n] != '/')
    n++;
  if (n >= size)
    n = size - 1;
  memcpy(name, c, n);
  name[n] = 0;
  return n;
}

/* Candidate paths below a directory: the files, then the working directory. */
static const char *candidate(int k, const char *cwd) {
  return k < nfiles ? files[k].path : k == nfiles ? cwd : NULL;
}

/* Entry number index of directory dir, in a fixed order: ".", "..", then each distinct child.
 * Fills name and st and returns 1, or returns 0 past the last entry. */
int fs_dir_entry(const char *dir, const char *cwd, uint32_t index, char *name, uint32_t size,
                 struct kstat *st) {
  if (index < 2) {
    safestrcpy(name, index == 0 ? "." : "..", size);
    fs_stat_dir(dir, st);               /* ".." shows the directory itself: good enough */
    return 1;
  }
  uint32_t seen = 2;
  char other[MAXPATH];
  for (int k = 0; candidate(k, cwd) != NULL; k++) {
    const char *p = candidate(k, cwd);
    if (!under(dir, p))
      continue;
    child_name(dir, p, name, size);
    int dup = 0;
    for (int j = 0; j < k && !dup; j++) {
      const char *q = candidate(j, cwd);
      if (under(dir, q)) {
        child_name(dir, q, other, sizeof(other));
        dup = strcmp(other, name) == 0;
      }
    }
    if (dup)
      continue;
    if (seen++ < index)
      continue;
    /* The child itself is a file when p is exactly dir/name; otherwise a directory on the way. */
    uint32_t dl = strlen(dir) == 1 ? 0 : strlen(dir);
    if (k < nfiles && strlen(p) == dl + 1 + strlen(name)) {
      fs_stat_file(&files[k], st);
    } else {
      char full[MAXPATH];
      fs_normalize(dir, name, full);
      fs_stat_dir(full, st);
    }
    return 1;
  }
  return 0;
}
