/**
 * Operand access shared by the instruction handlers: the ModRM r/m operand (`E` in the SDM's
 * Appendix A notation) as a register or memory, for each operand size.
 */
import type { Cpu } from "../cpu.js";
import type { Insn } from "../decoder.js";

export function readE8(c: Cpu, i: Insn): number {
  return i.mod === 3 ? c.r8[i.rm8] : c.read8(i.seg, c.ea(i));
}
export function readE16(c: Cpu, i: Insn): number {
  return i.mod === 3 ? c.r16[i.rm * 2] : c.read16(i.seg, c.ea(i));
}
export function readE32(c: Cpu, i: Insn): number {
  return i.mod === 3 ? c.r32[i.rm] : c.read32(i.seg, c.ea(i));
}
export function writeE8(c: Cpu, i: Insn, v: number): void {
  if (i.mod === 3) c.r8[i.rm8] = v; else c.write8(i.seg, c.ea(i), v);
}
export function writeE16(c: Cpu, i: Insn, v: number): void {
  if (i.mod === 3) c.r16[i.rm * 2] = v; else c.write16(i.seg, c.ea(i), v);
}
export function writeE32(c: Cpu, i: Insn, v: number): void {
  if (i.mod === 3) c.r32[i.rm] = v; else c.write32(i.seg, c.ea(i), v);
}
/** Sign-extends the low byte of an immediate (the `Ib` of opcodes 6A, 6B, 83). */
export function sxb(v: number): number {
  return (v << 24) >> 24;
}
/** Sign-extends the low word. */
export function sxw(v: number): number {
  return (v << 16) >> 16;
}
