/**
 * Integer arithmetic and logic: ADD OR ADC SBB AND SUB XOR CMP (opcodes 00–3D, groups 80/81/82/83),
 * INC/DEC (40–4F, FE/FF /0 /1), TEST (84, 85, A8, A9, F6/F7 /0), NOT and NEG (F6/F7 /2 /3).
 * Flags per SDM Vol. 2 "Flags Affected" of each instruction, evaluated lazily (see Cpu.lazyAddition).
 *
 * The pattern every group follows: a handler per operand size, memory destinations through
 * rmwBegin/rmwEnd so a fault leaves the state untouched, flags recorded after the last possible fault.
 */
import type { Cpu } from "../cpu.js";
import type { Insn } from "../decoder.js";
import { EFLAGS } from "../flags.js";
import type { Handler, OpForm } from "../opmap.js";
import { readE16, readE32, readE8, sxb } from "./operands.js";

/** A binary ALU operation on operands of `bit`+1 bits: returns the result (low bits significant) and records flags. */
type AluFn = (c: Cpu, a: number, b: number, bit: number) => number;

const ADD: AluFn = (c, a, b, bit) => { const r = (a + b) | 0; c.lazyAddition(a, b, r, bit); return r; };
const ADC: AluFn = (c, a, b, bit) => { const r = (a + b + c.getCF()) | 0; c.lazyAddition(a, b, r, bit); return r; };
const SUB: AluFn = (c, a, b, bit) => { const r = (a - b) | 0; c.lazySubtraction(a, b, r, bit); return r; };
const SBB: AluFn = (c, a, b, bit) => { const r = (a - b - c.getCF()) | 0; c.lazySubtraction(a, b, r, bit); return r; };
const AND: AluFn = (c, a, b, bit) => { const r = a & b; c.lazyLogic(r, bit); return r; };
const OR: AluFn = (c, a, b, bit) => { const r = a | b; c.lazyLogic(r, bit); return r; };
const XOR: AluFn = (c, a, b, bit) => { const r = a ^ b; c.lazyLogic(r, bit); return r; };

/** The eight ALU operations in opcode order (bits 5:3 of 00–3F, ModRM.reg of group 1). */
const KINDS: ReadonlyArray<readonly [string, AluFn]> = [
  ["ADD", ADD], ["OR", OR], ["ADC", ADC], ["SBB", SBB], ["AND", AND], ["SUB", SUB], ["XOR", XOR], ["CMP", SUB],
];

// ---- Handler builders by operand form; `store` false for CMP and TEST. ----

function eb(k: AluFn, store: boolean, src: (c: Cpu, i: Insn) => number): Handler {
  if (!store) return (c, i) => { k(c, readE8(c, i), src(c, i), 7); };
  return (c, i) => {
    if (i.mod === 3) { c.r8[i.rm8] = k(c, c.r8[i.rm8], src(c, i), 7); return; }
    const a = c.rmwBegin8(i.seg, c.ea(i));
    c.rmwEnd8(k(c, a, src(c, i), 7));
  };
}
function ew(k: AluFn, store: boolean, src: (c: Cpu, i: Insn) => number): Handler {
  if (!store) return (c, i) => { k(c, readE16(c, i), src(c, i), 15); };
  return (c, i) => {
    if (i.mod === 3) { c.r16[i.rm * 2] = k(c, c.r16[i.rm * 2], src(c, i), 15); return; }
    const a = c.rmwBegin16(i.seg, c.ea(i));
    c.rmwEnd16(k(c, a, src(c, i), 15));
  };
}
function ed(k: AluFn, store: boolean, src: (c: Cpu, i: Insn) => number): Handler {
  if (!store) return (c, i) => { k(c, readE32(c, i), src(c, i), 31); };
  return (c, i) => {
    if (i.mod === 3) { c.r32[i.rm] = k(c, c.r32[i.rm], src(c, i), 31); return; }
    const a = c.rmwBegin32(i.seg, c.ea(i));
    c.rmwEnd32(k(c, a, src(c, i), 31));
  };
}

const gb = (c: Cpu, i: Insn) => c.r8[i.reg8];
const gw = (c: Cpu, i: Insn) => c.r16[i.reg * 2];
const gd = (c: Cpu, i: Insn) => c.r32[i.reg];
const ib = (_c: Cpu, i: Insn) => i.imm;
const ibs = (_c: Cpu, i: Insn) => sxb(i.imm);
const iz = (_c: Cpu, i: Insn) => i.imm;

function forms(): OpForm[] {
  const out: OpForm[] = [];
  KINDS.forEach(([m, k], n) => {
    const base = n << 3;
    const store = m !== "CMP";
    const lock = store;
    out.push(
      { op: base + 0, mnemonic: m, operands: "Eb,Gb", exec: eb(k, store, gb), lock },
      { op: base + 1, mnemonic: m, operands: "Ev,Gv", exec: [ew(k, store, gw), ed(k, store, gd)], lock },
      {
        op: base + 2, mnemonic: m, operands: "Gb,Eb",
        exec: store ? (c, i) => { c.r8[i.reg8] = k(c, c.r8[i.reg8], readE8(c, i), 7); } : (c, i) => { k(c, c.r8[i.reg8], readE8(c, i), 7); },
      },
      {
        op: base + 3, mnemonic: m, operands: "Gv,Ev",
        exec: store
          ? [(c, i) => { c.r16[i.reg * 2] = k(c, c.r16[i.reg * 2], readE16(c, i), 15); },
             (c, i) => { c.r32[i.reg] = k(c, c.r32[i.reg], readE32(c, i), 31); }]
          : [(c, i) => { k(c, c.r16[i.reg * 2], readE16(c, i), 15); },
             (c, i) => { k(c, c.r32[i.reg], readE32(c, i), 31); }],
      },
      {
        op: base + 4, mnemonic: m, operands: "AL,Ib",
        exec: store ? (c, i) => { c.r8[0] = k(c, c.r8[0], i.imm, 7); } : (c, i) => { k(c, c.r8[0], i.imm, 7); },
      },
      {
        op: base + 5, mnemonic: m, operands: "eAX,Iz",
        exec: store
          ? [(c, i) => { c.r16[0] = k(c, c.r16[0], i.imm, 15); }, (c, i) => { c.r32[0] = k(c, c.r32[0], i.imm, 31); }]
          : [(c, i) => { k(c, c.r16[0], i.imm, 15); }, (c, i) => { k(c, c.r32[0], i.imm, 31); }],
      },
      // Group 1 (SDM Vol. 2D Table A-6): 80 Eb,Ib; 81 Ev,Iz; 82 Eb,Ib (alias of 80); 83 Ev,Ib sign-extended.
      { op: 0x80, reg: n, mnemonic: m, operands: "Eb,Ib", exec: eb(k, store, ib), lock },
      { op: 0x81, reg: n, mnemonic: m, operands: "Ev,Iz", exec: [ew(k, store, iz), ed(k, store, iz)], lock },
      { op: 0x82, reg: n, mnemonic: m, operands: "Eb,Ib", exec: eb(k, store, ib), lock },
      { op: 0x83, reg: n, mnemonic: m, operands: "Ev,Ib", exec: [ew(k, store, ibs), ed(k, store, ibs)], lock },
    );
  });
  return out;
}

// ---- INC / DEC: CF is not affected (SDM Vol. 2 INC, DEC). ----

function incdec(c: Cpu, a: number, delta: 1 | -1, bit: number): number {
  const cf = c.getCF();
  const r = (a + delta) | 0;
  if (delta === 1) c.lazyAddition(a, 1, r, bit); else c.lazySubtraction(a, 1, r, bit);
  c.setFlag(EFLAGS.CF, cf);
  return r;
}
function incdecForms(): OpForm[] {
  const out: OpForm[] = [];
  for (let r = 0; r < 8; r++) {
    out.push({
      op: 0x40 + r, mnemonic: "INC", operands: ["eAX", "eCX", "eDX", "eBX", "eSP", "eBP", "eSI", "eDI"][r],
      exec: [(c) => { c.r16[r * 2] = incdec(c, c.r16[r * 2], 1, 15); }, (c) => { c.r32[r] = incdec(c, c.r32[r], 1, 31); }],
    });
    out.push({
      op: 0x48 + r, mnemonic: "DEC", operands: ["eAX", "eCX", "eDX", "eBX", "eSP", "eBP", "eSI", "eDI"][r],
      exec: [(c) => { c.r16[r * 2] = incdec(c, c.r16[r * 2], -1, 15); }, (c) => { c.r32[r] = incdec(c, c.r32[r], -1, 31); }],
    });
  }
  for (const [reg, m, d] of [[0, "INC", 1], [1, "DEC", -1]] as const) {
    const k: AluFn = (c, a, _b, bit) => incdec(c, a, d, bit);
    out.push({ op: 0xfe, reg, mnemonic: m, operands: "Eb", exec: eb(k, true, ib), lock: true });
    out.push({ op: 0xff, reg, mnemonic: m, operands: "Ev", exec: [ew(k, true, ib), ed(k, true, ib)], lock: true });
  }
  return out;
}

// ---- TEST, NOT, NEG (group 3 /0 /2 /3, and 84 85 A8 A9). ----

function unaryForms(): OpForm[] {
  const NEG: AluFn = (c, a, _b, bit) => { const r = (0 - a) | 0; c.lazySubtraction(0, a, r, bit); return r; };
  const NOT: AluFn = (_c, a) => ~a;
  return [
    { op: 0x84, mnemonic: "TEST", operands: "Eb,Gb", exec: eb(AND, false, gb) },
    { op: 0x85, mnemonic: "TEST", operands: "Ev,Gv", exec: [ew(AND, false, gw), ed(AND, false, gd)] },
    { op: 0xa8, mnemonic: "TEST", operands: "AL,Ib", exec: (c, i) => { AND(c, c.r8[0], i.imm, 7); } },
    { op: 0xa9, mnemonic: "TEST", operands: "eAX,Iz", exec: [(c, i) => { AND(c, c.r16[0], i.imm, 15); }, (c, i) => { AND(c, c.r32[0], i.imm, 31); }] },
    { op: 0xf6, reg: 0, mnemonic: "TEST", operands: "Eb,Ib", exec: eb(AND, false, ib) },
    // F6/F7 /1 is an undocumented alias of /0 on P6 processors.
    { op: 0xf6, reg: 1, mnemonic: "TEST", operands: "Eb,Ib", exec: eb(AND, false, ib) },
    { op: 0xf7, reg: 0, mnemonic: "TEST", operands: "Ev,Iz", exec: [ew(AND, false, iz), ed(AND, false, iz)] },
    { op: 0xf7, reg: 1, mnemonic: "TEST", operands: "Ev,Iz", exec: [ew(AND, false, iz), ed(AND, false, iz)] },
    { op: 0xf6, reg: 2, mnemonic: "NOT", operands: "Eb", exec: eb(NOT, true, ib), lock: true },
    { op: 0xf7, reg: 2, mnemonic: "NOT", operands: "Ev", exec: [ew(NOT, true, ib), ed(NOT, true, ib)], lock: true },
    { op: 0xf6, reg: 3, mnemonic: "NEG", operands: "Eb", exec: eb(NEG, true, ib), lock: true },
    { op: 0xf7, reg: 3, mnemonic: "NEG", operands: "Ev", exec: [ew(NEG, true, ib), ed(NEG, true, ib)], lock: true },
  ];
}

/** Opcode-table forms of this group. */
export const ALU_FORMS: readonly OpForm[] = [...forms(), ...incdecForms(), ...unaryForms()];
