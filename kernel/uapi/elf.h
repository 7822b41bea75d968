/* elf.h — ELF32 structures (System V ABI, Intel386 supplement), shared by the kernel (module
 * loader, vDSO) and user/ (vDSO symbol lookup). Needs uint*_t defined by the includer. */
#ifndef ELF_H
#define ELF_H

#define ELF_MAGIC   0x464C457FU  /* "\x7FELF" little endian */
#define ELFCLASS32  1
#define ELFDATA2LSB 1
#define ET_EXEC     2
#define ET_DYN      3
#define EM_386      3

struct elfhdr {
  uint32_t magic;
  uint8_t  eclass, edata, eversion, osabi;
  uint8_t  pad[8];
  uint16_t type, machine;
  uint32_t version, entry, phoff, shoff, flags;
  uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

#define PT_LOAD    1
#define PT_DYNAMIC 2
#define PT_INTERP  3
#define PT_PHDR    6
#define PF_X 1
#define PF_W 2
#define PF_R 4

struct proghdr {
  uint32_t type, off, vaddr, paddr, filesz, memsz, flags, align;
};

#define SHT_SYMTAB 2
#define SHT_STRTAB 3
#define SHT_DYNSYM 11

struct secthdr {
  uint32_t name, type, flags, addr, off, size, link, info, addralign, entsize;
};

struct elfsym {
  uint32_t name, value, size;
  uint8_t info, other;
  uint16_t shndx;
};

_Static_assert(sizeof(struct elfhdr) == 52, "Elf32_Ehdr");
_Static_assert(sizeof(struct proghdr) == 32, "Elf32_Phdr");
_Static_assert(sizeof(struct secthdr) == 40, "Elf32_Shdr");
_Static_assert(sizeof(struct elfsym) == 16, "Elf32_Sym");
#endif
