/**
 * Disassembly driven by the opcode table: a decoded `Insn` printed in Intel syntax from its
 * form's Appendix A operand notation (SDM Vol. 2D §A.2), for traces and fault reports; and the
 * opcode listing of every implemented form, for the documentation.
 */
import type { Insn } from "./decoder.js";
import { opName } from "./decoder.js";
import type { OpForm } from "./opmap.js";
import { SEG_NAMES } from "./segmentation.js";

const R32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"];
const R16 = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"];
const R8 = ["al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"];
const SIZE: Record<string, string> = { b: "byte", w: "word", d: "dword", q: "qword" };

const hex = (v: number) => `0x${(v >>> 0).toString(16)}`;

/** The memory operand `[base+index*scale+disp]` with its segment when overridden. */
function memory(i: Insn, size: string): string {
  const parts: string[] = [];
  if (i.addr32) {
    if (i.base >= 0) parts.push(R32[i.base]);
    if (i.index >= 0) parts.push(`${R32[i.index]}*${1 << i.scale}`);
  } else {
    if (i.base >= 0) parts.push(R16[i.base >> 1]);
    if (i.index >= 0) parts.push(R16[i.index >> 1]);
  }
  let s = parts.join("+");
  if (i.disp !== 0 || parts.length === 0) s += s ? (i.disp < 0 ? `-${hex(-i.disp)}` : `+${hex(i.disp)}`) : hex(i.disp);
  const seg = i.segOverride >= 0 ? `${SEG_NAMES[i.segOverride].toLowerCase()}:` : "";
  return `${size ? `${size} ptr ` : ""}${seg}[${s}]`;
}

function sized(type: string, i: Insn): string {
  if (type === "v" || type === "z") return i.op32 ? "d" : "w";
  return type;
}

function reg(n: number, t: string): string {
  return t === "b" ? R8[n] : t === "w" ? R16[n] : R32[n];
}

/** One operand in Intel syntax. `next` is the address of the following instruction (for J). */
function operand(tok: string, i: Insn, next: number, immIndex: { n: number }): string {
  const m = /^([ACDEGIJMORSTXY])([a-z]*)$/.exec(tok);
  if (!m) {
    // Fixed register: eAX means AX or EAX by operand size; AL, CL, DX, ES, 1 as written.
    if (/^e[A-Z]{2}$/.test(tok)) return (i.op32 ? "e" : "") + tok.slice(1).toLowerCase();
    return tok.toLowerCase();
  }
  const [, method, rawType] = m;
  const t = sized(rawType, i);
  const imm = () => (immIndex.n++ === 0 ? i.imm : i.imm2);
  switch (method) {
    case "E": return i.mod === 3 ? reg(i.rm, t) : memory(i, SIZE[t] ?? "");
    case "M": return memory(i, SIZE[t] ?? "");
    case "R": return reg(i.rm, "d");
    case "G": return reg(i.reg, t);
    case "S": return SEG_NAMES[i.reg]?.toLowerCase() ?? `sreg${i.reg}`;
    case "C": return `cr${i.reg}`;
    case "D": return `dr${i.reg}`;
    case "I": return hex(imm());
    case "J": return hex((next + i.imm) >>> 0);
    case "A": return `${hex(i.imm2)}:${hex(i.imm)}`;
    case "O": return memory(i, SIZE[t] ?? "");
    case "X": return `${SIZE[t] ?? ""} ptr ${i.segOverride >= 0 ? SEG_NAMES[i.segOverride].toLowerCase() : "ds"}:[${i.addr32 ? "esi" : "si"}]`;
    case "Y": return `${SIZE[t] ?? ""} ptr es:[${i.addr32 ? "edi" : "di"}]`;
    default: return tok;
  }
}

/**
 * Intel-syntax text of a decoded instruction, e.g. `add dword ptr [ebx+0x10], eax`.
 * @param eip offset of the instruction (for relative jump targets); defaults to its linear address
 */
export function disassemble(i: Insn, eip: number = i.lin): string {
  const f = i.form;
  if (f === null) return `(bad) ${opName(i.op)}`;
  const prefix = (i.lock ? "lock " : "") + (i.rep === 1 ? "rep " : i.rep === 2 ? "repne " : "");
  const next = eip + i.len;
  const immIndex = { n: 0 };
  const ops = f.operands.split(",").map((s) => s.trim()).filter((s) => s && s !== "Fv")
    .map((t) => operand(t, i, next, immIndex));
  return `${prefix}${f.mnemonic.toLowerCase()}${ops.length ? ` ${ops.join(", ")}` : ""}`;
}

/** The opcode listing: every form of the table, by opcode, as a Markdown table. */
export function opcodeListing(forms: readonly OpForm[]): string {
  const rows = [...forms].sort((a, b) => a.op - b.op || (a.reg ?? -1) - (b.reg ?? -1));
  const lines = [
    "| opcode | mnemonic | operands (SDM Appendix A) | operand sizes | LOCK |",
    "|---|---|---|---|---|",
  ];
  for (const f of rows) {
    const op = `${opName(f.op)}${f.reg !== undefined ? ` /${f.reg}` : ""}${f.mod ? ` (${f.mod})` : ""}`;
    lines.push(`| ${op} | ${f.mnemonic} | ${f.operands || "—"} | ${Array.isArray(f.exec) ? "16, 32" : "one"} | ${f.lock ? "yes" : ""} |`);
  }
  return lines.join("\n");
}
