/**
 * Differential templates for MUL IMUL DIV IDIV, DAA DAS AAA AAS AAM AAD, CBW/CWDE CWD/CDQ
 * (src/cpu/ops/muldiv.ts). Flags per SDM Vol. 2 "Flags Affected": MUL/IMUL define CF OF only;
 * DIV/IDIV define none; DAA/DAS leave OF undefined; AAA/AAS define CF AF; AAM/AAD define SF ZF PF.
 *
 * A division must not fault on the host, so `prepare` makes the divisor non-zero and the quotient
 * fit (checked exactly with BigInt): the divisor is a fixed register or the scratch doubleword
 * `scratch+N` (an absolute operand uses no register the dividend needs).
 */
import { AF, CF, OF, PF, SF, ZF, type CaseInputs, type Template } from "../generator.js";

const MULF = CF | OF;
const BCD = CF | AF | SF | ZF | PF;

type Size = 8 | 16 | 32;

/** The divisor's location: a register (ModRM numbering of its size) or a scratch offset. */
type Where = { reg: number } | { mem: number };

function readDivisor(c: CaseInputs, size: Size, w: Where): number {
  if ("mem" in w) {
    let v = 0;
    for (let b = size / 8 - 1; b >= 0; b--) v = v * 256 + c.mem[w.mem + b];
    return v;
  }
  const r = w.reg;
  if (size === 8) return r < 4 ? c.regs[r] & 0xff : (c.regs[r - 4] >>> 8) & 0xff;
  return size === 16 ? c.regs[r] & 0xffff : c.regs[r];
}
function writeDivisor(c: CaseInputs, size: Size, w: Where, v: number): void {
  if ("mem" in w) {
    for (let b = 0; b < size / 8; b++) c.mem[w.mem + b] = (v >>> (8 * b)) & 0xff;
    return;
  }
  const r = w.reg;
  if (size === 8) {
    if (r < 4) c.regs[r] = (c.regs[r] & ~0xff) | (v & 0xff);
    else c.regs[r - 4] = (c.regs[r - 4] & ~0xff00) | ((v & 0xff) << 8);
  } else if (size === 16) c.regs[r] = (c.regs[r] & 0xffff0000) | (v & 0xffff);
  else c.regs[r] = v >>> 0;
}
/** Dividend AX, DX:AX or EDX:EAX as [high, low] halves of `size` bits. */
function readDividend(c: CaseInputs, size: Size): [number, number] {
  if (size === 8) return [(c.regs[0] >>> 8) & 0xff, c.regs[0] & 0xff];
  if (size === 16) return [c.regs[2] & 0xffff, c.regs[0] & 0xffff];
  return [c.regs[2], c.regs[0]];
}
function writeHigh(c: CaseInputs, size: Size, v: number): void {
  if (size === 8) c.regs[0] = (c.regs[0] & ~0xff00) | ((v & 0xff) << 8);
  else if (size === 16) c.regs[2] = (c.regs[2] & 0xffff0000) | (v & 0xffff);
  else c.regs[2] = v >>> 0;
}
function writeLow(c: CaseInputs, size: Size, v: number): void {
  if (size === 8) c.regs[0] = (c.regs[0] & ~0xff) | (v & 0xff);
  else if (size === 16) c.regs[0] = (c.regs[0] & 0xffff0000) | (v & 0xffff);
  else c.regs[0] = v >>> 0;
}

/** Whether DIV/IDIV of the current inputs completes (no #DE). */
function fits(c: CaseInputs, size: Size, w: Where, signed: boolean): boolean {
  const n = BigInt(size);
  const [hi, lo] = readDividend(c, size);
  let d = BigInt(readDivisor(c, size, w));
  if (d === 0n) return false;
  let x = (BigInt(hi) << n) | BigInt(lo);
  if (signed) { x = BigInt.asIntN(2 * size, x); d = BigInt.asIntN(size, d); }
  const q = x / d; // truncates toward zero, as IDIV does
  return signed ? q >= -(1n << (n - 1n)) && q < (1n << (n - 1n)) : q < (1n << n);
}

/**
 * Makes a division not fault: a zero divisor becomes 7; a quotient that does not fit is fixed by
 * reducing the high half (DIV) or making the dividend the sign extension of its low half (IDIV),
 * then, for IDIV of the most negative value by −1, by changing the low half.
 */
function divisible(size: Size, w: Where, signed: boolean): (c: CaseInputs) => void {
  const mask = size === 32 ? 0xffffffff : (1 << size) - 1;
  return (c) => {
    if (readDivisor(c, size, w) === 0) writeDivisor(c, size, w, 7);
    if (fits(c, size, w, signed)) return;
    const [hi, lo] = readDividend(c, size);
    const d = readDivisor(c, size, w);
    if (signed) writeHigh(c, size, (lo >>> (size - 1)) & 1 ? mask : 0);
    else writeHigh(c, size, hi % d);
    if (fits(c, size, w, signed)) return;
    // The divisor overlaps the dividend (DIV AL, DIV EAX) or IDIV −2^(n−1) / −1: change the low half.
    writeLow(c, size, 0x15);
    writeHigh(c, size, 0);
    if (readDivisor(c, size, w) === 0) writeDivisor(c, size, w, 7);
    if (!fits(c, size, w, signed)) throw new Error(`muldiv template: cannot make a non-faulting ${signed ? "IDIV" : "DIV"}${size}`);
  };
}

function divTemplates(): Template[] {
  const t: Template[] = [];
  for (const [op, signed] of [["div", false], ["idiv", true]] as const) {
    // Registers that are not the dividend's high half (AH, DX, EDX), which could never divide it.
    for (const [reg, name] of [[3, "bl"], [1, "cl"], [6, "dh"], [7, "bh"], [0, "al"]] as const)
      t.push({ asm: `${op}b %${name}`, defined: 0, prepare: divisible(8, { reg }, signed) });
    for (const [reg, name] of [[3, "bx"], [1, "cx"], [6, "si"], [7, "di"], [5, "bp"], [0, "ax"]] as const)
      t.push({ asm: `${op}w %${name}`, defined: 0, prepare: divisible(16, { reg }, signed) });
    for (const [reg, name] of [[3, "ebx"], [1, "ecx"], [6, "esi"], [7, "edi"], [5, "ebp"], [0, "eax"]] as const)
      t.push({ asm: `${op}l %${name}`, defined: 0, prepare: divisible(32, { reg }, signed) });
    t.push(
      { asm: `${op}b scratch+5`, defined: 0, prepare: divisible(8, { mem: 5 }, signed) },
      { asm: `${op}w scratch+10`, defined: 0, prepare: divisible(16, { mem: 10 }, signed) },
      { asm: `${op}l scratch+12`, defined: 0, prepare: divisible(32, { mem: 12 }, signed) },
      { asm: `${op}l scratch+21`, defined: 0, prepare: divisible(32, { mem: 21 }, signed) },
    );
  }
  return t;
}

export const TEMPLATES: readonly Template[] = [
  // One-operand MUL/IMUL (F6/F7 /4 /5): the accumulator times r/m.
  { asm: "mulb {r8}", defined: MULF }, { asm: "mulw {r16}", defined: MULF }, { asm: "mull {r32}", defined: MULF },
  { asm: "mulb {m8}", defined: MULF }, { asm: "mulw {m16}", defined: MULF }, { asm: "mull {m32}", defined: MULF },
  { asm: "imulb {r8}", defined: MULF }, { asm: "imulw {r16}", defined: MULF }, { asm: "imull {r32}", defined: MULF },
  { asm: "imulb {m8}", defined: MULF }, { asm: "imulw {m16}", defined: MULF }, { asm: "imull {m32}", defined: MULF },
  // IMUL Gv,Ev (0F AF), Gv,Ev,Iz (69), Gv,Ev,Ib (6B: sign-extended immediate).
  { asm: "imulw {r16}, {r16}", defined: MULF }, { asm: "imull {r32}, {r32}", defined: MULF },
  { asm: "imulw {m16}, {r16}", defined: MULF }, { asm: "imull {m32}, {r32}", defined: MULF },
  { asm: "imulw {imm16}, {r16}, {r16}", defined: MULF }, { asm: "imull {imm32}, {r32}, {r32}", defined: MULF },
  { asm: "imulw {imm16}, {m16}, {r16}", defined: MULF }, { asm: "imull {imm32}, {m32}, {r32}", defined: MULF },
  { asm: "imulw {simm8}, {r16}, {r16}", defined: MULF }, { asm: "imull {simm8}, {r32}, {r32}", defined: MULF },
  { asm: "imull {simm8}, {m32}, {r32}", defined: MULF },
  { asm: ".byte 0x69, 0xc8, 0x01, 0x00, 0x00, 0x80 # imul ecx, eax, 0x80000001 (69 with a negative Iz)", defined: MULF },
  { asm: ".byte 0x6b, 0xd3, 0x80 # imul edx, ebx, -128 (6B)", defined: MULF },
  { asm: ".byte 0x66, 0x6b, 0xf7, 0xff # imul si, di, -1", defined: MULF },
  ...divTemplates(),
  // Decimal adjust: DAA/DAS (OF undefined), AAA/AAS (CF AF), AAM/AAD with their immediate (SF ZF PF).
  { asm: "daa", defined: BCD }, { asm: "das", defined: BCD },
  { asm: "aaa", defined: CF | AF }, { asm: "aas", defined: CF | AF },
  { asm: "aam", defined: SF | ZF | PF }, { asm: "aad", defined: SF | ZF | PF },
  { asm: "aam $7", defined: SF | ZF | PF }, { asm: "aad $7", defined: SF | ZF | PF },
  { asm: "aam $0x10", defined: SF | ZF | PF }, { asm: "aad $0xff", defined: SF | ZF | PF },
  { asm: "aad $0", defined: SF | ZF | PF }, { asm: "aam $0xff", defined: SF | ZF | PF },
  // Accumulator sign extension: no flags change.
  { asm: "cbtw" }, { asm: "cwtl" }, { asm: "cwtd" }, { asm: "cltd" },
];
