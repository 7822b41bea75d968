/**
 * Data movement: MOV (88–8C, A0–A3, B0–BF, C6/C7 /0), MOVZX/MOVSX (0F B6 B7 BE BF), XCHG (86 87,
 * 91–97), NOP (90, F3 90 = PAUSE, 0F 1F), LEA (8D), XLAT (D7), LAHF/SAHF (9F 9E) and the flag
 * instructions CLC STC CMC CLD STD (F8 F9 F5 FC FD), and the hint-NOP space 0F 19–0F 1E. SDM Vol. 2
 * under each mnemonic.
 *
 * MOV Sreg,Ew (8E), LDS/LES/LFS/LGS/LSS and CLI/STI belong to the system group (protection checks).
 * None of these instructions changes the status flags, except SAHF and the flag instructions.
 */
import type { Cpu } from "../cpu.js";
import { ud } from "../fault.js";
import { EFLAGS } from "../flags.js";
import type { Handler, OpForm } from "../opmap.js";
import { SegReg } from "../segmentation.js";
import { readE16, readE32, readE8, sxb, sxw, writeE16, writeE32, writeE8 } from "./operands.js";

// ---- MOV (SDM Vol. 2B "MOV—Move"). ----

const MOV_EbGb: Handler = (c, i) => { writeE8(c, i, c.r8[i.reg8]); };
const MOV_EwGw: Handler = (c, i) => { writeE16(c, i, c.r16[i.reg * 2]); };
const MOV_EdGd: Handler = (c, i) => { writeE32(c, i, c.r32[i.reg]); };
const MOV_GbEb: Handler = (c, i) => { c.r8[i.reg8] = readE8(c, i); };
const MOV_GwEw: Handler = (c, i) => { c.r16[i.reg * 2] = readE16(c, i); };
const MOV_GdEd: Handler = (c, i) => { c.r32[i.reg] = readE32(c, i); };
const MOV_EbIb: Handler = (c, i) => { writeE8(c, i, i.imm); };
const MOV_EwIw: Handler = (c, i) => { writeE16(c, i, i.imm); };
const MOV_EdId: Handler = (c, i) => { writeE32(c, i, i.imm); };
/** B0–B7: the register is the opcode's low three bits (AL CL DL BL AH CH DH BH). */
const MOV_RbIb: Handler = (c, i) => { c.r8[R8_OF_OPCODE[i.op & 7]] = i.imm; };
const MOV_RwIw: Handler = (c, i) => { c.r16[(i.op & 7) * 2] = i.imm; };
const MOV_RdId: Handler = (c, i) => { c.r32[i.op & 7] = i.imm; };
const R8_OF_OPCODE: readonly number[] = [0, 4, 8, 12, 1, 5, 9, 13];

// A0–A3: the offset (moffs) is the instruction's displacement, sized by the address size; the
// segment is DS unless overridden. `ea` wraps it to the address size.
const MOV_ALOb: Handler = (c, i) => { c.r8[0] = c.read8(i.seg, c.ea(i)); };
const MOV_AXOw: Handler = (c, i) => { c.r16[0] = c.read16(i.seg, c.ea(i)); };
const MOV_EAXOd: Handler = (c, i) => { c.r32[0] = c.read32(i.seg, c.ea(i)); };
const MOV_ObAL: Handler = (c, i) => { c.write8(i.seg, c.ea(i), c.r8[0]); };
const MOV_OwAX: Handler = (c, i) => { c.write16(i.seg, c.ea(i), c.r16[0]); };
const MOV_OdEAX: Handler = (c, i) => { c.write32(i.seg, c.ea(i), c.r32[0]); };

/**
 * 8C MOV Ev,Sw: stores the selector. A memory destination is always 16 bits; a 32-bit register
 * destination receives the selector zero-extended (P6 and later; SDM MOV, "When the processor
 * executes the instruction with a 32-bit general-purpose register, it assumes that the 16 least
 * significant bits ... the upper 16 bits ... are cleared to zeros" on P6-family and the host CPU).
 * ModRM.reg 6 and 7 name no segment register: #UD.
 */
function movEvSw(op32: boolean): Handler {
  return (c, i) => {
    if (i.reg > SegReg.GS) throw ud(`MOV Ev,Sw: ModRM.reg ${i.reg} names no segment register`);
    const sel = c.segSel[i.reg];
    if (i.mod !== 3) c.write16(i.seg, c.ea(i), sel);
    else if (op32) c.r32[i.rm] = sel;
    else c.r16[i.rm * 2] = sel;
  };
}

// ---- MOVZX / MOVSX (SDM Vol. 2B). ----

const MOVZX_GwEb: Handler = (c, i) => { c.r16[i.reg * 2] = readE8(c, i); };
const MOVZX_GdEb: Handler = (c, i) => { c.r32[i.reg] = readE8(c, i); };
const MOVZX_GwEw: Handler = (c, i) => { c.r16[i.reg * 2] = readE16(c, i); };
const MOVZX_GdEw: Handler = (c, i) => { c.r32[i.reg] = readE16(c, i); };
const MOVSX_GwEb: Handler = (c, i) => { c.r16[i.reg * 2] = sxb(readE8(c, i)); };
const MOVSX_GdEb: Handler = (c, i) => { c.r32[i.reg] = sxb(readE8(c, i)); };
const MOVSX_GwEw: Handler = (c, i) => { c.r16[i.reg * 2] = readE16(c, i); };
const MOVSX_GdEw: Handler = (c, i) => { c.r32[i.reg] = sxw(readE16(c, i)); };

// ---- XCHG (SDM Vol. 2B): a memory operand is read and written as one locked access; here that
// is a read-modify-write, so a fault on the write leaves both operands unchanged. ----

const XCHG_EbGb: Handler = (c, i) => {
  const g = c.r8[i.reg8];
  if (i.mod === 3) { c.r8[i.reg8] = c.r8[i.rm8]; c.r8[i.rm8] = g; return; }
  const m = c.rmwBegin8(i.seg, c.ea(i));
  c.rmwEnd8(g);
  c.r8[i.reg8] = m;
};
const XCHG_EwGw: Handler = (c, i) => {
  const g = c.r16[i.reg * 2];
  if (i.mod === 3) { c.r16[i.reg * 2] = c.r16[i.rm * 2]; c.r16[i.rm * 2] = g; return; }
  const m = c.rmwBegin16(i.seg, c.ea(i));
  c.rmwEnd16(g);
  c.r16[i.reg * 2] = m;
};
const XCHG_EdGd: Handler = (c, i) => {
  const g = c.r32[i.reg];
  if (i.mod === 3) { c.r32[i.reg] = c.r32[i.rm]; c.r32[i.rm] = g; return; }
  const m = c.rmwBegin32(i.seg, c.ea(i));
  c.rmwEnd32(g);
  c.r32[i.reg] = m;
};
/** 91–97: XCHG eAX with the register in the opcode's low three bits. */
const XCHG_eAXw: Handler = (c, i) => {
  const r = (i.op & 7) * 2, t = c.r16[0];
  c.r16[0] = c.r16[r]; c.r16[r] = t;
};
const XCHG_eAXd: Handler = (c, i) => {
  const r = i.op & 7, t = c.r32[0];
  c.r32[0] = c.r32[r]; c.r32[r] = t;
};

/**
 * 90 (XCHG eAX,eAX; with F3: PAUSE) and 0F 1F (multi-byte NOP, documented as /0; every ModRM.reg
 * is a NOP on P6-family processors and on the host CPU). A memory operand is not accessed.
 */
const NOP: Handler = () => {};

// ---- LEA (SDM Vol. 2A): the effective address at the address size, truncated or zero-extended
// to the operand size. The register form is #UD (decoder: `mod: "mem"`). ----

const LEA_GwM: Handler = (c, i) => { c.r16[i.reg * 2] = c.ea(i); };
const LEA_GdM: Handler = (c, i) => { c.r32[i.reg] = c.ea(i); };

/** D7 XLAT: AL ← [seg:EBX + AL] (BX + AL with a 16-bit address size); DS unless overridden. */
const XLAT: Handler = (c, i) => {
  const off = i.addr32 ? (c.r32[3] + c.r8[0]) >>> 0 : (c.r16[6] + c.r8[0]) & 0xffff;
  c.r8[0] = c.read8(i.seg, off);
};

// ---- LAHF / SAHF (SDM Vol. 2A/2B): AH ↔ SF:ZF:0:AF:0:PF:1:CF. ----

/** The flags LAHF/SAHF transfer: SF ZF AF PF CF. */
const AH_FLAGS = EFLAGS.SF | EFLAGS.ZF | EFLAGS.AF | EFLAGS.PF | EFLAGS.CF;
const LAHF: Handler = (c) => { c.r8[1] = (c.getEflags() & AH_FLAGS) | EFLAGS.RESERVED1; };
const SAHF: Handler = (c) => {
  c.setStatusFlags((c.getOF() << 11) | (c.r8[1] & AH_FLAGS));
};

// ---- Flag instructions (SDM Vol. 2A CLC, CLD, CMC; Vol. 2B STC, STD). ----

const CLC: Handler = (c) => { c.setFlag(EFLAGS.CF, 0); };
const STC: Handler = (c) => { c.setFlag(EFLAGS.CF, 1); };
const CMC: Handler = (c) => { c.setFlag(EFLAGS.CF, c.getCF() ^ 1); };
const CLD: Handler = (c) => { c.flags &= ~EFLAGS.DF; };
const STD: Handler = (c) => { c.flags |= EFLAGS.DF; };

const REG8 = ["AL", "CL", "DL", "BL", "AH", "CH", "DH", "BH"];
const REGV = ["eAX", "eCX", "eDX", "eBX", "eSP", "eBP", "eSI", "eDI"];

function forms(): OpForm[] {
  const out: OpForm[] = [
    { op: 0x88, mnemonic: "MOV", operands: "Eb,Gb", exec: MOV_EbGb },
    { op: 0x89, mnemonic: "MOV", operands: "Ev,Gv", exec: [MOV_EwGw, MOV_EdGd] },
    { op: 0x8a, mnemonic: "MOV", operands: "Gb,Eb", exec: MOV_GbEb },
    { op: 0x8b, mnemonic: "MOV", operands: "Gv,Ev", exec: [MOV_GwEw, MOV_GdEd] },
    { op: 0x8c, mnemonic: "MOV", operands: "Ev,Sw", exec: [movEvSw(false), movEvSw(true)] },
    { op: 0x8d, mod: "mem", mnemonic: "LEA", operands: "Gv,M", exec: [LEA_GwM, LEA_GdM] },
    { op: 0xa0, mnemonic: "MOV", operands: "AL,Ob", exec: MOV_ALOb },
    { op: 0xa1, mnemonic: "MOV", operands: "eAX,Ov", exec: [MOV_AXOw, MOV_EAXOd] },
    { op: 0xa2, mnemonic: "MOV", operands: "Ob,AL", exec: MOV_ObAL },
    { op: 0xa3, mnemonic: "MOV", operands: "Ov,eAX", exec: [MOV_OwAX, MOV_OdEAX] },
    { op: 0xc6, reg: 0, mnemonic: "MOV", operands: "Eb,Ib", exec: MOV_EbIb },
    { op: 0xc7, reg: 0, mnemonic: "MOV", operands: "Ev,Iz", exec: [MOV_EwIw, MOV_EdId] },
    { op: 0x1b6, mnemonic: "MOVZX", operands: "Gv,Eb", exec: [MOVZX_GwEb, MOVZX_GdEb] },
    { op: 0x1b7, mnemonic: "MOVZX", operands: "Gv,Ew", exec: [MOVZX_GwEw, MOVZX_GdEw] },
    { op: 0x1be, mnemonic: "MOVSX", operands: "Gv,Eb", exec: [MOVSX_GwEb, MOVSX_GdEb] },
    { op: 0x1bf, mnemonic: "MOVSX", operands: "Gv,Ew", exec: [MOVSX_GwEw, MOVSX_GdEw] },
    { op: 0x86, mnemonic: "XCHG", operands: "Eb,Gb", exec: XCHG_EbGb, lock: true },
    { op: 0x87, mnemonic: "XCHG", operands: "Ev,Gv", exec: [XCHG_EwGw, XCHG_EdGd], lock: true },
    { op: 0x90, mnemonic: "NOP", operands: "", exec: NOP },
    { op: 0x11f, mnemonic: "NOP", operands: "Ev", exec: NOP },
    { op: 0xd7, mnemonic: "XLAT", operands: "", exec: XLAT },
    { op: 0x9e, mnemonic: "SAHF", operands: "", exec: SAHF },
    { op: 0x9f, mnemonic: "LAHF", operands: "", exec: LAHF },
    { op: 0xf5, mnemonic: "CMC", operands: "", exec: CMC },
    { op: 0xf8, mnemonic: "CLC", operands: "", exec: CLC },
    { op: 0xf9, mnemonic: "STC", operands: "", exec: STC },
    { op: 0xfc, mnemonic: "CLD", operands: "", exec: CLD },
    { op: 0xfd, mnemonic: "STD", operands: "", exec: STD },
  ];
  // 0F 19–0F 1E: reserved-NOP ("hint NOP") space, executed as NOP Ev by P6-family processors and
  // by the host CPU (measured for every ModRM.reg). 0F 18 is PREFETCH and belongs elsewhere.
  for (let op = 0x119; op <= 0x11e; op++) out.push({ op, mnemonic: "NOP", operands: "Ev", exec: NOP });
  for (let r = 0; r < 8; r++) {
    out.push({ op: 0xb0 + r, mnemonic: "MOV", operands: `${REG8[r]},Ib`, exec: MOV_RbIb });
    out.push({ op: 0xb8 + r, mnemonic: "MOV", operands: `${REGV[r]},Iv`, exec: [MOV_RwIw, MOV_RdId] });
    if (r !== 0) out.push({ op: 0x90 + r, mnemonic: "XCHG", operands: `${REGV[r]},eAX`, exec: [XCHG_eAXw, XCHG_eAXd] });
  }
  return out;
}

/** Opcode-table forms of this group. */
export const MOVE_FORMS: readonly OpForm[] = forms();
