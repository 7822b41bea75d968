/* stat.h — file modes and the i386 stat structures: struct stat64 of stat64/lstat64/fstat64/
 * fstatat64 (195-197, 300; arch/x86/include/uapi/asm/stat.h — 96 bytes, long long fields
 * 4-byte aligned as the i386 ABI aligns them) and struct statx of statx (383;
 * include/uapi/linux/stat.h — 256 bytes). */
#ifndef UAPI_STAT_H
#define UAPI_STAT_H
#define S_IFMT   0170000
#define S_IFSOCK 0140000
#define S_IFLNK  0120000
#define S_IFREG  0100000
#define S_IFBLK  0060000
#define S_IFDIR  0040000
#define S_IFCHR  0020000
#define S_IFIFO  0010000
#define S_ISUID  0004000
#define S_ISGID  0002000
#define S_ISVTX  0001000

struct stat64_k {
  uint64_t st_dev;
  uint8_t  __pad0[4];
  uint32_t __st_ino;
  uint32_t st_mode;
  uint32_t st_nlink;
  uint32_t st_uid;
  uint32_t st_gid;
  uint64_t st_rdev;
  uint8_t  __pad3[4];
  int64_t  st_size;
  uint32_t st_blksize;
  uint64_t st_blocks;          /* 512-byte units */
  uint32_t st_atime_, st_atime_nsec;
  uint32_t st_mtime_, st_mtime_nsec;
  uint32_t st_ctime_, st_ctime_nsec;
  uint64_t st_ino;
} __attribute__((packed, aligned(4)));
_Static_assert(sizeof(struct stat64_k) == 96, "i386 struct stat64 is 96 bytes");

struct statx_timestamp_k {
  int64_t  tv_sec;
  uint32_t tv_nsec;
  int32_t  __reserved;
};
struct statx_k {
  uint32_t stx_mask;
  uint32_t stx_blksize;
  uint64_t stx_attributes;
  uint32_t stx_nlink;
  uint32_t stx_uid;
  uint32_t stx_gid;
  uint16_t stx_mode;
  uint16_t __spare0;
  uint64_t stx_ino;
  uint64_t stx_size;
  uint64_t stx_blocks;
  uint64_t stx_attributes_mask;
  struct statx_timestamp_k stx_atime, stx_btime, stx_ctime, stx_mtime;
  uint32_t stx_rdev_major, stx_rdev_minor;
  uint32_t stx_dev_major, stx_dev_minor;
  uint64_t __spare2[14];
} __attribute__((packed, aligned(4)));
_Static_assert(sizeof(struct statx_k) == 256, "struct statx is 256 bytes");
#define STATX_TYPE        0x0001
#define STATX_MODE        0x0002
#define STATX_NLINK       0x0004
#define STATX_UID         0x0008
#define STATX_GID         0x0010
#define STATX_ATIME       0x0020
#define STATX_MTIME       0x0040
#define STATX_CTIME       0x0080
#define STATX_INO         0x0100
#define STATX_SIZE        0x0200
#define STATX_BLOCKS      0x0400
#define STATX_BASIC_STATS 0x07ff
#endif
