/**
 * Segmentation (Intel SDM Vol. 3A chapter 3 and §5.1–5.6): selectors, descriptors, the descriptor
 * caches of the segment registers, segment-register loads with every protection check, and the
 * limit/type checks of memory accesses.
 */
import type { Cpu } from "./cpu.js";
import { CpuFault, Vector, gp, np, selectorErrorCode, ss } from "./fault.js";
import { EFLAGS } from "./flags.js";

/** Segment registers in the encoding of ModRM.reg for MOV Sreg (SDM Vol. 2 Table 3-? "Sreg"). */
export const enum SegReg { ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5 }
export const SEG_NAMES = ["ES", "CS", "SS", "DS", "FS", "GS"] as const;

/** A segment selector (SDM Vol. 3A §3.4.2): index, table indicator, requested privilege level. */
export class SegmentSelector {
  constructor(readonly value: number) {}
  get index(): number { return this.value >>> 3; }
  /** TI: 0 = GDT, 1 = LDT. */
  get ti(): number { return (this.value >> 2) & 1; }
  get rpl(): number { return this.value & 3; }
  /** Index 0 in the GDT (SDM §3.4.2: the null selector). */
  get isNull(): boolean { return (this.value & 0xfffc) === 0; }
  toString(): string { return `0x${this.value.toString(16)}`; }
}

/** Descriptor type field values for system descriptors (S = 0), SDM Vol. 3A Table 3-2. */
export const enum SystemType {
  TSS16Available = 0x1, LDT = 0x2, TSS16Busy = 0x3, CallGate16 = 0x4, TaskGate = 0x5,
  InterruptGate16 = 0x6, TrapGate16 = 0x7, TSS32Available = 0x9, TSS32Busy = 0xb,
  CallGate32 = 0xc, InterruptGate32 = 0xe, TrapGate32 = 0xf,
}

/**
 * A segment descriptor (SDM Vol. 3A §3.4.5, Figure 3-8), decoded from its two doublewords.
 * `ar` packs the access byte (bits 0–7) and the flags nibble AVL/L/D-B/G (bits 12–15), as the
 * descriptor's bits 40–55 with the limit nibble removed.
 */
export class SegmentDescriptor {
  constructor(readonly lo: number, readonly hi: number) {}
  get base(): number { return ((this.lo >>> 16) | ((this.hi & 0xff) << 16) | (this.hi & 0xff000000)) >>> 0; }
  /** Limit field in raw units (20 bits). */
  get rawLimit(): number { return (this.lo & 0xffff) | (this.hi & 0xf0000); }
  /** G: limit in 4 KiB units. */
  get granularity(): boolean { return (this.hi & 0x800000) !== 0; }
  /** Effective limit in bytes: the highest valid offset for expand-up segments. */
  get limit(): number { return this.granularity ? ((this.rawLimit << 12) | 0xfff) >>> 0 : this.rawLimit; }
  get ar(): number { return (this.hi >>> 8) & 0xf0ff; }
  get type(): number { return (this.hi >>> 8) & 0xf; }
  /** S: 1 for code/data, 0 for system descriptors. */
  get isCodeOrData(): boolean { return (this.hi & 0x1000) !== 0; }
  get dpl(): number { return (this.hi >>> 13) & 3; }
  get present(): boolean { return (this.hi & 0x8000) !== 0; }
  /** D/B flag. */
  get big(): boolean { return (this.hi & 0x400000) !== 0; }
  get isCode(): boolean { return this.isCodeOrData && (this.type & 8) !== 0; }
  get isData(): boolean { return this.isCodeOrData && (this.type & 8) === 0; }
  get conforming(): boolean { return this.isCode && (this.type & 4) !== 0; }
  get readable(): boolean { return this.isData || (this.type & 2) !== 0; }
  get writable(): boolean { return this.isData && (this.type & 2) !== 0; }
  get expandDown(): boolean { return this.isData && (this.type & 4) !== 0; }
  // Gate fields (SDM Vol. 3A §5.8.3, §6.11): selector and offset.
  get gateSelector(): number { return this.lo >>> 16; }
  get gateOffset(): number { return ((this.lo & 0xffff) | (this.hi & 0xffff0000)) >>> 0; }
  get gateParamCount(): number { return this.hi & 0x1f; }
  describe(): string {
    const kind = this.isCodeOrData ? (this.isCode ? "code" : "data") : `system type ${this.type}`;
    return `${kind} base=0x${this.base.toString(16)} limit=0x${this.limit.toString(16)} DPL=${this.dpl}${this.present ? "" : " not-present"}`;
  }
}

/**
 * Fills a segment register's cache and derives the access-check bounds.
 * @param limit effective limit in bytes
 * @param ar access rights as in SegmentDescriptor.ar
 */
export function setSegmentCache(cpu: Cpu, seg: number, sel: number, base: number, limit: number, ar: number): void {
  cpu.segSel[seg] = sel;
  cpu.segBase[seg] = base | 0;
  cpu.segLimit[seg] = limit >>> 0;
  cpu.segAr[seg] = ar;
  refreshSegmentChecks(cpu, seg);
}

/** Recomputes the bounds used by the memory-access fast path from a segment's cache. */
export function refreshSegmentChecks(cpu: Cpu, seg: number): void {
  const ar = cpu.segAr[seg];
  const limit = cpu.segLimit[seg];
  const protectedMode = (cpu.cr0 & 1) !== 0 && (cpu.flags & EFLAGS.VM) === 0;
  const big = (ar & 0x4000) !== 0;
  let min = 0, max = limit, readable = true, writable = true;
  if (protectedMode) {
    const present = (ar & 0x80) !== 0;
    const code = (ar & 0x18) === 0x18;
    if (!present) { readable = writable = false; }
    else if (code) { readable = (ar & 2) !== 0; writable = false; }
    else {
      writable = (ar & 2) !== 0;
      if ((ar & 4) !== 0) { min = limit + 1; max = big ? 0xffffffff : 0xffff; }
    }
  }
  cpu.segMin[seg] = min;
  cpu.segReadMax[seg] = readable ? max : -1;
  cpu.segWriteMax[seg] = writable ? max : -1;
}

/** Re-derives all six after a mode change (CR0.PE, EFLAGS.VM). */
export function refreshAllSegmentChecks(cpu: Cpu): void {
  for (let s = 0; s < 6; s++) refreshSegmentChecks(cpu, s);
}

/**
 * Raises the fault for a failed access check (SDM Vol. 3A §5.3, §5.4, §6.15 #GP/#SS):
 * #SS(0) for stack-segment accesses, #GP(0) otherwise.
 */
export function segmentAccessFault(cpu: Cpu, seg: number, off: number, size: number, write: boolean): never {
  const name = SEG_NAMES[seg];
  const mk = (reason: string): CpuFault => seg === SegReg.SS ? ss(0, reason) : gp(0, reason);
  const ar = cpu.segAr[seg];
  const pm = cpu.protectedMode;
  const what = `${write ? "write" : "read"} of ${size} byte${size > 1 ? "s" : ""} at ${name}:0x${(off >>> 0).toString(16)}`;
  if (pm && (ar & 0x80) === 0) throw mk(`${what}: ${name} holds a null selector`);
  if (pm && write && cpu.segWriteMax[seg] < 0) throw mk(`${what}: ${name} is not a writable data segment`);
  if (pm && !write && cpu.segReadMax[seg] < 0) throw mk(`${what}: ${name} is an execute-only code segment`);
  const down = pm && (ar & 0x1c) === 0x14;
  throw mk(`${what}: outside the ${down ? "expand-down " : ""}segment limit 0x${cpu.segLimit[seg].toString(16)}`);
}

/** Real-mode and virtual-8086-mode load: base = selector × 16, limit and attributes unchanged except in V86 (SDM §20.1.1). */
export function loadSegmentRealMode(cpu: Cpu, seg: number, sel: number): void {
  cpu.segSel[seg] = sel & 0xffff;
  cpu.segBase[seg] = (sel & 0xffff) << 4;
  if (cpu.v86Mode) {
    cpu.segLimit[seg] = 0xffff;
    cpu.segAr[seg] = seg === SegReg.CS ? 0xfb : 0xf3;
  }
  refreshSegmentChecks(cpu, seg);
  if (seg === SegReg.CS || seg === SegReg.SS) cpu.updatePrivilege();
}

/**
 * Reads the descriptor a selector names (SDM Vol. 3A §3.5.1): the GDT or, with TI = 1, the LDT.
 * Throws #GP(selector) when the index is beyond the table limit (or the LDT is null).
 * @param errorFor selects the fault vector/format for the limit violation (default #GP)
 */
export function readDescriptor(cpu: Cpu, sel: number, what: string, fault: (ec: number, r: string) => CpuFault = gp,
  ext = false): SegmentDescriptor {
  const s = new SegmentSelector(sel);
  let base: number, limit: number;
  if (s.ti === 1) {
    if ((cpu.ldtrSel & 0xfffc) === 0) throw fault(selectorErrorCode(sel, ext), `${what}: selector ${s} refers to the LDT, but LDTR is null`);
    base = cpu.ldtrBase; limit = cpu.ldtrLimit;
  } else { base = cpu.gdtrBase; limit = cpu.gdtrLimit; }
  const off = s.index * 8;
  if (off + 7 > limit)
    throw fault(selectorErrorCode(sel, ext), `${what}: selector ${s} index ${s.index} is beyond the ${s.ti ? "LDT" : "GDT"} limit 0x${limit.toString(16)}`);
  const lin = (base + off) | 0;
  return new SegmentDescriptor(cpu.readSystem32(lin), cpu.readSystem32(lin + 4));
}

/** Sets the accessed bit of a code/data descriptor in memory (SDM §3.4.5.1). */
export function setAccessedBit(cpu: Cpu, sel: number, d: SegmentDescriptor): void {
  if (!d.isCodeOrData || (d.type & 1) !== 0) return;
  const base = (sel & 4) !== 0 ? cpu.ldtrBase : cpu.gdtrBase;
  const lin = (base + (sel & 0xfff8) + 5) | 0;
  cpu.writeSystem8(lin, cpu.readSystem8(lin) | 1);
}

/** Loads a segment register's cache from a descriptor (no checks). */
export function loadCacheFromDescriptor(cpu: Cpu, seg: number, sel: number, d: SegmentDescriptor): void {
  setSegmentCache(cpu, seg, sel, d.base, d.limit, d.ar | 1);
}

/**
 * MOV/POP/LDS… to a data segment register or SS, with the protected-mode checks of SDM Vol. 2
 * "MOV—Move" (Operation, protected mode) and Vol. 3A §5.5–5.6. In real and virtual-8086 mode the
 * base is selector × 16. Faults: #GP(0) null SS; #GP(selector) for limit, type and privilege;
 * #SS(selector) for a not-present stack segment; #NP(selector) otherwise.
 */
export function loadDataSegment(cpu: Cpu, seg: number, sel: number): void {
  sel &= 0xffff;
  if (!cpu.protectedMode) { loadSegmentRealMode(cpu, seg, sel); return; }
  const s = new SegmentSelector(sel);
  const name = SEG_NAMES[seg];
  const op = `load of ${name} with ${s}`;
  if (seg === SegReg.SS) {
    // SS: the null selector is never valid
    if (s.isNull) throw gp(0, `${op}: SS cannot be loaded with a null selector`);
    const d = readDescriptor(cpu, sel, op);
    // RPL must equal CPL
    if (s.rpl !== cpu.cpl) throw gp(selectorErrorCode(sel), `${op}: selector RPL ${s.rpl} != CPL ${cpu.cpl}`);
    // must be a writable data segment
    if (!d.writable) throw gp(selectorErrorCode(sel), `${op}: SS must be a writable data segment (${d.describe()})`);
    // DPL must equal CPL
    if (d.dpl !== cpu.cpl) throw gp(selectorErrorCode(sel), `${op}: descriptor DPL ${d.dpl} != CPL ${cpu.cpl}`);
    // present, else #SS(selector)
    if (!d.present) throw ss(selectorErrorCode(sel), `${op}: stack segment not present`);
    setAccessedBit(cpu, sel, d);
    loadCacheFromDescriptor(cpu, seg, sel, d);
    cpu.updatePrivilege();
    return;
  }
  // DS, ES, FS, GS: a null selector loads an unusable register (accesses then raise #GP(0)).
  if (s.isNull) { setSegmentCache(cpu, seg, sel, 0, 0, 0); return; }
  const d = readDescriptor(cpu, sel, op);
  // must be a data segment or a readable code segment
  if (!d.isCodeOrData || (d.isCode && !d.readable))
    throw gp(selectorErrorCode(sel), `${op}: not a data or readable code segment (${d.describe()})`);
  // data and non-conforming code: RPL and CPL must be <= DPL
  if (!d.conforming && (s.rpl > d.dpl || cpu.cpl > d.dpl))
    throw gp(selectorErrorCode(sel), `${op}: RPL ${s.rpl} / CPL ${cpu.cpl} > descriptor DPL ${d.dpl}`);
  if (!d.present) throw np(selectorErrorCode(sel), `${op}: segment not present`);
  setAccessedBit(cpu, sel, d);
  loadCacheFromDescriptor(cpu, seg, sel, d);
}

/** Vector for the "not present" of a stack segment (used by delivery code). */
export const STACK_FAULT = Vector.SS;
