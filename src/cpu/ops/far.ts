/**
 * Far control transfers: JMP far (EA Ap, FF /5 Mp), CALL far (9A Ap, FF /3 Mp), RETF (CB, CA Iw)
 * and IRET (CF), in real-address mode and in protected mode with every check of the SDM's
 * Operation sections (Vol. 2A CALL, JMP, IRET; Vol. 2B RET) and Vol. 3A §5.8 (privilege-level
 * checks for control transfers, call gates, the stack switch through the TSS).
 *
 * Each handler reads and checks everything (descriptors, the whole stack frame, the new EIP against
 * the limit) before changing any register, so a fault leaves the instruction restartable.
 *
 * Far JMP/CALL to a TSS or through a task gate and IRET with EFLAGS.NT = 1 switch tasks (tasks.ts);
 * IRETD at CPL 0 with VM = 1 in the image enters virtual-8086 mode.
 */
import type { Cpu } from "../cpu.js";
import type { Insn } from "../decoder.js";
import { Vector, gp, np, selectorErrorCode, ss, ts } from "../fault.js";
import { EFLAGS } from "../flags.js";
import { innerStack } from "../interrupts.js";
import type { Handler, OpForm } from "../opmap.js";
import { TaskSwitchSource, checkTaskEip, readTssDescriptor, taskSwitch } from "../tasks.js";
import {
  CheckedDescriptor, SegReg, SegmentDescriptor, StackName, SystemType, checkCodeSegment, faultInContext, isNullSelector,
  loadCodeSegment, loadStackSegment, nullInaccessibleSegments, peekStack, readDescriptor, scratchFrame, setAccessedBit,
  stackFramePhys,
} from "../segmentation.js";

const hex = (v: number): string => `0x${(v >>> 0).toString(16)}`;

// =================================================================================================
// JMP far and CALL far
// =================================================================================================

/**
 * JMP to `sel`:`offset` (SDM Vol. 2A JMP, Operation). Real and virtual-8086 mode: CS = sel with
 * base sel × 16. Protected mode: a code segment (conforming or not), or a call gate (which cannot
 * change the privilege level for JMP).
 */
export function farJump(cpu: Cpu, sel: number, offset: number, op32: boolean): void {
  sel &= 0xffff;
  const eip = op32 ? offset >>> 0 : offset & 0xffff;
  try {
    jump(cpu, sel, eip);
  } catch (e) {
    throw faultInContext(e, `far JMP to ${hex(sel)}:${hex(eip)}`);
  }
}

function jump(cpu: Cpu, sel: number, eip: number): void {
  if (!cpu.protectedMode) {
    // the target must be within the CS limit (unchanged by a real-mode load), else #GP(0)
    if (eip > cpu.segLimit[SegReg.CS]) throw gp(0, `offset beyond the CS limit ${hex(cpu.segLimit[SegReg.CS])}`);
    cpu.loadSegmentReal(SegReg.CS, sel);
    cpu.eip = eip;
    return;
  }
  // the selector must not be null, else #GP(0)
  if (isNullSelector(sel)) throw gp(0, "null selector");
  const d = readDescriptor(cpu, sel, "");
  if (d.isCodeOrData) {
    // a code segment: conforming DPL <= CPL; non-conforming RPL <= CPL and DPL = CPL; present
    checkCodeSegment(d, sel, sel & 3, cpu.cpl, "CPL");
    // the offset must be within the segment limit, else #GP(0)
    if (eip > d.limit) throw gp(0, `offset beyond the limit ${hex(d.limit)} of code segment ${hex(sel)}`);
    setAccessedBit(cpu, sel, d);
    loadCodeSegment(cpu, sel, d, cpu.cpl);
    cpu.eip = eip;
    return;
  }
  switch (d.type) {
    case SystemType.CallGate16:
    case SystemType.CallGate32:
      jumpThroughCallGate(cpu, sel, d);
      return;
    case SystemType.TaskGate:
      switchThroughTaskGate(cpu, sel, d, TaskSwitchSource.Jump);
      return;
    case SystemType.TSS16Available:
    case SystemType.TSS32Available:
      switchToTss(cpu, sel, d, TaskSwitchSource.Jump);
      return;
  }
  // anything else is not a valid target, #GP(selector)
  throw gp(selectorErrorCode(sel), `${hex(sel)} is ${d.aTypeName}, not a code segment, call gate, task gate or TSS`);
}

/** JMP through a call gate (SDM Vol. 2A JMP "CALL-GATE"): the target runs at the current privilege level. */
function jumpThroughCallGate(cpu: Cpu, gateSel: number, gate: SegmentDescriptor): void {
  try {
    jumpThroughCallGateChecked(cpu, gateSel, gate);
  } catch (e) {
    throw faultInContext(e, `through call gate ${hex(gateSel)}`);
  }
}
function jumpThroughCallGateChecked(cpu: Cpu, gateSel: number, gate: SegmentDescriptor): void {
  checkGatePrivilege(cpu, gateSel, gate);
  // the gate must be present, else #NP(gate selector)
  if (!gate.present) throw np(selectorErrorCode(gateSel), `gate not present`);
  const sel = gate.gateSelector;
  // the gate's code-segment selector must not be null, else #GP(0)
  if (isNullSelector(sel)) throw gp(0, `the gate's code-segment selector is null`);
  const d = readDescriptor(cpu, sel, `target`);
  // it must be a code segment, else #GP(code-segment selector)
  if (!d.isCode) throw gp(selectorErrorCode(sel), `target ${hex(sel)} is ${d.aTypeName}, not a code segment`);
  // conforming: DPL <= CPL; non-conforming: DPL = CPL (JMP never changes privilege), else #GP(code-segment selector)
  if (d.conforming && d.dpl > cpu.cpl) throw gp(selectorErrorCode(sel), `conforming code segment ${hex(sel)} DPL ${d.dpl} > CPL ${cpu.cpl}`);
  if (!d.conforming && d.dpl !== cpu.cpl)
    throw gp(selectorErrorCode(sel), `non-conforming code segment ${hex(sel)} DPL ${d.dpl} != CPL ${cpu.cpl} (a JMP cannot change the privilege level)`);
  // it must be present, else #NP(code-segment selector)
  if (!d.present) throw np(selectorErrorCode(sel), `code segment ${hex(sel)} not present`);
  const eip = gate.is32BitSystem ? gate.gateOffset : gate.gateOffset & 0xffff;
  // the gate's offset must be within the code segment limit, else #GP(0)
  if (eip > d.limit) throw gp(0, `gate offset ${hex(eip)} beyond the limit ${hex(d.limit)} of code segment ${hex(sel)}`);
  setAccessedBit(cpu, sel, d);
  loadCodeSegment(cpu, sel, d, cpu.cpl);
  cpu.eip = eip;
}

/** Call gates: gate DPL >= CPL and gate DPL >= the gate selector's RPL, else #GP(gate selector) (SDM Vol. 3A §5.8.4). */
function checkGatePrivilege(cpu: Cpu, gateSel: number, gate: SegmentDescriptor): void {
  if (gate.dpl < cpu.cpl) throw gp(selectorErrorCode(gateSel), `gate DPL ${gate.dpl} < CPL ${cpu.cpl}`);
  if (gate.dpl < (gateSel & 3)) throw gp(selectorErrorCode(gateSel), `gate DPL ${gate.dpl} < selector RPL ${gateSel & 3}`);
}

/**
 * Far JMP/CALL to an available TSS (SDM Vol. 2A JMP/CALL "TASK-STATE-SEGMENT"): TSS DPL >= CPL
 * and >= RPL, else #GP(TSS selector); present, else #NP(TSS selector); then the task switch (CALL
 * nests: NT set, link = old TR) and EIP within the new CS limit, else #GP(0).
 */
function switchToTss(cpu: Cpu, sel: number, d: SegmentDescriptor, source: TaskSwitchSource): void {
  // DPL >= CPL and DPL >= RPL, else #GP(TSS selector)
  if (d.dpl < cpu.cpl) throw gp(selectorErrorCode(sel), `${d.typeName} ${hex(sel)} DPL ${d.dpl} < CPL ${cpu.cpl}`);
  if (d.dpl < (sel & 3)) throw gp(selectorErrorCode(sel), `${d.typeName} ${hex(sel)} DPL ${d.dpl} < selector RPL ${sel & 3}`);
  // a TSS descriptor may only be in the GDT (SDM Vol. 3A §7.2.2), else #GP(TSS selector)
  if ((sel & 4) !== 0) throw gp(selectorErrorCode(sel), `${d.typeName} ${hex(sel)} is in the LDT; TSS descriptors must be in the GDT`);
  // present, else #NP(TSS selector)
  if (!d.present) throw np(selectorErrorCode(sel), `${d.typeName} ${hex(sel)} not present`);
  taskSwitch(cpu, sel, d, source, false);
  checkTaskEip(cpu, false);
}

/**
 * Far JMP/CALL through a task gate (SDM Vol. 2A JMP/CALL "TASK-GATE"): gate DPL >= CPL and >= RPL,
 * else #GP(gate selector); gate present, else #NP(gate selector); the TSS it names must be an
 * available TSS in the GDT (#GP(TSS selector)) and present (#NP(TSS selector)).
 */
function switchThroughTaskGate(cpu: Cpu, gateSel: number, gate: SegmentDescriptor, source: TaskSwitchSource): void {
  // gate DPL >= CPL and >= RPL, else #GP(gate selector)
  if (gate.dpl < cpu.cpl) throw gp(selectorErrorCode(gateSel), `task gate ${hex(gateSel)} DPL ${gate.dpl} < CPL ${cpu.cpl}`);
  if (gate.dpl < (gateSel & 3)) throw gp(selectorErrorCode(gateSel), `task gate ${hex(gateSel)} DPL ${gate.dpl} < selector RPL ${gateSel & 3}`);
  // the gate must be present, else #NP(gate selector)
  if (!gate.present) throw np(selectorErrorCode(gateSel), `task gate ${hex(gateSel)} not present`);
  const sel = gate.gateSelector;
  const d = readTssDescriptor(cpu, sel, false, gp, false, "task gate's TSS");
  taskSwitch(cpu, sel, d, source, false);
  checkTaskEip(cpu, false);
}

/**
 * CALL to `sel`:`offset` (SDM Vol. 2A CALL, Operation): pushes CS and EIP (IP) and jumps. Protected
 * mode: to a code segment at the same privilege level, or through a call gate — to an inner ring
 * with the stack switch through the TSS and the copy of the gate's parameter count of dwords
 * (words for a 16-bit gate) from the caller's stack.
 */
export function farCall(cpu: Cpu, sel: number, offset: number, op32: boolean): void {
  sel &= 0xffff;
  const eip = op32 ? offset >>> 0 : offset & 0xffff;
  try {
    call(cpu, sel, eip, op32 ? 4 : 2);
  } catch (e) {
    throw faultInContext(e, `far CALL to ${hex(sel)}:${hex(eip)}`);
  }
}

function call(cpu: Cpu, sel: number, eip: number, size: 2 | 4): void {
  if (!cpu.protectedMode) {
    const frame = scratchFrame(cpu).fromCurrent(cpu);
    // the stack must have room for CS and EIP, else #SS
    frame.check(cpu, 2 * size, size, Vector.SS, 0, StackName.Current);
    // the target must be within the CS limit, else #GP(0)
    if (eip > cpu.segLimit[SegReg.CS]) throw gp(0, `offset beyond the CS limit ${hex(cpu.segLimit[SegReg.CS])}`);
    frame.push(cpu, size, cpu.segSel[SegReg.CS]);
    frame.push(cpu, size, cpu.eip);
    frame.commitEsp(cpu);
    cpu.loadSegmentReal(SegReg.CS, sel);
    cpu.eip = eip;
    return;
  }
  // the selector must not be null, else #GP(0)
  if (isNullSelector(sel)) throw gp(0, "null selector");
  const d = readDescriptor(cpu, sel, "");
  if (d.isCodeOrData) {
    checkCodeSegment(d, sel, sel & 3, cpu.cpl, "CPL");
    const frame = scratchFrame(cpu).fromCurrent(cpu);
    // the stack must have room for the return address, else #SS(0)
    frame.check(cpu, 2 * size, size, Vector.SS, 0, StackName.Current);
    // the offset must be within the segment limit, else #GP(0)
    if (eip > d.limit) throw gp(0, `offset beyond the limit ${hex(d.limit)} of code segment ${hex(sel)}`);
    setAccessedBit(cpu, sel, d);
    frame.push(cpu, size, cpu.segSel[SegReg.CS]);
    frame.push(cpu, size, cpu.eip);
    frame.commitEsp(cpu);
    loadCodeSegment(cpu, sel, d, cpu.cpl);
    cpu.eip = eip;
    return;
  }
  switch (d.type) {
    case SystemType.CallGate16:
    case SystemType.CallGate32:
      callThroughCallGate(cpu, sel, d);
      return;
    case SystemType.TaskGate:
      switchThroughTaskGate(cpu, sel, d, TaskSwitchSource.Call);
      return;
    case SystemType.TSS16Available:
    case SystemType.TSS32Available:
      switchToTss(cpu, sel, d, TaskSwitchSource.Call);
      return;
  }
  throw gp(selectorErrorCode(sel), `${hex(sel)} is ${d.aTypeName}, not a code segment, call gate, task gate or TSS`);
}

/** CALL through a call gate (SDM Vol. 2A CALL "CALL-GATE", "MORE-PRIVILEGE", "SAME-PRIVILEGE"; Vol. 3A §5.8.5, §5.8.6). */
function callThroughCallGate(cpu: Cpu, gateSel: number, gate: SegmentDescriptor): void {
  try {
    callThroughCallGateChecked(cpu, gateSel, gate);
  } catch (e) {
    throw faultInContext(e, `through call gate ${hex(gateSel)}`);
  }
}
function callThroughCallGateChecked(cpu: Cpu, gateSel: number, gate: SegmentDescriptor): void {
  checkGatePrivilege(cpu, gateSel, gate);
  // the gate must be present, else #NP(gate selector)
  if (!gate.present) throw np(selectorErrorCode(gateSel), `gate not present`);
  const sel = gate.gateSelector;
  // the gate's code-segment selector must not be null, else #GP(0)
  if (isNullSelector(sel)) throw gp(0, `the gate's code-segment selector is null`);
  const d = readDescriptor(cpu, sel, `target`);
  // it must be a code segment with DPL <= CPL, else #GP(code-segment selector)
  if (!d.isCode) throw gp(selectorErrorCode(sel), `target ${hex(sel)} is ${d.aTypeName}, not a code segment`);
  if (d.dpl > cpu.cpl) throw gp(selectorErrorCode(sel), `target code segment ${hex(sel)} DPL ${d.dpl} > CPL ${cpu.cpl}`);
  // it must be present, else #NP(code-segment selector)
  if (!d.present) throw np(selectorErrorCode(sel), `code segment ${hex(sel)} not present`);
  const slot: 2 | 4 = gate.is32BitSystem ? 4 : 2;
  const eip = gate.is32BitSystem ? gate.gateOffset : gate.gateOffset & 0xffff;

  if (!d.conforming && d.dpl < cpu.cpl) {
    // MORE-PRIVILEGE: new stack from the TSS (checks as for interrupts, EXT = 0)
    const newCpl = d.dpl;
    const frame = scratchFrame(cpu);
    innerStack(cpu, newCpl, false, frame);
    const stackSel = frame.sel, stackDesc = frame.desc as SegmentDescriptor;
    const count = gate.gateParamCount;
    // the new stack must have room for SS, ESP, the parameters, CS and EIP, else #SS(SS selector)
    frame.check(cpu, slot * (4 + count), slot, Vector.SS, selectorErrorCode(stackSel), newCpl as StackName);
    // the gate's offset must be within the code segment limit, else #GP(0)
    if (eip > d.limit) throw gp(0, `gate offset ${hex(eip)} beyond the limit ${hex(d.limit)} of code segment ${hex(sel)}`);
    // the parameters, read from the caller's stack at the caller's privilege (#SS(0), #PF)
    const params = count > 0 ? new Int32Array(count) : NO_PARAMS;
    for (let k = 0; k < count; k++) params[k] = peekStack(cpu, k, slot);
    setAccessedBit(cpu, sel, d);
    setAccessedBit(cpu, stackSel, stackDesc);
    // ---- Nothing below can fault. ----
    frame.push(cpu, slot, cpu.segSel[SegReg.SS]);
    frame.push(cpu, slot, cpu.esp);
    for (let k = count - 1; k >= 0; k--) frame.push(cpu, slot, params[k]);
    frame.push(cpu, slot, cpu.segSel[SegReg.CS]);
    frame.push(cpu, slot, cpu.eip);
    loadStackSegment(cpu, stackSel, stackDesc, newCpl);
    frame.commitEsp(cpu);
    loadCodeSegment(cpu, sel, d, newCpl);
    cpu.eip = eip;
    return;
  }
  // SAME-PRIVILEGE: the return address on the current stack, in the gate's size
  const frame = scratchFrame(cpu).fromCurrent(cpu);
  // the stack must have room for CS and EIP, else #SS(0)
  frame.check(cpu, 2 * slot, slot, Vector.SS, 0, StackName.Current);
  // the gate's offset must be within the code segment limit, else #GP(0)
  if (eip > d.limit) throw gp(0, `gate offset ${hex(eip)} beyond the limit ${hex(d.limit)} of code segment ${hex(sel)}`);
  setAccessedBit(cpu, sel, d);
  frame.push(cpu, slot, cpu.segSel[SegReg.CS]);
  frame.push(cpu, slot, cpu.eip);
  frame.commitEsp(cpu);
  loadCodeSegment(cpu, sel, d, cpu.cpl);
  cpu.eip = eip;
}
const NO_PARAMS = new Int32Array(0);

// =================================================================================================
// RETF
// =================================================================================================

/**
 * Far return (SDM Vol. 2B RET, Operation): pops EIP and CS, then releases `release` bytes of
 * parameters. Protected mode: to the same privilege level, or to an outer one — which also pops
 * ESP and SS (after releasing the parameters from the inner stack, and releases them again from the
 * outer stack) and nulls DS/ES/FS/GS that the outer ring may not use.
 */
export function farReturn(cpu: Cpu, op32: boolean, release: number): void {
  try {
    returnFar(cpu, op32, release);
  } catch (e) {
    throw faultInContext(e, "RETF");
  }
}

function returnFar(cpu: Cpu, op32: boolean, release: number): void {
  const size: 2 | 4 = op32 ? 4 : 2;
  const mask = op32 ? 0xffffffff : 0xffff;
  // the return address: #SS(0) if the top 2 slots are beyond the stack limit. CS is read before
  // EIP, as Bochs does (the SDM does not order the reads; it shows in CR2 when both fault).
  const sel = peekStack(cpu, 1, size) & 0xffff;
  const eip = (peekStack(cpu, 0, size) & mask) >>> 0;
  if (!cpu.protectedMode) {
    // the return offset must be within the CS limit, else #GP(0)
    if (eip > cpu.segLimit[SegReg.CS]) throw gp(0, `return offset ${hex(eip)} beyond the CS limit ${hex(cpu.segLimit[SegReg.CS])}`);
    cpu.loadSegmentReal(SegReg.CS, sel);
    cpu.eip = eip;
    cpu.adjustEsp(2 * size + release);
    return;
  }
  const rpl = sel & 3;
  // the return CS selector must not be null, else #GP(0)
  if (isNullSelector(sel)) throw gp(0, `return CS selector ${hex(sel)} is null`);
  const d = readDescriptor(cpu, sel, "return CS");
  // it must be a code segment, else #GP(selector)
  if (!d.isCode) throw gp(selectorErrorCode(sel), `return CS ${hex(sel)} is ${d.aTypeName}, not a code segment`);
  // its RPL must be >= CPL, else #GP(selector)
  if (rpl < cpu.cpl) throw gp(selectorErrorCode(sel), `return CS RPL ${rpl} < CPL ${cpu.cpl}`);
  // conforming: DPL <= RPL; non-conforming: DPL = RPL; present, else #NP(selector)
  checkCodeSegment(d, sel, rpl, rpl, "RPL");
  if (rpl === cpu.cpl) {
    // RETURN-TO-SAME-PRIVILEGE-LEVEL: the offset must be within the limit, else #GP(0)
    if (eip > d.limit) throw gp(0, `return offset ${hex(eip)} beyond the limit ${hex(d.limit)} of code segment ${hex(sel)}`);
    setAccessedBit(cpu, sel, d);
    loadCodeSegment(cpu, sel, d, cpu.cpl);
    cpu.eip = eip;
    cpu.adjustEsp(2 * size + release);
    return;
  }
  // RETURN-TO-OUTER-PRIVILEGE-LEVEL: SS and ESP above the released parameters (#SS(0) beyond the
  // limit), SS read first as Bochs does (SDM: "tempESP ← Pop(); tempSS ← Pop()" orders no accesses)
  const newSs = peekBytesAbove(cpu, 3 * size + release, size) & 0xffff;
  const newEsp = peekBytesAbove(cpu, 2 * size + release, size);
  // the return SS must not be null, else #GP(0)
  if (isNullSelector(newSs)) throw gp(0, `return SS ${hex(newSs)} is a null selector`);
  const sd = readDescriptor(cpu, newSs, "return SS");
  // its RPL must equal the return CS RPL, else #GP(selector)
  if ((newSs & 3) !== rpl) throw gp(selectorErrorCode(newSs), `return SS ${hex(newSs)} RPL ${newSs & 3} != return CS RPL ${rpl}`);
  // it must be a writable data segment, else #GP(selector)
  if (!sd.writable) throw gp(selectorErrorCode(newSs), `return SS ${hex(newSs)}: ${sd.typeName} is not a writable data segment`);
  // its DPL must equal the return CS RPL, else #GP(selector)
  if (sd.dpl !== rpl) throw gp(selectorErrorCode(newSs), `return SS ${hex(newSs)} descriptor DPL ${sd.dpl} != return CS RPL ${rpl}`);
  // it must be present, else #SS(selector) (RET's rule; IRET raises #NP here)
  if (!sd.present) throw ss(selectorErrorCode(newSs), `return SS ${hex(newSs)}: stack segment not present`);
  // the return offset must be within the code segment limit, else #GP(0)
  if (eip > d.limit) throw gp(0, `return offset ${hex(eip)} beyond the limit ${hex(d.limit)} of code segment ${hex(sel)}`);
  setAccessedBit(cpu, sel, d);
  setAccessedBit(cpu, newSs, sd);
  // ---- Nothing below can fault. ----
  loadCodeSegment(cpu, sel, d, rpl);
  loadStackSegment(cpu, newSs, sd, rpl);
  const esp = op32 ? newEsp >>> 0 : newEsp & 0xffff;
  // the parameters are released from the outer stack too (SDM: "ESP ← ESP + SRC" after the switch)
  if (sd.big) cpu.r32[4] = (esp + release) | 0; else cpu.r16[4 * 2] = esp + release;
  nullInaccessibleSegments(cpu);
  cpu.eip = eip;
}

/** The `size`-byte value `byteOffset` bytes above SS:ESP (RETF Iw may release any number of bytes). */
function peekBytesAbove(cpu: Cpu, byteOffset: number, size: 2 | 4): number {
  const off = cpu.stackOffset(byteOffset);
  return size === 4 ? cpu.read32(SegReg.SS, off) : cpu.read16(SegReg.SS, off);
}

// =================================================================================================
// IRET
// =================================================================================================

/** EFLAGS bits IRET restores at any privilege level (SDM Vol. 2A IRET: CF PF AF ZF SF TF DF OF NT). */
const IRET_ALWAYS = EFLAGS.CF | EFLAGS.PF | EFLAGS.AF | EFLAGS.ZF | EFLAGS.SF | EFLAGS.TF | EFLAGS.DF | EFLAGS.OF | EFLAGS.NT;

/**
 * IRET/IRETD (SDM Vol. 2A IRET, Operation). Real mode: pops EIP, CS, EFLAGS. Protected mode:
 * return to the same privilege level, or to an outer one (also pops ESP and SS, and nulls DS/ES/
 * FS/GS the outer ring may not use). Which EFLAGS bits change depends on the privilege of the IRET:
 * IF only if CPL <= IOPL, IOPL (and VIF/VIP) only at CPL 0, RF/AC/ID only with a 32-bit operand.
 * Fault reasons read "IRET: return CS RPL 0 < CPL 3".
 */
export function interruptReturn(cpu: Cpu, op32: boolean): void {
  try {
    if ((cpu.cr0 & 1) === 0) realModeIret(cpu, op32);
    else if ((cpu.flags & EFLAGS.VM) !== 0) v86Iret(cpu, op32);
    else protectedModeIret(cpu, op32);
  } catch (e) {
    throw faultInContext(e, "IRET");
  }
}

function protectedModeIret(cpu: Cpu, op32: boolean): void {
  const size: 2 | 4 = op32 ? 4 : 2;
  const mask = op32 ? 0xffffffff : 0xffff;
  // NT = 1: return to the task in the TSS back link (TASK-RETURN)
  if ((cpu.flags & EFLAGS.NT) !== 0) { taskReturn(cpu); return; }
  // the frame: #SS(0) if the top 3 slots are beyond the stack limit. Read from the top down
  // (EFLAGS, CS, EIP), as Bochs does: the SDM does not order the reads; it shows in CR2.
  // A 32-bit frame that cannot fault and lies in one page is read from RAM directly (the reads
  // peekStack would make, in the same order, with no fault possible: see stackFramePhys).
  const frame = op32 ? stackFramePhys(cpu, 20) : -1;
  const tempFlags = (frame >= 0 ? cpu.readPhys32(frame + 8) : peekStack(cpu, 2, size)) & mask;
  const sel = (frame >= 0 ? cpu.readPhys32(frame + 4) : peekStack(cpu, 1, size)) & 0xffff;
  const eip = ((frame >= 0 ? cpu.readPhys32(frame) : peekStack(cpu, 0, size)) & mask) >>> 0;
  // VM = 1 in the EFLAGS image at CPL 0: return to virtual-8086 mode (only a 32-bit image has VM)
  if ((tempFlags & EFLAGS.VM) !== 0 && cpu.cpl === 0) { returnToV86(cpu, eip, sel, tempFlags); return; }
  const rpl = sel & 3;
  // The checks of the return CS depend only on the selector, the CPL and the descriptor: a return
  // through the same selector from the same CPL reuses them while the descriptor is unchanged.
  const checkedCs = (cpu.delivery.iretCs ??= new CheckedDescriptor());
  let d = checkedCs.lookup(cpu, sel);
  const csKnown = d !== null;
  if (d === null) {
    // the return CS selector must not be null, else #GP(0)
    if (isNullSelector(sel)) throw gp(0, `return CS selector ${hex(sel)} is null`);
    d = readDescriptor(cpu, sel, "return CS");
    // its RPL must be >= CPL, else #GP(selector)
    if (rpl < cpu.cpl) throw gp(selectorErrorCode(sel), `return CS RPL ${rpl} < CPL ${cpu.cpl}`);
    // a code segment; conforming: DPL <= RPL; non-conforming: DPL = RPL; present, else #NP(selector)
    checkCodeSegment(d, sel, rpl, rpl, "RPL");
  }

  // The EFLAGS bits this IRET may change, decided at the current (old) CPL.
  let change = IRET_ALWAYS;
  if (op32) change |= EFLAGS.RF | EFLAGS.AC | EFLAGS.ID;
  if (cpu.cpl <= ((cpu.flags & EFLAGS.IOPL) >> 12)) change |= EFLAGS.IF;
  if (cpu.cpl === 0) change |= EFLAGS.IOPL | (op32 ? EFLAGS.VIF | EFLAGS.VIP : 0);
  const newFlags = (cpu.getEflags() & ~change) | (tempFlags & change);

  if (rpl === cpu.cpl) {
    // RETURN-TO-SAME-PRIVILEGE-LEVEL: EIP must be within the CS limit, else #GP(0)
    if (eip > d.limit) throw gp(0, `return offset ${hex(eip)} beyond the limit ${hex(d.limit)} of code segment ${hex(sel)}`);
    if (!csKnown) { setAccessedBit(cpu, sel, d); checkedCs.remember(cpu, sel, d); }
    loadCodeSegment(cpu, sel, d, cpu.cpl);
    cpu.eip = eip;
    cpu.adjustEsp(3 * size);
    cpu.setEflags(newFlags);
    return;
  }
  // RETURN-TO-OUTER-PRIVILEGE-LEVEL: SS, checked before ESP is read (#SS(0) beyond the stack
  // limit). The SDM's "tempESP ← Pop(); tempSS ← Pop()" orders no memory accesses; Bochs reads
  // and checks SS first, and so does trapgate (CR2 names the SS slot when both are unreadable).
  const newSs = (frame >= 0 ? cpu.readPhys32(frame + 16) : peekStack(cpu, 4, size)) & 0xffff;
  // Likewise the checks of the return SS depend only on it, the return CS RPL and its descriptor.
  const checkedSs = (cpu.delivery.iretSs ??= new CheckedDescriptor());
  let sd = checkedSs.lookup(cpu, newSs, rpl);
  const ssKnown = sd !== null;
  if (sd === null) {
    // the return SS must not be null, else #GP(0)
    if (isNullSelector(newSs)) throw gp(0, `return SS ${hex(newSs)} is a null selector`);
    // its RPL must equal the return CS RPL, else #GP(selector)
    if ((newSs & 3) !== rpl) throw gp(selectorErrorCode(newSs), `return SS ${hex(newSs)} RPL ${newSs & 3} != return CS RPL ${rpl}`);
    sd = readDescriptor(cpu, newSs, "return SS");
    // it must be a writable data segment, else #GP(selector)
    if (!sd.writable) throw gp(selectorErrorCode(newSs), `return SS ${hex(newSs)}: ${sd.typeName} is not a writable data segment`);
    // its DPL must equal the return CS RPL, else #GP(selector)
    if (sd.dpl !== rpl) throw gp(selectorErrorCode(newSs), `return SS ${hex(newSs)} descriptor DPL ${sd.dpl} != return CS RPL ${rpl}`);
    // it must be present, else #NP(selector)
    if (!sd.present) throw np(selectorErrorCode(newSs), `return SS ${hex(newSs)}: stack segment not present`);
  }
  const newEsp = (frame >= 0 ? cpu.readPhys32(frame + 12) : peekStack(cpu, 3, size)) & mask;
  // EIP must be within the CS limit, else #GP(0)
  if (eip > d.limit) throw gp(0, `return offset ${hex(eip)} beyond the limit ${hex(d.limit)} of code segment ${hex(sel)}`);
  if (!csKnown) { setAccessedBit(cpu, sel, d); checkedCs.remember(cpu, sel, d); }
  if (!ssKnown) { setAccessedBit(cpu, newSs, sd); checkedSs.remember(cpu, newSs, sd, rpl); }
  // ---- Nothing below can fault. ----
  cpu.setEflags(newFlags);
  loadCodeSegment(cpu, sel, d, rpl);
  loadStackSegment(cpu, newSs, sd, rpl);
  if (sd.big) cpu.r32[4] = newEsp | 0; else cpu.r16[4 * 2] = newEsp;
  nullInaccessibleSegments(cpu);
  cpu.eip = eip;
}

/**
 * IRETD at CPL 0 with VM = 1 in the EFLAGS image (SDM Vol. 2A IRET "RETURN-TO-VIRTUAL-8086-MODE";
 * Bochs stack_return_to_v86): the frame is EIP, CS, EFLAGS, ESP, SS, ES, DS, FS, GS (36 bytes,
 * #SS(0) beyond the stack limit); EIP must be within the virtual-8086 CS limit FFFFH, else #GP(0).
 * EFLAGS is loaded whole, the segment registers as in real mode with virtual-8086 attributes, CPL 3.
 */
function returnToV86(cpu: Cpu, eip: number, cs: number, tempFlags: number): void {
  const esp = peekStack(cpu, 3, 4);
  const sels = [peekStack(cpu, 5, 4), peekStack(cpu, 6, 4), peekStack(cpu, 7, 4), peekStack(cpu, 8, 4), peekStack(cpu, 4, 4)];
  // EIP must be within the CS limit of a virtual-8086 segment (FFFFH), else #GP(0)
  if (eip > 0xffff) throw gp(0, `return to virtual-8086 mode at ${hex(cs)}:${hex(eip)}: offset beyond the CS limit 0xffff`);
  // ---- Nothing below can fault. ----
  cpu.setEflags(tempFlags);
  cpu.cpl = 3;
  cpu.loadSegmentReal(SegReg.CS, cs);
  for (let k = 0; k < 5; k++) cpu.loadSegmentReal(V86_POPPED[k], sels[k] & 0xffff);
  cpu.r32[4] = esp;
  cpu.eip = eip;
}
/** The order of ES, DS, FS, GS and SS in `sels` of returnToV86. */
const V86_POPPED = [SegReg.ES, SegReg.DS, SegReg.FS, SegReg.GS, SegReg.SS] as const;

/**
 * IRET with NT = 1 (SDM Vol. 2A IRET "TASK-RETURN"): back to the task named by the link field of
 * the current TSS, which must be a GDT selector of a busy TSS (#TS(link selector)), present
 * (#NP(link selector)); the switch clears the current task's busy bit and the NT flag in its
 * saved EFLAGS; EIP must lie within the new CS limit (#GP(0)).
 */
function taskReturn(cpu: Cpu): void {
  const link = cpu.readSystem16(cpu.trBase);
  const d = readTssDescriptor(cpu, link, true, ts, false, "task return: back link");
  taskSwitch(cpu, link, d, TaskSwitchSource.Iret, false);
  checkTaskEip(cpu, false);
}

/**
 * Real-address mode IRET: EIP, CS, EFLAGS from the stack; a 32-bit IRET keeps VM, VIF and VIP
 * ("EFLAGS ← (tempEFLAGS AND 257FD5H) OR (EFLAGS AND 1A0000H)"), a 16-bit one loads FLAGS[15:0].
 */
function realModeIret(cpu: Cpu, op32: boolean): void {
  const size: 2 | 4 = op32 ? 4 : 2;
  const eip = op32 ? peekStack(cpu, 0, 4) >>> 0 : peekStack(cpu, 0, 2);
  const sel = peekStack(cpu, 1, size) & 0xffff;
  const tempFlags = peekStack(cpu, 2, size);
  // the return offset must be within the CS limit, else #GP(0)
  if (eip > cpu.segLimit[SegReg.CS]) throw gp(0, `real mode: return offset ${hex(eip)} (to ${hex(sel)}) beyond the CS limit ${hex(cpu.segLimit[SegReg.CS])}`);
  const old = cpu.getEflags();
  cpu.loadSegmentReal(SegReg.CS, sel);
  cpu.eip = eip;
  cpu.adjustEsp(3 * size);
  cpu.setEflags(op32 ? (tempFlags & 0x257fd5) | (old & 0x1a0000) : (old & 0xffff0000) | (tempFlags & 0xffff));
}

/**
 * IRET in virtual-8086 mode (SDM Vol. 2A IRET "VIRTUAL-8086-MODE"): with IOPL = 3 as in real mode
 * but IOPL (and VM, VIF, VIP) unchanged; with IOPL < 3, #GP(0) (CR4.VME is not supported).
 */
function v86Iret(cpu: Cpu, op32: boolean): void {
  // IOPL must be 3, else #GP(0) to the virtual-8086 monitor
  if ((cpu.flags & EFLAGS.IOPL) !== EFLAGS.IOPL) throw gp(0, `in virtual-8086 mode with IOPL ${(cpu.flags & EFLAGS.IOPL) >> 12} < 3`);
  const size: 2 | 4 = op32 ? 4 : 2;
  const eip = op32 ? peekStack(cpu, 0, 4) >>> 0 : peekStack(cpu, 0, 2);
  const sel = peekStack(cpu, 1, size) & 0xffff;
  const tempFlags = peekStack(cpu, 2, size);
  // the return offset must be within the CS limit, else #GP(0)
  if (eip > cpu.segLimit[SegReg.CS]) throw gp(0, `virtual-8086 mode: return offset ${hex(eip)} (to ${hex(sel)}) beyond the CS limit ${hex(cpu.segLimit[SegReg.CS])}`);
  const old = cpu.getEflags();
  const keep = EFLAGS.VM | EFLAGS.IOPL | EFLAGS.VIF | EFLAGS.VIP;
  cpu.loadSegmentReal(SegReg.CS, sel);
  cpu.eip = eip;
  cpu.adjustEsp(3 * size);
  cpu.setEflags(op32 ? (old & keep) | (tempFlags & ~keep) : (old & (0xffff0000 | EFLAGS.IOPL)) | (tempFlags & 0xffff & ~EFLAGS.IOPL));
}

// =================================================================================================
// Handlers and opcode-table forms
// =================================================================================================

const JMP_Ap: readonly [Handler, Handler] = [(c, i) => farJump(c, i.imm2, i.imm, false), (c, i) => farJump(c, i.imm2, i.imm, true)];
const CALL_Ap: readonly [Handler, Handler] = [(c, i) => farCall(c, i.imm2, i.imm, false), (c, i) => farCall(c, i.imm2, i.imm, true)];

/** Reads a far pointer m16:16 / m16:32 (offset first, then the selector). */
function farPointer(c: Cpu, i: Insn, op32: boolean, to: (c: Cpu, sel: number, off: number, op32: boolean) => void): void {
  const ea = c.ea(i);
  const off = op32 ? c.read32(i.seg, ea) : c.read16(i.seg, ea);
  // the selector follows the offset, its address wrapping with the address size (as Bochs)
  const sel = c.read16(i.seg, i.addr32 ? (ea + (op32 ? 4 : 2)) >>> 0 : (ea + (op32 ? 4 : 2)) & 0xffff);
  to(c, sel, off, op32);
}
const JMP_Mp: readonly [Handler, Handler] = [(c, i) => farPointer(c, i, false, farJump), (c, i) => farPointer(c, i, true, farJump)];
const CALL_Mp: readonly [Handler, Handler] = [(c, i) => farPointer(c, i, false, farCall), (c, i) => farPointer(c, i, true, farCall)];
const RETF: readonly [Handler, Handler] = [(c) => farReturn(c, false, 0), (c) => farReturn(c, true, 0)];
const RETF_Iw: readonly [Handler, Handler] = [(c, i) => farReturn(c, false, i.imm), (c, i) => farReturn(c, true, i.imm)];
const IRET: readonly [Handler, Handler] = [(c) => interruptReturn(c, false), (c) => interruptReturn(c, true)];

/** Opcode-table forms of the far control transfers. */
export const FAR_FORMS: readonly OpForm[] = [
  { op: 0xea, mnemonic: "JMP", operands: "Ap", exec: JMP_Ap },
  { op: 0x9a, mnemonic: "CALL", operands: "Ap", exec: CALL_Ap },
  { op: 0xff, reg: 5, mod: "mem", mnemonic: "JMP", operands: "Mp", exec: JMP_Mp },
  { op: 0xff, reg: 3, mod: "mem", mnemonic: "CALL", operands: "Mp", exec: CALL_Mp },
  { op: 0xcb, mnemonic: "RETF", operands: "", exec: RETF },
  { op: 0xca, mnemonic: "RETF", operands: "Iw", exec: RETF_Iw },
  { op: 0xcf, mnemonic: "IRET", operands: "", exec: IRET },
];
