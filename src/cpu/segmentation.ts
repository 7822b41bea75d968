/**
 * Segmentation (Intel SDM Vol. 3A chapter 3 and §5.1–5.8): selectors, descriptors, the descriptor
 * caches of the segment registers, segment-register loads with every protection check, the limit
 * and type checks of memory accesses, and the stack frames that far transfers and interrupt
 * delivery build (validated as a whole before the first write, so a fault leaves no trace).
 *
 * Where the SDM leaves doubt, Bochs (cpu/segment_ctrl_pro.cc, access.cc) is the reference; such
 * places say so in a comment.
 */
import { TlbBit, type Cpu } from "./cpu.js";
import { CpuFault, Vector, gp, np, selectorErrorCode, ss } from "./fault.js";
import { EFLAGS } from "./flags.js";

/** Segment registers in the encoding of ModRM.reg for MOV Sreg (SDM Vol. 2A §3.1.1.1 "Sreg"). */
export const enum SegReg { ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5 }
export const SEG_NAMES = ["ES", "CS", "SS", "DS", "FS", "GS"] as const;

/** Access-rights bits as kept in `Cpu.segAr` (descriptor bits 40–47 and 52–55, SDM Figure 3-8). */
export const enum Ar {
  /** Type bit 0: accessed. */
  A = 0x01,
  /** Type bit 1: readable (code) / writable (data). */
  RW = 0x02,
  /** Type bit 2: conforming (code) / expand-down (data). */
  CE = 0x04,
  /** Type bit 3: code. */
  CODE = 0x08,
  /** S: code or data (not system). */
  S = 0x10,
  DPL_SHIFT = 5,
  DPL = 0x60,
  P = 0x80,
  AVL = 0x1000,
  /** D/B: 32-bit code / big stack / expand-down upper bound FFFFFFFFH. */
  DB = 0x4000,
  G = 0x8000,
}

// =================================================================================================
// Selectors and descriptors (SDM Vol. 3A §3.4.2, §3.4.5, §5.8.3, §6.11)
// =================================================================================================

/** A segment selector (SDM Vol. 3A §3.4.2): index, table indicator, requested privilege level. */
export class SegmentSelector {
  constructor(readonly value: number) {}
  get index(): number { return (this.value & 0xffff) >>> 3; }
  /** TI: 0 = GDT, 1 = LDT. */
  get ti(): number { return (this.value >> 2) & 1; }
  get rpl(): number { return this.value & 3; }
  /**
   * The null selector. The SDM (§3.4.2) names index 0 of the GDT; Bochs and QEMU treat any selector
   * with index 0 as null whatever TI says (0004H–0007H included), and so does trapgate.
   */
  get isNull(): boolean { return (this.value & 0xfffc) === 0; }
  toString(): string { return `0x${(this.value & 0xffff).toString(16)}`; }
}

/** True for a null selector (index 0; see SegmentSelector.isNull). */
export function isNullSelector(sel: number): boolean {
  return (sel & 0xfffc) === 0;
}

/** Descriptor type field values for system descriptors (S = 0), SDM Vol. 3A Table 3-2. */
export const enum SystemType {
  TSS16Available = 0x1, LDT = 0x2, TSS16Busy = 0x3, CallGate16 = 0x4, TaskGate = 0x5,
  InterruptGate16 = 0x6, TrapGate16 = 0x7, TSS32Available = 0x9, TSS32Busy = 0xb,
  CallGate32 = 0xc, InterruptGate32 = 0xe, TrapGate32 = 0xf,
}

const SYSTEM_TYPE_NAMES = ["reserved type 0", "available 16-bit TSS", "LDT", "busy 16-bit TSS", "16-bit call gate",
  "task gate", "16-bit interrupt gate", "16-bit trap gate", "reserved type 8", "available 32-bit TSS",
  "reserved type 10", "busy 32-bit TSS", "32-bit call gate", "reserved type 13", "32-bit interrupt gate", "32-bit trap gate"];

/**
 * A segment or gate descriptor (SDM Vol. 3A §3.4.5 Figure 3-8, §5.8.3 Figure 5-8, §6.11 Figure
 * 6-2), decoded from its two doublewords. `ar` packs the access byte (bits 0–7) and the flags
 * nibble AVL/L/D-B/G (bits 12–15), as the descriptor's bits 40–55 with the limit nibble removed.
 */
export class SegmentDescriptor {
  /** Base address (decoded once: descriptors are immutable, and reused by validated crossings). */
  readonly base: number;
  /** Effective limit in bytes: the highest valid offset of an expand-up segment (SDM §3.4.5 "G flag"). */
  readonly limit: number;
  /** Access rights as the segment caches hold them (see the class comment). */
  readonly ar: number;
  constructor(readonly lo: number, readonly hi: number) {
    this.base = ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0;
    const raw = (lo & 0xffff) | (hi & 0xf0000);
    this.limit = (hi & 0x800000) !== 0 ? ((raw << 12) | 0xfff) >>> 0 : raw;
    this.ar = (hi >>> 8) & 0xf0ff;
  }
  /** Limit field in raw units (20 bits). */
  get rawLimit(): number { return (this.lo & 0xffff) | (this.hi & 0xf0000); }
  /** G: limit in 4 KiB units. */
  get granularity(): boolean { return (this.hi & 0x800000) !== 0; }
  get type(): number { return (this.hi >>> 8) & 0xf; }
  /** S: 1 for code/data, 0 for system descriptors. */
  get isCodeOrData(): boolean { return (this.hi & 0x1000) !== 0; }
  get isSystem(): boolean { return (this.hi & 0x1000) === 0; }
  get dpl(): number { return (this.hi >>> 13) & 3; }
  get present(): boolean { return (this.hi & 0x8000) !== 0; }
  /** D/B flag. */
  get big(): boolean { return (this.hi & 0x400000) !== 0; }
  get isCode(): boolean { return this.isCodeOrData && (this.type & 8) !== 0; }
  get isData(): boolean { return this.isCodeOrData && (this.type & 8) === 0; }
  get conforming(): boolean { return this.isCode && (this.type & 4) !== 0; }
  get readable(): boolean { return this.isData || (this.isCode && (this.type & 2) !== 0); }
  get writable(): boolean { return this.isData && (this.type & 2) !== 0; }
  get expandDown(): boolean { return this.isData && (this.type & 4) !== 0; }
  /** Data segment or non-conforming code segment: the kinds RET/IRET to an outer ring null out. */
  get isDataOrNonConformingCode(): boolean { return this.isData || (this.isCode && (this.type & 4) === 0); }
  // Gate fields (SDM Vol. 3A §5.8.3, §6.11): selector, offset, parameter count.
  get gateSelector(): number { return this.lo >>> 16; }
  get gateOffset(): number { return ((this.lo & 0xffff) | (this.hi & 0xffff0000)) >>> 0; }
  get gateParamCount(): number { return this.hi & 0x1f; }
  /** A call gate (16- or 32-bit). */
  get isCallGate(): boolean { return this.isSystem && (this.type === SystemType.CallGate16 || this.type === SystemType.CallGate32); }
  /** An interrupt or trap gate (16- or 32-bit). */
  get isInterruptOrTrapGate(): boolean { return this.isSystem && (this.type & 6) === 6; }
  get isTaskGate(): boolean { return this.isSystem && this.type === SystemType.TaskGate; }
  /** A 32-bit gate or TSS (type bit 3 of a system descriptor). */
  get is32BitSystem(): boolean { return (this.type & 8) !== 0; }
  /** Type as the SDM names it, e.g. "32-bit call gate", "non-conforming code", "read-only data". */
  get typeName(): string {
    if (this.isSystem) return SYSTEM_TYPE_NAMES[this.type];
    if (this.isCode) return `${this.conforming ? "conforming" : "non-conforming"} ${this.readable ? "execute/read" : "execute-only"} code`;
    return `${this.writable ? "read/write" : "read-only"}${this.expandDown ? " expand-down" : ""} data`;
  }
  /** The type name with its article: "a 32-bit call gate", "an available 32-bit TSS". */
  get aTypeName(): string {
    const n = this.typeName;
    return /^[aeiou]/.test(n) ? `an ${n}` : `a ${n}`;
  }
  describe(): string {
    if (this.isSystem && (this.isCallGate || this.isInterruptOrTrapGate || this.isTaskGate))
      return `${this.typeName} to 0x${this.gateSelector.toString(16)}:0x${this.gateOffset.toString(16)} DPL ${this.dpl}${this.present ? "" : " not present"}`;
    return `${this.typeName} base 0x${this.base.toString(16)} limit 0x${this.limit.toString(16)} DPL ${this.dpl}${this.present ? "" : " not present"}`;
  }
}

// =================================================================================================
// Descriptor caches
// =================================================================================================

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

/**
 * Loads a present, expand-up, flat segment (base 0, limit FFFFFFFFH) in protected mode, as the fast
 * system-call instructions do (SDM Vol. 2B SYSENTER/SYSEXIT, AMD APM SYSCALL/SYSRET): the same
 * cache and bounds setSegmentCache would give, without rederiving what the flat form fixes.
 */
export function setFlatSegmentCache(cpu: Cpu, seg: number, sel: number, ar: number): void {
  cpu.segSel[seg] = sel;
  cpu.segBase[seg] = 0;
  cpu.segLimit[seg] = 0xffffffff;
  cpu.segAr[seg] = ar;
  const code = (ar & Ar.CODE) !== 0;
  cpu.segMin[seg] = 0;
  cpu.segAccessMin[seg] = cpu.checkedAccesses ? Infinity : 0;
  cpu.segReadMax[seg] = !code || (ar & Ar.RW) !== 0 ? Infinity : -1;
  cpu.segWriteMax[seg] = !code && (ar & Ar.RW) !== 0 ? Infinity : -1;
}

/**
 * Recomputes the bounds used by the memory-access fast path from a segment's cache (SDM Vol. 3A
 * §5.3 limit checking, §5.4 type checking). In protected mode: a not-present (null) register allows
 * nothing; code is never writable and readable only with R = 1; expand-down data allows offsets
 * limit+1 … FFFFH or FFFFFFFFH by the B flag. In real and virtual-8086 mode only the limit counts.
 *
 * An expand-up segment with the limit FFFFFFFFH has no limit check at all (the bounds are
 * Infinity), so an access that wraps past offset FFFFFFFFH wraps to offset 0. The SDM (§5.3) calls
 * that case implementation-specific; Bochs wraps (its "4G" segment access flags), and so does
 * trapgate.
 */
export function refreshSegmentChecks(cpu: Cpu, seg: number): void {
  const ar = cpu.segAr[seg];
  const limit = cpu.segLimit[seg];
  const protectedMode = (cpu.cr0 & 1) !== 0 && (cpu.flags & EFLAGS.VM) === 0;
  let min = 0, max = limit, readable = true, writable = true;
  if (protectedMode) {
    if ((ar & Ar.P) === 0) { readable = writable = false; }
    else if ((ar & (Ar.S | Ar.CODE)) === (Ar.S | Ar.CODE)) { readable = (ar & Ar.RW) !== 0; writable = false; }
    else {
      writable = (ar & Ar.RW) !== 0;
      if ((ar & Ar.CE) !== 0) { min = limit + 1; max = (ar & Ar.DB) !== 0 ? 0xffffffff : 0xffff; }
    }
  }
  if (min === 0 && max === 0xffffffff) max = Infinity;
  cpu.segMin[seg] = min;
  cpu.segAccessMin[seg] = cpu.checkedAccesses ? Infinity : min;
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
  if (pm && (ar & Ar.P) === 0) throw mk(`${what}: ${name} holds a null selector (0x${cpu.segSel[seg].toString(16)})`);
  if (pm && write && cpu.segWriteMax[seg] < 0) throw mk(`${what}: ${name} (0x${cpu.segSel[seg].toString(16)}) is not a writable data segment`);
  if (pm && !write && cpu.segReadMax[seg] < 0) throw mk(`${what}: ${name} (0x${cpu.segSel[seg].toString(16)}) is an execute-only code segment`);
  const down = pm && (ar & (Ar.S | Ar.CODE | Ar.CE)) === (Ar.S | Ar.CE);
  if (down) {
    const top = (ar & Ar.DB) !== 0 ? "FFFFFFFF" : "FFFF";
    throw mk(`${what}: outside the expand-down segment's valid offsets 0x${(cpu.segLimit[seg] + 1).toString(16)}–0x${top} (limit 0x${cpu.segLimit[seg].toString(16)})`);
  }
  throw mk(`${what}: beyond the ${name} limit 0x${cpu.segLimit[seg].toString(16)}`);
}

/**
 * Real-address-mode and virtual-8086-mode load (SDM Vol. 3A §20.1.1): base = selector × 16.
 * In real mode the limit and the D/B and G flags of the cache stay as they were ("unreal" mode, as
 * Bochs does); a cache left unusable by a null protected-mode load becomes a present read/write data
 * segment again. In virtual-8086 mode the limit is FFFFH and the attributes those of a DPL-3 segment.
 */
export function loadSegmentRealMode(cpu: Cpu, seg: number, sel: number): void {
  cpu.segSel[seg] = sel & 0xffff;
  cpu.segBase[seg] = (sel & 0xffff) << 4;
  if (cpu.v86Mode) {
    cpu.segLimit[seg] = 0xffff;
    cpu.segAr[seg] = seg === SegReg.CS ? 0xfb : 0xf3;
  } else if ((cpu.segAr[seg] & (Ar.P | Ar.S)) !== (Ar.P | Ar.S)) {
    cpu.segAr[seg] = (cpu.segAr[seg] & 0xf000) | 0x93;
  }
  refreshSegmentChecks(cpu, seg);
  if (seg === SegReg.CS || seg === SegReg.SS) cpu.updatePrivilege();
}

// =================================================================================================
// Descriptor tables
// =================================================================================================

/**
 * Reads the descriptor a selector names (SDM Vol. 3A §3.5.1): the GDT or, with TI = 1, the LDT.
 * Throws `fault(selector error code)` when the index is beyond the table limit or the LDT is null
 * (#GP by default; #TS for the stack of an inner ring). The read is a supervisor access (§4.6), so
 * it may raise #PF.
 * @param what the operation, prefixed to the fault's reason (e.g. "LTR", "load of SS"); "" for
 *   none. Pass a constant: it is evaluated on every call, the reason only when the fault is raised.
 * @param ext the EXT bit of the error code (fault during delivery of an external event)
 */
export function readDescriptor(cpu: Cpu, sel: number, what: string, fault: (ec: number, r: string) => CpuFault = gp,
  ext = false): SegmentDescriptor {
  let base: number, limit: number;
  const ldt = (sel & 4) !== 0;
  if (ldt) {
    // the LDT must be loaded (Bochs: "LDTR.valid = 0" raises the same fault with the selector)
    if ((cpu.ldtrSel & 0xfffc) === 0) throw fault(selectorErrorCode(sel, ext), inContext(what, `selector ${hex(sel)} refers to the LDT, but LDTR is null`));
    base = cpu.ldtrBase; limit = cpu.ldtrLimit;
  } else { base = cpu.gdtrBase; limit = cpu.gdtrLimit; }
  const off = sel & 0xfff8;
  // the selector's index must be within the table limit
  if (off + 7 > limit)
    throw fault(selectorErrorCode(sel, ext), inContext(what, `selector ${hex(sel)} index ${off >> 3} is beyond the ${ldt ? "LDT" : "GDT"} limit ${hex(limit)}`));
  const lin = (base + off) | 0;
  return new SegmentDescriptor(cpu.readSystem32(lin), cpu.readSystem32(lin + 4));
}

const hex = (v: number): string => `0x${(v >>> 0).toString(16)}`;
/** `what: reason`, or the reason alone when `what` is empty. */
function inContext(what: string, reason: string): string {
  return what === "" ? reason : `${what}: ${reason}`;
}

/**
 * Puts a fault raised deep inside an operation into its context, e.g. "far CALL to 0x5b:0x0" +
 * "through call gate 0x5b: gate DPL 0 < CPL 3". Reasons are built only when a fault is raised, so
 * the operations that use this (far transfers, interrupt delivery) build no strings when they
 * succeed. Anything that is not a CpuFault is returned as it is.
 */
export function faultInContext(e: unknown, context: string): unknown {
  if (!(e instanceof CpuFault)) return e;
  const sep = e.reason.startsWith("through ") ? " " : ": ";
  return new CpuFault(e.vector, e.errorCode, `${context}${sep}${e.reason}`);
}

/** Sets the accessed bit of a code/data descriptor in memory when it is clear (SDM §3.4.5.1). */
export function setAccessedBit(cpu: Cpu, sel: number, d: SegmentDescriptor): void {
  if (!d.isCodeOrData || (d.type & 1) !== 0) return;
  const base = (sel & 4) !== 0 ? cpu.ldtrBase : cpu.gdtrBase;
  const lin = (base + (sel & 0xfff8) + 5) | 0;
  cpu.writeSystem8(lin, cpu.readSystem8(lin) | 1);
}

/** Loads a segment register's cache from a descriptor (no checks); the cached type shows the accessed bit. */
export function loadCacheFromDescriptor(cpu: Cpu, seg: number, sel: number, d: SegmentDescriptor): void {
  setSegmentCache(cpu, seg, sel & 0xffff, d.base, d.limit, d.ar | (d.isCodeOrData ? Ar.A : 0));
}

/** A null data-segment register: selector kept, cache unusable (every access raises #GP(0)). */
export function loadNullSegment(cpu: Cpu, seg: number, sel: number): void {
  setSegmentCache(cpu, seg, sel & 0xffff, 0, 0, 0);
}

// =================================================================================================
// Segment-register loads
// =================================================================================================

/**
 * MOV/POP/LDS… to a data segment register or SS, with the protected-mode checks of SDM Vol. 2B
 * "MOV—Move" (Operation) and Vol. 3A §5.5–5.7. In real and virtual-8086 mode the base is
 * selector × 16. Faults: #GP(0) for a null SS; #GP(selector) for the table limit, type and
 * privilege; #SS(selector) for a not-present stack segment; #NP(selector) otherwise. Sets the
 * accessed bit. Does not set the MOV SS / POP SS interrupt shadow (the instruction does).
 */
export function loadDataSegment(cpu: Cpu, seg: number, sel: number): void {
  sel &= 0xffff;
  if (!cpu.protectedMode) { loadSegmentRealMode(cpu, seg, sel); return; }
  const rpl = sel & 3;
  if (seg === SegReg.SS) {
    // the null selector cannot be loaded into SS, else #GP(0)
    if (isNullSelector(sel)) throw gp(0, `load of SS with null selector ${hex(sel)}`);
    const d = readDescriptor(cpu, sel, "load of SS");
    // selector RPL must equal CPL, else #GP(selector)
    if (rpl !== cpu.cpl) throw gp(selectorErrorCode(sel), `load of SS with ${hex(sel)}: selector RPL ${rpl} != CPL ${cpu.cpl}`);
    // the segment must be a writable data segment, else #GP(selector)
    if (!d.writable) throw gp(selectorErrorCode(sel), `load of SS with ${hex(sel)}: ${d.typeName} is not a writable data segment`);
    // descriptor DPL must equal CPL, else #GP(selector)
    if (d.dpl !== cpu.cpl) throw gp(selectorErrorCode(sel), `load of SS with ${hex(sel)}: descriptor DPL ${d.dpl} != CPL ${cpu.cpl}`);
    // the segment must be present, else #SS(selector)
    if (!d.present) throw ss(selectorErrorCode(sel), `load of SS with ${hex(sel)}: stack segment not present`);
    setAccessedBit(cpu, sel, d);
    loadCacheFromDescriptor(cpu, seg, sel, d);
    cpu.updatePrivilege();
    return;
  }
  // DS, ES, FS, GS: a null selector loads an unusable register (accesses then raise #GP(0))
  if (isNullSelector(sel)) { loadNullSegment(cpu, seg, sel); return; }
  const d = readDescriptor(cpu, sel, LOAD_OF[seg]);
  // the segment must be a data or readable code segment, else #GP(selector)
  if (!d.isCodeOrData || (d.isCode && !d.readable))
    throw gp(selectorErrorCode(sel), `${LOAD_OF[seg]} with ${hex(sel)}: ${d.typeName} is not a data or readable code segment`);
  // data and non-conforming code: RPL <= DPL and CPL <= DPL, else #GP(selector)
  if (!d.conforming && rpl > d.dpl)
    throw gp(selectorErrorCode(sel), `${LOAD_OF[seg]} with ${hex(sel)}: selector RPL ${rpl} > descriptor DPL ${d.dpl}`);
  if (!d.conforming && cpu.cpl > d.dpl)
    throw gp(selectorErrorCode(sel), `${LOAD_OF[seg]} with ${hex(sel)}: CPL ${cpu.cpl} > descriptor DPL ${d.dpl}`);
  // the segment must be present, else #NP(selector)
  if (!d.present) throw np(selectorErrorCode(sel), `${LOAD_OF[seg]} with ${hex(sel)}: segment not present`);
  setAccessedBit(cpu, sel, d);
  loadCacheFromDescriptor(cpu, seg, sel, d);
}
const LOAD_OF = SEG_NAMES.map((n) => `load of ${n}`);

/**
 * The checks on the code segment a far JMP/CALL (to a segment directly), RETF or IRET goes to
 * (SDM Vol. 2 JMP/CALL/RET/IRET Operation; Bochs check_cs): a code segment, else #GP(selector);
 * non-conforming: DPL = `cpl` and RPL <= `cpl`; conforming: DPL <= `cpl`; present, else #NP(selector).
 * For JMP/CALL `cpl` is CPL and `rpl` the selector's RPL; for RETF/IRET both are the return RPL.
 * `level` names what `cpl` is, for the reason (which the caller puts in context).
 */
export function checkCodeSegment(d: SegmentDescriptor, sel: number, rpl: number, cpl: number, level: "CPL" | "RPL"): void {
  // the descriptor must be a code segment, else #GP(selector)
  if (!d.isCode) throw gp(selectorErrorCode(sel), `${hex(sel)} is ${d.aTypeName}, not a code segment`);
  if (!d.conforming) {
    // non-conforming: DPL must equal the privilege level, else #GP(selector)
    if (d.dpl !== cpl) throw gp(selectorErrorCode(sel), `non-conforming code segment ${hex(sel)} DPL ${d.dpl} != ${level} ${cpl}`);
    // and the selector's RPL must be <= CPL, else #GP(selector)
    if (rpl > cpl) throw gp(selectorErrorCode(sel), `selector ${hex(sel)} RPL ${rpl} > CPL ${cpl}`);
  } else if (d.dpl > cpl) {
    // conforming: DPL must be <= the privilege level, else #GP(selector)
    throw gp(selectorErrorCode(sel), `conforming code segment ${hex(sel)} DPL ${d.dpl} > ${level} ${cpl}`);
  }
  // the segment must be present, else #NP(selector)
  if (!d.present) throw np(selectorErrorCode(sel), `code segment ${hex(sel)} not present`);
}

/**
 * Loads CS from a checked descriptor with RPL = `cpl` and makes `cpl` the CPL (SDM Vol. 3A §5.8.1:
 * "CS(RPL) ← CPL"). The caller sets the accessed bit first (setAccessedBit), before its commit
 * point, since that write may fault.
 */
export function loadCodeSegment(cpu: Cpu, sel: number, d: SegmentDescriptor, cpl: number): void {
  cpu.cpl = cpl;
  loadCacheFromDescriptor(cpu, SegReg.CS, (sel & 0xfffc) | cpl, d);
  cpu.updatePrivilege();
}

/**
 * Loads SS from a checked descriptor with RPL = `cpl` (stack switches of far CALL, RETF, IRET and
 * interrupt delivery). As for loadCodeSegment, the caller sets the accessed bit beforehand.
 */
export function loadStackSegment(cpu: Cpu, sel: number, d: SegmentDescriptor, cpl: number): void {
  loadCacheFromDescriptor(cpu, SegReg.SS, (sel & 0xfffc) | cpl, d);
  cpu.updatePrivilege();
}

/**
 * After RETF or IRET to an outer privilege level (SDM Vol. 2 RET and IRET, Operation, "FOR each
 * SegReg in (ES, FS, GS, and DS)"): a data or non-conforming code segment whose cached DPL is below
 * the new CPL, or an unusable (null) register, becomes the null selector 0.
 */
export function nullInaccessibleSegments(cpu: Cpu): void {
  for (const seg of OUTER_CHECKED) {
    const ar = cpu.segAr[seg];
    const dpl = (ar & Ar.DPL) >> Ar.DPL_SHIFT;
    const usable = (ar & (Ar.P | Ar.S)) === (Ar.P | Ar.S);
    const conformingCode = (ar & (Ar.CODE | Ar.CE)) === (Ar.CODE | Ar.CE);
    if (!usable || (dpl < cpu.cpl && !conformingCode)) loadNullSegment(cpu, seg, 0);
  }
}
const OUTER_CHECKED = [SegReg.ES, SegReg.FS, SegReg.GS, SegReg.DS] as const;

// =================================================================================================
// Stack frames of far transfers and interrupt delivery
// =================================================================================================

/** Which stack a frame goes to, for reasons: the current one or that of ring 0, 1, 2. */
export const enum StackName { Ring0, Ring1, Ring2, Current }
const STACK_NAMES = ["ring-0 stack", "ring-1 stack", "ring-2 stack", "current stack"];

/**
 * A stack that a far CALL, RETF, IRET or an interrupt delivery is about to write: the segment's
 * bounds (from the SS cache or from a new stack's descriptor not yet loaded) and the privilege of
 * the writes for paging. `check` validates a whole frame before the first write (the restart
 * rule: a fault must leave memory and registers as they were), `write` then stores the slots.
 */
export class StackFrame {
  base = 0;
  /** Lowest and highest valid offsets (expand-down segments start above the limit). */
  min = 0;
  max = 0;
  /** B flag: ESP (true) or SP (false). */
  big = true;
  /** Privilege of the writes for paging (SDM §4.6: the new CPL for a new stack). */
  cpl = 0;
  /** Stack pointer the frame grows down from, and where it ends after `push`es. */
  top = 0;
  sp = 0;
  /** For a new stack (fromDescriptor): its selector and descriptor, which SS is loaded with. */
  sel = 0;
  desc: SegmentDescriptor | null = null;

  /** The current stack (SS cache), at the current CPL. */
  fromCurrent(cpu: Cpu): this {
    this.base = cpu.segBase[SegReg.SS];
    this.min = cpu.segMin[SegReg.SS];
    this.max = cpu.segWriteMax[SegReg.SS];
    this.big = cpu.ss32;
    this.cpl = cpu.cpl;
    this.top = this.sp = cpu.esp;
    this.sel = cpu.segSel[SegReg.SS];
    this.desc = null;
    return this;
  }

  /** A new stack from its (checked, writable data) descriptor and initial ESP, written at privilege `cpl`. */
  fromDescriptor(sel: number, d: SegmentDescriptor, esp: number, cpl: number): this {
    this.sel = sel;
    this.desc = d;
    this.base = d.base | 0;
    this.big = d.big;
    if (d.expandDown) { this.min = d.limit + 1; this.max = d.big ? 0xffffffff : 0xffff; }
    else { this.min = 0; this.max = d.limit === 0xffffffff ? Infinity : d.limit; } // 4 GiB: no limit (refreshSegmentChecks)
    this.cpl = cpl;
    this.top = this.sp = this.big ? esp >>> 0 : esp & 0xffff;
    return this;
  }

  /**
   * Checks that `bytes` bytes pushed in `size`-byte slots below `top` lie within the segment
   * (else `vector`(`errorCode`)) and that their pages are writable at the frame's privilege
   * (else #PF). Nothing is written.
   */
  check(cpu: Cpu, bytes: number, size: 2 | 4, vector: Vector.SS | Vector.GP, errorCode: number, what: StackName): void {
    const low = this.top - bytes;
    const user = this.cpl === 3;
    if (low >= 0 && low >= this.min && this.top - 1 <= this.max) {
      // The usual case: the frame does not wrap around the stack's width and lies within the
      // segment. A #PF reports, in CR2, the first push that faults (SDM Vol. 2A INT n pushes SS,
      // ESP, EFLAGS, CS, EIP in that order; Bochs writes them so): the first slot's page(s), then
      // for each page below, the first slot in push order that reaches it.
      let s = this.top - size;
      probeSlot(cpu, (this.base + s) | 0, size, user);
      for (;;) {
        // offset of the start of the page that holds slot s's first byte
        const pageStart = s - (((this.base + s) | 0) & 0xfff);
        if (pageStart <= low) return;
        // the slot holding the byte just below that page: the next push that touches a new page
        s = this.top - size * Math.ceil((this.top - pageStart + 1) / size);
        probeSlot(cpu, (this.base + s) | 0, size, user);
      }
    }
    for (let d = size; d <= bytes; d += size) {
      const off = this.big ? (this.top - d) >>> 0 : (this.top - d) & 0xffff;
      if (off < this.min || off + size - 1 > this.max) {
        throw new CpuFault(vector, errorCode, `${STACK_NAMES[what]}: no room for ${bytes} bytes below ${this.big ? "ESP" : "SP"} 0x${this.top.toString(16)} ` +
          `(stack offsets 0x${this.min.toString(16)}–0x${this.max.toString(16)})`);
      }
      probeSlot(cpu, (this.base + off) | 0, size, user);
    }
  }

  /** Pushes a checked slot of `size` bytes (selectors are zero-extended to 32 bits, as SDM "padded"). */
  push(cpu: Cpu, size: 2 | 4, v: number): void {
    this.sp = this.big ? (this.sp - size) >>> 0 : (this.sp - size) & 0xffff;
    const lin = (this.base + this.sp) | 0;
    const user = this.cpl === 3;
    if (size === 4 && (lin & 0xfff) <= 0xffc) { cpu.writePhys32(probeWrite(cpu, lin, user), v); return; }
    for (let k = 0; k < size; k++) cpu.writePhys8(probeWrite(cpu, (lin + k) | 0, user), (v >>> (8 * k)) & 0xff);
  }

  /** Sets ESP (or SP for a 16-bit stack) to where the pushes ended. */
  commitEsp(cpu: Cpu): void {
    if (this.big) cpu.r32[4] = this.sp | 0; else cpu.r16[4 * 2] = this.sp;
  }
}

/**
 * The processor's scratch StackFrame (one per Cpu, kept in its DeliveryState): far transfers and
 * deliveries use it one at a time — a nested delivery starts only after the one before threw — so
 * the INT/IRET path allocates no frame.
 */
export function scratchFrame(cpu: Cpu): StackFrame {
  return (cpu.delivery.frame ??= new StackFrame());
}

/**
 * Checks that a `size`-byte slot at linear `lin` is writable at the given privilege: its page, then
 * the next page if the slot crosses into it (CR2 = that page's first byte), as a split write does.
 */
function probeSlot(cpu: Cpu, lin: number, size: number, user: boolean): void {
  probeWrite(cpu, lin, user);
  if ((lin & 0xfff) > 0x1000 - size) probeWrite(cpu, ((lin | 0xfff) + 1) | 0, user);
}

/** Linear → physical for a write at the given privilege, walking the page tables if needed (may #PF). */
function probeWrite(cpu: Cpu, lin: number, user: boolean): number {
  if (!cpu.paging) return lin >>> 0;
  const e = cpu.tlb[lin >>> 12];
  if ((e & (user ? TlbBit.UserWrite : TlbBit.SupervisorWrite)) !== 0) return ((e & ~0xfff) | (lin & 0xfff)) >>> 0;
  return cpu.walk(lin, true, user);
}

/**
 * Physical address of the `bytes` bytes at SS:ESP when reading them slot by slot with peekStack
 * could not fault and would find them in one page of RAM (32-bit stack, within the segment's
 * bounds, a TLB entry already granting the read, no alignment check or data breakpoint): then a
 * caller may read them from RAM directly. -1 when it must use peekStack (which faults properly).
 * Nothing is translated here, so nothing changes (no page walk, no accessed bits).
 */
export function stackFramePhys(cpu: Cpu, bytes: number): number {
  if (!cpu.ss32 || cpu.checkedAccesses) return -1;
  const esp = cpu.r32[4] >>> 0;
  if (esp < cpu.segAccessMin[SegReg.SS] || esp + bytes - 1 > cpu.segReadMax[SegReg.SS]) return -1;
  const lin = (cpu.segBase[SegReg.SS] + esp) | 0;
  if ((lin & 0xfff) > 0x1000 - bytes) return -1;
  let phys = lin >>> 0;
  if (cpu.paging) {
    const e = cpu.tlb[lin >>> 12];
    if ((e & cpu.needRead) === 0) return -1;
    phys = ((e & ~0xfff) | (lin & 0xfff)) >>> 0;
  }
  return phys + bytes <= cpu.ramSize ? phys : -1;
}

/**
 * Reads the `index`-th slot of `size` bytes above SS:ESP without popping (RETF and IRET read their
 * whole frame before changing anything). Limit violations raise #SS(0).
 */
export function peekStack(cpu: Cpu, index: number, size: 2 | 4): number {
  const off = cpu.stackOffset(index * size);
  return size === 4 ? cpu.read32(SegReg.SS, off) : cpu.read16(SegReg.SS, off);
}

/**
 * A descriptor read for a selector and found good by a sequence of checks made at one CPL (e.g.
 * IRET's checks of the return CS): valid for the same selector and CPL while Cpu.systemEpoch and
 * the descriptor tables are unchanged, since the descriptor's bytes are watched (a write to their
 * page ends the epoch). Lets a repeated return skip the read and the checks (and the accessed bit,
 * set when the descriptor was remembered).
 */
export class CheckedDescriptor {
  epoch = -1;
  cpl = -1;
  sel = -1;
  /** What else the checks depended on (e.g. the RPL an SS had to match), as the caller encodes it. */
  tag = 0;
  gdtrBase = 0; gdtrLimit = 0; ldtrSel = 0; ldtrBase = 0; ldtrLimit = 0;
  desc: SegmentDescriptor | null = null;

  /** The remembered descriptor when it applies to `sel` (and `tag`) now, else null. */
  lookup(cpu: Cpu, sel: number, tag = 0): SegmentDescriptor | null {
    if (this.sel !== sel || this.tag !== tag || this.epoch !== cpu.systemEpoch || this.cpl !== cpu.cpl || this.gdtrBase !== cpu.gdtrBase ||
      this.gdtrLimit !== cpu.gdtrLimit || this.ldtrSel !== cpu.ldtrSel || this.ldtrBase !== cpu.ldtrBase ||
      this.ldtrLimit !== cpu.ldtrLimit) return null;
    return this.desc;
  }

  /** Remembers `d`, read for `sel` and checked at the current CPL, with its accessed bit set. */
  remember(cpu: Cpu, sel: number, d: SegmentDescriptor, tag = 0): void {
    const lin = (((sel & 4) !== 0 ? cpu.ldtrBase : cpu.gdtrBase) + (sel & 0xfff8)) | 0;
    cpu.watchSystemStructure(cpu.translateSystem(lin, false));
    cpu.watchSystemStructure(cpu.translateSystem((lin + 7) | 0, false));
    this.sel = sel; this.tag = tag; this.cpl = cpu.cpl; this.desc = d;
    this.gdtrBase = cpu.gdtrBase; this.gdtrLimit = cpu.gdtrLimit;
    this.ldtrSel = cpu.ldtrSel; this.ldtrBase = cpu.ldtrBase; this.ldtrLimit = cpu.ldtrLimit;
    this.epoch = cpu.systemEpoch;
  }
}
