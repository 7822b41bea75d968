/**
 * Near control transfers: Jcc (70–7F, 0F 80–8F), JMP (EB, E9, FF /4), CALL (E8, FF /2), RET (C3,
 * C2 Iw), LOOP/LOOPE/LOOPNE (E2 E1 E0), JCXZ/JECXZ (E3); software interrupts INT3 (CC), INT Ib
 * (CD), INTO (CE), INT1 (F1); and HLT (F4). SDM Vol. 2 under each mnemonic.
 *
 * Every near transfer computes tempEIP, truncates it to 16 bits when the operand size is 16
 * ("IF OperandSize = 16 THEN EIP ← tempEIP AND 0000FFFFH"), and raises #GP(0) when it is beyond the
 * CS limit, before changing anything (return-address pushes and ESP updates come after the check).
 * Far transfers, IRET and the task/gate machinery belong to the system group.
 */
import type { Cpu } from "../cpu.js";
import { gp } from "../fault.js";
import type { Insn } from "../decoder.js";
import { EFLAGS } from "../flags.js";
import { SoftwareInterrupt, deliverSoftwareInterrupt } from "../interrupts.js";
import type { Handler, OpForm } from "../opmap.js";
import { SegReg } from "../segmentation.js";
import { readE16, readE32 } from "./operands.js";

const ECX = 1;

/** Raises #GP(0) for a near-transfer target beyond the CS limit (SDM JMP/CALL/RET/Jcc, Operation). */
function targetBeyondLimit(c: Cpu, what: string, target: number): never {
  throw gp(0, `${what}: target EIP 0x${(target >>> 0).toString(16)} is beyond the CS limit 0x${c.segLimit[SegReg.CS].toString(16)}`);
}
/** Sets EIP to `target` (already truncated to the operand size) after the CS-limit check. */
function jumpTo(c: Cpu, target: number, what: string): void {
  const t = target >>> 0;
  if (t > c.segLimit[SegReg.CS]) targetBeyondLimit(c, what, t);
  c.eip = t;
}

// ---- Jcc / JMP rel (Jb and Jz immediates are sign-extended by the decoder). ----

/** Jcc with a 32-bit operand size; the condition is the opcode's low nibble (SDM Vol. 2 Appendix B.1.4.7). */
const Jcc_d: Handler = (c, i) => {
  if (c.condition(i.op & 15)) jumpTo(c, c.eip + i.imm, "Jcc");
};
const Jcc_w: Handler = (c, i) => {
  if (c.condition(i.op & 15)) jumpTo(c, (c.eip + i.imm) & 0xffff, "Jcc");
};
const JMP_Jd: Handler = (c, i) => { jumpTo(c, c.eip + i.imm, "JMP"); };
const JMP_Jw: Handler = (c, i) => { jumpTo(c, (c.eip + i.imm) & 0xffff, "JMP"); };

// ---- JMP Ev (FF /4). ----

const JMP_Ew: Handler = (c, i) => { jumpTo(c, readE16(c, i), "JMP near indirect"); };
const JMP_Ed: Handler = (c, i) => { jumpTo(c, readE32(c, i), "JMP near indirect"); };

// ---- CALL (E8 Jz, FF /2): check the target, then push the return address, then branch. ----

function callTo(c: Cpu, target: number, op32: boolean, what: string): void {
  const t = target >>> 0;
  if (t > c.segLimit[SegReg.CS]) targetBeyondLimit(c, what, t);
  if (op32) c.push32(c.eip); else c.push16(c.eip & 0xffff);
  c.eip = t;
}
const CALL_Jd: Handler = (c, i) => { callTo(c, c.eip + i.imm, true, "CALL"); };
const CALL_Jw: Handler = (c, i) => { callTo(c, (c.eip + i.imm) & 0xffff, false, "CALL"); };
const CALL_Ed: Handler = (c, i) => { callTo(c, readE32(c, i), true, "CALL near indirect"); };
const CALL_Ew: Handler = (c, i) => { callTo(c, readE16(c, i), false, "CALL near indirect"); };

// ---- RET (C3) and RET Iw (C2): read the return address, check it, then release the slot and
// Iw more bytes (SDM RET: "IF instruction has immediate operand THEN ESP ← ESP + SRC"). ----

function ret(op32: boolean, withImm: boolean): Handler {
  const size = op32 ? 4 : 2;
  return (c: Cpu, i: Insn) => {
    const t = op32 ? c.read32(SegReg.SS, c.esp) >>> 0 : c.read16(SegReg.SS, c.esp);
    if (t > c.segLimit[SegReg.CS]) targetBeyondLimit(c, "RET", t);
    c.adjustEsp(withImm ? size + (i.imm & 0xffff) : size);
    c.eip = t;
  };
}

// ---- LOOP family and JCXZ: the counter is ECX or CX by the address size. ----

/**
 * LOOP (E2), LOOPE (E1), LOOPNE (E0): Count ← Count − 1, then branch when Count ≠ 0 (and ZF = 1 /
 * ZF = 0). The count is committed only after the target passed the CS-limit check.
 * @param kind 0 LOOPNE, 1 LOOPE, 2 LOOP (opcode − E0)
 */
function loop(kind: number, op32: boolean): Handler {
  return (c, i) => {
    const count = i.addr32 ? (c.r32[ECX] - 1) | 0 : (c.r16[ECX * 2] - 1) & 0xffff;
    let take = count !== 0;
    if (take && kind === 0) take = c.getZF() === 0;
    else if (take && kind === 1) take = c.getZF() !== 0;
    if (take) jumpTo(c, op32 ? c.eip + i.imm : (c.eip + i.imm) & 0xffff, "LOOP");
    if (i.addr32) c.r32[ECX] = count; else c.r16[ECX * 2] = count;
  };
}
/** E3 JCXZ/JECXZ: branch when CX (16-bit address size) or ECX is zero. */
function jcxz(op32: boolean): Handler {
  return (c, i) => {
    const zero = i.addr32 ? c.r32[ECX] === 0 : c.r16[ECX * 2] === 0;
    if (zero) jumpTo(c, op32 ? c.eip + i.imm : (c.eip + i.imm) & 0xffff, "JCXZ");
  };
}

// ---- Software interrupts (SDM Vol. 2A "INT n/INTO/INT3/INT1"): EIP is already past the
// instruction, which is the return address the delivery pushes. ----

const INT3: Handler = (c) => { deliverSoftwareInterrupt(c, 3, SoftwareInterrupt.INT3); };
/**
 * INT Ib. In virtual-8086 mode with IOPL < 3 it traps to the monitor with #GP(0) (SDM INT n,
 * Operation; CR4.VME's interrupt redirection belongs to the system group and is not modelled).
 */
const INT_Ib: Handler = (c, i) => {
  // virtual-8086 mode: IOPL must be 3
  if (c.v86Mode && (c.flags & EFLAGS.IOPL) !== EFLAGS.IOPL)
    throw gp(0, `INT 0x${(i.imm & 0xff).toString(16)} in virtual-8086 mode with IOPL ${(c.flags >> 12) & 3} < 3`);
  deliverSoftwareInterrupt(c, i.imm & 0xff, SoftwareInterrupt.INTn);
};
const INTO: Handler = (c) => { if (c.getOF() !== 0) deliverSoftwareInterrupt(c, 4, SoftwareInterrupt.INTO); };
/** INT1 (ICEBP): delivered without the gate-DPL check, with EXT set (SDM Vol. 2A INT1). */
const INT1: Handler = (c) => { deliverSoftwareInterrupt(c, 1, SoftwareInterrupt.INT1); };

/** HLT (SDM Vol. 2A): privileged; #GP(0) unless CPL = 0 (virtual-8086 mode runs at CPL 3). */
const HLT: Handler = (c) => {
  // CPL must be 0
  if (c.cpl > 0) throw gp(0, `HLT at CPL ${c.cpl}`);
  c.halt();
};

const CC = ["O", "NO", "B", "AE", "E", "NE", "BE", "A", "S", "NS", "P", "NP", "L", "GE", "LE", "G"];

function forms(): OpForm[] {
  const out: OpForm[] = [
    { op: 0xeb, mnemonic: "JMP", operands: "Jb", exec: [JMP_Jw, JMP_Jd] },
    { op: 0xe9, mnemonic: "JMP", operands: "Jz", exec: [JMP_Jw, JMP_Jd] },
    { op: 0xff, reg: 4, mnemonic: "JMP", operands: "Ev", exec: [JMP_Ew, JMP_Ed] },
    { op: 0xe8, mnemonic: "CALL", operands: "Jz", exec: [CALL_Jw, CALL_Jd] },
    { op: 0xff, reg: 2, mnemonic: "CALL", operands: "Ev", exec: [CALL_Ew, CALL_Ed] },
    { op: 0xc3, mnemonic: "RET", operands: "", exec: [ret(false, false), ret(true, false)] },
    { op: 0xc2, mnemonic: "RET", operands: "Iw", exec: [ret(false, true), ret(true, true)] },
    { op: 0xe0, mnemonic: "LOOPNE", operands: "Jb", exec: [loop(0, false), loop(0, true)] },
    { op: 0xe1, mnemonic: "LOOPE", operands: "Jb", exec: [loop(1, false), loop(1, true)] },
    { op: 0xe2, mnemonic: "LOOP", operands: "Jb", exec: [loop(2, false), loop(2, true)] },
    { op: 0xe3, mnemonic: "JCXZ", operands: "Jb", exec: [jcxz(false), jcxz(true)] },
    { op: 0xcc, mnemonic: "INT3", operands: "", exec: INT3 },
    { op: 0xcd, mnemonic: "INT", operands: "Ib", exec: INT_Ib },
    { op: 0xce, mnemonic: "INTO", operands: "", exec: INTO },
    { op: 0xf1, mnemonic: "INT1", operands: "", exec: INT1 },
    { op: 0xf4, mnemonic: "HLT", operands: "", exec: HLT },
  ];
  for (let cc = 0; cc < 16; cc++) {
    out.push({ op: 0x70 + cc, mnemonic: `J${CC[cc]}`, operands: "Jb", exec: [Jcc_w, Jcc_d] });
    out.push({ op: 0x180 + cc, mnemonic: `J${CC[cc]}`, operands: "Jz", exec: [Jcc_w, Jcc_d] });
  }
  return out;
}

/** Opcode-table forms of this group. */
export const CONTROL_FORMS: readonly OpForm[] = forms();
