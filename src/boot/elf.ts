/**
 * A reader for 32-bit little-endian ELF executables (the format of i386 kernels).
 *
 * Source: System V ABI, "ELF Header" and "Program Header" (Tool Interface Standard ELF
 * specification 1.2, Book I §1–2), and the Intel386 supplement for EM_386. Only what a loader
 * needs is read: the file header and the program header table, validated so that every later
 * read stays inside the file.
 */
import { BootError, hex } from "./errors.js";

/** e_ident indexes and values. */
export const enum ElfIdent {
  CLASS = 4,
  DATA = 5,
  VERSION = 6,
  CLASS32 = 1,
  CLASS64 = 2,
  DATA_LSB = 1,
}

/** e_type values. */
export const enum ElfType {
  NONE = 0,
  REL = 1,
  EXEC = 2,
  DYN = 3,
  CORE = 4,
}

/** e_machine: Intel 80386. */
export const EM_386 = 3;

/** p_type values. */
export const enum ProgramType {
  NULL = 0,
  LOAD = 1,
  DYNAMIC = 2,
  INTERP = 3,
  NOTE = 4,
  SHLIB = 5,
  PHDR = 6,
}

/** p_flags bits. */
export const enum ProgramFlags {
  X = 1,
  W = 2,
  R = 4,
}

/** Sizes, bytes. */
export const ELF32_HEADER_SIZE = 52;
export const ELF32_PROGRAM_HEADER_SIZE = 32;

/** The ELF32 file header (fields as in the specification, numbers unsigned). */
export interface Elf32Header {
  type: number;
  machine: number;
  version: number;
  entry: number;
  phoff: number;
  shoff: number;
  flags: number;
  ehsize: number;
  phentsize: number;
  phnum: number;
  shentsize: number;
  shnum: number;
  shstrndx: number;
}

/** One program header. Addresses and sizes in bytes, unsigned. */
export interface Elf32ProgramHeader {
  type: number;
  offset: number;
  vaddr: number;
  paddr: number;
  filesz: number;
  memsz: number;
  flags: number;
  align: number;
}

/** A validated ELF32 executable. */
export interface Elf32Image {
  header: Elf32Header;
  programHeaders: Elf32ProgramHeader[];
  /** The PT_LOAD headers with a non-zero memory size, in file order. */
  loadSegments: Elf32ProgramHeader[];
}

const MACHINE_NAMES: Record<number, string> = {
  2: "SPARC", 3: "i386", 8: "MIPS", 20: "PowerPC", 21: "PowerPC64", 40: "ARM", 50: "IA-64",
  62: "x86-64", 183: "AArch64", 243: "RISC-V",
};
const TYPE_NAMES = ["ET_NONE", "ET_REL (a relocatable object)", "ET_EXEC", "ET_DYN (a shared object or PIE)", "ET_CORE (a core dump)"];

/** True when `bytes` start with the ELF magic 0x7F 'E' 'L' 'F'. */
export function hasElfMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

/**
 * Reads and validates an i386 ELF executable.
 * @param bytes the whole file
 * @param name  the file's name, for messages
 * @throws BootError `not-elf`, `truncated`, `elf64`, `wrong-machine`, `not-executable` or `bad-elf`
 */
export function readElf32(bytes: Uint8Array, name: string): Elf32Image {
  if (!hasElfMagic(bytes)) throw new BootError("not-elf", `${name}: not an ELF file (it does not start with 0x7f 'E' 'L' 'F')`);
  const cls = bytes.length > ElfIdent.CLASS ? bytes[ElfIdent.CLASS] : 0;
  if (cls === ElfIdent.CLASS64) {
    throw new BootError("elf64", `${name}: a 64-bit ELF (ELFCLASS64); trapgate boots 32-bit i386 kernels (ELFCLASS32, EM_386)`);
  }
  if (bytes.length < ELF32_HEADER_SIZE) {
    throw new BootError("truncated", `${name}: truncated ELF: ${bytes.length} bytes, shorter than the ${ELF32_HEADER_SIZE}-byte ELF32 header`);
  }
  if (cls !== ElfIdent.CLASS32) throw new BootError("bad-elf", `${name}: ELF class ${cls} is neither ELFCLASS32 nor ELFCLASS64`);
  if (bytes[ElfIdent.DATA] !== ElfIdent.DATA_LSB) {
    throw new BootError("bad-elf", `${name}: a big-endian ELF (EI_DATA ${bytes[ElfIdent.DATA]}); i386 kernels are little-endian`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (o: number) => view.getUint16(o, true);
  const u32 = (o: number) => view.getUint32(o, true);
  const header: Elf32Header = {
    type: u16(16), machine: u16(18), version: u32(20), entry: u32(24), phoff: u32(28), shoff: u32(32),
    flags: u32(36), ehsize: u16(40), phentsize: u16(42), phnum: u16(44), shentsize: u16(46), shnum: u16(48), shstrndx: u16(50),
  };
  if (header.machine !== EM_386) {
    const what = MACHINE_NAMES[header.machine] ?? `machine ${header.machine}`;
    throw new BootError("wrong-machine", `${name}: an ELF for ${what} (e_machine ${header.machine}), not for the i386 (EM_386 = 3)`);
  }
  if (header.type !== ElfType.EXEC) {
    const what = TYPE_NAMES[header.type] ?? `type ${header.type}`;
    throw new BootError("not-executable", `${name}: not an executable: the ELF type is ${what}, a kernel must be ET_EXEC`);
  }
  if (header.phnum === 0) throw new BootError("bad-elf", `${name}: the ELF has no program headers, so nothing to load`);
  if (header.phentsize < ELF32_PROGRAM_HEADER_SIZE) {
    throw new BootError("bad-elf", `${name}: ELF program header size ${header.phentsize} is below ${ELF32_PROGRAM_HEADER_SIZE} bytes`);
  }
  const tableEnd = header.phoff + header.phnum * header.phentsize;
  if (tableEnd > bytes.length) {
    throw new BootError("truncated", `${name}: truncated ELF: the program header table ends at byte ${tableEnd}, the file has ${bytes.length}`);
  }
  const programHeaders: Elf32ProgramHeader[] = [];
  for (let i = 0; i < header.phnum; i++) {
    const o = header.phoff + i * header.phentsize;
    const ph: Elf32ProgramHeader = {
      type: u32(o), offset: u32(o + 4), vaddr: u32(o + 8), paddr: u32(o + 12),
      filesz: u32(o + 16), memsz: u32(o + 20), flags: u32(o + 24), align: u32(o + 28),
    };
    if (ph.type === ProgramType.LOAD) {
      if (ph.offset + ph.filesz > bytes.length) {
        throw new BootError(
          "truncated",
          `${name}: truncated ELF: segment ${i} (at ${hex(ph.paddr)}) needs file bytes up to ${ph.offset + ph.filesz}, the file has ${bytes.length}`,
        );
      }
      if (ph.filesz > ph.memsz) {
        throw new BootError("bad-elf", `${name}: ELF segment ${i} has more file bytes (${ph.filesz}) than memory bytes (${ph.memsz})`);
      }
    }
    programHeaders.push(ph);
  }
  const loadSegments = programHeaders.filter((p) => p.type === ProgramType.LOAD && p.memsz > 0);
  if (loadSegments.length === 0) throw new BootError("bad-elf", `${name}: the ELF has no loadable (PT_LOAD) segment`);
  return { header, programHeaders, loadSegments };
}
