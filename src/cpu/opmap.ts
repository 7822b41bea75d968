/**
 * The opcode table's form: what one entry says (`OpForm`, in the Intel SDM's Appendix A operand
 * notation, Vol. 2D §A.2) and the compiled 512-slot map the decoder indexes.
 */
import type { Cpu } from "./cpu.js";
import type { Insn } from "./decoder.js";

/** Executes one decoded instruction. Handlers throw `CpuFault` and must not change state before a fault. */
export type Handler = (cpu: Cpu, i: Insn) => void;

/**
 * One form of an instruction in the opcode table.
 *
 * `operands` uses Appendix A notation: an addressing method letter (A C D E G I J M O R S X Y)
 * followed by an operand type (a b d p q s v w z), or a fixed register (AL, eAX, CL, DX, ES…),
 * or the constant 1. `exec` is one handler, or a pair [16-bit, 32-bit operand size].
 */
export interface OpForm {
  /** Opcode: 0x00–0xFF for the one-byte map, 0x100 + second byte for the two-byte 0F map. */
  readonly op: number;
  /** ModRM.reg for group encodings (SDM Vol. 2D Table A-6). */
  readonly reg?: number;
  /** Restricts the form to ModRM.mod = 3 ("reg") or mod != 3 ("mem"); the other raises #UD. */
  readonly mod?: "reg" | "mem";
  readonly mnemonic: string;
  readonly operands: string;
  readonly exec: Handler | readonly [Handler, Handler];
  /** LOCK is allowed (with a memory destination); otherwise LOCK raises #UD (SDM Vol. 2A LOCK). */
  readonly lock?: boolean;
}

/** Immediate/displacement fields that follow ModRM, in order. */
export const enum Imm { Ib, Iw, Id, Iz, Jb, Jz, Ap, O }

export interface Slot {
  /** Non-group: the only form. */
  form?: OpForm;
  /** Group: forms by ModRM.reg. */
  group?: Array<{ mem?: OpForm; reg?: OpForm }>;
  modrm: boolean;
  /** An `R` operand: ModRM.mod is ignored and r/m always names a register (MOV CR/DR, SDM Vol. 2D §A.2.1). */
  regOnly?: boolean;
  imms: Imm[];
}

/** Parses an operand string into what the decoder must read after the opcode. */
export function analyse(operands: string): { modrm: boolean; regOnly: boolean; imms: Imm[] } {
  let modrm = false, regOnly = false;
  const imms: Imm[] = [];
  for (const t of operands.split(",").map((s) => s.trim()).filter(Boolean)) {
    const m = /^([ACDEGIJMORSTXY])([a-z]*)$/.exec(t);
    if (!m) continue; // fixed register or constant
    const [, method, type] = m;
    if ("CDEGMRST".includes(method)) modrm = true;
    if (method === "R") regOnly = true;
    if (method === "I") imms.push(type === "b" ? Imm.Ib : type === "w" ? Imm.Iw : type === "d" ? Imm.Id : Imm.Iz);
    else if (method === "J") imms.push(type === "b" ? Imm.Jb : Imm.Jz);
    else if (method === "A") imms.push(Imm.Ap);
    else if (method === "O") imms.push(Imm.O);
  }
  return { modrm, regOnly, imms };
}

/** The compiled opcode map: 512 slots (one-byte map, then 0F map). */
export class OpcodeMap {
  readonly slots: Array<Slot | undefined> = new Array(512);
  readonly forms: readonly OpForm[];
  /** Immediates that follow ModRM, per form. */
  readonly formImms = new Map<OpForm, Imm[]>();

  constructor(forms: readonly OpForm[]) {
    this.forms = forms;
    for (const f of forms) {
      const a = analyse(f.operands);
      this.formImms.set(f, a.imms);
      let slot = this.slots[f.op];
      if (f.reg === undefined) {
        if (slot) throw new Error(`opcode table: two forms for opcode 0x${f.op.toString(16)} (${slot.form?.mnemonic ?? "group"} and ${f.mnemonic})`);
        this.slots[f.op] = { form: f, modrm: a.modrm, regOnly: a.regOnly, imms: a.imms };
        continue;
      }
      if (!slot) { slot = { group: [], modrm: true, imms: [] }; this.slots[f.op] = slot; }
      if (!slot.group) throw new Error(`opcode table: 0x${f.op.toString(16)} is both a group and a single form`);
      const g = (slot.group[f.reg] ??= {});
      if (f.mod !== "reg") { if (g.mem) throw new Error(`opcode table: duplicate 0x${f.op.toString(16)} /${f.reg} mem`); g.mem = f; }
      if (f.mod !== "mem") { if (g.reg) throw new Error(`opcode table: duplicate 0x${f.op.toString(16)} /${f.reg} reg`); g.reg = f; }
    }
  }


}
