/**
 * Generates differential test programs: GNU as sources of static 32-bit Linux executables that
 * run many single-instruction cases and write, after each, the registers, EFLAGS and a 32-byte
 * scratch memory area to stdout. The same program runs natively and in trapgate; the records
 * must agree, with the status flags the SDM leaves undefined masked per case.
 *
 * Templates (see templates/) are AT&T assembly with placeholders filled per case:
 *   {r8} {r16} {r32}      a random general register of that size (never ESP/SP, never one a
 *                         memory operand of the same case uses as base or index)
 *   {m8} {m16} {m32} {m64} a memory operand in the scratch area, with a random addressing form
 *   {imm8} {imm16} {imm32} an immediate (edge values favoured); {simm8} a signed byte
 *   {cnt} a shift count 0–31; {cc} a condition-code suffix (o no b ae e ne be a s ns p np l ge le g)
 * `prepare` may adjust the chosen inputs (e.g. a non-zero divisor) so a case cannot fault.
 */

/** xorshift32: deterministic random numbers from a printed seed. */
export class Rng {
  private s: number;
  constructor(seed: number) { this.s = (seed >>> 0) || 0x9e3779b9; }
  next(): number {
    let x = this.s;
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  below(n: number): number { return this.next() % n; }
  pick<T>(a: readonly T[]): T { return a[this.below(a.length)]; }
}

/** The values the issue names as edges: 0, ±1, 0x7f/0x80, 0x7fff/0x8000, 0x7fffffff/0x80000000, all ones. */
export const EDGE_VALUES = [0, 1, 0xffffffff, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 2, 0xfffffffe, 0x10, 0x0f] as const;

export interface Template {
  /** AT&T source of the instruction(s) under test, with placeholders. */
  asm: string;
  /** EFLAGS status bits the SDM defines after this instruction (others are masked). Default: all six. */
  defined?: number;
  /** Adjusts a case's inputs so that it cannot fault natively. */
  prepare?: (c: CaseInputs) => void;
  /** Also exercise DF = 1 sometimes (string instructions). */
  randomDf?: boolean;
}

export const STATUS = 0x8d5; // CF PF AF ZF SF OF
export const CF = 1, PF = 4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;

type PickKind = "r8" | "r16" | "r32" | "m8" | "m16" | "m32" | "m64" | "imm8" | "imm16" | "imm32" | "simm8" | "cnt" | "cc";
interface Pick { kind: PickKind; text: string; reg: number; off: number; value: number }

const R32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"];
const R16 = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"];
const R8 = ["al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"];
const CC = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"];

/** The inputs of one case, adjustable by a template's `prepare`. */
export class CaseInputs {
  readonly regs = new Uint32Array(8);
  readonly mem = new Uint8Array(32);
  flags = 0;
  /** @internal */ picks: Pick[] = [];
  /** Number of placeholders. */
  get count(): number { return this.picks.length; }
  /** Kind of placeholder k ("r32", "m16", "imm8", ...). */
  kind(k: number): string { return this.picks[k].kind; }
  /** Register number of placeholder k (-1 if not a register). */
  reg(k: number): number { return this.picks[k].reg; }
  /** Width in bits of placeholder k. */
  width(k: number): number {
    const p = this.picks[k].kind;
    return p.endsWith("64") ? 64 : p.endsWith("32") ? 32 : p.endsWith("16") ? 16 : 8;
  }
  /** Current input value of placeholder k (zero-extended). */
  get(k: number): number {
    const p = this.picks[k];
    switch (p.kind) {
      case "r32": return this.regs[p.reg];
      case "r16": return this.regs[p.reg] & 0xffff;
      case "r8": return p.reg < 4 ? this.regs[p.reg] & 0xff : (this.regs[p.reg - 4] >>> 8) & 0xff;
      case "m8": return this.mem[p.off];
      case "m16": return this.mem[p.off] | (this.mem[p.off + 1] << 8);
      case "m32": case "m64": return (this.mem[p.off] | (this.mem[p.off + 1] << 8) | (this.mem[p.off + 2] << 16) | (this.mem[p.off + 3] << 24)) >>> 0;
      default: return p.value;
    }
  }
  /** Replaces the input value of placeholder k. */
  set(k: number, v: number): void {
    const p = this.picks[k];
    switch (p.kind) {
      case "r32": this.regs[p.reg] = v; break;
      case "r16": this.regs[p.reg] = (this.regs[p.reg] & 0xffff0000) | (v & 0xffff); break;
      case "r8":
        if (p.reg < 4) this.regs[p.reg] = (this.regs[p.reg] & ~0xff) | (v & 0xff);
        else this.regs[p.reg - 4] = (this.regs[p.reg - 4] & ~0xff00) | ((v & 0xff) << 8);
        break;
      case "m8": this.mem[p.off] = v; break;
      case "m16": this.mem[p.off] = v; this.mem[p.off + 1] = v >> 8; break;
      case "m32": case "m64": for (let b = 0; b < 4; b++) this.mem[p.off + b] = v >>> (8 * b); break;
      default: p.value = v >>> 0; p.text = immText(p.kind, p.value);
    }
  }
  /** For {m64}: the high dword. */
  getHigh(k: number): number {
    const o = this.picks[k].off + 4;
    return (this.mem[o] | (this.mem[o + 1] << 8) | (this.mem[o + 2] << 16) | (this.mem[o + 3] << 24)) >>> 0;
  }
  setHigh(k: number, v: number): void {
    const o = this.picks[k].off + 4;
    for (let b = 0; b < 4; b++) this.mem[o + b] = v >>> (8 * b);
  }
}

function immText(kind: PickKind, v: number): string {
  switch (kind) {
    case "imm8": return `$0x${(v & 0xff).toString(16)}`;
    case "imm16": return `$0x${(v & 0xffff).toString(16)}`;
    case "simm8": return `$${(v << 24) >> 24}`;
    case "cnt": return `$${v & 31}`;
    default: return `$0x${(v >>> 0).toString(16)}`;
  }
}

/** One generated case: its source text and what to compare. */
export interface Case {
  text: string;
  defined: number;
  inputs: string;
}

function randomValue(rng: Rng): number {
  const r = rng.below(10);
  if (r < 4) return rng.pick(EDGE_VALUES) >>> 0;
  if (r < 5) return rng.below(256);
  return rng.next();
}

/** Instantiates a template into one case (inputs set-up, the instruction, the dump call). */
export function instantiate(t: Template, rng: Rng, edge?: number): { source: string; c: Case } {
  const inp = new CaseInputs();
  for (let r = 0; r < 8; r++) inp.regs[r] = edge !== undefined && rng.below(2) ? EDGE_VALUES[(edge + r) % EDGE_VALUES.length] >>> 0 : randomValue(rng);
  for (let b = 0; b < 32; b++) inp.mem[b] = rng.below(3) === 0 ? rng.pick([0, 0xff, 0x80, 0x7f]) : rng.below(256);
  inp.flags = rng.next() & STATUS;
  if (t.randomDf && rng.below(2)) inp.flags |= 0x400;
  const reserved = new Set<number>([4]); // ESP
  // Memory placeholders first: they choose base/index registers the others must avoid.
  const tokens = [...t.asm.matchAll(/\{(r8|r16|r32|m8|m16|m32|m64|imm8|imm16|imm32|simm8|cnt|cc)\}/g)];
  const picks: Pick[] = tokens.map((m) => ({ kind: m[1] as PickKind, text: "", reg: -1, off: 0, value: 0 }));
  const regSetup: Array<[number, number]> = [];
  for (const p of picks) {
    if (!p.kind.startsWith("m")) continue;
    const size = p.kind === "m64" ? 8 : p.kind === "m32" ? 4 : p.kind === "m16" ? 2 : 1;
    p.off = rng.below(32 - size + 1);
    const free = [0, 1, 2, 3, 5, 6, 7].filter((r) => !reserved.has(r));
    const mode = rng.below(4);
    if (mode === 0 || free.length < 2) p.text = `scratch+${p.off}`;
    else if (mode === 1) {
      const b = rng.pick(free); reserved.add(b);
      const d = rng.below(2) ? 0 : rng.below(64) - 32;
      regSetup.push([b, p.off - d]); // base + d = scratch + off
      p.text = `${d}(%${R32[b]})`.replace(/^0\(/, "(");
    } else {
      const b = rng.pick(free); reserved.add(b);
      const ix = rng.pick(free.filter((r) => r !== b)); reserved.add(ix);
      const scale = rng.pick([1, 2, 4, 8]);
      const k = rng.below(8) - 4;
      const d = rng.below(64) - 32;
      // base + ix*scale + d = scratch + off  →  base = scratch + off - k*scale - d, ix = k
      regSetup.push([b, p.off - k * scale - d]);
      inp.regs[ix] = k >>> 0;
      p.text = mode === 2 ? `${d}(%${R32[b]},%${R32[ix]},${scale})` : `(%${R32[b]},%${R32[ix]},${scale})`;
      if (mode === 3) regSetup[regSetup.length - 1][1] = p.off - k * scale;
    }
  }
  for (const p of picks) {
    switch (p.kind) {
      case "r32": case "r16": {
        const free = [0, 1, 2, 3, 5, 6, 7].filter((r) => !reserved.has(r));
        p.reg = rng.pick(free.length ? free : [0]);
        p.text = `%${(p.kind === "r32" ? R32 : R16)[p.reg]}`;
        break;
      }
      case "r8": {
        const free = [0, 1, 2, 3, 4, 5, 6, 7].filter((r) => !reserved.has(r & 3));
        p.reg = rng.pick(free.length ? free : [0]);
        p.text = `%${R8[p.reg]}`;
        break;
      }
      case "imm8": case "imm16": case "imm32": case "simm8": p.value = randomValue(rng); p.text = immText(p.kind, p.value); break;
      case "cnt": p.value = rng.below(4) === 0 ? rng.pick([0, 1, 31, 8, 16]) : rng.below(32); p.text = immText(p.kind, p.value); break;
      case "cc": p.value = rng.below(16); p.text = CC[p.value]; break;
      default: break;
    }
  }
  inp.picks = picks;
  t.prepare?.(inp);
  let k = 0;
  const text = t.asm.replace(/\{(r8|r16|r32|m8|m16|m32|m64|imm8|imm16|imm32|simm8|cnt|cc)\}/g, () => picks[k++].text);
  const lines: string[] = [];
  for (let r = 0; r < 8; r++) {
    if (r === 4) continue;
    const base = regSetup.find(([b]) => b === r);
    lines.push(base ? `  movl $scratch+${base[1]}, %${R32[r]}` : `  movl $0x${inp.regs[r].toString(16)}, %${R32[r]}`);
  }
  for (let d = 0; d < 8; d++) {
    const v = (inp.mem[d * 4] | (inp.mem[d * 4 + 1] << 8) | (inp.mem[d * 4 + 2] << 16) | (inp.mem[d * 4 + 3] << 24)) >>> 0;
    lines.push(`  movl $0x${v.toString(16)}, scratch+${d * 4}`);
  }
  lines.push(`  pushl $0x${(inp.flags | 0x202).toString(16)}`, "  popfl");
  lines.push(...text.split("\n").map((l) => `  ${l}`));
  lines.push("  call dump");
  const inputs = `regs=[${[...inp.regs].map((v) => v.toString(16)).join(",")}] flags=${inp.flags.toString(16)}`;
  return { source: lines.join("\n"), c: { text, defined: t.defined ?? STATUS, inputs } };
}

/** Size of one record a case writes: EDI ESI EBP ESP EBX EDX ECX EAX (PUSHA order), EFLAGS, 32 bytes of scratch. */
export const RECORD_BYTES = 36 + 32;

/** A whole program: `cases` instantiations of templates, chosen round-robin then at random. */
export function buildProgram(templates: readonly Template[], count: number, rng: Rng, edgeFirst = true): { source: string; cases: Case[] } {
  const body: string[] = [];
  const cases: Case[] = [];
  for (let n = 0; n < count; n++) {
    const t = n < templates.length ? templates[n] : rng.pick(templates);
    const { source, c } = instantiate(t, rng, edgeFirst && n < templates.length * 2 ? n : undefined);
    body.push(`# case ${n}: ${c.text.replace(/\n/g, "; ")}`, source);
    cases.push(c);
  }
  const source = `
.globl _start
.text
_start:
  mov $stack_top, %esp
${body.join("\n")}
  mov $1, %eax
  xor %ebx, %ebx
  int $0x80

# Writes PUSHA + PUSHF (36 bytes) and the scratch area (32 bytes) to stdout.
dump:
  pushfl
  pushal
  mov $4, %eax
  mov $1, %ebx
  mov %esp, %ecx
  mov $36, %edx
  int $0x80
  mov $4, %eax
  mov $1, %ebx
  mov $scratch, %ecx
  mov $32, %edx
  int $0x80
  popal
  popfl
  ret

.data
.align 16
  .fill 64, 1, 0
scratch:
  .fill 32, 1, 0
  .fill 64, 1, 0
.bss
.align 16
  .skip 8192
stack_top:
  .skip 64
`;
  return { source, cases };
}
