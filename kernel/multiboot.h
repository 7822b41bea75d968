/* multiboot.h — Multiboot Specification 0.6.96 (version 1): header and boot information. */
#ifndef MULTIBOOT_H
#define MULTIBOOT_H

#define MB_HEADER_MAGIC     0x1BADB002
#define MB_HEADER_PAGE_ALIGN 0x00000001  /* modules page aligned */
#define MB_HEADER_MEMORY_INFO 0x00000002 /* mem_* and mmap_* wanted */
#define MB_BOOTLOADER_MAGIC 0x2BADB002   /* in %eax at entry */

#define MB_INFO_MEMORY   0x00000001
#define MB_INFO_CMDLINE  0x00000004
#define MB_INFO_MODS     0x00000008
#define MB_INFO_MEM_MAP  0x00000040

#define MB_MEMORY_AVAILABLE 1

#ifndef __ASSEMBLER__
#include "types.h"

struct mb_info {
  uint32_t flags;
  uint32_t mem_lower, mem_upper;    /* KB */
  uint32_t boot_device;
  uint32_t cmdline;                 /* physical address of a NUL-terminated string */
  uint32_t mods_count, mods_addr;   /* physical address of struct mb_module[mods_count] */
  uint32_t syms[4];
  uint32_t mmap_length, mmap_addr;  /* physical address of struct mb_mmap entries */
};

struct mb_module {
  uint32_t mod_start, mod_end;      /* physical, [start, end) */
  uint32_t string;                  /* physical address of the module's command line */
  uint32_t reserved;
};

struct __attribute__((packed)) mb_mmap {
  uint32_t size;                    /* size of the rest of this entry (not counting 'size') */
  uint64_t addr, len;
  uint32_t type;                    /* MB_MEMORY_AVAILABLE or reserved */
};
#endif

#endif
