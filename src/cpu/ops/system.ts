/**
 * System instructions (SDM Vol. 3A §2.8 "System instruction summary", §5.9 "Privileged
 * instructions"): descriptor-table registers (LGDT LIDT SGDT SIDT LLDT SLDT LTR STR), segment
 * inspection (LAR LSL VERR VERW ARPL), control and debug registers (MOV CRn/DRn, CLTS, LMSW,
 * SMSW), caches and TLB (INVD WBINVD INVLPG), the interrupt flag (CLI STI), CPUID, UD2, BOUND,
 * and the device-not-available rules of x87 instructions (ESC D8–DF, WAIT) on a processor without one.
 *
 * This module also gathers the system groups that live in their own files: port I/O (io.ts),
 * MSRs and the time-stamp counter (msr.ts), fast system calls (fastcall.ts).
 */
import { CR0, CR4, type Cpu, Reg } from "../cpu.js";
import { cpuid } from "../cpuid.js";
import type { Insn } from "../decoder.js";
import { CpuFault, Vector, gp, np, selectorErrorCode, ud } from "../fault.js";
import { EFLAGS } from "../flags.js";
import type { Handler, OpForm } from "../opmap.js";
import { SegmentDescriptor, SegmentSelector, SystemType, readDescriptor } from "../segmentation.js";
import { FASTCALL_FORMS } from "./fastcall.js";
import { IO_FORMS } from "./io.js";
import { MSR_FORMS } from "./msr.js";
import { readE16, sxw, writeE16 } from "./operands.js";

function hex(v: number): string {
  return `0x${(v >>> 0).toString(16)}`;
}

/** The #GP(0) a privileged instruction raises at CPL > 0 (SDM Vol. 3A §5.9). */
function privileged(c: Cpu, what: string): CpuFault {
  return gp(0, `${what} at CPL ${c.cpl}: privileged instruction (SDM Vol. 3A §5.9)`);
}

/** The #UD of instructions "not recognized in real-address mode" (nor in virtual-8086 mode). */
function notInRealMode(c: Cpu, what: string): CpuFault {
  return ud(`${what} is not recognized in ${c.v86Mode ? "virtual-8086" : "real-address"} mode (SDM Vol. 2 ${what})`);
}

// =================================================================================================
// Descriptor-table registers (SDM Vol. 2A LGDT/LIDT, Vol. 2B SGDT, SIDT, LLDT, SLDT, LTR, STR)
// =================================================================================================

/**
 * LGDT/LIDT m16&32: a 16-bit limit then a 32-bit base. With a 16-bit operand size only 24 bits of
 * the base are used. Both fields are read before either register changes.
 */
function loadTableRegister(idt: boolean, op32: boolean): Handler {
  const what = idt ? "LIDT" : "LGDT";
  return (c, i) => {
    if (c.cpl !== 0) throw privileged(c, what);
    const off = c.ea(i);
    const limit = c.read16(i.seg, off);
    let base = c.read32(i.seg, off + 2) >>> 0;
    if (!op32) base &= 0xffffff;
    if (idt) { c.idtrLimit = limit; c.idtrBase = base; }
    else { c.gdtrLimit = limit; c.gdtrBase = base; }
  };
}

/**
 * SGDT/SIDT m16&32 (not privileged on P6-class processors): the 16-bit limit, then the full
 * 32-bit base with either operand size (SDM Vol. 2B SGDT Operation). The 6-byte destination is
 * checked (segment and pages) before the first byte is written.
 */
function storeTableRegister(idt: boolean): Handler {
  return (c, i) => {
    const lin = c.segWrite(i.seg, c.ea(i), 6);
    c.translateWrite(lin);
    if ((lin & 0xfff) > 0xffa) c.translateWrite(((lin | 0xfff) + 1) | 0);
    c.writeLin16(lin, idt ? c.idtrLimit : c.gdtrLimit);
    c.writeLin32((lin + 2) | 0, idt ? c.idtrBase : c.gdtrBase);
  };
}

/** SLDT/STR Ew: the selector; a 32-bit register destination is zero-extended (P6 and later). */
function storeSelector(tr: boolean): readonly [Handler, Handler] {
  const what = tr ? "STR" : "SLDT";
  const h16: Handler = (c, i) => {
    if (!c.protectedMode) throw notInRealMode(c, what);
    writeE16(c, i, tr ? c.trSel : c.ldtrSel);
  };
  const h32: Handler = (c, i) => {
    if (!c.protectedMode) throw notInRealMode(c, what);
    const sel = tr ? c.trSel : c.ldtrSel;
    if (i.mod === 3) c.r32[i.rm] = sel; else c.write16(i.seg, c.ea(i), sel);
  };
  return [h16, h32];
}

/**
 * LLDT Ew (SDM Vol. 2A LLDT): a null selector marks LDTR invalid; otherwise the selector must
 * name, in the GDT, a present LDT descriptor.
 */
const LLDT: Handler = (c, i) => {
  if (!c.protectedMode) throw notInRealMode(c, "LLDT");
  if (c.cpl !== 0) throw privileged(c, "LLDT");
  const sel = readE16(c, i);
  const s = new SegmentSelector(sel);
  // null selector: LDTR becomes invalid (later references through it raise #GP)
  if (s.isNull) { c.ldtrSel = sel; c.ldtrBase = 0; c.ldtrLimit = 0; return; }
  // the selector must refer to the GDT
  if (s.ti !== 0) throw gp(selectorErrorCode(sel), `LLDT ${s}: the selector refers to the LDT; an LDT descriptor must be in the GDT`);
  const d = readDescriptor(c, sel, `LLDT ${s}`);
  // it must be an LDT descriptor
  if (d.isCodeOrData || d.type !== SystemType.LDT) throw gp(selectorErrorCode(sel), `LLDT ${s}: not an LDT descriptor (${d.describe()})`);
  // it must be present
  if (!d.present) throw np(selectorErrorCode(sel), `LLDT ${s}: LDT descriptor not present`);
  c.ldtrSel = sel;
  c.ldtrBase = d.base;
  c.ldtrLimit = d.limit;
};

/**
 * LTR Ew (SDM Vol. 2A LTR): the selector must name, in the GDT, a present available TSS; the
 * descriptor is marked busy in memory and TR's cache loaded (cpu.trType = the busy type).
 */
const LTR: Handler = (c, i) => {
  if (!c.protectedMode) throw notInRealMode(c, "LTR");
  if (c.cpl !== 0) throw privileged(c, "LTR");
  const sel = readE16(c, i);
  const s = new SegmentSelector(sel);
  // null selector: #GP(0)
  if (s.isNull) throw gp(0, `LTR ${s}: null selector`);
  // the selector must refer to the GDT
  if (s.ti !== 0) throw gp(selectorErrorCode(sel), `LTR ${s}: the selector refers to the LDT; a TSS descriptor must be in the GDT`);
  const d = readDescriptor(c, sel, `LTR ${s}`);
  // it must be an available TSS (16- or 32-bit)
  if (d.isCodeOrData || (d.type !== SystemType.TSS16Available && d.type !== SystemType.TSS32Available)) {
    const busy = !d.isCodeOrData && (d.type === SystemType.TSS16Busy || d.type === SystemType.TSS32Busy);
    throw gp(selectorErrorCode(sel), `LTR ${s}: ${busy ? "the TSS is already busy" : `not a TSS descriptor (${d.describe()})`}`);
  }
  // it must be present
  if (!d.present) throw np(selectorErrorCode(sel), `LTR ${s}: TSS descriptor not present`);
  // mark the descriptor busy (type bit 1, in byte 5 of the descriptor)
  const typeByte = (c.gdtrBase + (sel & 0xfff8) + 5) | 0;
  c.writeSystem8(typeByte, c.readSystem8(typeByte) | 2);
  c.trSel = sel;
  c.trBase = d.base;
  c.trLimit = d.limit;
  c.trType = d.type | 2;
};

// =================================================================================================
// Segment inspection: LAR, LSL, VERR, VERW (never fault on a bad selector: they report in ZF)
// =================================================================================================

/**
 * The descriptor a selector names, or null when LAR/LSL/VERR/VERW must report failure without
 * reading it: a null selector, an invalid LDTR, or an index beyond the table limit.
 */
function lookupDescriptor(c: Cpu, sel: number): SegmentDescriptor | null {
  if ((sel & 0xfffc) === 0) return null;
  const ldt = (sel & 4) !== 0;
  if (ldt && (c.ldtrSel & 0xfffc) === 0) return null;
  const base = ldt ? c.ldtrBase : c.gdtrBase;
  const limit = ldt ? c.ldtrLimit : c.gdtrLimit;
  const off = sel & 0xfff8;
  if (off + 7 > limit) return null;
  const lin = (base + off) | 0;
  return new SegmentDescriptor(c.readSystem32(lin), c.readSystem32((lin + 4) | 0));
}

/** Descriptor privilege for LAR/LSL/VERR/VERW: conforming code is always visible, else DPL ≥ CPL and DPL ≥ RPL. */
function visible(c: Cpu, sel: number, d: SegmentDescriptor): boolean {
  return d.conforming || (d.dpl >= c.cpl && d.dpl >= (sel & 3));
}

/** System types LAR accepts (SDM Vol. 2A LAR Table 3-53): TSSs, LDT, call gates, task gate. */
function larType(d: SegmentDescriptor): boolean {
  if (d.isCodeOrData) return true;
  switch (d.type) {
    case SystemType.TSS16Available: case SystemType.LDT: case SystemType.TSS16Busy: case SystemType.CallGate16:
    case SystemType.TaskGate: case SystemType.TSS32Available: case SystemType.TSS32Busy: case SystemType.CallGate32:
      return true;
  }
  return false;
}
/** System types LSL accepts (SDM Vol. 2A LSL Table 3-62): TSSs and LDT (segments with a limit). */
function lslType(d: SegmentDescriptor): boolean {
  if (d.isCodeOrData) return true;
  switch (d.type) {
    case SystemType.TSS16Available: case SystemType.LDT: case SystemType.TSS16Busy:
    case SystemType.TSS32Available: case SystemType.TSS32Busy:
      return true;
  }
  return false;
}

/**
 * LAR Gv,Ew: ZF = 1 and the access rights if valid and visible: descriptor bits 63:32 AND
 * 00FFFF00H with a 32-bit operand size (FF00H with 16). The SDM (Vol. 2A LAR) masks with
 * 00FXFF00H, bits 19:16 "undefined"; P6 and later processors and Bochs return the descriptor's
 * bits 19:16 (the limit's top nibble), and so does trapgate.
 */
const LAR: readonly [Handler, Handler] = [
  (c, i) => {
    if (!c.protectedMode) throw notInRealMode(c, "LAR");
    const sel = readE16(c, i);
    const d = lookupDescriptor(c, sel);
    if (d === null || !larType(d) || !visible(c, sel, d)) { c.setFlag(EFLAGS.ZF, 0); return; }
    c.r16[i.reg * 2] = d.hi & 0xff00;
    c.setFlag(EFLAGS.ZF, 1);
  },
  (c, i) => {
    if (!c.protectedMode) throw notInRealMode(c, "LAR");
    const sel = readE16(c, i);
    const d = lookupDescriptor(c, sel);
    if (d === null || !larType(d) || !visible(c, sel, d)) { c.setFlag(EFLAGS.ZF, 0); return; }
    c.r32[i.reg] = d.hi & 0x00ffff00;
    c.setFlag(EFLAGS.ZF, 1);
  },
];

/** LSL Gv,Ew: ZF = 1 and the byte-granular limit (G applied) if valid and visible. */
const LSL: readonly [Handler, Handler] = [
  (c, i) => {
    if (!c.protectedMode) throw notInRealMode(c, "LSL");
    const sel = readE16(c, i);
    const d = lookupDescriptor(c, sel);
    if (d === null || !lslType(d) || !visible(c, sel, d)) { c.setFlag(EFLAGS.ZF, 0); return; }
    c.r16[i.reg * 2] = d.limit;
    c.setFlag(EFLAGS.ZF, 1);
  },
  (c, i) => {
    if (!c.protectedMode) throw notInRealMode(c, "LSL");
    const sel = readE16(c, i);
    const d = lookupDescriptor(c, sel);
    if (d === null || !lslType(d) || !visible(c, sel, d)) { c.setFlag(EFLAGS.ZF, 0); return; }
    c.r32[i.reg] = d.limit;
    c.setFlag(EFLAGS.ZF, 1);
  },
];

/** VERR Ew: ZF = 1 if the segment is readable (data, or readable code) and visible at CPL and RPL. */
const VERR: Handler = (c, i) => {
  if (!c.protectedMode) throw notInRealMode(c, "VERR");
  const sel = readE16(c, i);
  const d = lookupDescriptor(c, sel);
  c.setFlag(EFLAGS.ZF, d !== null && d.isCodeOrData && d.readable && visible(c, sel, d));
};

/** VERW Ew: ZF = 1 if the segment is a writable data segment with DPL ≥ CPL and DPL ≥ RPL. */
const VERW: Handler = (c, i) => {
  if (!c.protectedMode) throw notInRealMode(c, "VERW");
  const sel = readE16(c, i);
  const d = lookupDescriptor(c, sel);
  c.setFlag(EFLAGS.ZF, d !== null && d.writable && d.dpl >= c.cpl && d.dpl >= (sel & 3));
};

/**
 * ARPL Ew,Gw (SDM Vol. 2A ARPL): if the destination selector's RPL is below the source's, raise it
 * to the source's and set ZF, else clear ZF. #UD in real-address and virtual-8086 mode.
 */
const ARPL: Handler = (c, i) => {
  if (!c.protectedMode) throw notInRealMode(c, "ARPL");
  const src = c.r16[i.reg * 2];
  if (i.mod === 3) {
    const dst = c.r16[i.rm * 2];
    if ((dst & 3) < (src & 3)) { c.r16[i.rm * 2] = (dst & ~3) | (src & 3); c.setFlag(EFLAGS.ZF, 1); }
    else c.setFlag(EFLAGS.ZF, 0);
    return;
  }
  const dst = c.rmwBegin16(i.seg, c.ea(i));
  if ((dst & 3) < (src & 3)) { c.rmwEnd16((dst & ~3) | (src & 3)); c.setFlag(EFLAGS.ZF, 1); }
  else c.setFlag(EFLAGS.ZF, 0);
};

// =================================================================================================
// Control registers (SDM Vol. 3A §2.5; Vol. 2B "MOV—Move to/from Control Registers")
// =================================================================================================

/** CR0 bits a P6-class processor implements; writes to the others are ignored (SDM Vol. 3A §2.5). */
const CR0_IMPLEMENTED = CR0.PE | CR0.MP | CR0.EM | CR0.TS | CR0.ET | CR0.NE | CR0.WP | CR0.AM | CR0.NW | CR0.CD | CR0.PG;
/** CR4 bits for the features CPUID advertises; setting any other raises #GP(0). */
const CR4_IMPLEMENTED = CR4.TSD | CR4.DE | CR4.PSE | CR4.PGE;

const CR4_NAMES = ["VME", "PVI", "TSD", "DE", "PSE", "PAE", "MCE", "PGE", "PCE", "OSFXSR", "OSXMMEXCPT"];
function bitNames(bits: number, names: readonly string[]): string {
  const out: string[] = [];
  for (let b = 0; b < 32; b++) if ((bits >>> b) & 1) out.push(names[b] ?? `bit ${b}`);
  return out.join(" ");
}

/** The control register ModRM.reg names: CR0, CR2, CR3, CR4; CR1 and CR5–CR7 raise #UD. */
function checkCr(n: number, what: string): void {
  if (n === 1 || n > 4) throw ud(`${what} CR${n}: no such control register (SDM Vol. 2B MOV—Move to/from Control Registers)`);
}

/** MOV Rd,Cd (0F 20). */
const MOV_RdCd: Handler = (c, i) => {
  const n = i.reg;
  checkCr(n, "MOV from");
  if (c.cpl !== 0) throw privileged(c, `MOV from CR${n}`);
  c.r32[i.rm] = n === 0 ? c.cr0 : n === 2 ? c.cr2 : n === 3 ? c.cr3 : c.cr4;
};

/** MOV Cd,Rd (0F 22), with the #GP(0) rules for invalid CR0 combinations and reserved CR4 bits. */
const MOV_CdRd: Handler = (c, i) => {
  const n = i.reg;
  checkCr(n, "MOV to");
  if (c.cpl !== 0) throw privileged(c, `MOV to CR${n}`);
  const v = c.r32[i.rm];
  switch (n) {
    case 0: writeCr0(c, v); break;
    case 2: c.cr2 = v; break;
    case 3: c.setCr3(v); break;
    default:
      // CR4: bits of features the processor does not have are reserved
      if ((v & ~CR4_IMPLEMENTED) !== 0)
        throw gp(0, `MOV to CR4 ${hex(v)}: reserved bit(s) set (${bitNames(v & ~CR4_IMPLEMENTED, CR4_NAMES)}: not supported by this processor) → #GP(0)`);
      c.setCr4(v);
  }
};

/** MOV to CR0: reserved bits ignored; PG without PE, or NW without CD, raise #GP(0). */
function writeCr0(c: Cpu, value: number): void {
  const v = value & CR0_IMPLEMENTED;
  // PG = 1 requires PE = 1
  if ((v & CR0.PG) !== 0 && (v & CR0.PE) === 0) throw gp(0, `MOV to CR0 ${hex(value)}: PG = 1 with PE = 0 is invalid → #GP(0) (SDM Vol. 3A §2.5)`);
  // NW = 1 requires CD = 1
  if ((v & CR0.NW) !== 0 && (v & CR0.CD) === 0) throw gp(0, `MOV to CR0 ${hex(value)}: NW = 1 with CD = 0 is invalid → #GP(0) (SDM Vol. 3A §2.5)`);
  c.setCr0(v);
}

/** CLTS: CR0.TS = 0. */
const CLTS: Handler = (c) => {
  if (c.cpl !== 0) throw privileged(c, "CLTS");
  c.setCr0(c.cr0 & ~CR0.TS);
};

/** LMSW Ew: loads CR0 bits 3:0 (PE MP EM TS); it can set PE but never clear it. */
const LMSW: Handler = (c, i) => {
  if (c.cpl !== 0) throw privileged(c, "LMSW");
  const v = readE16(c, i);
  c.setCr0((c.cr0 & ~0xf) | (v & 0xf) | (c.cr0 & CR0.PE));
};

/**
 * SMSW Ew (not privileged on P6): CR0 bits 15:0 to memory or a 16-bit register. A 32-bit register
 * receives CR0 whole (the SDM leaves bits 31:16 undefined; this is what Bochs and P6 parts store).
 */
const SMSW: readonly [Handler, Handler] = [
  (c, i) => writeE16(c, i, c.cr0 & 0xffff),
  (c, i) => { if (i.mod === 3) c.r32[i.rm] = c.cr0; else c.write16(i.seg, c.ea(i), c.cr0 & 0xffff); },
];

// =================================================================================================
// Debug registers (SDM Vol. 3A §17.2; Vol. 2B "MOV—Move to/from Debug Registers")
// Breakpoint matching on DR0–DR3/DR7 lives in the processor loop and access path (Cpu.setDr7).
// =================================================================================================

const DR6_FIXED1 = 0xffff0ff0 | 0; // bits 4–11 and 16–31 read as 1, bit 12 as 0
const DR6_WRITABLE = 0x0000e00f;   // B0–B3, BD, BS, BT
const DR7_FIXED1 = 0x400;          // bit 10 reads as 1
const DR7_WRITABLE = 0xffff23ff | 0; // bits 11, 12, 14, 15 read as 0

/** The debug register ModRM.reg names: DR4/DR5 alias DR6/DR7 unless CR4.DE = 1 (then #UD). */
function debugRegister(c: Cpu, n: number, what: string): number {
  if (n === 4 || n === 5) {
    if ((c.cr4 & CR4.DE) !== 0) throw ud(`${what} DR${n} with CR4.DE = 1 → #UD (SDM Vol. 3A §17.2.2)`);
    return n + 2;
  }
  return n;
}
/** DR7.GD: any MOV DR raises #DB first, with DR6.BD set and GD cleared (SDM Vol. 3A §17.2.4). */
function generalDetect(c: Cpu, what: string, n: number): void {
  if ((c.dr[7] & 0x2000) === 0) return;
  c.dr[6] |= 0x2000;
  c.dr[7] &= ~0x2000;
  throw new CpuFault(Vector.DB, undefined, `${what} DR${n} with DR7.GD = 1: general-detect debug exception (SDM Vol. 3A §17.2.4)`);
}

/** MOV Rd,Dd (0F 21). */
const MOV_RdDd: Handler = (c, i) => {
  const n = debugRegister(c, i.reg, "MOV from");
  if (c.cpl !== 0) throw privileged(c, `MOV from DR${i.reg}`);
  generalDetect(c, "MOV from", i.reg);
  c.r32[i.rm] = c.dr[n];
};

/** MOV Dd,Rd (0F 23). */
const MOV_DdRd: Handler = (c, i) => {
  const n = debugRegister(c, i.reg, "MOV to");
  if (c.cpl !== 0) throw privileged(c, `MOV to DR${i.reg}`);
  generalDetect(c, "MOV to", i.reg);
  const v = c.r32[i.rm];
  if (n === 6) c.dr[6] = (v & DR6_WRITABLE) | DR6_FIXED1;
  else if (n === 7) {
    c.setDr7((v & DR7_WRITABLE) | DR7_FIXED1);
    // RF is cleared after every instruction but IRET and POPF (SDM Vol. 3B §17.3.1.1): a value an
    // earlier IRET left must not suppress the breakpoint of the instruction after this one
    c.flags &= ~EFLAGS.RF;
  } else c.dr[n] = v;
};

// =================================================================================================
// Caches and TLB
// =================================================================================================

/** INVD / WBINVD: no caches are modelled, so only the privilege check remains. */
const INVD: Handler = (c) => { if (c.cpl !== 0) throw privileged(c, "INVD"); };
const WBINVD: Handler = (c) => { if (c.cpl !== 0) throw privileged(c, "WBINVD"); };

/** INVLPG M (SDM Vol. 2A INVLPG): drops the TLB entry of the page holding the operand's linear address. No memory access, no segment check. */
const INVLPG: Handler = (c, i) => {
  if (c.cpl !== 0) throw privileged(c, "INVLPG");
  c.invalidatePage((c.segBase[i.seg] + c.ea(i)) | 0);
};

// =================================================================================================
// The interrupt flag (SDM Vol. 2A CLI, Vol. 2B STI; PVI/VME not implemented)
// =================================================================================================

/** CLI: IF = 0, allowed when CPL ≤ IOPL (always in real-address mode, where CPL = 0), else #GP(0). */
const CLI: Handler = (c) => {
  const iopl = (c.flags >> 12) & 3;
  if (c.cpl > iopl) throw gp(0, `CLI at CPL ${c.cpl} with IOPL ${iopl}: IF may change only when CPL ≤ IOPL → #GP(0) (SDM Vol. 2A CLI)`);
  c.flags &= ~EFLAGS.IF;
};

/**
 * STI: IF = 1 under the same rule as CLI. When IF was 0, maskable interrupts stay blocked until
 * the next instruction has completed (the STI interrupt shadow).
 */
const STI: Handler = (c) => {
  const iopl = (c.flags >> 12) & 3;
  if (c.cpl > iopl) throw gp(0, `STI at CPL ${c.cpl} with IOPL ${iopl}: IF may change only when CPL ≤ IOPL → #GP(0) (SDM Vol. 2B STI)`);
  if ((c.flags & EFLAGS.IF) !== 0) return;
  c.flags |= EFLAGS.IF;
  c.interruptShadow = true;
  c.attention = 1;
};

// =================================================================================================
// x87 instructions without an x87 FPU: the CR0.EM/MP/TS rules (SDM Vol. 3A §2.5, Table 2-2)
// =================================================================================================

/**
 * ESC (D8–DF, any ModRM): #NM when CR0.EM = 1 (emulate) or CR0.TS = 1 (task switched), before any
 * memory access. There is no x87 FPU (CPUID.01H:EDX.FPU = 0), so with EM = TS = 0 the instruction
 * cannot run: #UD, a documented deviation (an operating system sets EM = 1 on such a processor).
 */
const ESC: Handler = (c, i) => {
  if ((c.cr0 & (CR0.EM | CR0.TS)) !== 0)
    throw new CpuFault(Vector.NM, undefined, `x87 instruction (${hex(i.op).slice(2).toUpperCase()} /${i.reg}) with ${(c.cr0 & CR0.EM) !== 0 ? "CR0.EM = 1" : "CR0.TS = 1"} → #NM (SDM Vol. 3A Table 2-2)`);
  throw ud(`x87 instruction (${hex(i.op).slice(2).toUpperCase()} /${i.reg}): this processor has no x87 FPU (CPUID.01H:EDX.FPU = 0) and CR0.EM = 0`);
};

/** WAIT/FWAIT (9B): #NM when CR0.MP = 1 and CR0.TS = 1; otherwise nothing (no FPU exception can be pending). */
const WAIT: Handler = (c) => {
  if ((c.cr0 & (CR0.MP | CR0.TS)) === (CR0.MP | CR0.TS))
    throw new CpuFault(Vector.NM, undefined, "WAIT with CR0.MP = 1 and CR0.TS = 1 → #NM (SDM Vol. 3A Table 2-2)");
};

// =================================================================================================
// CPUID, UD2, BOUND
// =================================================================================================

const CPUID: Handler = (c) => cpuid(c);

const UD2: Handler = () => { throw ud("UD2: the instruction defined to raise #UD (SDM Vol. 2B UD)"); };

/**
 * BOUND Gv,Ma (SDM Vol. 2A BOUND): the signed index in Gv must lie within [lower, upper], the two
 * bounds stored at the memory operand; else #BR. The register form is #UD (form restricted to mem).
 */
function boundFault(index: number, lower: number, upper: number): CpuFault {
  return new CpuFault(Vector.BR, undefined, `BOUND: index ${index} is outside the array bounds [${lower}, ${upper}] → #BR`);
}
const BOUND: readonly [Handler, Handler] = [
  (c, i: Insn) => {
    const off = c.ea(i);
    const lower = sxw(c.read16(i.seg, off)), upper = sxw(c.read16(i.seg, off + 2));
    const index = sxw(c.r16[i.reg * 2]);
    if (index < lower || index > upper) throw boundFault(index, lower, upper);
  },
  (c, i: Insn) => {
    const off = c.ea(i);
    const lower = c.read32(i.seg, off) | 0, upper = c.read32(i.seg, off + 4) | 0;
    const index = c.r32[i.reg];
    if (index < lower || index > upper) throw boundFault(index, lower, upper);
  },
];

/** Opcode-table forms of this group. */
export const SYSTEM_FORMS: readonly OpForm[] = [
  // Group 6 (0F 00), SDM Vol. 2D Table A-6
  { op: 0x100, reg: 0, mnemonic: "SLDT", operands: "Ew", exec: storeSelector(false) },
  { op: 0x100, reg: 1, mnemonic: "STR", operands: "Ew", exec: storeSelector(true) },
  { op: 0x100, reg: 2, mnemonic: "LLDT", operands: "Ew", exec: LLDT },
  { op: 0x100, reg: 3, mnemonic: "LTR", operands: "Ew", exec: LTR },
  { op: 0x100, reg: 4, mnemonic: "VERR", operands: "Ew", exec: VERR },
  { op: 0x100, reg: 5, mnemonic: "VERW", operands: "Ew", exec: VERW },
  // Group 7 (0F 01): the register encodings of /0–/3 and /7 are undefined on P6
  { op: 0x101, reg: 0, mod: "mem", mnemonic: "SGDT", operands: "Ms", exec: storeTableRegister(false) },
  { op: 0x101, reg: 1, mod: "mem", mnemonic: "SIDT", operands: "Ms", exec: storeTableRegister(true) },
  { op: 0x101, reg: 2, mod: "mem", mnemonic: "LGDT", operands: "Ms", exec: [loadTableRegister(false, false), loadTableRegister(false, true)] },
  { op: 0x101, reg: 3, mod: "mem", mnemonic: "LIDT", operands: "Ms", exec: [loadTableRegister(true, false), loadTableRegister(true, true)] },
  { op: 0x101, reg: 4, mnemonic: "SMSW", operands: "Ew", exec: SMSW },
  { op: 0x101, reg: 6, mnemonic: "LMSW", operands: "Ew", exec: LMSW },
  { op: 0x101, reg: 7, mod: "mem", mnemonic: "INVLPG", operands: "Mb", exec: INVLPG },
  { op: 0x102, mnemonic: "LAR", operands: "Gv,Ew", exec: LAR },
  { op: 0x103, mnemonic: "LSL", operands: "Gv,Ew", exec: LSL },
  { op: 0x106, mnemonic: "CLTS", operands: "", exec: CLTS },
  { op: 0x108, mnemonic: "INVD", operands: "", exec: INVD },
  { op: 0x109, mnemonic: "WBINVD", operands: "", exec: WBINVD },
  { op: 0x10b, mnemonic: "UD2", operands: "", exec: UD2 },
  { op: 0x120, mnemonic: "MOV", operands: "Rd,Cd", exec: MOV_RdCd },
  { op: 0x121, mnemonic: "MOV", operands: "Rd,Dd", exec: MOV_RdDd },
  { op: 0x122, mnemonic: "MOV", operands: "Cd,Rd", exec: MOV_CdRd },
  { op: 0x123, mnemonic: "MOV", operands: "Dd,Rd", exec: MOV_DdRd },
  { op: 0x1a2, mnemonic: "CPUID", operands: "", exec: CPUID },
  { op: 0x62, mod: "mem", mnemonic: "BOUND", operands: "Gv,Ma", exec: BOUND },
  { op: 0x63, mnemonic: "ARPL", operands: "Ew,Gw", exec: ARPL },
  { op: 0xfa, mnemonic: "CLI", operands: "", exec: CLI },
  ...[0, 1, 2, 3, 4, 5, 6, 7].map((k): OpForm => ({ op: 0xd8 + k, mnemonic: "ESC", operands: "Ev", exec: ESC })),
  { op: 0x9b, mnemonic: "WAIT", operands: "", exec: WAIT },
  { op: 0xfb, mnemonic: "STI", operands: "", exec: STI },
  ...IO_FORMS,
  ...MSR_FORMS,
  ...FASTCALL_FORMS,
];
