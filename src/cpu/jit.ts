/**
 * Basic blocks and their translation to JavaScript.
 *
 * A block is a run of decoded instructions within one 4 KiB page: any number (up to
 * MAX_BLOCK_INSNS) of *straight-line* instructions — ones that neither transfer control nor
 * change the mode, privilege, EFLAGS.IF/TF, a segment register or paging — followed by at most one
 * other instruction (the terminator), which may do anything. Blocks run first through a small
 * interpreter; once a block has run `Cpu.jitThreshold` times it is translated into a JavaScript
 * function in which every instruction is either inlined (the hottest forms) or a direct call to
 * its handler at a call site of its own, which V8 can then inline.
 *
 * The architectural contract is the interpreter's: `instrStart` is set before every instruction
 * that can fault (so the fault restarts it), EIP is written before the terminator and at the end,
 * and interrupts, single-step traps and stop requests are taken between blocks (a block never
 * contains an instruction that sets `attention` before its last instruction).
 */
import type { Cpu } from "./cpu.js";
import type { Insn } from "./decoder.js";
import type { Handler } from "./opmap.js";

/** Longest block, guest instructions (also bounds interrupt latency). */
export const MAX_BLOCK_INSNS = 48;

/** Mnemonics of straight-line instructions (see the module comment), given straight-line operands. */
const STRAIGHT = new Set([
  "ADD", "OR", "ADC", "SBB", "AND", "SUB", "XOR", "CMP", "INC", "DEC", "TEST", "NOT", "NEG",
  "MUL", "IMUL", "DIV", "IDIV", "DAA", "DAS", "AAA", "AAS", "AAM", "AAD", "CBW/CWDE", "CWD/CDQ",
  "ROL", "ROR", "RCL", "RCR", "SHL", "SHR", "SAL", "SAR", "SHLD", "SHRD",
  "BT", "BTS", "BTR", "BTC", "BSF", "BSR", "BSWAP", "XADD", "CMPXCHG", "CMPXCHG8B",
  "SETO", "SETNO", "SETB", "SETAE", "SETE", "SETNE", "SETBE", "SETA", "SETS", "SETNS", "SETP", "SETNP", "SETL", "SETGE", "SETLE", "SETG",
  "CMOVO", "CMOVNO", "CMOVB", "CMOVAE", "CMOVE", "CMOVNE", "CMOVBE", "CMOVA", "CMOVS", "CMOVNS", "CMOVP", "CMOVNP", "CMOVL", "CMOVGE", "CMOVLE", "CMOVG",
  "MOV", "MOVZX", "MOVSX", "XCHG", "LEA", "NOP", "XLAT", "SAHF", "LAHF", "CMC", "CLC", "STC", "CLD", "STD",
  "PUSH", "POP", "PUSHA", "POPA", "ENTER", "LEAVE",
]);

/** Operands that make an otherwise straight-line mnemonic a terminator (segment and control registers). */
const SYSTEM_OPERAND = /\b(?:Sw|Cd|Dd|Rd|ES|CS|SS|DS|FS|GS)\b/;

/** Whether an instruction may be followed by more instructions of the same block. */
export function isStraightLine(i: Insn): boolean {
  const f = i.form;
  if (f === null || !STRAIGHT.has(f.mnemonic)) return false;
  return !SYSTEM_OPERAND.test(f.operands);
}

/** A translated block: runs the whole block and leaves EIP at the next instruction. */
export type BlockFunction = (cpu: Cpu) => void;

export class Block {
  /** Execution count while interpreted. */
  runs = 0;
  /** The translation, once made. */
  fn: BlockFunction | null = null;
  constructor(
    /** EIP of the first instruction. */
    readonly startEip: number,
    /** CS.D when decoded. */
    readonly cs32: boolean,
    readonly insns: readonly Insn[],
    /** Offset of each instruction from startEip, bytes. */
    readonly offsets: Int32Array,
    /** Length of the whole block, bytes. */
    readonly length: number,
  ) {}

  /** Number of instructions that retired before the one starting at `eip` (for faults). */
  retiredBefore(eip: number): number {
    const off = eip - this.startEip;
    for (let k = 0; k < this.offsets.length; k++) if (this.offsets[k] === off) return k;
    return 0;
  }
}

/** An inline code generator for a form: returns JS statements or null to fall back to a call. */
export type InlineGen = (i: Insn) => string | null;

/**
 * Translates a block into a JavaScript function. Instructions with an inline generator are
 * expanded in place; the others become calls `hK(c, iK)` with one call site each.
 */
export function translateBlock(b: Block, inline: ReadonlyMap<Handler, InlineGen>): BlockFunction {
  const params: string[] = [];
  const args: unknown[] = [];
  const body: string[] = ["const r = c.r32;"];
  const n = b.insns.length;
  for (let k = 0; k < n; k++) {
    const i = b.insns[k];
    const eip = b.startEip + b.offsets[k];
    const next = eip + i.len;
    const last = k === n - 1;
    const terminator = last && !isStraightLine(i);
    body.push(`c.instrStart = ${eip};`);
    if (terminator) body.push(`c.eip = ${next};`);
    const gen = inline.get(i.exec);
    const code = gen ? gen(i) : null;
    if (code !== null) {
      // `$CALL` in inline code stands for the handler call (an unusual case handled by the handler).
      if (code.includes("$CALL")) { params.push(`h${k}`, `i${k}`); args.push(i.exec, i); }
      body.push(code.replaceAll("$CALL", `h${k}(c, i${k});`));
    } else {
      params.push(`h${k}`, `i${k}`);
      args.push(i.exec, i);
      body.push(`h${k}(c, i${k});`);
    }
    if (last && !terminator) body.push(`c.eip = ${next};`);
  }
  body.push(`c.instructionCount += ${n};`);
  const factory = new Function(...params, `return function block_${b.startEip.toString(16)}(c) {\n${body.join("\n")}\n};`);
  return factory(...args) as BlockFunction;
}
