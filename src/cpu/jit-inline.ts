/**
 * Inline JavaScript for the hottest instruction forms, used when a block is translated (jit.ts).
 * Each generator emits statements with the same effect as the form's handler in src/cpu/ops/
 * (the differential suite runs every program both ways); anything unusual — 16-bit addressing,
 * a target beyond the CS limit — returns null or falls back to `$CALL`, the handler call.
 *
 * In the emitted code `c` is the Cpu and `r` its `r32`.
 */
import type { Insn } from "./decoder.js";
import type { InlineGen } from "./jit.js";
import type { Handler, OpForm } from "./opmap.js";
import { OPCODE_FORMS } from "./optable.js";

/** The r/m memory operand's effective address as a JS expression (32-bit addressing only). */
function ea(i: Insn): string | null {
  if (!i.addr32) return null;
  let e = `${i.disp}`;
  if (i.base >= 0) e += ` + r[${i.base}]`;
  if (i.index >= 0) e += ` + (r[${i.index}] << ${i.scale})`;
  return `((${e}) >>> 0)`;
}

/** Reads the 32-bit E operand. */
function readE32(i: Insn): string | null {
  if (i.mod === 3) return `r[${i.rm}]`;
  const a = ea(i);
  return a === null ? null : `c.read32(${i.seg}, ${a})`;
}
function readE8(i: Insn): string | null {
  if (i.mod === 3) return `c.r8[${i.rm8}]`;
  const a = ea(i);
  return a === null ? null : `c.read8(${i.seg}, ${a})`;
}
function readE16(i: Insn): string | null {
  if (i.mod === 3) return `c.r16[${i.rm * 2}]`;
  const a = ea(i);
  return a === null ? null : `c.read16(${i.seg}, ${a})`;
}

const sxb = (v: number) => (v << 24) >> 24;

/** Lazy-flag records, as Cpu.lazyAddition / lazySubtraction / lazyLogic do them. */
const flagsAdd = (a: string, b: string, x: string) =>
  `c.lazyOp1 = ${a}; c.lazyOp2 = ${b}; c.lazyAdd = ${x}; c.lazyRes = ${x}; c.lazyBit = 31; c.lazyMask = 0x8d5;`;
const flagsSub = (a: string, b: string, x: string) =>
  `c.lazyOp1 = ${x}; c.lazyOp2 = ${b}; c.lazyAdd = ${a}; c.lazyRes = ${x}; c.lazyBit = 31; c.lazyMask = 0x8d5;`;
const flagsLogic = (x: string) => `c.flags &= ~0x811; c.lazyRes = ${x}; c.lazyBit = 31; c.lazyMask = 0xc4;`;

type AluKind = "ADD" | "SUB" | "AND" | "OR" | "XOR" | "CMP" | "TEST";
const OPS: Record<AluKind, { expr: (a: string, b: string) => string; flags: (a: string, b: string, x: string) => string; store: boolean }> = {
  ADD: { expr: (a, b) => `(${a} + ${b}) | 0`, flags: flagsAdd, store: true },
  SUB: { expr: (a, b) => `(${a} - ${b}) | 0`, flags: flagsSub, store: true },
  CMP: { expr: (a, b) => `(${a} - ${b}) | 0`, flags: flagsSub, store: false },
  AND: { expr: (a, b) => `${a} & ${b}`, flags: (_a, _b, x) => flagsLogic(x), store: true },
  OR: { expr: (a, b) => `${a} | ${b}`, flags: (_a, _b, x) => flagsLogic(x), store: true },
  XOR: { expr: (a, b) => `${a} ^ ${b}`, flags: (_a, _b, x) => flagsLogic(x), store: true },
  TEST: { expr: (a, b) => `${a} & ${b}`, flags: (_a, _b, x) => flagsLogic(x), store: false },
};

/** ALU with a 32-bit E destination and a source expression. */
function aluE(kind: AluKind, src: (i: Insn) => string): InlineGen {
  const k = OPS[kind];
  return (i) => {
    const b = src(i);
    if (i.mod === 3) {
      const x = k.expr("a", "b");
      return `{ const a = r[${i.rm}], b = ${b}; const x = ${x};${k.store ? ` r[${i.rm}] = x;` : ""} ${k.flags("a", "b", "x")} }`;
    }
    const addr = ea(i);
    if (addr === null) return null;
    if (!k.store) return `{ const a = c.read32(${i.seg}, ${addr}), b = ${b}; const x = ${k.expr("a", "b")}; ${k.flags("a", "b", "x")} }`;
    return `{ const a = c.rmwBegin32(${i.seg}, ${addr}), b = ${b}; const x = ${k.expr("a", "b")}; c.rmwEnd32(x); ${k.flags("a", "b", "x")} }`;
  };
}
/** ALU with a 32-bit G destination and the E operand as source. */
function aluG(kind: AluKind): InlineGen {
  const k = OPS[kind];
  return (i) => {
    const src = readE32(i);
    if (src === null) return null;
    return `{ const a = r[${i.reg}], b = ${src}; const x = ${k.expr("a", "b")};${k.store ? ` r[${i.reg}] = x;` : ""} ${k.flags("a", "b", "x")} }`;
  };
}

/** Condition tttn as a JS boolean expression over the lazy-flag getters. */
function conditionExpr(cc: number): string {
  const base = [
    "c.getOF() !== 0", "c.getCF() !== 0", "c.getZF() !== 0", "(c.getCF() | c.getZF()) !== 0",
    "c.getSF() !== 0", "c.getPF() !== 0", "c.getSF() !== c.getOF()", "(c.getZF() !== 0 || c.getSF() !== c.getOF())",
  ][cc >> 1];
  return cc & 1 ? `!(${base})` : base;
}

/** A near jump to `target` (already computed, 32-bit operand size), with the CS-limit check. */
function jumpTo(target: string): string {
  return `{ const t = ${target}; if (t > c.segLimit[1]) { $CALL } else c.eip = t; }`;
}

/** The generators, keyed by (opcode, ModRM.reg or -1). Only 32-bit operand-size handlers get them. */
function generators(): Map<string, InlineGen> {
  const g = new Map<string, InlineGen>();
  const set = (op: number, reg: number, gen: InlineGen) => g.set(`${op}/${reg}`, gen);
  const kinds: Array<[AluKind, number]> = [["ADD", 0], ["OR", 1], ["AND", 4], ["SUB", 5], ["XOR", 6], ["CMP", 7]];
  for (const [kind, n] of kinds) {
    set(n * 8 + 1, -1, aluE(kind, (i) => `r[${i.reg}]`));
    set(n * 8 + 3, -1, aluG(kind));
    set(n * 8 + 5, -1, (i) => aluE(kind, () => `${i.imm | 0}`)({ ...i, mod: 3, rm: 0 } as Insn));
    set(0x81, n, aluE(kind, (i) => `${i.imm | 0}`));
    set(0x83, n, aluE(kind, (i) => `${sxb(i.imm)}`));
  }
  set(0x85, -1, aluE("TEST", (i) => `r[${i.reg}]`));
  set(0xa9, -1, (i) => aluE("TEST", () => `${i.imm | 0}`)({ ...i, mod: 3, rm: 0 } as Insn));
  set(0xf7, 0, aluE("TEST", (i) => `${i.imm | 0}`));
  // INC/DEC/MOV imm/PUSH/POP with the register in the opcode's low bits (one handler may serve all eight).
  for (let op = 0; op < 8; op++) {
    set(0x40 + op, -1, (i) => { const n = i.op & 7; return `{ const cf = c.getCF(); const a = r[${n}]; const x = (a + 1) | 0; r[${n}] = x; ${flagsAdd("a", "1", "x")} c.flags = (c.flags & ~1) | cf; c.lazyMask = 0x8d4; }`; });
    set(0x48 + op, -1, (i) => { const n = i.op & 7; return `{ const cf = c.getCF(); const a = r[${n}]; const x = (a - 1) | 0; r[${n}] = x; ${flagsSub("a", "1", "x")} c.flags = (c.flags & ~1) | cf; c.lazyMask = 0x8d4; }`; });
    set(0xb8 + op, -1, (i) => `r[${i.op & 7}] = ${i.imm | 0};`);
    set(0x50 + op, -1, (i) => `c.push32(r[${i.op & 7}]);`);
    set(0x58 + op, -1, (i) => `r[${i.op & 7}] = c.pop32();`);
  }
  // INC/DEC r/m32 (FF /0 /1): CF is kept.
  const incdecE = (delta: 1 | -1): InlineGen => (i) => {
    const flags = delta === 1 ? flagsAdd("a", "1", "x") : flagsSub("a", "1", "x");
    const tail = `${flags} c.flags = (c.flags & ~1) | cf; c.lazyMask = 0x8d4;`;
    if (i.mod === 3) return `{ const cf = c.getCF(); const a = r[${i.rm}]; const x = (a ${delta === 1 ? "+" : "-"} 1) | 0; r[${i.rm}] = x; ${tail} }`;
    const addr = ea(i);
    if (addr === null) return null;
    return `{ const cf = c.getCF(); const a = c.rmwBegin32(${i.seg}, ${addr}); const x = (a ${delta === 1 ? "+" : "-"} 1) | 0; c.rmwEnd32(x); ${tail} }`;
  };
  set(0xff, 0, incdecE(1));
  set(0xff, 1, incdecE(-1));
  // MOV
  set(0x89, -1, (i) => {
    if (i.mod === 3) return `r[${i.rm}] = r[${i.reg}];`;
    const a = ea(i);
    return a === null ? null : `c.write32(${i.seg}, ${a}, r[${i.reg}]);`;
  });
  set(0x8b, -1, (i) => { const s = readE32(i); return s === null ? null : `r[${i.reg}] = ${s};`; });
  set(0xc7, 0, (i) => {
    if (i.mod === 3) return `r[${i.rm}] = ${i.imm | 0};`;
    const a = ea(i);
    return a === null ? null : `c.write32(${i.seg}, ${a}, ${i.imm | 0});`;
  });
  set(0x88, -1, (i) => {
    if (i.mod === 3) return `c.r8[${i.rm8}] = c.r8[${i.reg8}];`;
    const a = ea(i);
    return a === null ? null : `c.write8(${i.seg}, ${a}, c.r8[${i.reg8}]);`;
  });
  set(0x8a, -1, (i) => { const s = readE8(i); return s === null ? null : `c.r8[${i.reg8}] = ${s};`; });
  set(0x1b6, -1, (i) => { const s = readE8(i); return s === null ? null : `r[${i.reg}] = ${s};`; });
  set(0x1b7, -1, (i) => { const s = readE16(i); return s === null ? null : `r[${i.reg}] = ${s};`; });
  set(0x1be, -1, (i) => { const s = readE8(i); return s === null ? null : `r[${i.reg}] = (${s} << 24) >> 24;`; });
  set(0x1bf, -1, (i) => { const s = readE16(i); return s === null ? null : `r[${i.reg}] = (${s} << 16) >> 16;`; });
  set(0x8d, -1, (i) => { const a = ea(i); return a === null ? null : `r[${i.reg}] = ${a};`; });
  set(0x68, -1, (i) => `c.push32(${i.imm | 0});`);
  set(0x6a, -1, (i) => `c.push32(${sxb(i.imm)});`);
  // Shifts of a 32-bit register by a constant (C1 /4 /5 /6 /7, D1 likewise): ops/shift.ts's flags —
  // SF ZF PF from the result, CF the last bit out, OF as there, AF = 1; a zero count does nothing.
  const shift = (kind: "SHL" | "SHR" | "SAR", one: boolean): InlineGen => (i) => {
    if (i.mod !== 3) return null;
    const n = one ? 1 : i.imm & 31;
    if (n === 0) return "";
    const a = `r[${i.rm}]`;
    const [res, cf, of] = kind === "SHL"
      ? [`(a << ${n}) | 0`, `(a >>> ${32 - n}) & 1`, "cf ^ (x >>> 31)"]
      : kind === "SHR"
        ? [`(a >>> ${n}) | 0`, `(a >>> ${n - 1}) & 1`, n === 1 ? "(a >>> 31) & 1" : "0"]
        : [`a >> ${n}`, `(a >> ${n - 1}) & 1`, "0"];
    return `{ const a = ${a}; const x = ${res}; const cf = ${cf}; ${a} = x; c.flags = (c.flags & ~0x811) | cf | ((${of}) << 11) | 0x10; c.lazyRes = x; c.lazyBit = 31; c.lazyMask = 0xc4; }`;
  };
  for (const op of [0xc1, 0xd1]) {
    set(op, 4, shift("SHL", op === 0xd1)); set(op, 6, shift("SHL", op === 0xd1));
    set(op, 5, shift("SHR", op === 0xd1)); set(op, 7, shift("SAR", op === 0xd1));
  }
  // IMUL Gv,Ev / Gv,Ev,Iz / Gv,Ev,Ib (32-bit): the truncated product; CF = OF = it differs from the
  // full product (exact in doubles below 2^53, and still unequal when rounded above); SF ZF AF PF kept.
  const imul = (src: (i: Insn) => string | null, other: (i: Insn) => string): InlineGen => (i) => {
    const a = src(i);
    if (a === null) return null;
    return `{ const a = ${a}, b = ${other(i)}; const x = Math.imul(a, b); r[${i.reg}] = x; c.lazyMask &= ~0x801; if (a * b !== x) c.flags |= 0x801; else c.flags &= ~0x801; }`;
  };
  set(0x1af, -1, imul(readE32, (i) => `r[${i.reg}]`));
  set(0x69, -1, imul(readE32, (i) => `${i.imm | 0}`));
  set(0x6b, -1, imul(readE32, (i) => `${sxb(i.imm)}`));
  // Control transfers (terminators: EIP already holds the next instruction's address).
  const jcc: InlineGen = (i) => `if (${conditionExpr(i.op & 15)}) ${jumpTo(`(c.eip + ${i.imm | 0}) >>> 0`)}`;
  for (let cc = 0; cc < 16; cc++) { set(0x70 + cc, -1, jcc); set(0x180 + cc, -1, jcc); }
  set(0xeb, -1, (i) => jumpTo(`(c.eip + ${i.imm | 0}) >>> 0`));
  set(0xe9, -1, (i) => jumpTo(`(c.eip + ${i.imm | 0}) >>> 0`));
  set(0xe8, -1, (i) => `{ const t = (c.eip + ${i.imm | 0}) >>> 0; if (t > c.segLimit[1]) { $CALL } else { c.push32(c.eip); c.eip = t; } }`);
  set(0xc3, -1, () => `{ const t = c.read32(2, c.esp) >>> 0; if (t > c.segLimit[1]) { $CALL } else { c.adjustEsp(4); c.eip = t; } }`);
  return g;
}

/** The inline generators by handler (32-bit operand size), built once from the opcode table. */
export const INLINE_GENERATORS: ReadonlyMap<Handler, InlineGen> = (() => {
  const gens = generators();
  const out = new Map<Handler, InlineGen>();
  const gensByHandler = new Map<Handler, InlineGen>();
  const opByHandler = new Map<Handler, number>();
  // Opcodes whose generators read the register or condition from the opcode itself.
  const sameFamily = (a: number, b: number) => (a & ~7) === (b & ~7) || ((a & ~15) === (b & ~15) && ((a & 0xf0) === 0x70 || (a & 0x1f0) === 0x180));
  for (const f of OPCODE_FORMS as readonly OpForm[]) {
    const gen = gens.get(`${f.op}/${f.reg ?? -1}`);
    if (!gen) continue;
    const h32 = Array.isArray(f.exec) ? (f.exec as readonly [Handler, Handler])[1] : (f.exec as Handler);
    // One handler may serve several opcodes (e.g. B8–BF): its generators must then agree.
    const prior = out.get(h32);
    if (prior !== undefined && gen !== gensByHandler.get(h32) && !sameFamily(f.op, opByHandler.get(h32) ?? -1))
      throw new Error(`jit-inline: handler of ${f.mnemonic} ${f.operands} is shared with another form that has a different generator`);
    gensByHandler.set(h32, gen);
    opByHandler.set(h32, f.op);
    // Byte forms (88, 8A) have one handler for both sizes; the generators assume 32-bit operands.
    out.set(h32, (i) => (i.op32 ? gen(i) : null));
  }
  return out;
})();
