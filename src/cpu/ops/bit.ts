/**
 * Bit and byte operations, conditional moves and the atomic exchange-and-compare family:
 * BT BTS BTR BTC (0F A3 AB B3 BB Ev,Gv; 0F BA /4–/7 Ev,Ib), BSF BSR (0F BC BD), SETcc (0F 90–9F),
 * CMOVcc (0F 40–4F), BSWAP (0F C8–CF), XADD (0F C0 C1), CMPXCHG (0F B0 B1), CMPXCHG8B (0F C7 /1).
 *
 * Flags per SDM Vol. 2 "Flags Affected". Undefined flags follow what the host processor of the
 * differential tests (AMD Zen) was measured to do: BT* change only CF; BSF/BSR set PF ZF SF as for
 * a logical result of the index (0 for a zero source, which leaves the destination unchanged) and
 * clear CF OF AF.
 */
import { Reg, type Cpu } from "../cpu.js";
import type { Insn } from "../decoder.js";
import { EFLAGS } from "../flags.js";
import type { Handler, OpForm } from "../opmap.js";
import { readE16, readE32, readE8, sxw, writeE8 } from "./operands.js";

// ---- BT BTS BTR BTC (SDM Vol. 2A "BT": CF ← Bit(BitBase, BitOffset)). ----

/** What the instruction does to the selected bit: 0 BT (nothing), 1 BTS (set), 2 BTR (reset), 3 BTC (complement). */
const enum BitOp { BT = 0, BTS = 1, BTR = 2, BTC = 3 }

function applyBit(op: BitOp, v: number, m: number): number {
  return op === BitOp.BTS ? v | m : op === BitOp.BTR ? v & ~m : v ^ m;
}

/**
 * Memory operand of BT* Ev,Gv: the register offset is signed and selects a word/doubleword
 * relative to the effective address (SDM Vol. 2A BT, "bit string"): address = EA + 2·(offset >> 4)
 * or EA + 4·(offset >> 5), wrapped to the address size.
 */
function bitStringAddress(c: Cpu, i: Insn, wordShift: 4 | 5, offset: number): number {
  const a = c.ea(i) + ((offset >> wordShift) << (wordShift - 3));
  return i.addr32 ? a >>> 0 : a & 0xffff;
}

/** BT* Ev,Gv for 16-bit operands: offset = the signed word in Gv. */
function btEwGw(op: BitOp): Handler {
  return (c, i) => {
    const off = sxw(c.r16[i.reg * 2]);
    const m = 1 << (off & 15);
    if (i.mod === 3) {
      const v = c.r16[i.rm * 2];
      if (op !== BitOp.BT) c.r16[i.rm * 2] = applyBit(op, v, m);
      c.setFlag(EFLAGS.CF, v & m);
      return;
    }
    const addr = bitStringAddress(c, i, 4, off);
    if (op === BitOp.BT) { c.setFlag(EFLAGS.CF, c.read16(i.seg, addr) & m); return; }
    const v = c.rmwBegin16(i.seg, addr);
    c.rmwEnd16(applyBit(op, v, m));
    c.setFlag(EFLAGS.CF, v & m);
  };
}
/** BT* Ev,Gv for 32-bit operands: offset = the signed doubleword in Gv. */
function btEdGd(op: BitOp): Handler {
  return (c, i) => {
    const off = c.r32[i.reg];
    const m = 1 << (off & 31);
    if (i.mod === 3) {
      const v = c.r32[i.rm];
      if (op !== BitOp.BT) c.r32[i.rm] = applyBit(op, v, m);
      c.setFlag(EFLAGS.CF, v & m);
      return;
    }
    const addr = bitStringAddress(c, i, 5, off);
    if (op === BitOp.BT) { c.setFlag(EFLAGS.CF, c.read32(i.seg, addr) & m); return; }
    const v = c.rmwBegin32(i.seg, addr);
    c.rmwEnd32(applyBit(op, v, m));
    c.setFlag(EFLAGS.CF, v & m);
  };
}
/** BT* Ev,Ib: the immediate offset is taken modulo the operand size; no displacement. */
function btEwIb(op: BitOp): Handler {
  return (c, i) => {
    const m = 1 << (i.imm & 15);
    if (i.mod === 3) {
      const v = c.r16[i.rm * 2];
      if (op !== BitOp.BT) c.r16[i.rm * 2] = applyBit(op, v, m);
      c.setFlag(EFLAGS.CF, v & m);
      return;
    }
    if (op === BitOp.BT) { c.setFlag(EFLAGS.CF, c.read16(i.seg, c.ea(i)) & m); return; }
    const v = c.rmwBegin16(i.seg, c.ea(i));
    c.rmwEnd16(applyBit(op, v, m));
    c.setFlag(EFLAGS.CF, v & m);
  };
}
function btEdIb(op: BitOp): Handler {
  return (c, i) => {
    const m = 1 << (i.imm & 31);
    if (i.mod === 3) {
      const v = c.r32[i.rm];
      if (op !== BitOp.BT) c.r32[i.rm] = applyBit(op, v, m);
      c.setFlag(EFLAGS.CF, v & m);
      return;
    }
    if (op === BitOp.BT) { c.setFlag(EFLAGS.CF, c.read32(i.seg, c.ea(i)) & m); return; }
    const v = c.rmwBegin32(i.seg, c.ea(i));
    c.rmwEnd32(applyBit(op, v, m));
    c.setFlag(EFLAGS.CF, v & m);
  };
}

function btForms(): OpForm[] {
  const kinds: ReadonlyArray<readonly [string, BitOp, number]> = [
    ["BT", BitOp.BT, 0x1a3], ["BTS", BitOp.BTS, 0x1ab], ["BTR", BitOp.BTR, 0x1b3], ["BTC", BitOp.BTC, 0x1bb],
  ];
  const out: OpForm[] = [];
  kinds.forEach(([m, op, opcode], n) => {
    const lock = op !== BitOp.BT;
    out.push(
      { op: opcode, mnemonic: m, operands: "Ev,Gv", exec: [btEwGw(op), btEdGd(op)], lock },
      // Group 8 (SDM Vol. 2D Table A-6): 0F BA /4 BT, /5 BTS, /6 BTR, /7 BTC; /0–/3 are undefined.
      { op: 0x1ba, reg: 4 + n, mnemonic: m, operands: "Ev,Ib", exec: [btEwIb(op), btEdIb(op)], lock },
    );
  });
  return out;
}

// ---- BSF / BSR (SDM Vol. 2A): ZF ← 1 and DEST unchanged for a zero source. ----

/**
 * A zero source: ZF ← 1 and the destination keeps its value (SDM: undefined; real processors leave
 * it). The other flags are undefined; the host sets them as for a logical result of 0 (PF = 1).
 */
function scanEmpty(c: Cpu, bit: number): void {
  c.lazyLogic(0, bit);
}
/** Records the flags of a bit scan that found index `r`: ZF = 0; SF PF from r; CF OF AF = 0. */
function scanFound(c: Cpu, r: number, bit: number): void {
  c.lazyLogic(r, bit);
  c.setFlag(EFLAGS.ZF, 0);
}

function bsf16(c: Cpu, i: Insn): void {
  const v = readE16(c, i);
  if (v === 0) { scanEmpty(c, 15); return; }
  const r = 31 - Math.clz32(v & -v);
  c.r16[i.reg * 2] = r;
  scanFound(c, r, 15);
}
function bsf32(c: Cpu, i: Insn): void {
  const v = readE32(c, i);
  if (v === 0) { scanEmpty(c, 31); return; }
  const r = 31 - Math.clz32(v & -v);
  c.r32[i.reg] = r;
  scanFound(c, r, 31);
}
function bsr16(c: Cpu, i: Insn): void {
  const v = readE16(c, i);
  if (v === 0) { scanEmpty(c, 15); return; }
  const r = 31 - Math.clz32(v);
  c.r16[i.reg * 2] = r;
  scanFound(c, r, 15);
}
function bsr32(c: Cpu, i: Insn): void {
  const v = readE32(c, i);
  if (v === 0) { scanEmpty(c, 31); return; }
  const r = 31 - Math.clz32(v);
  c.r32[i.reg] = r;
  scanFound(c, r, 31);
}

// ---- SETcc and CMOVcc (SDM Vol. 2B SETcc, Vol. 2A CMOVcc; conditions per Appendix B.1.4.7). ----

const CC_NAMES = ["O", "NO", "B", "AE", "E", "NE", "BE", "A", "S", "NS", "P", "NP", "L", "GE", "LE", "G"];

function setccForms(): OpForm[] {
  const out: OpForm[] = [];
  for (let cc = 0; cc < 16; cc++) {
    out.push({
      op: 0x190 + cc, mnemonic: `SET${CC_NAMES[cc]}`, operands: "Eb",
      exec: (c, i) => { writeE8(c, i, c.condition(cc) ? 1 : 0); },
    });
  }
  return out;
}
/** CMOVcc: the source is always read (and can fault); the destination is written only if the condition holds. */
function cmovForms(): OpForm[] {
  const out: OpForm[] = [];
  for (let cc = 0; cc < 16; cc++) {
    out.push({
      op: 0x140 + cc, mnemonic: `CMOV${CC_NAMES[cc]}`, operands: "Gv,Ev",
      exec: [
        (c, i) => { const v = readE16(c, i); if (c.condition(cc)) c.r16[i.reg * 2] = v; },
        (c, i) => { const v = readE32(c, i); if (c.condition(cc)) c.r32[i.reg] = v; },
      ],
    });
  }
  return out;
}

// ---- BSWAP (SDM Vol. 2A): reverses the bytes of a 32-bit register. ----

const REG_NAMES = ["eAX", "eCX", "eDX", "eBX", "eSP", "eBP", "eSI", "eDI"];

function bswapForms(): OpForm[] {
  const out: OpForm[] = [];
  for (let r = 0; r < 8; r++) {
    out.push({
      op: 0x1c8 + r, mnemonic: "BSWAP", operands: REG_NAMES[r],
      exec: [
        // With a 16-bit operand the result is undefined; Intel processors clear the low word.
        (c) => { c.r16[r * 2] = 0; },
        (c) => {
          const v = c.r32[r];
          c.r32[r] = (v >>> 24) | ((v >> 8) & 0xff00) | ((v & 0xff00) << 8) | (v << 24);
        },
      ],
    });
  }
  return out;
}

// ---- XADD (SDM Vol. 2B): TEMP ← SRC + DEST; SRC ← DEST; DEST ← TEMP; flags as ADD. ----

function xaddEbGb(c: Cpu, i: Insn): void {
  const s = c.r8[i.reg8];
  if (i.mod === 3) {
    const d = c.r8[i.rm8], t = (d + s) | 0;
    c.r8[i.reg8] = d;
    c.r8[i.rm8] = t;
    c.lazyAddition(d, s, t, 7);
    return;
  }
  const d = c.rmwBegin8(i.seg, c.ea(i)), t = (d + s) | 0;
  c.rmwEnd8(t);
  c.r8[i.reg8] = d;
  c.lazyAddition(d, s, t, 7);
}
function xaddEwGw(c: Cpu, i: Insn): void {
  const s = c.r16[i.reg * 2];
  if (i.mod === 3) {
    const d = c.r16[i.rm * 2], t = (d + s) | 0;
    c.r16[i.reg * 2] = d;
    c.r16[i.rm * 2] = t;
    c.lazyAddition(d, s, t, 15);
    return;
  }
  const d = c.rmwBegin16(i.seg, c.ea(i)), t = (d + s) | 0;
  c.rmwEnd16(t);
  c.r16[i.reg * 2] = d;
  c.lazyAddition(d, s, t, 15);
}
function xaddEdGd(c: Cpu, i: Insn): void {
  const s = c.r32[i.reg];
  if (i.mod === 3) {
    const d = c.r32[i.rm], t = (d + s) | 0;
    c.r32[i.reg] = d;
    c.r32[i.rm] = t;
    c.lazyAddition(d, s, t, 31);
    return;
  }
  const d = c.rmwBegin32(i.seg, c.ea(i)), t = (d + s) | 0;
  c.rmwEnd32(t);
  c.r32[i.reg] = d;
  c.lazyAddition(d, s, t, 31);
}

// ---- CMPXCHG (SDM Vol. 2A): compare the accumulator with DEST; flags as CMP accumulator, DEST.
// IF accumulator = DEST THEN ZF ← 1; DEST ← SRC ELSE ZF ← 0; accumulator ← DEST; DEST ← DEST (the
// processor always writes the destination, so a read-only memory operand faults either way). ----

function cmpxchgEbGb(c: Cpu, i: Insn): void {
  const acc = c.r8[0];
  if (i.mod === 3) {
    const d = c.r8[i.rm8];
    c.lazySubtraction(acc, d, (acc - d) | 0, 7);
    if (acc === d) c.r8[i.rm8] = c.r8[i.reg8]; else c.r8[0] = d;
    return;
  }
  const d = c.rmwBegin8(i.seg, c.ea(i));
  c.rmwEnd8(acc === d ? c.r8[i.reg8] : d);
  if (acc !== d) c.r8[0] = d;
  c.lazySubtraction(acc, d, (acc - d) | 0, 7);
}
function cmpxchgEwGw(c: Cpu, i: Insn): void {
  const acc = c.r16[0];
  if (i.mod === 3) {
    const d = c.r16[i.rm * 2];
    c.lazySubtraction(acc, d, (acc - d) | 0, 15);
    if (acc === d) c.r16[i.rm * 2] = c.r16[i.reg * 2]; else c.r16[0] = d;
    return;
  }
  const d = c.rmwBegin16(i.seg, c.ea(i));
  c.rmwEnd16(acc === d ? c.r16[i.reg * 2] : d);
  if (acc !== d) c.r16[0] = d;
  c.lazySubtraction(acc, d, (acc - d) | 0, 15);
}
function cmpxchgEdGd(c: Cpu, i: Insn): void {
  const acc = c.r32[Reg.EAX];
  if (i.mod === 3) {
    const d = c.r32[i.rm];
    c.lazySubtraction(acc, d, (acc - d) | 0, 31);
    if (acc === d) c.r32[i.rm] = c.r32[i.reg]; else c.r32[Reg.EAX] = d;
    return;
  }
  const d = c.rmwBegin32(i.seg, c.ea(i));
  c.rmwEnd32(acc === d ? c.r32[i.reg] : d);
  if (acc !== d) c.r32[Reg.EAX] = d;
  c.lazySubtraction(acc, d, (acc - d) | 0, 31);
}

/**
 * CMPXCHG8B m64 (SDM Vol. 2A): IF EDX:EAX = m64 THEN ZF ← 1; m64 ← ECX:EBX ELSE ZF ← 0;
 * EDX:EAX ← m64 (and m64 is written back unchanged). Only ZF changes. Both doublewords are
 * checked for writing (segment limit over all 8 bytes, both pages) before anything is stored.
 */
function cmpxchg8b(c: Cpu, i: Insn): void {
  const off = c.ea(i);
  const lin = c.segWrite(i.seg, off, 8);
  const hiLin = (lin + 4) | 0;
  c.translateWrite(lin);
  // An operand that crosses a page boundary: the second page too (CR2 names its first byte on #PF).
  if ((lin & 0xfff) > 0xff8) c.translateWrite(((lin | 0xfff) + 1) | 0);
  const lo = c.readLin32(lin), hi = c.readLin32(hiLin);
  if (lo === c.r32[Reg.EAX] && hi === c.r32[Reg.EDX]) {
    c.writeLin32(lin, c.r32[Reg.EBX]);
    c.writeLin32(hiLin, c.r32[Reg.ECX]);
    c.setFlag(EFLAGS.ZF, 1);
    return;
  }
  c.writeLin32(lin, lo);
  c.writeLin32(hiLin, hi);
  c.r32[Reg.EAX] = lo;
  c.r32[Reg.EDX] = hi;
  c.setFlag(EFLAGS.ZF, 0);
}

/** Opcode-table forms of this group. */
export const BIT_FORMS: readonly OpForm[] = [
  ...btForms(),
  { op: 0x1bc, mnemonic: "BSF", operands: "Gv,Ev", exec: [bsf16, bsf32] },
  { op: 0x1bd, mnemonic: "BSR", operands: "Gv,Ev", exec: [bsr16, bsr32] },
  ...setccForms(),
  ...cmovForms(),
  ...bswapForms(),
  { op: 0x1c0, mnemonic: "XADD", operands: "Eb,Gb", exec: xaddEbGb, lock: true },
  { op: 0x1c1, mnemonic: "XADD", operands: "Ev,Gv", exec: [xaddEwGw, xaddEdGd], lock: true },
  { op: 0x1b0, mnemonic: "CMPXCHG", operands: "Eb,Gb", exec: cmpxchgEbGb, lock: true },
  { op: 0x1b1, mnemonic: "CMPXCHG", operands: "Ev,Gv", exec: [cmpxchgEwGw, cmpxchgEdGd], lock: true },
  { op: 0x1c7, reg: 1, mod: "mem", mnemonic: "CMPXCHG8B", operands: "Mq", exec: cmpxchg8b, lock: true },
];
