/**
 * A multiboot version 1 boot loader: loads a kernel image and its modules into RAM, writes the
 * boot information, and puts the processor in the state the specification requires.
 *
 * Source: The Multiboot Specification version 0.6.96 (GNU GRUB): §3.1 "OS image format" (the
 * header: magic 0x1BADB002, flags, checksum, the a.out-kludge address fields, the video mode
 * fields), §3.2 "Machine state" (EAX = 0x2BADB002, EBX = the information structure, flat 4 GiB
 * segments, A20 on, paging off, IF = 0), §3.3 "Boot information format" (the structure, the
 * module list, the memory map). ELF kernels whose virtual and physical addresses differ have
 * their entry point translated to physical through the segment containing it, as GRUB 2 does.
 *
 * Where things go in physical memory:
 *
 * - the kernel at its physical load addresses (ELF p_paddr, or the a.out-kludge load_addr);
 * - the boot information, its strings, the memory map and the module list in the boot
 *   information area 0x9000–0x9FBFF, below 1 MiB and below the EBDA, where a kernel loaded at
 *   1 MiB does not overwrite them;
 * - each module's contents page-aligned after the kernel's highest address (including bss),
 *   one after the other.
 *
 * The memory map describes RAM as a PC BIOS would: 0–0x9FBFF available, the EBDA (0x9FC00–
 * 0x9FFFF) and the BIOS area (0xF0000–0xFFFFF) reserved, 1 MiB to the end of RAM available.
 * The VGA hole 0xA0000–0xEFFFF is left out.
 */
import { type Elf32Image, hasElfMagic, readElf32 } from "./elf.js";
import { BootError, hex } from "./errors.js";

/** Header magic (§3.1.2). */
export const MULTIBOOT_HEADER_MAGIC = 0x1badb002;
/** EAX at kernel entry (§3.2). */
export const MULTIBOOT_BOOTLOADER_MAGIC = 0x2badb002;
/** The header must lie, 32-bit aligned, within this many bytes from the start of the file. */
export const MULTIBOOT_SEARCH_BYTES = 8192;
/** The boot loader's name in the boot information. */
export const BOOT_LOADER_NAME = "trapgate";

/** Header flag bits (§3.1.2). Bits 0–15 are requirements; 16–31 optional features. */
export const enum HeaderFlag {
  /** Modules must be page (4 KiB) aligned. */
  PAGE_ALIGN = 1 << 0,
  /** mem_lower/mem_upper (and the memory map) must be provided. */
  MEMORY_INFO = 1 << 1,
  /** Video mode information must be provided. */
  VIDEO_MODE = 1 << 2,
  /** The a.out-kludge address fields are valid: load by them instead of the ELF headers. */
  AOUT_KLUDGE = 1 << 16,
  /** Requirement bits: the loader must fail on ones it does not know. */
  REQUIRED_MASK = 0xffff,
}

/** Header field offsets (§3.1.1). */
export const enum HeaderOffset {
  MAGIC = 0,
  FLAGS = 4,
  CHECKSUM = 8,
  HEADER_ADDR = 12,
  LOAD_ADDR = 16,
  LOAD_END_ADDR = 20,
  BSS_END_ADDR = 24,
  ENTRY_ADDR = 28,
  MODE_TYPE = 32,
  WIDTH = 36,
  HEIGHT = 40,
  DEPTH = 44,
}

/** Boot information flag bits (§3.3): which fields are valid. */
export const enum InfoFlag {
  MEMORY = 1 << 0,
  BOOT_DEVICE = 1 << 1,
  CMDLINE = 1 << 2,
  MODS = 1 << 3,
  AOUT_SYMS = 1 << 4,
  ELF_SHDR = 1 << 5,
  MEM_MAP = 1 << 6,
  DRIVES = 1 << 7,
  CONFIG_TABLE = 1 << 8,
  BOOT_LOADER_NAME = 1 << 9,
  APM_TABLE = 1 << 10,
  VBE = 1 << 11,
  FRAMEBUFFER = 1 << 12,
}

/** Boot information field offsets (§3.3). */
export const enum InfoOffset {
  FLAGS = 0,
  MEM_LOWER = 4,
  MEM_UPPER = 8,
  BOOT_DEVICE = 12,
  CMDLINE = 16,
  MODS_COUNT = 20,
  MODS_ADDR = 24,
  SYMS = 28,
  MMAP_LENGTH = 44,
  MMAP_ADDR = 48,
  DRIVES_LENGTH = 52,
  DRIVES_ADDR = 56,
  CONFIG_TABLE = 60,
  BOOT_LOADER_NAME = 64,
  APM_TABLE = 68,
  FRAMEBUFFER_ADDR = 88,
  FRAMEBUFFER_PITCH = 96,
  FRAMEBUFFER_WIDTH = 100,
  FRAMEBUFFER_HEIGHT = 104,
  FRAMEBUFFER_BPP = 108,
  FRAMEBUFFER_TYPE = 109,
  /** Size of the structure with the framebuffer fields. */
  SIZE = 116,
}

/** A module list entry (§3.3): mod_start, mod_end (exclusive), string, reserved. */
export const enum ModuleOffset {
  START = 0,
  END = 4,
  STRING = 8,
  RESERVED = 12,
  SIZE = 16,
}

/** A memory map entry (§3.3): the size field (not counting itself), base, length, type. */
export const enum MmapOffset {
  SIZE = 0,
  BASE_ADDR = 4,
  LENGTH = 12,
  TYPE = 20,
  /** Bytes per entry including the size field. */
  ENTRY = 24,
}

/** Memory map types. */
export const enum MemoryType {
  AVAILABLE = 1,
  RESERVED = 2,
}

/** framebuffer_type for EGA-standard text mode. */
export const FRAMEBUFFER_TYPE_EGA_TEXT = 2;

/** The boot information area: [INFO_AREA_START, INFO_AREA_END). */
export const INFO_AREA_START = 0x9000;
export const INFO_AREA_END = 0x9fc00;
/** Conventional memory below the EBDA, bytes, and where extended memory starts. */
export const LOWER_MEMORY_BYTES = 0x9fc00;
export const UPPER_MEMORY_START = 0x100000;
const PAGE = 4096;

/** A decoded multiboot header. */
export interface MultibootHeader {
  /** Byte offset of the header in the file. */
  offset: number;
  flags: number;
  headerAddr: number;
  loadAddr: number;
  loadEndAddr: number;
  bssEndAddr: number;
  entryAddr: number;
  modeType: number;
  width: number;
  height: number;
  depth: number;
}

/** A boot module: its contents and its string (by convention its name and arguments). */
export interface BootModule {
  bytes: Uint8Array;
  string: string;
}

export interface MultibootOptions {
  /** The kernel command line. Default "". */
  cmdline?: string;
  /** Boot modules, in order. */
  modules?: BootModule[];
  /** The kernel's name in error messages. Default "kernel". */
  kernelName?: string;
}

/** A loaded range of physical memory, [start, end). */
export interface PhysicalRange {
  start: number;
  end: number;
}

/** What the loader did. Addresses are physical. */
export interface MultibootLoad {
  /** Where execution starts (EIP). */
  entry: number;
  /** The boot information structure (EBX). */
  infoAddress: number;
  /** How the image was loaded. */
  format: "elf" | "aout-kludge";
  header: MultibootHeader;
  /** The kernel's loaded ranges, bss included. */
  kernelRanges: PhysicalRange[];
  /** One past the kernel's highest loaded byte. */
  kernelEnd: number;
  /** Each module's placement and the address of its string. */
  modules: Array<PhysicalRange & { string: string; stringAddress: number }>;
  /** The boot information area used, [INFO_AREA_START, end). */
  infoArea: PhysicalRange;
}

/** What the loader needs of the machine: its RAM and the processor's multiboot entry state. */
export interface MultibootTarget {
  readonly ram: Uint8Array;
  readonly cpu: { setupMultibootState(entry: number, ebx: number): void };
}

/**
 * Finds the multiboot header: the first 32-bit aligned magic in the first 8192 bytes whose
 * checksum makes magic + flags + checksum = 0 (mod 2^32).
 * @returns the header, or null when there is none
 * @throws BootError `bad-multiboot-header` when magics are found but none has a valid checksum
 */
export function findMultibootHeader(image: Uint8Array, name = "kernel"): MultibootHeader | null {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const limit = Math.min(MULTIBOOT_SEARCH_BYTES, image.length) - 12;
  let badChecksumAt = -1;
  for (let o = 0; o <= limit; o += 4) {
    if (view.getUint32(o, true) !== MULTIBOOT_HEADER_MAGIC) continue;
    const flags = view.getUint32(o + HeaderOffset.FLAGS, true);
    const checksum = view.getUint32(o + HeaderOffset.CHECKSUM, true);
    if (((MULTIBOOT_HEADER_MAGIC + flags + checksum) >>> 0) !== 0) {
      if (badChecksumAt < 0) badChecksumAt = o;
      continue;
    }
    const field = (f: number) => (o + f + 4 <= image.length ? view.getUint32(o + f, true) : 0);
    if (flags & HeaderFlag.AOUT_KLUDGE && o + HeaderOffset.ENTRY_ADDR + 4 > image.length) {
      throw new BootError("truncated", `${name}: the multiboot header at offset ${o} is cut off before its address fields`);
    }
    return {
      offset: o,
      flags,
      headerAddr: field(HeaderOffset.HEADER_ADDR),
      loadAddr: field(HeaderOffset.LOAD_ADDR),
      loadEndAddr: field(HeaderOffset.LOAD_END_ADDR),
      bssEndAddr: field(HeaderOffset.BSS_END_ADDR),
      entryAddr: field(HeaderOffset.ENTRY_ADDR),
      modeType: field(HeaderOffset.MODE_TYPE),
      width: field(HeaderOffset.WIDTH),
      height: field(HeaderOffset.HEIGHT),
      depth: field(HeaderOffset.DEPTH),
    };
  }
  if (badChecksumAt >= 0) {
    throw new BootError("bad-multiboot-header", `${name}: the multiboot header at offset ${badChecksumAt} has a bad checksum (magic + flags + checksum must be 0)`);
  }
  return null;
}

/** A segment to copy: `fileBytes` from the image at `fileOffset` to `start`, zero up to `end`. */
interface Placement extends PhysicalRange {
  fileOffset: number;
  fileBytes: number;
}

/**
 * Loads a multiboot kernel and its modules into `ram` and writes the boot information.
 * Does not touch the processor (see `bootMultiboot`).
 * @param ram     guest RAM (physical address = index)
 * @param kernel  the kernel image file
 * @throws BootError `not-multiboot`, `bad-multiboot-header`, `unsupported-flags`, the ELF
 *         errors (`not-elf`, `truncated`, `elf64`, `wrong-machine`, `not-executable`, `bad-elf`),
 *         `kernel-too-big`, `module-too-big` or `info-overlap`
 */
export function loadMultiboot(ram: Uint8Array, kernel: Uint8Array, options: MultibootOptions = {}): MultibootLoad {
  const name = options.kernelName ?? "kernel";
  const header = findMultibootHeader(kernel, name);
  if (header === null) {
    // An ELF that is wrong in itself (64-bit, another machine...) is reported as such.
    if (hasElfMagic(kernel)) readElf32(kernel, name);
    throw new BootError("not-multiboot", `${name}: not a multiboot kernel: no multiboot header (magic 0x1badb002) in its first ${MULTIBOOT_SEARCH_BYTES} bytes`);
  }
  const unknown = header.flags & HeaderFlag.REQUIRED_MASK & ~(HeaderFlag.PAGE_ALIGN | HeaderFlag.MEMORY_INFO | HeaderFlag.VIDEO_MODE);
  if (unknown !== 0) {
    throw new BootError("unsupported-flags", `${name}: the multiboot header requires features trapgate does not provide (flag bits ${hex(unknown)})`);
  }

  let entry: number;
  let placements: Placement[];
  let format: MultibootLoad["format"];
  if (header.flags & HeaderFlag.AOUT_KLUDGE) {
    format = "aout-kludge";
    ({ entry, placements } = placeAoutKludge(kernel, header, name));
  } else {
    format = "elf";
    if (!hasElfMagic(kernel)) {
      throw new BootError("not-elf", `${name}: not an ELF file, and its multiboot header has no a.out-kludge addresses (flag bit 16)`);
    }
    ({ entry, placements } = placeElf(readElf32(kernel, name)));
  }

  for (const p of placements) {
    if (p.end > ram.length) {
      throw new BootError(
        "kernel-too-big",
        `${name}: the kernel does not fit in memory: it loads at ${hex(p.start)}-${hex(p.end - 1)}, RAM ends at ${hex(ram.length - 1)} (${ram.length / 1048576} MiB)`,
      );
    }
  }
  const kernelRanges = placements.map(({ start, end }) => ({ start, end }));
  const kernelEnd = Math.max(...placements.map((p) => p.end));

  // Modules after the kernel, page-aligned (whether or not flag bit 0 asks for it).
  const modules: MultibootLoad["modules"] = [];
  let next = alignUp(kernelEnd, PAGE);
  for (const [i, m] of (options.modules ?? []).entries()) {
    const start = next;
    const end = start + m.bytes.length;
    if (end > ram.length) {
      throw new BootError(
        "module-too-big",
        `module ${i + 1} "${m.string}" (${m.bytes.length} bytes) does not fit in memory: it would end at ${hex(end - 1)}, RAM ends at ${hex(ram.length - 1)}`,
      );
    }
    modules.push({ start, end, string: m.string, stringAddress: 0 });
    next = alignUp(end, PAGE);
  }

  // Boot information below 1 MiB; the kernel must not overlap it.
  const info = new InfoWriter(ram);
  const infoAddress = info.reserve(InfoOffset.SIZE, 4);
  const loaderName = info.string(BOOT_LOADER_NAME);
  const cmdline = info.string(options.cmdline ?? "");
  const mmap = memoryMap(ram.length);
  const mmapAddress = info.reserve(mmap.length * MmapOffset.ENTRY, 4);
  const modsAddress = info.reserve(modules.length * ModuleOffset.SIZE, 4);
  for (const m of modules) m.stringAddress = info.string(m.string);
  const infoArea = { start: INFO_AREA_START, end: info.end };
  for (const r of kernelRanges) {
    if (r.start < infoArea.end && r.end > infoArea.start) {
      throw new BootError(
        "info-overlap",
        `${name}: the kernel loads at ${hex(r.start)}-${hex(r.end - 1)}, over the boot information area ${hex(infoArea.start)}-${hex(infoArea.end - 1)}`,
      );
    }
  }

  // Copy the kernel and modules.
  for (const p of placements) {
    ram.fill(0, p.start, p.end);
    ram.set(kernel.subarray(p.fileOffset, p.fileOffset + p.fileBytes), p.start);
  }
  for (const [i, m] of modules.entries()) ram.set(options.modules![i].bytes, m.start);

  // The structures.
  const w32 = (addr: number, v: number) => new DataView(ram.buffer, ram.byteOffset).setUint32(addr, v >>> 0, true);
  info.commitStrings();
  let flags = InfoFlag.MEMORY | InfoFlag.CMDLINE | InfoFlag.MODS | InfoFlag.MEM_MAP | InfoFlag.BOOT_LOADER_NAME;
  w32(infoAddress + InfoOffset.MEM_LOWER, LOWER_MEMORY_BYTES / 1024);
  w32(infoAddress + InfoOffset.MEM_UPPER, (ram.length - UPPER_MEMORY_START) / 1024);
  w32(infoAddress + InfoOffset.CMDLINE, cmdline);
  w32(infoAddress + InfoOffset.MODS_COUNT, modules.length);
  w32(infoAddress + InfoOffset.MODS_ADDR, modsAddress);
  w32(infoAddress + InfoOffset.MMAP_LENGTH, mmap.length * MmapOffset.ENTRY);
  w32(infoAddress + InfoOffset.MMAP_ADDR, mmapAddress);
  w32(infoAddress + InfoOffset.BOOT_LOADER_NAME, loaderName);
  for (const [i, e] of mmap.entries()) {
    const a = mmapAddress + i * MmapOffset.ENTRY;
    w32(a + MmapOffset.SIZE, MmapOffset.ENTRY - 4);
    w32(a + MmapOffset.BASE_ADDR, e.base);
    w32(a + MmapOffset.BASE_ADDR + 4, 0);
    w32(a + MmapOffset.LENGTH, e.length);
    w32(a + MmapOffset.LENGTH + 4, 0);
    w32(a + MmapOffset.TYPE, e.type);
  }
  for (const [i, m] of modules.entries()) {
    const a = modsAddress + i * ModuleOffset.SIZE;
    w32(a + ModuleOffset.START, m.start);
    w32(a + ModuleOffset.END, m.end);
    w32(a + ModuleOffset.STRING, m.stringAddress);
    w32(a + ModuleOffset.RESERVED, 0);
  }
  if (header.flags & HeaderFlag.VIDEO_MODE) {
    // The only mode there is: EGA text 80×25 at 0xB8000 (§3.3 framebuffer_type 2).
    flags |= InfoFlag.FRAMEBUFFER;
    w32(infoAddress + InfoOffset.FRAMEBUFFER_ADDR, 0xb8000);
    w32(infoAddress + InfoOffset.FRAMEBUFFER_ADDR + 4, 0);
    w32(infoAddress + InfoOffset.FRAMEBUFFER_PITCH, 160);
    w32(infoAddress + InfoOffset.FRAMEBUFFER_WIDTH, 80);
    w32(infoAddress + InfoOffset.FRAMEBUFFER_HEIGHT, 25);
    ram[infoAddress + InfoOffset.FRAMEBUFFER_BPP] = 16;
    ram[infoAddress + InfoOffset.FRAMEBUFFER_TYPE] = FRAMEBUFFER_TYPE_EGA_TEXT;
  }
  w32(infoAddress + InfoOffset.FLAGS, flags);

  return { entry, infoAddress, format, header, kernelRanges, kernelEnd, modules, infoArea };
}

/**
 * Loads the kernel (see `loadMultiboot`) and sets the processor to the multiboot entry state:
 * EAX = 0x2BADB002, EBX = the boot information, EIP = the entry point, flat 32-bit protected
 * mode, paging off, IF = 0 (§3.2).
 * @throws BootError as `loadMultiboot`
 */
export function bootMultiboot(target: MultibootTarget, kernel: Uint8Array, options: MultibootOptions = {}): MultibootLoad {
  const load = loadMultiboot(target.ram, kernel, options);
  target.cpu.setupMultibootState(load.entry, load.infoAddress);
  return load;
}

/** Placement from the a.out-kludge fields (§3.1.3). */
function placeAoutKludge(image: Uint8Array, h: MultibootHeader, name: string): { entry: number; placements: Placement[] } {
  const bad = (why: string) => new BootError("bad-multiboot-header", `${name}: multiboot a.out-kludge header: ${why}`);
  if (h.headerAddr < h.loadAddr) throw bad(`header_addr ${hex(h.headerAddr)} is below load_addr ${hex(h.loadAddr)}`);
  const fileOffset = h.offset - (h.headerAddr - h.loadAddr);
  if (fileOffset < 0) throw bad(`load_addr ${hex(h.loadAddr)} would start ${-fileOffset} bytes before the file`);
  if (h.loadEndAddr !== 0 && h.loadEndAddr < h.loadAddr) throw bad(`load_end_addr ${hex(h.loadEndAddr)} is below load_addr ${hex(h.loadAddr)}`);
  const fileBytes = h.loadEndAddr === 0 ? image.length - fileOffset : h.loadEndAddr - h.loadAddr;
  if (fileOffset + fileBytes > image.length) {
    throw new BootError("truncated", `${name}: truncated kernel: load_end_addr ${hex(h.loadEndAddr)} needs ${fileOffset + fileBytes} file bytes, the file has ${image.length}`);
  }
  const loadEnd = h.loadAddr + fileBytes;
  if (h.bssEndAddr !== 0 && h.bssEndAddr < loadEnd) throw bad(`bss_end_addr ${hex(h.bssEndAddr)} is below the end of the loaded image ${hex(loadEnd)}`);
  const end = h.bssEndAddr === 0 ? loadEnd : h.bssEndAddr;
  return { entry: h.entryAddr, placements: [{ start: h.loadAddr, end, fileOffset, fileBytes }] };
}

/** Placement from the ELF program headers: PT_LOAD segments at p_paddr. */
function placeElf(elf: Elf32Image): { entry: number; placements: Placement[] } {
  const placements = elf.loadSegments.map((s) => ({ start: s.paddr, end: s.paddr + s.memsz, fileOffset: s.offset, fileBytes: s.filesz }));
  // GRUB 2 (multiboot_elfxx.c): an entry point inside a segment whose vaddr differs from its
  // paddr is translated to the physical address.
  let entry = elf.header.entry;
  for (const s of elf.loadSegments) {
    if (entry >= s.vaddr && entry < s.vaddr + s.memsz) {
      entry = (entry - s.vaddr + s.paddr) >>> 0;
      break;
    }
  }
  return { entry, placements };
}

function alignUp(n: number, align: number): number {
  return Math.ceil(n / align) * align;
}

/** The BIOS-style memory map for `ramBytes` of RAM (see the module comment). */
export function memoryMap(ramBytes: number): Array<{ base: number; length: number; type: MemoryType }> {
  return [
    { base: 0, length: LOWER_MEMORY_BYTES, type: MemoryType.AVAILABLE },
    { base: LOWER_MEMORY_BYTES, length: 0xa0000 - LOWER_MEMORY_BYTES, type: MemoryType.RESERVED },
    { base: 0xf0000, length: 0x10000, type: MemoryType.RESERVED },
    { base: UPPER_MEMORY_START, length: ramBytes - UPPER_MEMORY_START, type: MemoryType.AVAILABLE },
  ];
}

/** Allocates the boot information area from INFO_AREA_START upward. */
class InfoWriter {
  private cursor = INFO_AREA_START;
  private readonly strings: Array<[number, Uint8Array]> = [];

  constructor(private readonly ram: Uint8Array) {}

  /** One past the last byte allocated. */
  get end(): number {
    return this.cursor;
  }

  /** Reserves `bytes`, aligned; returns the address. @throws BootError `info-overlap` when the area is full */
  reserve(bytes: number, align: number): number {
    const addr = alignUp(this.cursor, align);
    if (addr + bytes > INFO_AREA_END) {
      throw new BootError(
        "info-overlap",
        `the boot information (command line, module list and strings) does not fit in ${hex(INFO_AREA_START)}-${hex(INFO_AREA_END - 1)}`,
      );
    }
    this.cursor = addr + bytes;
    return addr;
  }

  /** Reserves a NUL-terminated UTF-8 copy of `s`, written by `commitStrings`; returns its address. */
  string(s: string): number {
    const bytes = new TextEncoder().encode(s + "\0");
    const addr = this.reserve(bytes.length, 1);
    this.strings.push([addr, bytes]);
    return addr;
  }

  /** Zeroes the area and writes the strings (after the kernel has been checked not to overlap). */
  commitStrings(): void {
    this.ram.fill(0, INFO_AREA_START, this.cursor);
    for (const [addr, bytes] of this.strings) this.ram.set(bytes, addr);
  }
}
