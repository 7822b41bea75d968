/**
 * Port I/O: IN (E4 E5 EC ED), OUT (E6 E7 EE EF), INS (6C 6D) and OUTS (6E 6F) with REP, and the
 * protection that guards them (SDM Vol. 1 §19.5 "Protected-Mode I/O"; Vol. 3A §20.2.8 for
 * virtual-8086 mode): when CPL > IOPL, or in virtual-8086 mode, every bit of the TSS's I/O
 * permission bit map that covers the accessed ports must be 0, else #GP(0).
 *
 * Ports go to the board through `cpu.bus.ioRead/ioWrite`. After any OUT the loop is asked to look
 * for interrupts (`attention`), because writing a device register can raise one.
 */
import { type Cpu, Reg } from "../cpu.js";
import { gp } from "../fault.js";
import { EFLAGS } from "../flags.js";
import type { Handler, OpForm } from "../opmap.js";
import { SegReg } from "../segmentation.js";

/** Offset of the I/O map base address field in a 32-bit TSS (SDM Vol. 3A §7.2.1, Figure 7-2). */
const TSS_IOMAP_BASE = 102;

/** The I/O permission bit map must be consulted: CPL > IOPL in protected mode, or virtual-8086 mode. */
function needsBitmap(c: Cpu): boolean {
  // In real-address mode CPL is 0, so the first test never holds there.
  return c.cpl > ((c.flags >> 12) & 3) || (c.flags & EFLAGS.VM) !== 0;
}

function ioFault(c: Cpu, what: string, port: number, size: number, why: string): never {
  const mode = (c.flags & EFLAGS.VM) !== 0 ? "in virtual-8086 mode" : `at CPL ${c.cpl} with IOPL ${(c.flags >> 12) & 3}`;
  throw gp(0, `${what} port 0x${port.toString(16)} (${size} byte${size > 1 ? "s" : ""}) ${mode}: ${why} → #GP(0) (SDM Vol. 1 §19.5.2)`);
}

/**
 * Checks the I/O permission bit map of the current 32-bit TSS for `size` bytes at `port`
 * (SDM Vol. 1 §19.5.2): the processor reads the two bytes of the map that hold the port's first
 * bit, at TSS offset (I/O map base + port / 8); both must lie within the TSS limit, and every bit
 * for the accessed ports must be 0. Throws #GP(0) otherwise.
 */
export function checkIoBitmap(c: Cpu, port: number, size: number, what: string): void {
  // The bit map is part of a 32-bit TSS; a 16-bit TSS (or none) has no I/O map.
  if ((c.trType & 8) === 0) ioFault(c, what, port, size, "TR does not hold a 32-bit TSS, so there is no I/O permission bit map");
  // The I/O map base field itself must lie within the TSS limit.
  if (c.trLimit < TSS_IOMAP_BASE + 1)
    ioFault(c, what, port, size, `the TSS limit 0x${c.trLimit.toString(16)} does not include the I/O map base field`);
  const mapBase = c.readSystem16((c.trBase + TSS_IOMAP_BASE) | 0);
  const at = mapBase + (port >>> 3);
  // Bytes of the map beyond the TSS limit count as all ones.
  if (at + 1 > c.trLimit)
    ioFault(c, what, port, size, `the bit map bytes at TSS offset 0x${at.toString(16)} (I/O map base 0x${mapBase.toString(16)}) lie beyond the TSS limit 0x${c.trLimit.toString(16)}`);
  const bits = c.readSystem16((c.trBase + at) | 0);
  const mask = ((1 << size) - 1) << (port & 7);
  if ((bits & mask) !== 0) ioFault(c, what, port, size, `its I/O permission bit map bit is set (TSS offset 0x${at.toString(16)})`);
}

// ---- IN and OUT ----

function inForms(): OpForm[] {
  const in8 = (c: Cpu, port: number): void => {
    if (needsBitmap(c)) checkIoBitmap(c, port, 1, "IN");
    if (c.ioBreakpoints !== 0) c.matchIoBreakpoints(port, 1);
    c.r8[0] = c.bus.ioRead(port, 1);
  };
  const in16 = (c: Cpu, port: number): void => {
    if (needsBitmap(c)) checkIoBitmap(c, port, 2, "IN");
    if (c.ioBreakpoints !== 0) c.matchIoBreakpoints(port, 2);
    c.r16[0] = c.bus.ioRead(port, 2);
  };
  const in32 = (c: Cpu, port: number): void => {
    if (needsBitmap(c)) checkIoBitmap(c, port, 4, "IN");
    if (c.ioBreakpoints !== 0) c.matchIoBreakpoints(port, 4);
    c.r32[Reg.EAX] = c.bus.ioRead(port, 4);
  };
  return [
    { op: 0xe4, mnemonic: "IN", operands: "AL,Ib", exec: (c, i) => in8(c, i.imm) },
    { op: 0xe5, mnemonic: "IN", operands: "eAX,Ib", exec: [(c, i) => in16(c, i.imm), (c, i) => in32(c, i.imm)] },
    { op: 0xec, mnemonic: "IN", operands: "AL,DX", exec: (c) => in8(c, c.r16[Reg.EDX * 2]) },
    { op: 0xed, mnemonic: "IN", operands: "eAX,DX", exec: [(c) => in16(c, c.r16[Reg.EDX * 2]), (c) => in32(c, c.r16[Reg.EDX * 2])] },
  ];
}

function outForms(): OpForm[] {
  const out = (c: Cpu, port: number, size: 1 | 2 | 4, v: number): void => {
    if (needsBitmap(c)) checkIoBitmap(c, port, size, "OUT");
    if (c.ioBreakpoints !== 0) c.matchIoBreakpoints(port, size);
    c.bus.ioWrite(port, size, v);
    c.attention = 1;
  };
  return [
    { op: 0xe6, mnemonic: "OUT", operands: "Ib,AL", exec: (c, i) => out(c, i.imm, 1, c.r8[0]) },
    { op: 0xe7, mnemonic: "OUT", operands: "Ib,eAX", exec: [(c, i) => out(c, i.imm, 2, c.r16[0]), (c, i) => out(c, i.imm, 4, c.r32[Reg.EAX])] },
    { op: 0xee, mnemonic: "OUT", operands: "DX,AL", exec: (c) => out(c, c.r16[Reg.EDX * 2], 1, c.r8[0]) },
    { op: 0xef, mnemonic: "OUT", operands: "DX,eAX", exec: [(c) => out(c, c.r16[Reg.EDX * 2], 2, c.r16[0]), (c) => out(c, c.r16[Reg.EDX * 2], 4, c.r32[Reg.EAX])] },
  ];
}

// ---- INS and OUTS (SDM Vol. 2A INS/INSB/INSW/INSD, Vol. 2B OUTS/OUTSB/OUTSW/OUTSD) ----

/**
 * One INS element: ES:off (no segment override) is checked for writing before the port is read,
 * so a fault does not consume device data; then the value read is stored.
 */
function insElement(c: Cpu, off: number, port: number, size: 1 | 2 | 4): void {
  if (size === 1) { c.rmwBegin8(SegReg.ES, off); c.rmwEnd8(c.bus.ioRead(port, 1)); }
  else if (size === 2) { c.rmwBegin16(SegReg.ES, off); c.rmwEnd16(c.bus.ioRead(port, 2)); }
  else { c.rmwBegin32(SegReg.ES, off); c.rmwEnd32(c.bus.ioRead(port, 4)); }
}
/** One OUTS element from seg:off (DS unless overridden). */
function outsElement(c: Cpu, seg: number, off: number, port: number, size: 1 | 2 | 4): void {
  const v = size === 1 ? c.read8(seg, off) : size === 2 ? c.read16(seg, off) : c.read32(seg, off);
  c.bus.ioWrite(port, size, v);
}

/**
 * INS: (E)DI advances by ±size per element (EFLAGS.DF), with REP (E)CX elements. The I/O permission
 * is checked once before the first element, even when the count is 0 (as Bochs does). A fault in
 * element k leaves elements 0..k-1 done and (E)CX/(E)DI pointing at k, so the restart resumes there.
 */
function insHandler(size: 1 | 2 | 4): Handler {
  return (c, i) => {
    const port = c.r16[Reg.EDX * 2];
    if (needsBitmap(c)) checkIoBitmap(c, port, size, "INS");
    if (c.ioBreakpoints !== 0) c.matchIoBreakpoints(port, size);
    const step = (c.flags & EFLAGS.DF) !== 0 ? -size : size;
    const r32 = c.r32, r16 = c.r16;
    if (i.addr32) {
      if (i.rep === 0) { insElement(c, r32[Reg.EDI] >>> 0, port, size); r32[Reg.EDI] += step; return; }
      while (r32[Reg.ECX] !== 0) {
        insElement(c, r32[Reg.EDI] >>> 0, port, size);
        r32[Reg.EDI] += step;
        r32[Reg.ECX]--;
      }
    } else {
      if (i.rep === 0) { insElement(c, r16[Reg.EDI * 2], port, size); r16[Reg.EDI * 2] += step; return; }
      while (r16[Reg.ECX * 2] !== 0) {
        insElement(c, r16[Reg.EDI * 2], port, size);
        r16[Reg.EDI * 2] += step;
        r16[Reg.ECX * 2]--;
      }
    }
  };
}

/** OUTS: as INS, reading from DS:(E)SI (segment override allowed). */
function outsHandler(size: 1 | 2 | 4): Handler {
  return (c, i) => {
    const port = c.r16[Reg.EDX * 2];
    if (needsBitmap(c)) checkIoBitmap(c, port, size, "OUTS");
    if (c.ioBreakpoints !== 0) c.matchIoBreakpoints(port, size);
    const step = (c.flags & EFLAGS.DF) !== 0 ? -size : size;
    const r32 = c.r32, r16 = c.r16, seg = i.seg;
    c.attention = 1;
    if (i.addr32) {
      if (i.rep === 0) { outsElement(c, seg, r32[Reg.ESI] >>> 0, port, size); r32[Reg.ESI] += step; return; }
      while (r32[Reg.ECX] !== 0) {
        outsElement(c, seg, r32[Reg.ESI] >>> 0, port, size);
        r32[Reg.ESI] += step;
        r32[Reg.ECX]--;
      }
    } else {
      if (i.rep === 0) { outsElement(c, seg, r16[Reg.ESI * 2], port, size); r16[Reg.ESI * 2] += step; return; }
      while (r16[Reg.ECX * 2] !== 0) {
        outsElement(c, seg, r16[Reg.ESI * 2], port, size);
        r16[Reg.ESI * 2] += step;
        r16[Reg.ECX * 2]--;
      }
    }
  };
}

/** Opcode-table forms of this group. */
export const IO_FORMS: readonly OpForm[] = [
  ...inForms(),
  ...outForms(),
  { op: 0x6c, mnemonic: "INS", operands: "Yb,DX", exec: insHandler(1) },
  { op: 0x6d, mnemonic: "INS", operands: "Yz,DX", exec: [insHandler(2), insHandler(4)] },
  { op: 0x6e, mnemonic: "OUTS", operands: "DX,Xb", exec: outsHandler(1) },
  { op: 0x6f, mnemonic: "OUTS", operands: "DX,Xz", exec: [outsHandler(2), outsHandler(4)] },
];
