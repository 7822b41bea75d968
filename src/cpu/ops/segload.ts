/**
 * Segment-register loads: MOV Sreg,Ew (8E), LDS (C5), LES (C4), LSS (0F B2), LFS (0F B4), LGS
 * (0F B5). The protection checks live in segmentation.ts (loadDataSegment: SDM Vol. 2B MOV,
 * Operation; Vol. 3A §5.5–5.7); these handlers read the operands, then load, then write the
 * general register, so a fault in the load leaves everything as it was.
 */
import type { Cpu } from "../cpu.js";
import type { Insn } from "../decoder.js";
import { ud } from "../fault.js";
import type { Handler, OpForm } from "../opmap.js";
import { SegReg, loadDataSegment } from "../segmentation.js";
import { readE16 } from "./operands.js";

/**
 * MOV Sreg,Ew (8E /r): ModRM.reg names the segment register. Loading CS this way is undefined
 * (#UD; SDM Vol. 2B MOV: "If an attempt is made to load the CS register, #UD"), as are reg 6 and
 * 7. A register source uses its low 16 bits whatever the operand size. MOV SS inhibits interrupts
 * (and single-step traps) until the next instruction has executed.
 */
const MOV_SwEw: Handler = (c, i) => {
  // the destination must be ES, SS, DS, FS or GS, else #UD
  if (i.reg === SegReg.CS) throw ud("MOV CS,Ew: CS cannot be the destination of MOV (a far JMP, CALL or RET loads it)");
  if (i.reg > SegReg.GS) throw ud(`MOV Sw,Ew: ModRM.reg ${i.reg} names no segment register`);
  loadDataSegment(c, i.reg, readE16(c, i));
  if (i.reg === SegReg.SS) c.inhibitInterruptsAfterSsLoad();
};

/**
 * LDS/LES/LSS/LFS/LGS Gv,Mp (SDM Vol. 2A "LDS/LES/LFS/LGS/LSS"): the far pointer m16:16 or m16:32
 * (offset, then selector) is read, the selector loaded into `seg` with the checks of a MOV to that
 * register, then the offset written to the general register. The register form of the ModRM is #UD
 * (the table's `mod: "mem"`).
 */
function loadFarPointer(seg: number, op32: boolean): Handler {
  return (c: Cpu, i: Insn) => {
    const ea = c.ea(i);
    const off = op32 ? c.read32(i.seg, ea) : c.read16(i.seg, ea);
    // the selector follows the offset, its address wrapping with the address size (as Bochs)
    const sel = c.read16(i.seg, i.addr32 ? (ea + (op32 ? 4 : 2)) >>> 0 : (ea + (op32 ? 4 : 2)) & 0xffff);
    loadDataSegment(c, seg, sel);
    if (op32) c.r32[i.reg] = off; else c.r16[i.reg * 2] = off;
  };
}
const lxs = (seg: number): readonly [Handler, Handler] => [loadFarPointer(seg, false), loadFarPointer(seg, true)];

/** Opcode-table forms of the segment-register loads. */
export const SEGLOAD_FORMS: readonly OpForm[] = [
  { op: 0x8e, mnemonic: "MOV", operands: "Sw,Ew", exec: MOV_SwEw },
  { op: 0xc5, mod: "mem", mnemonic: "LDS", operands: "Gv,Mp", exec: lxs(SegReg.DS) },
  { op: 0xc4, mod: "mem", mnemonic: "LES", operands: "Gv,Mp", exec: lxs(SegReg.ES) },
  { op: 0x1b2, mod: "mem", mnemonic: "LSS", operands: "Gv,Mp", exec: lxs(SegReg.SS) },
  { op: 0x1b4, mod: "mem", mnemonic: "LFS", operands: "Gv,Mp", exec: lxs(SegReg.FS) },
  { op: 0x1b5, mod: "mem", mnemonic: "LGS", operands: "Gv,Mp", exec: lxs(SegReg.GS) },
];
