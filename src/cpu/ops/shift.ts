/**
 * Shifts and rotates: ROL ROR RCL RCR SHL/SAL SHR SAR in group 2 (C0 Eb,Ib; C1 Ev,Ib; D0 Eb,1;
 * D1 Ev,1; D2 Eb,CL; D3 Ev,CL), and the double-precision shifts SHLD/SHRD (0F A4 A5 AC AD).
 *
 * SDM Vol. 2B "SAL/SAR/SHL/SHR", "RCL/RCR/ROL/ROR", "SHLD", "SHRD":
 * - the count is masked to 5 bits; RCL/RCR then take it modulo 9 (bytes) or 17 (words);
 * - a (masked) count of 0 changes neither the flags nor the destination. A memory destination is
 *   still read with write intent (the access checks of a read-modify-write), as real processors do;
 * - rotates change only CF and OF; shifts set SF ZF PF from the result.
 * Where the SDM leaves a flag undefined this module does what the host processor of the
 * differential tests (AMD Zen) was measured to do, so those runs compare every flag: OF is the
 * count-1 formula applied to the final result (also for RCL/RCR counts that are multiples of 9 or
 * 17), AF = 1 after a non-zero shift, CF = 0 once every bit has been shifted out (SHL/SHR).
 * Bochs, modelling P6, agrees except for AF (0). SHLD/SHRD of words by 17–31 bits (undefined
 * result) behave as on the host too (see SHLD16).
 */
import type { Cpu } from "../cpu.js";
import type { Insn } from "../decoder.js";
import { EFLAGS } from "../flags.js";
import type { Handler, OpForm } from "../opmap.js";

/**
 * One shift or rotate of a `bit`+1-bit operand `a` (zero-extended; 32-bit values may be signed)
 * by `n` (1–31, already masked): returns the result (low bits significant) and records the flags.
 */
type ShiftFn = (c: Cpu, a: number, n: number, bit: number) => number;

/** Mask of an operand of `bit`+1 bits. */
function maskOf(bit: number): number {
  return bit === 31 ? -1 : (1 << (bit + 1)) - 1;
}

/** Rotate flags: CF and OF as given (OF is defined by the SDM for 1-bit rotates only). */
function rotateFlags(c: Cpu, cf: number, of: number): void {
  c.setFlag(EFLAGS.CF, cf);
  c.setFlag(EFLAGS.OF, of);
}
/** Shift flags: SF ZF PF from the result, CF and OF as given, AF = 1 (undefined; what the host sets). */
function shiftFlags(c: Cpu, r: number, bit: number, cf: number, of: number): void {
  c.lazyResult(r, bit);
  c.setFlag(EFLAGS.CF, cf);
  c.setFlag(EFLAGS.OF, of);
  c.setFlag(EFLAGS.AF, 1);
}

/** ROL: IF (COUNT & countMASK) ≠ 0 THEN CF ← LSB(DEST); OF ← MSB(DEST) XOR CF. */
const ROL: ShiftFn = (c, a, n, bit) => {
  const size = bit + 1, s = n & bit;
  const r = s === 0 ? a : ((a << s) | ((a & maskOf(bit)) >>> (size - s))) & maskOf(bit);
  const cf = r & 1;
  rotateFlags(c, cf, cf ^ ((r >>> bit) & 1));
  return r;
};
/** ROR: CF ← MSB(DEST); OF ← MSB(DEST) XOR MSB−1(DEST). */
const ROR: ShiftFn = (c, a, n, bit) => {
  const size = bit + 1, s = n & bit, m = maskOf(bit);
  const r = s === 0 ? a : (((a & m) >>> s) | (a << (size - s))) & m;
  const msb = (r >>> bit) & 1;
  rotateFlags(c, msb, msb ^ ((r >>> (bit - 1)) & 1));
  return r;
};
/** RCL: rotates CF:DEST left by COUNT mod (size + 1); OF ← MSB(DEST) XOR CF. */
const RCL: ShiftFn = (c, a, n, bit) => {
  const size = bit + 1;
  const s = bit === 7 ? n % 9 : bit === 15 ? n % 17 : n;
  const m = maskOf(bit), u = a & m, cf = c.getCF();
  // A count that is a multiple of 9 or 17 rotates nothing; OF (undefined) is still recomputed, as the host does.
  if (s === 0) { c.setFlag(EFLAGS.OF, cf ^ ((u >>> bit) & 1)); return a; }
  const r = s === 1 ? ((u << 1) | cf) & m : ((u << s) | (cf << (s - 1)) | (u >>> (size + 1 - s))) & m;
  const out = (u >>> (size - s)) & 1;
  rotateFlags(c, out, out ^ ((r >>> bit) & 1));
  return r;
};
/** RCR: rotates DEST:CF right by COUNT mod (size + 1); OF ← MSB(DEST) XOR MSB−1(DEST) of the result. */
const RCR: ShiftFn = (c, a, n, bit) => {
  const size = bit + 1;
  const s = bit === 7 ? n % 9 : bit === 15 ? n % 17 : n;
  const m = maskOf(bit), u = a & m, cf = c.getCF();
  if (s === 0) { c.setFlag(EFLAGS.OF, ((u >>> bit) ^ (u >>> (bit - 1))) & 1); return a; }
  const r = s === 1 ? (u >>> 1) | (cf << bit) : ((u >>> s) | (cf << (size - s)) | (u << (size + 1 - s))) & m;
  const out = (u >>> (s - 1)) & 1;
  const msb = (r >>> bit) & 1;
  rotateFlags(c, out, msb ^ ((r >>> (bit - 1)) & 1));
  return r;
};
/** SHL/SAL: CF ← last bit shifted out (0 once COUNT > size); OF ← MSB(result) XOR CF. */
const SHL: ShiftFn = (c, a, n, bit) => {
  const size = bit + 1, m = maskOf(bit), u = a & m;
  const r = (u << n) & m;
  const cf = n <= size ? (u >>> (size - n)) & 1 : 0;
  shiftFlags(c, r, bit, cf, cf ^ ((r >>> bit) & 1));
  return r;
};
/** SHR: CF ← last bit shifted out; OF ← MSB of the original operand (for COUNT = 1; 0 otherwise). */
const SHR: ShiftFn = (c, a, n, bit) => {
  const m = maskOf(bit), u = a & m;
  const r = (u >>> n) | 0;
  const cf = (u >>> (n - 1)) & 1;
  shiftFlags(c, r, bit, cf, n === 1 ? (u >>> bit) & 1 : 0);
  return r;
};
/** SAR: shifts in copies of the sign bit; CF ← last bit shifted out; OF ← 0. */
const SAR: ShiftFn = (c, a, n, bit) => {
  const sa = (a << (31 - bit)) >> (31 - bit);
  const r = (sa >> n) & maskOf(bit);
  shiftFlags(c, r, bit, (sa >> (n - 1)) & 1, 0);
  return r;
};

/** Group 2 in ModRM.reg order (SDM Vol. 2D Table A-6); /6 is an alias of SHL/SAL (/4). */
const GROUP2: ReadonlyArray<readonly [string, ShiftFn]> = [
  ["ROL", ROL], ["ROR", ROR], ["RCL", RCL], ["RCR", RCR], ["SHL", SHL], ["SHR", SHR], ["SAL", SHL], ["SAR", SAR],
];

type Count = (c: Cpu, i: Insn) => number;
const byImm: Count = (_c, i) => i.imm;
const byOne: Count = () => 1;
/** CL is byte 4 of the register file (R8_INDEX[1]). */
const byCl: Count = (c) => c.r8[4];

// ---- Handler builders: the count is masked first; a zero count writes nothing and records nothing. ----

function eb(k: ShiftFn, count: Count): Handler {
  return (c, i) => {
    const n = count(c, i) & 0x1f;
    if (i.mod === 3) { if (n !== 0) c.r8[i.rm8] = k(c, c.r8[i.rm8], n, 7); return; }
    const a = c.rmwBegin8(i.seg, c.ea(i));
    if (n !== 0) c.rmwEnd8(k(c, a, n, 7));
  };
}
function ew(k: ShiftFn, count: Count): Handler {
  return (c, i) => {
    const n = count(c, i) & 0x1f;
    if (i.mod === 3) { if (n !== 0) c.r16[i.rm * 2] = k(c, c.r16[i.rm * 2], n, 15); return; }
    const a = c.rmwBegin16(i.seg, c.ea(i));
    if (n !== 0) c.rmwEnd16(k(c, a, n, 15));
  };
}
function ed(k: ShiftFn, count: Count): Handler {
  return (c, i) => {
    const n = count(c, i) & 0x1f;
    if (i.mod === 3) { if (n !== 0) c.r32[i.rm] = k(c, c.r32[i.rm], n, 31); return; }
    const a = c.rmwBegin32(i.seg, c.ea(i));
    if (n !== 0) c.rmwEnd32(k(c, a, n, 31));
  };
}

function group2Forms(): OpForm[] {
  const out: OpForm[] = [];
  GROUP2.forEach(([m, k], reg) => {
    out.push(
      { op: 0xc0, reg, mnemonic: m, operands: "Eb,Ib", exec: eb(k, byImm) },
      { op: 0xc1, reg, mnemonic: m, operands: "Ev,Ib", exec: [ew(k, byImm), ed(k, byImm)] },
      { op: 0xd0, reg, mnemonic: m, operands: "Eb,1", exec: eb(k, byOne) },
      { op: 0xd1, reg, mnemonic: m, operands: "Ev,1", exec: [ew(k, byOne), ed(k, byOne)] },
      { op: 0xd2, reg, mnemonic: m, operands: "Eb,CL", exec: eb(k, byCl) },
      { op: 0xd3, reg, mnemonic: m, operands: "Ev,CL", exec: [ew(k, byCl), ed(k, byCl)] },
    );
  });
  return out;
}

// ---- SHLD / SHRD (SDM Vol. 2B): DEST is shifted, bits come in from SRC; SRC is unchanged. ----

/** Double-precision shift of `d` (destination) filled from `s` (source) by `n` (1–31). */
type DoubleShiftFn = (c: Cpu, d: number, s: number, n: number) => number;

/**
 * SHLD r/m32: DEST ← DEST << n | SRC >> (32 − n); CF ← last bit shifted out of DEST;
 * OF ← MSB(result) XOR CF (sign change, defined for n = 1); SF ZF PF from the result; AF = 0.
 */
const SHLD32: DoubleShiftFn = (c, d, s, n) => {
  const r = (d << n) | (s >>> (32 - n));
  const cf = (d >>> (32 - n)) & 1;
  shiftFlags(c, r, 31, cf, cf ^ (r >>> 31));
  return r;
};
/** SHRD r/m32: DEST ← DEST >> n | SRC << (32 − n); CF ← last bit shifted out; OF ← sign change. */
const SHRD32: DoubleShiftFn = (c, d, s, n) => {
  const r = (d >>> n) | (s << (32 - n));
  const cf = (d >>> (n - 1)) & 1;
  shiftFlags(c, r, 31, cf, ((r >>> 31) ^ (r >>> 30)) & 1);
  return r;
};
/**
 * SHLD r/m16. Counts of 17–31 give an undefined result (SDM SHLD); this does what the host
 * processors of the differential tests (AMD, and the Pentium per Bochs) do: the word is shifted
 * through DEST:SRC:SRC, so the result is SRC rotated left by COUNT − 16, with CF = OF = 0. (P6
 * shifts through DEST:SRC:DEST instead.) At COUNT = 16 the host sets OF = CF.
 */
const SHLD16: DoubleShiftFn = (c, d, s, n) => {
  if (n > 16) {
    const k = n - 16, r = ((s << k) | (s >>> (16 - k))) & 0xffff;
    shiftFlags(c, r, 15, 0, 0);
    return r;
  }
  const r = ((d << n) | (s >>> (16 - n))) & 0xffff;
  const cf = (d >>> (16 - n)) & 1;
  shiftFlags(c, r, 15, cf, n === 16 ? cf : cf ^ (r >>> 15));
  return r;
};
/**
 * SHRD r/m16. Counts of 17–31 (undefined result) shift through SRC:SRC:DEST as the host does:
 * the result is SRC rotated right by COUNT − 16, CF = 0, OF from the result's top two bits.
 */
const SHRD16: DoubleShiftFn = (c, d, s, n) => {
  let r: number, cf: number;
  if (n > 16) {
    const k = n - 16;
    r = ((s >>> k) | (s << (16 - k))) & 0xffff;
    cf = 0;
  } else {
    r = ((d >>> n) | (s << (16 - n))) & 0xffff;
    cf = (d >>> (n - 1)) & 1;
  }
  shiftFlags(c, r, 15, cf, ((r >>> 15) ^ (r >>> 14)) & 1);
  return r;
};

function dw(k: DoubleShiftFn, count: Count): Handler {
  return (c, i) => {
    const n = count(c, i) & 0x1f;
    const s = c.r16[i.reg * 2];
    if (i.mod === 3) { if (n !== 0) c.r16[i.rm * 2] = k(c, c.r16[i.rm * 2], s, n); return; }
    const a = c.rmwBegin16(i.seg, c.ea(i));
    if (n !== 0) c.rmwEnd16(k(c, a, s, n));
  };
}
function dd(k: DoubleShiftFn, count: Count): Handler {
  return (c, i) => {
    const n = count(c, i) & 0x1f;
    const s = c.r32[i.reg];
    if (i.mod === 3) { if (n !== 0) c.r32[i.rm] = k(c, c.r32[i.rm], s, n); return; }
    const a = c.rmwBegin32(i.seg, c.ea(i));
    if (n !== 0) c.rmwEnd32(k(c, a, s, n));
  };
}

/** Opcode-table forms of this group. */
export const SHIFT_FORMS: readonly OpForm[] = [
  ...group2Forms(),
  { op: 0x1a4, mnemonic: "SHLD", operands: "Ev,Gv,Ib", exec: [dw(SHLD16, byImm), dd(SHLD32, byImm)] },
  { op: 0x1a5, mnemonic: "SHLD", operands: "Ev,Gv,CL", exec: [dw(SHLD16, byCl), dd(SHLD32, byCl)] },
  { op: 0x1ac, mnemonic: "SHRD", operands: "Ev,Gv,Ib", exec: [dw(SHRD16, byImm), dd(SHRD32, byImm)] },
  { op: 0x1ad, mnemonic: "SHRD", operands: "Ev,Gv,CL", exec: [dw(SHRD16, byCl), dd(SHRD32, byCl)] },
];
