/**
 * The instruction decoder, driven by one declarative opcode table written in the Intel SDM's
 * Appendix A operand notation (Vol. 2D, §A.2: addressing method + operand type, e.g. `Ev,Gv`).
 * The same table drives disassembly (src/cpu/disasm.ts) and the coverage listing.
 *
 * Decoding follows SDM Vol. 2A chapter 2: legacy prefixes (§2.1.1), opcode, ModR/M and SIB
 * (§2.1.5, Tables 2-1 to 2-3), displacement and immediate; at most 15 bytes (§2.3.11, #GP(0)).
 */
import type { Cpu } from "./cpu.js";
import { CpuFault, Vector, gp } from "./fault.js";
import { SegReg } from "./segmentation.js";
import { Imm, type Handler, type OpForm } from "./opmap.js";
import { OPCODE_MAP } from "./optable.js";

export type { Handler, OpForm } from "./opmap.js";

/**
 * A decoded instruction. All fields are always present (one hidden class for the hot path).
 * Register operands are numbers 0–7; `reg8`/`rm8` are byte indices into `Cpu.r8`.
 */
export class Insn {
  exec: Handler = undecodable;
  form: OpForm | null = null;
  /** Length in bytes, prefixes included. */
  len = 0;
  /** CS.D at decode time: the cache re-decodes if the code segment's default size changes. */
  cs32 = false;
  /** Opcode (0x100+ for the 0F map). */
  op = 0;
  /** Effective operand size is 32 bits. */
  op32 = false;
  /** Effective address size is 32 bits. */
  addr32 = false;
  /** Segment of the memory operand (default by base register, or the override). */
  seg: number = SegReg.DS;
  /** A segment-override prefix was given (-1: none). */
  segOverride = -1;
  /** 0: none, 1: REP/REPE (F3), 2: REPNE (F2). */
  rep = 0;
  lock = false;
  /** ModRM fields; mod = 3 means the r/m operand is a register. */
  mod = 0;
  reg = 0;
  rm = 0;
  reg8 = 0;
  rm8 = 0;
  /** Memory operand: base and index registers (-1 none; with 16-bit addressing, indices into r16), scale as a shift. */
  base = -1;
  index = -1;
  scale = 0;
  disp = 0;
  /** First and second immediate (Jb/Jz are sign-extended; others zero-extended). */
  imm = 0;
  imm2 = 0;
  /** Address of the first byte (linear), for traces. */
  lin = 0;
}

function undecodable(_cpu: Cpu, _i: Insn): void {
  throw new CpuFault(Vector.UD, undefined, "undefined opcode");
}

const R8 = [0, 4, 8, 12, 1, 5, 9, 13];


/**
 * Decodes the instruction at linear address `lin` with the current CS.D.
 * Throws #PF from instruction fetch, #GP(0) beyond 15 bytes, #UD for undefined opcodes and
 * misplaced LOCK prefixes.
 */
export function decode(cpu: Cpu, lin: number): Insn {
  const map = OPCODE_MAP;
  const i = new Insn();
  i.lin = lin;
  i.cs32 = cpu.cs32;
  let n = 0;
  const byte = (): number => {
    if (n >= 15) throw gp(0, "instruction longer than 15 bytes");
    return cpu.fetchByte((lin + n++) | 0);
  };
  let op32 = cpu.cs32, addr32 = cpu.cs32;
  let b: number;
  for (;;) {
    b = byte();
    switch (b) {
      case 0x66: op32 = !cpu.cs32; continue;
      case 0x67: addr32 = !cpu.cs32; continue;
      case 0x26: i.segOverride = SegReg.ES; continue;
      case 0x2e: i.segOverride = SegReg.CS; continue;
      case 0x36: i.segOverride = SegReg.SS; continue;
      case 0x3e: i.segOverride = SegReg.DS; continue;
      case 0x64: i.segOverride = SegReg.FS; continue;
      case 0x65: i.segOverride = SegReg.GS; continue;
      case 0xf0: i.lock = true; continue;
      case 0xf2: i.rep = 2; continue;
      case 0xf3: i.rep = 1; continue;
    }
    break;
  }
  if (b === 0x0f) b = 0x100 | byte();
  i.op = b;
  i.op32 = op32;
  i.addr32 = addr32;
  const slot = map.slots[b];
  if (!slot) { i.exec = undecodable; i.len = n; return finishUndefined(i, `undefined opcode ${opName(b)}`); }
  let form: OpForm | undefined = slot.form;
  let imms = slot.imms;
  let seg: number = SegReg.DS;
  if (slot.modrm) {
    const m = byte();
    i.mod = slot.regOnly ? 3 : m >> 6; i.reg = (m >> 3) & 7; i.rm = m & 7;
    i.reg8 = R8[i.reg]; i.rm8 = R8[i.rm];
    if (slot.group) {
      const g = slot.group[i.reg];
      form = i.mod === 3 ? g?.reg : g?.mem;
      if (!form) {
        i.len = n;
        const exists = g?.reg ?? g?.mem;
        return finishUndefined(i, exists ? `${exists.mnemonic} does not take a ${i.mod === 3 ? "register" : "memory"} operand (${opName(b)} /${i.reg})`
          : `undefined opcode ${opName(b)} /${i.reg}`);
      }
      imms = map.formImms.get(form) as Imm[];
    } else if (form && form.mod && (form.mod === "reg") !== (i.mod === 3)) {
      i.len = n;
      return finishUndefined(i, `${form.mnemonic} does not take a ${i.mod === 3 ? "register" : "memory"} operand`);
    }
    if (i.mod !== 3) {
      if (addr32) {
        let rm = i.rm;
        if (rm === 4) {
          const sib = byte();
          i.scale = sib >> 6;
          const idx = (sib >> 3) & 7;
          i.index = idx === 4 ? -1 : idx;
          rm = sib & 7;
          if (rm === 5 && i.mod === 0) { i.base = -1; i.disp = dword(); }
          else i.base = rm;
        } else if (rm === 5 && i.mod === 0) { i.base = -1; i.disp = dword(); }
        else i.base = rm;
        if (i.mod === 1) i.disp = (byte() << 24) >> 24;
        else if (i.mod === 2) i.disp = dword();
        if (i.base === 4 || i.base === 5) seg = SegReg.SS;
      } else {
        // SDM Vol. 2A Table 2-1: 16-bit addressing forms; bases/indices stored as r16 indices.
        const BASE = [3, 3, 5, 5, 6, 7, 5, 3], INDEX = [6, 7, 6, 7, -1, -1, -1, -1];
        if (i.mod === 0 && i.rm === 6) { i.base = -1; i.index = -1; i.disp = word(); }
        else {
          i.base = BASE[i.rm] * 2;
          i.index = INDEX[i.rm] < 0 ? -1 : INDEX[i.rm] * 2;
          if (i.rm === 2 || i.rm === 3 || i.rm === 6) seg = SegReg.SS;
          if (i.mod === 1) i.disp = (byte() << 24) >> 24;
          else if (i.mod === 2) i.disp = word();
        }
      }
    }
  }
  if (!form) { i.len = n; return finishUndefined(i, `undefined opcode ${opName(b)}`); }
  let first = true;
  for (const k of imms) {
    switch (k) {
      case Imm.Ib: if (first) i.imm = byte(); else i.imm2 = byte(); break;
      case Imm.Iw: if (first) i.imm = word(); else i.imm2 = word(); break;
      case Imm.Id: i.imm = dword(); break;
      case Imm.Iz: i.imm = op32 ? dword() : word(); break;
      case Imm.Jb: i.imm = (byte() << 24) >> 24; break;
      case Imm.Jz: i.imm = op32 ? dword() : (word() << 16) >> 16; break;
      case Imm.Ap: i.imm = op32 ? dword() >>> 0 : word(); i.imm2 = word(); break;
      case Imm.O: i.disp = addr32 ? dword() : word(); i.base = -1; i.index = -1; break;
    }
    first = false;
  }
  i.seg = i.segOverride >= 0 ? i.segOverride : seg;
  i.form = form;
  i.exec = Array.isArray(form.exec) ? (form.exec as readonly [Handler, Handler])[op32 ? 1 : 0] : (form.exec as Handler);
  i.len = n;
  // LOCK is allowed only on the listed read-modify-write forms with a memory destination.
  if (i.lock && (!form.lock || i.mod === 3)) return finishUndefined(i, `LOCK prefix not allowed with ${form.mnemonic}${i.mod === 3 ? " on a register operand" : ""}`);
  return i;

  function word(): number { const lo = byte(); return lo | (byte() << 8); }
  function dword(): number { const lo = word(); return (lo | (word() << 16)) | 0; }
}

/** An instruction that raises #UD when executed (decoding succeeded in finding its length, or not). */
function finishUndefined(i: Insn, reason: string): Insn {
  i.exec = () => { throw new CpuFault(Vector.UD, undefined, reason); };
  return i;
}

export function opName(op: number): string {
  return op >= 0x100 ? `0F ${(op & 0xff).toString(16).padStart(2, "0").toUpperCase()}` : op.toString(16).padStart(2, "0").toUpperCase();
}
