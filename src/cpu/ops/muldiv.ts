/**
 * Multiplication, division, decimal arithmetic and accumulator sign extension:
 * MUL IMUL DIV IDIV (F6/F7 /4–/7), IMUL Gv,Ev (0F AF), IMUL Gv,Ev,Iz (69), IMUL Gv,Ev,Ib (6B),
 * DAA DAS AAA AAS (27 2F 37 3F), AAM AAD (D4 Ib, D5 Ib), CBW/CWDE (98), CWD/CDQ (99).
 *
 * Flags per SDM Vol. 2 "Flags Affected". Where the SDM calls a flag undefined this module does
 * what the host processor of the differential tests (AMD Zen) was measured to do, so those runs
 * compare every flag: MUL/IMUL leave SF ZF AF PF unchanged; DIV/IDIV clear SF ZF PF, set AF and
 * leave CF OF; AAA/AAS set SF ZF PF OF as the 16-bit AX ± 106H they perform (before AL is masked);
 * DAA/DAS set OF as the 8-bit addition/subtraction of the adjustment; AAD sets CF AF OF as the
 * 8-bit addition AL + AH × imm8; AAM clears CF AF OF. (Bochs, modelling Intel, differs: it derives
 * SF ZF PF of MUL from the product and leaves DIV's flags alone.)
 *
 * 64-bit products and dividends (EDX:EAX) are handled exactly with double arithmetic on 16-bit
 * digits: no BigInt, no allocation. A fault (#DE, or a memory operand's #GP/#PF) is raised before
 * any register is written.
 */
import { Reg, type Cpu } from "../cpu.js";
import type { Insn } from "../decoder.js";
import { de } from "../fault.js";
import { EFLAGS } from "../flags.js";
import type { Handler, OpForm } from "../opmap.js";
import { readE16, readE32, readE8, sxb, sxw } from "./operands.js";

/** Hexadecimal for fault reasons (only built when a fault is thrown). */
function hex(v: number): string {
  return `0x${v.toString(16)}`;
}

/**
 * Records the flags of a multiplication: CF = OF = `overflow` (the upper half is significant).
 * SF ZF AF PF are undefined (SDM MUL/IMUL) and left unchanged, as the host does.
 */
function mulFlags(c: Cpu, overflow: boolean): void {
  c.setFlag(EFLAGS.CF, overflow);
  c.setFlag(EFLAGS.OF, overflow);
}

/**
 * Upper 32 bits of the unsigned 64-bit product of two unsigned 32-bit values, exactly (the partial
 * products of 16-bit digits stay below 2^53).
 */
function mulHighU32(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const mid = (((a0 * b0) >>> 16) + a1 * b0 + a0 * b1);
  return (a1 * b1 + Math.floor(mid / 65536)) >>> 0;
}

// ---- MUL / IMUL, one operand (F6 /4 /5, F7 /4 /5): the accumulator times r/m. ----

/** MUL r/m8: AX ← AL × r/m8; CF = OF = (AH ≠ 0). */
function mul8(c: Cpu, src: number): void {
  const p = c.r8[0] * src;
  c.r16[0] = p;
  mulFlags(c, p > 0xff);
}
/** MUL r/m16: DX:AX ← AX × r/m16; CF = OF = (DX ≠ 0). */
function mul16(c: Cpu, src: number): void {
  const p = c.r16[0] * src;
  c.r16[0] = p;
  c.r16[Reg.EDX * 2] = p >>> 16;
  mulFlags(c, p > 0xffff);
}
/** MUL r/m32: EDX:EAX ← EAX × r/m32; CF = OF = (EDX ≠ 0). */
function mul32(c: Cpu, src: number): void {
  const a = c.r32[Reg.EAX] >>> 0, b = src >>> 0;
  const hi = mulHighU32(a, b), lo = Math.imul(a, b);
  c.r32[Reg.EAX] = lo;
  c.r32[Reg.EDX] = hi;
  mulFlags(c, hi !== 0);
}
/** IMUL r/m8: AX ← AL × r/m8 (signed); CF = OF = (AX ≠ sign extension of AL). */
function imul8(c: Cpu, src: number): void {
  const p = sxb(c.r8[0]) * sxb(src);
  c.r16[0] = p;
  mulFlags(c, p !== sxb(p));
}
/** IMUL r/m16: DX:AX ← AX × r/m16 (signed); CF = OF = (DX:AX ≠ sign extension of AX). */
function imul16(c: Cpu, src: number): void {
  const p = sxw(c.r16[0]) * sxw(src);
  c.r16[0] = p;
  c.r16[Reg.EDX * 2] = p >> 16;
  mulFlags(c, p !== sxw(p));
}
/** IMUL r/m32: EDX:EAX ← EAX × r/m32 (signed); CF = OF = (EDX:EAX ≠ sign extension of EAX). */
function imul32(c: Cpu, src: number): void {
  const a = c.r32[Reg.EAX], b = src | 0;
  // Signed high half = unsigned high half − (a < 0 ? b : 0) − (b < 0 ? a : 0), modulo 2^32.
  let hi = mulHighU32(a >>> 0, b >>> 0);
  if (a < 0) hi -= b >>> 0;
  if (b < 0) hi -= a >>> 0;
  hi |= 0;
  const lo = Math.imul(a, b);
  c.r32[Reg.EAX] = lo;
  c.r32[Reg.EDX] = hi;
  mulFlags(c, hi !== lo >> 31);
}

// ---- IMUL with two and three operands (0F AF, 69, 6B): the product truncated to the operand size. ----

/** Truncated signed 16-bit product; CF = OF = it differs from the full product. */
function imul2w(c: Cpu, a: number, b: number): number {
  const p = sxw(a) * sxw(b);
  mulFlags(c, p !== sxw(p));
  return p;
}
/** Truncated signed 32-bit product; CF = OF = it differs from the full product. */
function imul2d(c: Cpu, a: number, b: number): number {
  const lo = Math.imul(a, b);
  // The double product is exact below 2^53 and, rounded, still outside the int32 range otherwise.
  mulFlags(c, (a | 0) * (b | 0) !== lo);
  return lo;
}

// ---- DIV / IDIV (F6 /6 /7, F7 /6 /7). ----

/** DIV/IDIV leave all six flags undefined; the host clears SF ZF PF, sets AF and keeps CF OF. */
function divFlags(c: Cpu): void {
  c.setFlag(EFLAGS.SF, 0);
  c.setFlag(EFLAGS.ZF, 0);
  c.setFlag(EFLAGS.PF, 0);
  c.setFlag(EFLAGS.AF, 1);
}

/** DIV r/m8: AL ← AX ÷ r/m8, AH ← remainder. */
function div8(c: Cpu, src: number): void {
  // SDM Vol. 2A DIV: IF SRC = 0 THEN #DE
  if (src === 0) throw de("DIV r/m8: divisor is 0");
  const n = c.r16[0];
  const q = Math.floor(n / src);
  // IF temp > FFH THEN #DE (quotient too large for AL)
  if (q > 0xff) throw de(`DIV r/m8: quotient of AX ${hex(n)} / ${hex(src)} does not fit in AL`);
  c.r8[0] = q;
  c.r8[1] = n - q * src;
  divFlags(c);
}
/** DIV r/m16: AX ← DX:AX ÷ r/m16, DX ← remainder. */
function div16(c: Cpu, src: number): void {
  if (src === 0) throw de("DIV r/m16: divisor is 0");
  const n = ((c.r16[Reg.EDX * 2] << 16) | c.r16[0]) >>> 0;
  const q = Math.floor(n / src);
  if (q > 0xffff) throw de(`DIV r/m16: quotient of DX:AX ${hex(n)} / ${hex(src)} does not fit in AX`);
  c.r16[0] = q;
  c.r16[Reg.EDX * 2] = n - q * src;
  divFlags(c);
}
/** DIV r/m32: EAX ← EDX:EAX ÷ r/m32, EDX ← remainder. */
function div32(c: Cpu, src: number): void {
  const d = src >>> 0;
  if (d === 0) throw de("DIV r/m32: divisor is 0");
  const hi = c.r32[Reg.EDX] >>> 0, lo = c.r32[Reg.EAX] >>> 0;
  // The quotient fits in 32 bits exactly when EDX < divisor.
  if (hi >= d) throw de(`DIV r/m32: quotient of EDX:EAX ${hex(hi)}:${hex(lo)} / ${hex(d)} does not fit in EAX`);
  if (hi === 0) {
    // The common case (EDX cleared before the division): a 32-bit division, exact in doubles.
    const q = Math.floor(lo / d);
    c.r32[Reg.EAX] = q;
    c.r32[Reg.EDX] = lo - q * d;
    divFlags(c);
    return;
  }
  divide64(c, hi, lo, d, false, false, false);
}
/** IDIV r/m8: AL ← AX ÷ r/m8 (signed, truncated toward 0), AH ← remainder (sign of the dividend). */
function idiv8(c: Cpu, src: number): void {
  const d = sxb(src);
  if (d === 0) throw de("IDIV r/m8: divisor is 0");
  const n = sxw(c.r16[0]);
  const q = Math.trunc(n / d);
  // IF (temp > 7FH) or (temp < 80H) THEN #DE (quotient does not fit in AL)
  if (q > 0x7f || q < -0x80) throw de(`IDIV r/m8: quotient of AX ${n} / ${d} does not fit in AL`);
  c.r8[0] = q;
  c.r8[1] = n % d;
  divFlags(c);
}
/** IDIV r/m16: AX ← DX:AX ÷ r/m16 (signed), DX ← remainder. */
function idiv16(c: Cpu, src: number): void {
  const d = sxw(src);
  if (d === 0) throw de("IDIV r/m16: divisor is 0");
  const n = (c.r16[Reg.EDX * 2] << 16) | c.r16[0];
  const q = Math.trunc(n / d);
  if (q > 0x7fff || q < -0x8000) throw de(`IDIV r/m16: quotient of DX:AX ${n} / ${d} does not fit in AX`);
  c.r16[0] = q;
  c.r16[Reg.EDX * 2] = n % d;
  divFlags(c);
}
/** IDIV r/m32: EAX ← EDX:EAX ÷ r/m32 (signed), EDX ← remainder. */
function idiv32(c: Cpu, src: number): void {
  const d = src | 0;
  if (d === 0) throw de("IDIV r/m32: divisor is 0");
  const hi = c.r32[Reg.EDX], lo = c.r32[Reg.EAX];
  if (hi === lo >> 31) {
    // The dividend is EAX sign-extended (as after CDQ): a 32-bit division; only −2^31 / −1 overflows.
    if (lo === -0x80000000 && d === -1) throw de("IDIV r/m32: quotient of EDX:EAX -2147483648 / -1 does not fit in EAX");
    c.r32[Reg.EAX] = lo / d;
    c.r32[Reg.EDX] = lo % d;
    divFlags(c);
    return;
  }
  // Divide the magnitudes; the quotient is negative when the signs differ, the remainder takes the dividend's sign.
  const negN = hi < 0;
  let mh = hi >>> 0, ml = lo >>> 0;
  if (negN) { ml = (-lo) >>> 0; mh = (~hi + (ml === 0 ? 1 : 0)) >>> 0; }
  const md = Math.abs(d);
  const negQ = negN !== d < 0;
  if (mh >= md) throw de(`IDIV r/m32: quotient of EDX:EAX ${hex(hi >>> 0)}:${hex(lo >>> 0)} / ${d} does not fit in EAX`);
  divide64(c, mh, ml, md, true, negQ, negN);
}

/**
 * Exact division of the unsigned 64-bit hi:lo by d (hi < d, so the quotient is below 2^32) in
 * two 16-bit long-division steps; every intermediate stays below 2^49. Writes EAX ← quotient and
 * EDX ← remainder, negated as asked; for IDIV (`signed`) the quotient must fit a signed
 * doubleword (#DE otherwise).
 */
function divide64(c: Cpu, hi: number, lo: number, d: number, signed: boolean, negQ: boolean, negR: boolean): void {
  let x = hi * 65536 + (lo >>> 16);
  let q1 = Math.floor(x / d), r = x - q1 * d;
  if (r < 0) { q1--; r += d; } else if (r >= d) { q1++; r -= d; }
  x = r * 65536 + (lo & 0xffff);
  let q0 = Math.floor(x / d);
  r = x - q0 * d;
  if (r < 0) { q0--; r += d; } else if (r >= d) { q0++; r -= d; }
  const q = q1 * 65536 + q0;
  if (signed) {
    // IDIV: IF (temp > 7FFFFFFFH) or (temp < 80000000H) THEN #DE
    if (negQ ? q > 0x80000000 : q > 0x7fffffff) throw de(`IDIV r/m32: quotient ${negQ ? "-" : ""}${q} does not fit in EAX`);
    c.r32[Reg.EAX] = negQ ? -q : q;
    c.r32[Reg.EDX] = negR ? -r : r;
  } else {
    c.r32[Reg.EAX] = q;
    c.r32[Reg.EDX] = r;
  }
  divFlags(c);
}

// ---- Decimal adjust (SDM Vol. 2 DAA DAS AAA AAS AAM AAD). ----

/**
 * DAA: adjusts AL after adding two packed BCD values. CF AF per the SDM pseudo-code, SF ZF PF
 * from AL; OF (undefined) as the addition AL + adjustment.
 */
function daa(c: Cpu): void {
  const oldAl = c.r8[0], oldCf = c.getCF();
  let adj = 0, cf = 0, af = 0;
  if ((oldAl & 0x0f) > 9 || c.getAF()) {
    adj = 6;
    cf = oldCf | (oldAl + 6 > 0xff ? 1 : 0);
    af = 1;
  }
  if (oldAl > 0x99 || oldCf) { adj += 0x60; cf = 1; } else cf = 0;
  const al = (oldAl + adj) & 0xff;
  c.r8[0] = al;
  c.lazyResult(al, 7);
  c.setFlag(EFLAGS.CF, cf);
  c.setFlag(EFLAGS.AF, af);
  c.setFlag(EFLAGS.OF, (oldAl ^ al) & (adj ^ al) & 0x80);
}
/** DAS: adjusts AL after subtracting packed BCD; OF (undefined) as the subtraction AL − adjustment. */
function das(c: Cpu): void {
  const oldAl = c.r8[0], oldCf = c.getCF();
  let adj = 0, cf = 0, af = 0;
  if ((oldAl & 0x0f) > 9 || c.getAF()) {
    adj = 6;
    cf = oldCf | (oldAl < 6 ? 1 : 0);
    af = 1;
  }
  if (oldAl > 0x99 || oldCf) { adj += 0x60; cf = 1; }
  const al = (oldAl - adj) & 0xff;
  c.r8[0] = al;
  c.lazyResult(al, 7);
  c.setFlag(EFLAGS.CF, cf);
  c.setFlag(EFLAGS.AF, af);
  c.setFlag(EFLAGS.OF, (oldAl ^ adj) & (oldAl ^ al) & 0x80);
}
/**
 * AAA: IF ((AL AND 0FH) > 9) or (AF = 1) THEN AX ← AX + 106H; AF ← 1; CF ← 1 ELSE AF ← 0; CF ← 0;
 * then AL ← AL AND 0FH. The undefined OF SF ZF PF are those of the 16-bit addition.
 */
function aaa(c: Cpu): void {
  const ax = c.r16[0];
  const adjust = (ax & 0x0f) > 9 || c.getAF() !== 0;
  const b = adjust ? 0x106 : 0, r = ax + b;
  c.r16[0] = r & 0xff0f;
  c.lazyAddition(ax, b, r, 15);
  c.setFlag(EFLAGS.CF, adjust);
  c.setFlag(EFLAGS.AF, adjust);
}
/** AAS: as AAA with AX ← AX − 106H (AX − 6, then AH − 1). */
function aas(c: Cpu): void {
  const ax = c.r16[0];
  const adjust = (ax & 0x0f) > 9 || c.getAF() !== 0;
  const b = adjust ? 0x106 : 0, r = ax - b;
  c.r16[0] = r & 0xff0f;
  c.lazySubtraction(ax, b, r, 15);
  c.setFlag(EFLAGS.CF, adjust);
  c.setFlag(EFLAGS.AF, adjust);
}
/** AAM imm8: AH ← AL ÷ imm8, AL ← AL mod imm8; #DE when imm8 = 0. SF ZF PF from AL; CF AF OF ← 0. */
function aam(c: Cpu, i: Insn): void {
  const base = i.imm;
  // SDM Vol. 2A AAM: IF imm8 = 0 THEN #DE
  if (base === 0) throw de("AAM: divisor imm8 is 0");
  const al = c.r8[0];
  c.r8[1] = Math.floor(al / base);
  c.r8[0] = al % base;
  c.lazyLogic(c.r8[0], 7);
}
/** AAD imm8: AL ← (AL + AH × imm8) AND FFH, AH ← 0; SF ZF PF from AL, CF AF OF as that addition. */
function aad(c: Cpu, i: Insn): void {
  const al = c.r8[0], t = (c.r8[1] * i.imm) & 0xff, r = al + t;
  c.r16[0] = r & 0xff;
  c.lazyAddition(al, t, r, 7);
}

// ---- Form builders. ----

function accE(f8: (c: Cpu, v: number) => void): Handler {
  return (c, i) => f8(c, readE8(c, i));
}
function accEv(f16: (c: Cpu, v: number) => void, f32: (c: Cpu, v: number) => void): readonly [Handler, Handler] {
  return [(c, i) => f16(c, readE16(c, i)), (c, i) => f32(c, readE32(c, i))];
}

/** Opcode-table forms of this group. */
export const MULDIV_FORMS: readonly OpForm[] = [
  // Group 3 (SDM Vol. 2D Table A-6), /4–/7; /0–/3 are in alu.ts.
  { op: 0xf6, reg: 4, mnemonic: "MUL", operands: "Eb", exec: accE(mul8) },
  { op: 0xf7, reg: 4, mnemonic: "MUL", operands: "Ev", exec: accEv(mul16, mul32) },
  { op: 0xf6, reg: 5, mnemonic: "IMUL", operands: "Eb", exec: accE(imul8) },
  { op: 0xf7, reg: 5, mnemonic: "IMUL", operands: "Ev", exec: accEv(imul16, imul32) },
  { op: 0xf6, reg: 6, mnemonic: "DIV", operands: "Eb", exec: accE(div8) },
  { op: 0xf7, reg: 6, mnemonic: "DIV", operands: "Ev", exec: accEv(div16, div32) },
  { op: 0xf6, reg: 7, mnemonic: "IDIV", operands: "Eb", exec: accE(idiv8) },
  { op: 0xf7, reg: 7, mnemonic: "IDIV", operands: "Ev", exec: accEv(idiv16, idiv32) },
  {
    op: 0x1af, mnemonic: "IMUL", operands: "Gv,Ev",
    exec: [(c, i) => { c.r16[i.reg * 2] = imul2w(c, c.r16[i.reg * 2], readE16(c, i)); },
           (c, i) => { c.r32[i.reg] = imul2d(c, c.r32[i.reg], readE32(c, i)); }],
  },
  {
    op: 0x69, mnemonic: "IMUL", operands: "Gv,Ev,Iz",
    exec: [(c, i) => { c.r16[i.reg * 2] = imul2w(c, readE16(c, i), i.imm); },
           (c, i) => { c.r32[i.reg] = imul2d(c, readE32(c, i), i.imm); }],
  },
  {
    op: 0x6b, mnemonic: "IMUL", operands: "Gv,Ev,Ib",
    exec: [(c, i) => { c.r16[i.reg * 2] = imul2w(c, readE16(c, i), sxb(i.imm)); },
           (c, i) => { c.r32[i.reg] = imul2d(c, readE32(c, i), sxb(i.imm)); }],
  },
  { op: 0x27, mnemonic: "DAA", operands: "", exec: daa },
  { op: 0x2f, mnemonic: "DAS", operands: "", exec: das },
  { op: 0x37, mnemonic: "AAA", operands: "", exec: aaa },
  { op: 0x3f, mnemonic: "AAS", operands: "", exec: aas },
  { op: 0xd4, mnemonic: "AAM", operands: "Ib", exec: aam },
  { op: 0xd5, mnemonic: "AAD", operands: "Ib", exec: aad },
  {
    op: 0x98, mnemonic: "CBW/CWDE", operands: "",
    exec: [(c) => { c.r16[0] = sxb(c.r8[0]); }, (c) => { c.r32[Reg.EAX] = sxw(c.r16[0]); }],
  },
  {
    op: 0x99, mnemonic: "CWD/CDQ", operands: "",
    exec: [(c) => { c.r16[Reg.EDX * 2] = sxw(c.r16[0]) >> 15; }, (c) => { c.r32[Reg.EDX] = c.r32[Reg.EAX] >> 31; }],
  },
];
