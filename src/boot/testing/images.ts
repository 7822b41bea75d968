/**
 * Builders for boot test fixtures: ELF32 files and multiboot headers assembled from bytes.
 */

/** One PT_LOAD segment: `data` at `paddr` (default = vaddr), zero-filled up to `memsz`. */
export interface SegmentSpec {
  vaddr: number;
  paddr?: number;
  data: Uint8Array;
  memsz?: number;
  flags?: number;
}

export interface ElfSpec {
  entry: number;
  segments: SegmentSpec[];
  /** e_machine, default 3 (EM_386). */
  machine?: number;
  /** e_type, default 2 (ET_EXEC). */
  type?: number;
  /** EI_CLASS, default 1 (ELFCLASS32). */
  elfClass?: number;
  /** File offset of the first segment's data, default 0x100. */
  firstOffset?: number;
}

/** An ELF32 little-endian file: header, program headers, then each segment's bytes. */
export function buildElf32(spec: ElfSpec): Uint8Array {
  const phoff = 52;
  const phnum = spec.segments.length;
  let offset = spec.firstOffset ?? 0x100;
  const offsets: number[] = [];
  for (const s of spec.segments) {
    offsets.push(offset);
    offset = Math.ceil((offset + s.data.length) / 16) * 16;
  }
  const bytes = new Uint8Array(Math.max(offset, phoff + phnum * 32));
  const v = new DataView(bytes.buffer);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, spec.elfClass ?? 1, 1, 1]);
  v.setUint16(16, spec.type ?? 2, true);
  v.setUint16(18, spec.machine ?? 3, true);
  v.setUint32(20, 1, true);
  v.setUint32(24, spec.entry >>> 0, true);
  v.setUint32(28, phoff, true);
  v.setUint16(40, 52, true);
  v.setUint16(42, 32, true);
  v.setUint16(44, phnum, true);
  v.setUint16(46, 40, true);
  spec.segments.forEach((s, i) => {
    const o = phoff + i * 32;
    v.setUint32(o, 1, true);
    v.setUint32(o + 4, offsets[i], true);
    v.setUint32(o + 8, s.vaddr >>> 0, true);
    v.setUint32(o + 12, (s.paddr ?? s.vaddr) >>> 0, true);
    v.setUint32(o + 16, s.data.length, true);
    v.setUint32(o + 20, s.memsz ?? s.data.length, true);
    v.setUint32(o + 24, s.flags ?? 7, true);
    v.setUint32(o + 28, 0x1000, true);
    bytes.set(s.data, offsets[i]);
  });
  return bytes;
}

/** A multiboot header with `flags` and, when given, the address and video fields. */
export function multibootHeader(
  flags: number,
  fields: { headerAddr?: number; loadAddr?: number; loadEndAddr?: number; bssEndAddr?: number; entryAddr?: number } = {},
  badChecksum = false,
): Uint8Array {
  const bytes = new Uint8Array(48);
  const v = new DataView(bytes.buffer);
  v.setUint32(0, 0x1badb002, true);
  v.setUint32(4, flags >>> 0, true);
  v.setUint32(8, (-(0x1badb002 + flags) + (badChecksum ? 1 : 0)) >>> 0, true);
  v.setUint32(12, fields.headerAddr ?? 0, true);
  v.setUint32(16, fields.loadAddr ?? 0, true);
  v.setUint32(20, fields.loadEndAddr ?? 0, true);
  v.setUint32(24, fields.bssEndAddr ?? 0, true);
  v.setUint32(28, fields.entryAddr ?? 0, true);
  return bytes;
}

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
