/* trapgate.h — trapgate's own system calls, in a number range of their own that Linux never
 * uses: TG_SYSCALL_BASE (0x5400) + n. Same ABI as the Linux calls (number in EAX, arguments in
 * EBX ECX EDX ..., result in EAX, -errno on error); reachable through all three entry paths.
 * Shared by the kernel and user/. */
#ifndef UAPI_TRAPGATE_H
#define UAPI_TRAPGATE_H

#define TG_SYSCALL_BASE      0x5400
/* int get_key(void): one byte from the console input (COM1 receive buffer) without waiting,
 * or -EAGAIN when none is buffered. */
#define TG_NR_get_key        (TG_SYSCALL_BASE + 0)
/* int video_draw(unsigned row, unsigned col, unsigned attr, const char *str): write str into
 * the VGA text screen (80x25 cells at physical 0xB8000) at row/col with the attribute byte;
 * clipped at the end of the row. Returns the number of cells written, -EINVAL for a row >= 25,
 * col >= 80 or attr > 0xff, -EFAULT for a bad pointer. */
#define TG_NR_video_draw     (TG_SYSCALL_BASE + 1)
/* int get_kernel_info(struct tg_kernel_info *info): fill *info. Returns 0 or -EFAULT. */
#define TG_NR_get_kernel_info (TG_SYSCALL_BASE + 2)
/* long arg_check(a1, a2, a3, a4, a5, a6): returns a1 + 2*a2 + 3*a3 + 4*a4 + 5*a5 + 6*a6
 * (mod 2^32), to check that all six argument registers arrive through an entry path. */
#define TG_NR_arg_check      (TG_SYSCALL_BASE + 3)
#define TG_NR_COUNT          4

/* Kernel entry paths, indexes into tg_kernel_info.entries[]. */
#define TG_PATH_INT80    0
#define TG_PATH_SYSENTER 1
#define TG_PATH_SYSCALL  2
#define TG_NPATHS        3

struct tg_kernel_info {
  char     version[64];        /* NUL-terminated, e.g. "trapgate-kernel 0.1" */
  uint32_t uptime_ns_lo;       /* nanoseconds since boot (PIT ticks), 64 bits split in two */
  uint32_t uptime_ns_hi;
  uint32_t mem_total_lo;       /* bytes of RAM the page allocator manages */
  uint32_t mem_total_hi;
  uint32_t mem_free_lo;        /* bytes of it still free */
  uint32_t mem_free_hi;
  uint32_t entries[TG_NPATHS]; /* system calls entered through int $0x80, SYSENTER, SYSCALL */
  uint32_t vdso_path;          /* the path the vDSO's __kernel_vsyscall uses (TG_PATH_*) */
  uint32_t paths_available;    /* bit TG_PATH_* set when the processor offers that path */
  uint32_t interrupts;         /* hardware interrupts taken */
  uint32_t exceptions;         /* processor exceptions taken */
  uint32_t hz;                 /* timer interrupts per second */
};

/* Boot modules that are not programs. A program module is a static ELF executable (it starts
 * with the ELF magic); these start with an 8-byte magic of their own instead. Fields are
 * little-endian. The trapgate CLI builds them (src/cli/run.ts); README.md, "Boot modules". */

/* "tg-args": the exact argv, envp and working directory of the next program module (its
 * string then only names it). After the header: argc + envc + 1 NUL-terminated strings —
 * argv[0..argc-1], envp[0..envc-1], the working directory (absolute; "" means "/"). */
#define TG_ARGS_MAGIC "tg-args"
struct tg_args_header {
  char magic[8];               /* "tg-args\0" */
  uint32_t argc, envc;
};

/* "tg-file": a read-only file for the programs, at an absolute path. After the header: the
 * path, NUL-terminated; the contents start at data_offset from the module's start. */
#define TG_FILE_MAGIC "tg-file"
struct tg_file_header {
  char magic[8];               /* "tg-file\0" */
  uint32_t data_offset;        /* bytes from the module's start to the contents */
  uint32_t size;               /* bytes of contents */
  uint32_t mode;               /* permission bits (the file is a regular file) */
  uint32_t mtime;              /* modification time, seconds since 1970 */
};

#endif
