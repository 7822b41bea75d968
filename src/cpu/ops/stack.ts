/**
 * Stack instructions: PUSH/POP of registers, immediates, memory and segment registers (06 07 0E
 * 16 17 1E 1F 50–5F 68 6A 8F/0 FF/6 0F A0 A1 A8 A9), PUSHA/POPA (60 61), PUSHF/POPF (9C 9D),
 * ENTER and LEAVE (C8 C9). SDM Vol. 2B under each mnemonic.
 *
 * The stack's width is SS.B (`cpu.ss32`: ESP or SP), the size of each slot is the operand size.
 * Instructions that make several stack accesses check every one of them before changing anything
 * (the restart rule: a fault leaves ESP and memory as they were).
 */
import type { Cpu } from "../cpu.js";
import { gp } from "../fault.js";
import { EFLAGS, STATUS_FLAGS } from "../flags.js";
import type { Handler, OpForm } from "../opmap.js";
import { SegReg, loadDataSegment } from "../segmentation.js";
import { readE16, readE32, sxb } from "./operands.js";

const ESP = 4, EBP = 5;
/** Indices of SP and BP in `Cpu.r16`. */
const SP16 = ESP * 2, BP16 = EBP * 2;

// ---- Probes: the checks of a stack access without the access. ----

/** Checks that a `size`-byte write at SS:off would succeed (segment limit and type, paging), writing nothing. */
function probeStackWrite(c: Cpu, off: number, size: number): void {
  const lin = c.segWrite(SegReg.SS, off, size);
  c.translateWrite(lin);
  if ((lin & 0xfff) > 0x1000 - size) c.translateWrite((lin | 0xfff) + 1);
}
/** Checks that a `size`-byte read at SS:off would succeed. */
function probeStackRead(c: Cpu, off: number, size: number): void {
  const lin = c.segRead(SegReg.SS, off, size);
  c.translateRead(lin);
  if ((lin & 0xfff) > 0x1000 - size) c.translateRead((lin | 0xfff) + 1);
}
/** `off` wrapped to the stack's width (SS.B). */
function stackWrap(c: Cpu, off: number): number {
  return c.ss32 ? off >>> 0 : off & 0xffff;
}

// ---- PUSH / POP general registers (50–57, 58–5F): the register is the opcode's low 3 bits. ----

/** PUSH eSP pushes the value ESP had before the instruction (SDM PUSH: "the value of ESP before the instruction"). */
const PUSH_Rw: Handler = (c, i) => { c.push16(c.r16[(i.op & 7) * 2]); };
const PUSH_Rd: Handler = (c, i) => { c.push32(c.r32[i.op & 7]); };
/** POP eSP loads the popped value after the increment, so ESP ends up with the value read. */
const POP_Rw: Handler = (c, i) => { const v = c.pop16(); c.r16[(i.op & 7) * 2] = v; };
const POP_Rd: Handler = (c, i) => { const v = c.pop32(); c.r32[i.op & 7] = v; };

// ---- PUSH immediates (68 Iz, 6A Ib sign-extended to the operand size). ----

const PUSH_Iw: Handler = (c, i) => { c.push16(i.imm & 0xffff); };
const PUSH_Id: Handler = (c, i) => { c.push32(i.imm); };
const PUSH_Ibw: Handler = (c, i) => { c.push16(sxb(i.imm) & 0xffff); };
const PUSH_Ibd: Handler = (c, i) => { c.push32(sxb(i.imm)); };

// ---- PUSH Ev (FF /6): an ESP-based source address uses ESP before the push. ----

const PUSH_Ew: Handler = (c, i) => { c.push16(readE16(c, i)); };
const PUSH_Ed: Handler = (c, i) => { c.push32(readE32(c, i)); };

/**
 * POP Ev (8F /0). SDM POP: "If the ESP register is used as a base register for addressing a
 * destination operand in memory, the POP instruction computes the effective address of the
 * operand after it increments the ESP register." ESP is committed only after the write succeeded.
 */
function popEv(op32: boolean): Handler {
  const size = op32 ? 4 : 2;
  return (c, i) => {
    const v = op32 ? c.read32(SegReg.SS, c.esp) : c.read16(SegReg.SS, c.esp);
    if (i.mod === 3) {
      c.adjustEsp(size);
      if (op32) c.r32[i.rm] = v; else c.r16[i.rm * 2] = v;
      return;
    }
    const oldEsp = c.r32[ESP];
    c.adjustEsp(size);
    const off = c.ea(i);
    c.r32[ESP] = oldEsp;
    if (op32) c.write32(i.seg, off, v); else c.write16(i.seg, off, v);
    c.adjustEsp(size);
  };
}

// ---- Segment registers. ----

/**
 * PUSH Sreg. With a 32-bit operand size the SDM allows either a zero-extended doubleword or a
 * 16-bit write into the 4-byte slot. The host CPU the differential harness compares against
 * (AMD EPYC) writes the selector zero-extended to 32 bits (measured: a slot holding 0xdeadbeef
 * reads 0x0000002b after `pushl %ds`), so that is what we do. ESP moves by 4 either way.
 */
function pushSreg(seg: number): readonly [Handler, Handler] {
  return [(c) => { c.push16(c.segSel[seg]); }, (c) => { c.push32(c.segSel[seg]); }];
}

/**
 * POP Sreg (07 17 1F, 0F A1 0F A9): the selector is read at SS:ESP, loaded through the segment-load
 * checks (SDM Vol. 2B POP, Operation), and only then ESP is incremented, by the width of the stack
 * before the load (a POP SS that changes SS.B still steps the old ESP/SP). A 32-bit operand size
 * reads a doubleword and uses its low 16 bits. POP SS inhibits interrupts until after the next
 * instruction (SDM Vol. 3A §6.8.3).
 */
function popSreg(seg: number, op32: boolean): Handler {
  const size = op32 ? 4 : 2;
  return (c) => {
    const big = c.ss32;
    const sp = c.esp;
    const sel = (op32 ? c.read32(SegReg.SS, sp) : c.read16(SegReg.SS, sp)) & 0xffff;
    loadDataSegment(c, seg, sel);
    if (big) c.r32[ESP] = sp + size; else c.r16[SP16] = sp + size;
    if (seg === SegReg.SS) c.inhibitInterruptsAfterSsLoad();
  };
}

// ---- PUSHA / POPA (60 61). ----

/**
 * PUSHAD whose 32-byte frame lies in one page of a 32-bit stack, with no alignment check or data
 * breakpoint watching: one limit check for the frame and one translation, at the first slot
 * (ESP - 4) so a #PF reports the address the slot-by-slot order would. Returns false to take the
 * general path.
 */
function pushadOnePage(c: Cpu): boolean {
  if (!c.ss32 || c.checkedAccesses) return false;
  const esp = c.r32[4] >>> 0;
  if (esp < 32) return false;
  const lin = c.segWrite(SegReg.SS, esp - 32, 32);
  if ((lin & 0xfff) > 0x1000 - 32) return false;
  const p = c.translateWrite((lin + 28) | 0) - 28;
  const r = c.r32;
  c.writePhys32(p + 28, r[0]); c.writePhys32(p + 24, r[1]); c.writePhys32(p + 20, r[2]); c.writePhys32(p + 16, r[3]);
  c.writePhys32(p + 12, r[4]); c.writePhys32(p + 8, r[5]); c.writePhys32(p + 4, r[6]); c.writePhys32(p, r[7]);
  r[4] = esp - 32;
  return true;
}
/** POPAD from one page of a 32-bit stack (see pushadOnePage). Returns false to take the general path. */
function popadOnePage(c: Cpu): boolean {
  if (!c.ss32 || c.checkedAccesses) return false;
  const esp = c.r32[4] >>> 0;
  if (esp > 0xffffffff - 32) return false;
  const lin = c.segRead(SegReg.SS, esp, 32);
  if ((lin & 0xfff) > 0x1000 - 32) return false;
  const p = c.translateRead(lin);
  const r = c.r32;
  r[7] = c.readPhys32(p); r[6] = c.readPhys32(p + 4); r[5] = c.readPhys32(p + 8);
  r[3] = c.readPhys32(p + 16); r[2] = c.readPhys32(p + 20); r[1] = c.readPhys32(p + 24); r[0] = c.readPhys32(p + 28);
  r[4] = esp + 32;
  return true;
}

/** PUSHA/PUSHAD: EAX ECX EDX EBX (original ESP) EBP ESI EDI, every slot checked before the first write. */
function pusha(op32: boolean): Handler {
  const size = op32 ? 4 : 2;
  return (c) => {
    if (op32 && pushadOnePage(c)) return;
    for (let k = 1; k <= 8; k++) probeStackWrite(c, c.stackOffset(-size * k), size);
    for (let r = 0; r < 8; r++) {
      const off = c.stackOffset(-size * (r + 1));
      if (op32) c.write32(SegReg.SS, off, c.r32[r]); else c.write16(SegReg.SS, off, c.r16[r * 2]);
    }
    c.adjustEsp(-size * 8);
  };
}

/** POPA/POPAD: EDI ESI EBP (slot skipped) EBX EDX ECX EAX; all eight slots are read before any register changes. */
const POPA: Handler = (c) => {
  const di = c.read16(SegReg.SS, c.stackOffset(0)), si = c.read16(SegReg.SS, c.stackOffset(2));
  const bp = c.read16(SegReg.SS, c.stackOffset(4));
  c.read16(SegReg.SS, c.stackOffset(6));
  const bx = c.read16(SegReg.SS, c.stackOffset(8)), dx = c.read16(SegReg.SS, c.stackOffset(10));
  const cx = c.read16(SegReg.SS, c.stackOffset(12)), ax = c.read16(SegReg.SS, c.stackOffset(14));
  const r = c.r16;
  r[14] = di; r[12] = si; r[10] = bp; r[6] = bx; r[4] = dx; r[2] = cx; r[0] = ax;
  c.adjustEsp(16);
};
const POPAD: Handler = (c) => {
  if (popadOnePage(c)) return;
  const edi = c.read32(SegReg.SS, c.stackOffset(0)), esi = c.read32(SegReg.SS, c.stackOffset(4));
  const ebp = c.read32(SegReg.SS, c.stackOffset(8));
  c.read32(SegReg.SS, c.stackOffset(12));
  const ebx = c.read32(SegReg.SS, c.stackOffset(16)), edx = c.read32(SegReg.SS, c.stackOffset(20));
  const ecx = c.read32(SegReg.SS, c.stackOffset(24)), eax = c.read32(SegReg.SS, c.stackOffset(28));
  const r = c.r32;
  r[7] = edi; r[6] = esi; r[5] = ebp; r[3] = ebx; r[2] = edx; r[1] = ecx; r[0] = eax;
  c.adjustEsp(32);
};

// ---- PUSHF / POPF (9C 9D). ----

/**
 * Virtual-8086 mode rule shared by PUSHF and POPF (SDM Vol. 2B PUSHF/POPF, Operation): with
 * IOPL < 3 they trap to the virtual-8086 monitor with #GP(0). (CR4.VME's virtual-interrupt
 * variant for 16-bit operands belongs to the system group and is not modelled here.)
 */
function checkV86Iopl(c: Cpu, what: string): void {
  if (c.v86Mode && (c.flags & EFLAGS.IOPL) !== EFLAGS.IOPL)
    throw gp(0, `${what} in virtual-8086 mode with IOPL ${(c.flags >> 12) & 3} < 3`);
}

/** PUSHFD: EFLAGS with VM and RF cleared in the image (SDM PUSHF: "not copied; instead ... cleared"). */
const PUSHFD: Handler = (c) => {
  checkV86Iopl(c, "PUSHFD");
  c.push32(c.getEflags() & ~(EFLAGS.VM | EFLAGS.RF));
};
const PUSHF: Handler = (c) => {
  checkV86Iopl(c, "PUSHF");
  c.push16(c.getEflags() & 0xffff);
};

/**
 * The EFLAGS bits POPF (and POPFD) loads from the popped value, given the mode, CPL and IOPL
 * (SDM Vol. 2B POPF, Operation and Table 4-16 "Effect of POPF/POPFD on the EFLAGS Register"):
 *
 *  - always: CF PF AF ZF SF TF DF OF NT; with a 32-bit operand size also AC and ID;
 *  - IOPL only at CPL 0 (real mode counts as CPL 0);
 *  - IF only when CPL <= IOPL (in virtual-8086 mode: IOPL = 3, else #GP(0));
 *  - never VIP, VIF, VM (unaffected) or RF (POPFD clears it; a 16-bit POPF leaves bits 16–31).
 *
 * Throws #GP(0) in virtual-8086 mode with IOPL < 3.
 */
export function popfAllowedMask(cpu: Cpu, op32: boolean): number {
  let mask = STATUS_FLAGS | EFLAGS.TF | EFLAGS.DF | EFLAGS.NT;
  if (op32) mask |= EFLAGS.AC | EFLAGS.ID;
  const iopl = (cpu.flags >> 12) & 3;
  if (cpu.v86Mode) {
    // virtual-8086 mode: IOPL < 3 traps to the monitor, else IF may change but IOPL may not
    checkV86Iopl(cpu, op32 ? "POPFD" : "POPF");
    return mask | EFLAGS.IF;
  }
  const cpl = cpu.protectedMode ? cpu.cpl : 0;
  // CPL 0: IOPL may change
  if (cpl === 0) mask |= EFLAGS.IOPL;
  // CPL <= IOPL: IF may change
  if (cpl <= iopl) mask |= EFLAGS.IF;
  return mask;
}

function popf(op32: boolean): Handler {
  return (c) => {
    const mask = popfAllowedMask(c, op32);
    const v = op32 ? c.read32(SegReg.SS, c.esp) : c.read16(SegReg.SS, c.esp);
    c.adjustEsp(op32 ? 4 : 2);
    let f = (c.getEflags() & ~mask) | (v & mask);
    if (op32) f &= ~EFLAGS.RF;
    c.setEflags(f);
  };
}

// ---- ENTER / LEAVE (C8 C9). ----

/**
 * ENTER Iw,Ib (SDM Vol. 2A ENTER, Operation): push EBP; FrameTemp ← ESP; for nesting level L > 0
 * copy L-1 frame pointers from [EBP - k·size] and push FrameTemp; EBP ← FrameTemp; ESP ← ESP -
 * AllocSize. The level is taken modulo 32. Every access, and a write at the final ESP (the host
 * CPU raises #PF when the allocated frame's lowest slot is not writable, as Bochs models), is
 * checked before the first change.
 */
function enter(op32: boolean): Handler {
  const size = op32 ? 4 : 2;
  return (c, i) => {
    const alloc = i.imm & 0xffff;
    const level = i.imm2 & 0x1f;
    const frame = c.stackOffset(-size);
    const bp = c.ss32 ? c.r32[EBP] >>> 0 : c.r16[BP16];
    // Pass 1: check every access in order.
    probeStackWrite(c, frame, size);
    for (let k = 1; k < level; k++) {
      probeStackRead(c, stackWrap(c, bp - k * size), size);
      probeStackWrite(c, stackWrap(c, frame - k * size), size);
    }
    if (level > 0) probeStackWrite(c, stackWrap(c, frame - level * size), size);
    const finalSp = stackWrap(c, frame - (level > 0 ? level * size : 0) - alloc);
    probeStackWrite(c, finalSp, size);
    // Pass 2: nothing can fault any more.
    // FrameTemp: ESP after the push of EBP (with a 16-bit stack, ESP's upper half is unchanged).
    const frameTemp = c.ss32 ? frame : ((c.r32[ESP] & ~0xffff) | frame);
    if (op32) c.write32(SegReg.SS, frame, c.r32[EBP]); else c.write16(SegReg.SS, frame, c.r16[BP16]);
    for (let k = 1; k < level; k++) {
      const src = stackWrap(c, bp - k * size), dst = stackWrap(c, frame - k * size);
      if (op32) c.write32(SegReg.SS, dst, c.read32(SegReg.SS, src));
      else c.write16(SegReg.SS, dst, c.read16(SegReg.SS, src));
    }
    if (level > 0) {
      const dst = stackWrap(c, frame - level * size);
      if (op32) c.write32(SegReg.SS, dst, frameTemp); else c.write16(SegReg.SS, dst, frameTemp);
    }
    if (op32) c.r32[EBP] = frameTemp; else c.r16[BP16] = frameTemp;
    if (c.ss32) c.r32[ESP] = finalSp; else c.r16[SP16] = finalSp;
  };
}

/** LEAVE: ESP ← EBP (SP ← BP with a 16-bit stack), then pop EBP; the pop is read before anything changes. */
function leave(op32: boolean): Handler {
  const size = op32 ? 4 : 2;
  return (c) => {
    const bp = c.ss32 ? c.r32[EBP] >>> 0 : c.r16[BP16];
    const v = op32 ? c.read32(SegReg.SS, bp) : c.read16(SegReg.SS, bp);
    if (c.ss32) c.r32[ESP] = bp + size; else c.r16[SP16] = bp + size;
    if (op32) c.r32[EBP] = v; else c.r16[BP16] = v;
  };
}

const REGV = ["eAX", "eCX", "eDX", "eBX", "eSP", "eBP", "eSI", "eDI"];

function forms(): OpForm[] {
  const out: OpForm[] = [
    { op: 0x68, mnemonic: "PUSH", operands: "Iz", exec: [PUSH_Iw, PUSH_Id] },
    { op: 0x6a, mnemonic: "PUSH", operands: "Ib", exec: [PUSH_Ibw, PUSH_Ibd] },
    { op: 0xff, reg: 6, mnemonic: "PUSH", operands: "Ev", exec: [PUSH_Ew, PUSH_Ed] },
    { op: 0x8f, reg: 0, mnemonic: "POP", operands: "Ev", exec: [popEv(false), popEv(true)] },
    { op: 0x06, mnemonic: "PUSH", operands: "ES", exec: pushSreg(SegReg.ES) },
    { op: 0x0e, mnemonic: "PUSH", operands: "CS", exec: pushSreg(SegReg.CS) },
    { op: 0x16, mnemonic: "PUSH", operands: "SS", exec: pushSreg(SegReg.SS) },
    { op: 0x1e, mnemonic: "PUSH", operands: "DS", exec: pushSreg(SegReg.DS) },
    { op: 0x1a0, mnemonic: "PUSH", operands: "FS", exec: pushSreg(SegReg.FS) },
    { op: 0x1a8, mnemonic: "PUSH", operands: "GS", exec: pushSreg(SegReg.GS) },
    { op: 0x07, mnemonic: "POP", operands: "ES", exec: [popSreg(SegReg.ES, false), popSreg(SegReg.ES, true)] },
    { op: 0x17, mnemonic: "POP", operands: "SS", exec: [popSreg(SegReg.SS, false), popSreg(SegReg.SS, true)] },
    { op: 0x1f, mnemonic: "POP", operands: "DS", exec: [popSreg(SegReg.DS, false), popSreg(SegReg.DS, true)] },
    { op: 0x1a1, mnemonic: "POP", operands: "FS", exec: [popSreg(SegReg.FS, false), popSreg(SegReg.FS, true)] },
    { op: 0x1a9, mnemonic: "POP", operands: "GS", exec: [popSreg(SegReg.GS, false), popSreg(SegReg.GS, true)] },
    { op: 0x60, mnemonic: "PUSHA", operands: "", exec: [pusha(false), pusha(true)] },
    { op: 0x61, mnemonic: "POPA", operands: "", exec: [POPA, POPAD] },
    { op: 0x9c, mnemonic: "PUSHF", operands: "Fv", exec: [PUSHF, PUSHFD] },
    { op: 0x9d, mnemonic: "POPF", operands: "Fv", exec: [popf(false), popf(true)] },
    { op: 0xc8, mnemonic: "ENTER", operands: "Iw,Ib", exec: [enter(false), enter(true)] },
    { op: 0xc9, mnemonic: "LEAVE", operands: "", exec: [leave(false), leave(true)] },
  ];
  for (let r = 0; r < 8; r++) {
    out.push({ op: 0x50 + r, mnemonic: "PUSH", operands: REGV[r], exec: [PUSH_Rw, PUSH_Rd] });
    out.push({ op: 0x58 + r, mnemonic: "POP", operands: REGV[r], exec: [POP_Rw, POP_Rd] });
  }
  return out;
}

/** Opcode-table forms of this group. */
export const STACK_FORMS: readonly OpForm[] = forms();
