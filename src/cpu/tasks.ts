/**
 * Hardware task switching (Intel SDM Vol. 3A chapter 7, §7.3 "Task Switching"; Vol. 2A JMP/CALL
 * "TASK-GATE"/"TASK-STATE-SEGMENT", INT n "TASK-GATE", IRET "TASK-RETURN"). Bochs cpu/tasking.cc is
 * the reference where the SDM leaves doubt (the effect on busy bits, NT and the link field below
 * is the one Bochs measured on the 386, 486 and Pentium).
 *
 *   Field          JMP         CALL/interrupt    IRET
 *   new busy bit   set         set               unchanged (already set)
 *   old busy bit   cleared     unchanged         cleared
 *   new NT flag    from TSS    set               from TSS
 *   old NT flag    unchanged   unchanged         cleared (in the saved image)
 *   new link       unchanged   old TR selector   unchanged
 *   CR0.TS         set         set               set
 *
 * Everything up to the commit point (saving the old task) is checked first, so a fault there
 * leaves the processor as it was. Faults while loading the new task's segments happen after the
 * commit point, in the new task's context: its first instruction is the one they restart.
 *
 * Not implemented: the TSS T flag (debug trap on task switch).
 */
import { CR0, type Cpu } from "./cpu.js";
import { gp, np, selectorErrorCode, ss, ts } from "./fault.js";
import { EFLAGS, EFLAGS_IMPLEMENTED } from "./flags.js";
import {
  SEG_NAMES, SegReg, SegmentDescriptor, SystemType, isNullSelector, loadCacheFromDescriptor, loadNullSegment,
  loadSegmentRealMode, readDescriptor, setAccessedBit,
} from "./segmentation.js";

/** What started the switch: it decides busy bits, NT and the link field (table above). */
export const enum TaskSwitchSource { Jump, Call, Interrupt, Iret }

const hex = (v: number): string => `0x${(v >>> 0).toString(16)}`;

/** 32-bit TSS field offsets (SDM Vol. 3A Figure 7-2). */
const enum Tss32 {
  LINK = 0x00, CR3 = 0x1c, EIP = 0x20, EFLAGS = 0x24, EAX = 0x28, ES = 0x48, CS = 0x4c, SS = 0x50, DS = 0x54,
  FS = 0x58, GS = 0x5c, LDT = 0x60,
  /** Minimum limit of a 32-bit TSS (104 bytes). */
  MIN_LIMIT = 0x67,
}
/** 16-bit TSS field offsets (SDM Vol. 3A Figure 7-11). */
const enum Tss16 { LINK = 0x00, IP = 0x0e, FLAGS = 0x10, AX = 0x12, ES = 0x22, CS = 0x24, SS = 0x26, DS = 0x28, LDT = 0x2a, MIN_LIMIT = 0x2b }

/** Segment-register order of the selector fields in a TSS: ES CS SS DS FS GS. */
const TSS_SEGMENTS = [SegReg.ES, SegReg.CS, SegReg.SS, SegReg.DS, SegReg.FS, SegReg.GS] as const;

/**
 * The checks on a TSS descriptor that a task gate names, or that IRET returns to (SDM Vol. 2A INT n
 * / JMP / CALL "TASK-GATE", IRET "TASK-RETURN"): a GDT selector (TI = 0), within the GDT, a TSS
 * descriptor — available, or busy for IRET — and present. The fault for the first three is
 * `fault` (#GP for gates, #TS for IRET); not present raises #NP. Returns the descriptor.
 */
export function readTssDescriptor(cpu: Cpu, sel: number, busy: boolean, fault: typeof gp, ext: boolean, what: string): SegmentDescriptor {
  // the TSS selector must name the GDT, else fault(TSS selector)
  if ((sel & 4) !== 0) throw fault(selectorErrorCode(sel, ext), `${what} ${hex(sel)} refers to the LDT; a TSS descriptor must be in the GDT`);
  // within the GDT limit, else fault(TSS selector)
  const d = readDescriptor(cpu, sel, what, fault, ext);
  // it must be an available (busy, for IRET) TSS, else fault(TSS selector)
  const isTss = d.isSystem && (d.type & 5) === 1 && (d.type & 2) === (busy ? 2 : 0);
  if (!isTss) throw fault(selectorErrorCode(sel, ext), `${what} ${hex(sel)} is ${d.isSystem ? d.aTypeName : "a code/data segment descriptor"}, not ${busy ? "a busy" : "an available"} TSS`);
  // it must be present, else #NP(TSS selector)
  if (!d.present) throw np(selectorErrorCode(sel, ext), `${what} ${hex(sel)}: TSS not present`);
  return d;
}

/**
 * Switches to the task whose TSS `sel` names (descriptor `d`, already checked by the caller for
 * privilege, type and presence), following SDM Vol. 3A §7.3 steps 2–13. `ext` is the EXT bit for
 * the error codes of faults before the commit point (switches caused by external events).
 * The caller then pushes an exception's error code (INT n "TASK-GATE") and checks EIP against the
 * new CS limit.
 */
export function taskSwitch(cpu: Cpu, sel: number, d: SegmentDescriptor, source: TaskSwitchSource, ext: boolean): void {
  const new32 = d.is32BitSystem;
  const nbase = d.base | 0;
  // the new TSS limit must be at least 67H (2BH for a 16-bit TSS), else #TS(new TSS selector)
  const newMin = new32 ? Tss32.MIN_LIMIT : Tss16.MIN_LIMIT;
  if (d.limit < newMin) throw ts(selectorErrorCode(sel, ext), `task switch to TSS ${hex(sel)}: its limit ${hex(d.limit)} is below ${hex(newMin)}`);
  // the current task must have a TSS to save into, whose limit covers the dynamic fields, else #TS(TR)
  if (cpu.trType === 0) throw ts(ext ? 1 : 0, `task switch to TSS ${hex(sel)}: the task register holds no TSS to save the current task in`);
  const old32 = (cpu.trType & 8) !== 0;
  const obase = cpu.trBase | 0;
  const oldMin = old32 ? 0x5f : 0x29;
  if (cpu.trLimit < oldMin)
    throw ts(selectorErrorCode(cpu.trSel, ext), `task switch to TSS ${hex(sel)}: the current TSS ${hex(cpu.trSel)} limit ${hex(cpu.trLimit)} is below ${hex(oldMin)}`);

  // SDM §7.3 step 5: the old TSS, the new TSS and the descriptors written must be accessible (#PF otherwise)
  // before anything changes.
  cpu.translateSystem(nbase, false);
  cpu.translateSystem((nbase + newMin) | 0, false);
  if (source === TaskSwitchSource.Call || source === TaskSwitchSource.Interrupt) cpu.translateSystem(nbase, true);
  cpu.translateSystem((obase + (old32 ? Tss32.EIP : Tss16.IP)) | 0, true);
  cpu.translateSystem((obase + oldMin) | 0, true);
  const oldDescriptor = (cpu.gdtrBase + (cpu.trSel & 0xfff8) + 5) | 0;
  const newDescriptor = (cpu.gdtrBase + (sel & 0xfff8) + 5) | 0;
  if (source === TaskSwitchSource.Jump || source === TaskSwitchSource.Iret) cpu.translateSystem(oldDescriptor, true);
  if (source !== TaskSwitchSource.Iret) cpu.translateSystem(newDescriptor, true);

  // ---- Nothing below faults before the commit point. ----
  // JMP and IRET: the old task is no longer busy
  if (source === TaskSwitchSource.Jump || source === TaskSwitchSource.Iret) cpu.writeSystem8(oldDescriptor, cpu.readSystem8(oldDescriptor) & ~2);
  // IRET: NT is cleared in the saved image of the old task's EFLAGS
  let oldFlags = cpu.getEflags();
  if (source === TaskSwitchSource.Iret) oldFlags &= ~EFLAGS.NT;
  saveTask(cpu, obase, old32, oldFlags);
  // CALL and interrupts: the new task's link field names the old task
  if (source === TaskSwitchSource.Call || source === TaskSwitchSource.Interrupt) cpu.writeSystem16(nbase, cpu.trSel);

  // The new task's state (read before committing).
  const regs = new Int32Array(8);
  const sels = new Uint16Array(6);
  let eip: number, flags: number, ldt: number, cr3 = 0;
  if (new32) {
    cr3 = cpu.readSystem32((nbase + Tss32.CR3) | 0);
    eip = cpu.readSystem32((nbase + Tss32.EIP) | 0) >>> 0;
    flags = cpu.readSystem32((nbase + Tss32.EFLAGS) | 0);
    for (let r = 0; r < 8; r++) regs[r] = cpu.readSystem32((nbase + Tss32.EAX + 4 * r) | 0);
    for (let k = 0; k < 6; k++) sels[k] = cpu.readSystem16((nbase + Tss32.ES + 4 * k) | 0);
    ldt = cpu.readSystem16((nbase + Tss32.LDT) | 0);
  } else {
    // A 16-bit TSS (as Bochs): EIP and EFLAGS zero-extended, the upper words of the general
    // registers set to FFFFH, FS and GS null.
    eip = cpu.readSystem16((nbase + Tss16.IP) | 0);
    flags = cpu.readSystem16((nbase + Tss16.FLAGS) | 0);
    for (let r = 0; r < 8; r++) regs[r] = 0xffff0000 | cpu.readSystem16((nbase + Tss16.AX + 2 * r) | 0);
    for (let k = 0; k < 4; k++) sels[k] = cpu.readSystem16((nbase + Tss16.ES + 2 * k) | 0);
    ldt = cpu.readSystem16((nbase + Tss16.LDT) | 0);
  }
  // all but IRET: the new task becomes busy
  if (source !== TaskSwitchSource.Iret) cpu.writeSystem8(newDescriptor, cpu.readSystem8(newDescriptor) | 2);

  // ---- Commit point (SDM §7.3 step 11): TR, CR0.TS, registers and selectors of the new task. ----
  cpu.trSel = sel & 0xffff;
  cpu.trBase = nbase;
  cpu.trLimit = d.limit;
  cpu.trType = d.type | 2;
  cpu.setCr0(cpu.cr0 | CR0.TS);
  cpu.setDr7(cpu.dr[7] & ~0x155); // the local breakpoint enables L0–L3 and LE are cleared
  if (source === TaskSwitchSource.Call || source === TaskSwitchSource.Interrupt) flags |= EFLAGS.NT;
  cpu.r32.set(regs);
  cpu.eip = eip;
  // faults from here on belong to the new task, before its first instruction
  cpu.instrStart = eip;
  cpu.setEflags(flags & EFLAGS_IMPLEMENTED);
  cpu.interruptShadow = false;
  for (let k = 0; k < 6; k++) loadNullSegment(cpu, TSS_SEGMENTS[k], sels[k]);
  cpu.ldtrSel = ldt; cpu.ldtrBase = 0; cpu.ldtrLimit = 0;
  if (new32 && cpu.paging && cr3 !== cpu.cr3) cpu.setCr3(cr3);
  loadTaskSegments(cpu, sels, ldt);
}

/** Saves the dynamic state of the current task in its TSS (SDM §7.3 step 8). */
function saveTask(cpu: Cpu, base: number, is32: boolean, flags: number): void {
  if (is32) {
    cpu.writeSystem32((base + Tss32.EIP) | 0, cpu.eip);
    cpu.writeSystem32((base + Tss32.EFLAGS) | 0, flags);
    for (let r = 0; r < 8; r++) cpu.writeSystem32((base + Tss32.EAX + 4 * r) | 0, cpu.r32[r]);
    for (let k = 0; k < 6; k++) cpu.writeSystem16((base + Tss32.ES + 4 * k) | 0, cpu.segSel[TSS_SEGMENTS[k]]);
  } else {
    cpu.writeSystem16((base + Tss16.IP) | 0, cpu.eip & 0xffff);
    cpu.writeSystem16((base + Tss16.FLAGS) | 0, flags & 0xffff);
    for (let r = 0; r < 8; r++) cpu.writeSystem16((base + Tss16.AX + 2 * r) | 0, cpu.r16[r * 2]);
    for (let k = 0; k < 4; k++) cpu.writeSystem16((base + Tss16.ES + 2 * k) | 0, cpu.segSel[TSS_SEGMENTS[k]]);
  }
}

/**
 * Loads and qualifies the new task's LDTR and segment registers (SDM §7.3 step 13; Bochs
 * task_switch order: LDTR, SS, DS ES FS GS, CS). Faults are #TS(selector) except a not-present
 * SS (#SS) or data/code segment (#NP). Until SS is loaded CPL counts as 3, so that a fault there
 * switches to the new task's ring-0 stack.
 */
function loadTaskSegments(cpu: Cpu, sels: Uint16Array, ldt: number): void {
  const csSel = sels[1], ssSel = sels[2];
  const rpl = csSel & 3;
  cpu.cpl = 3;
  cpu.updatePrivilege();
  // LDTR: a GDT selector of a present LDT descriptor, or null; else #TS(LDT selector)
  if ((ldt & 4) !== 0) throw ts(selectorErrorCode(ldt), `new task's LDT selector ${hex(ldt)} refers to the LDT itself`);
  if (!isNullSelector(ldt)) {
    const d = readDescriptor(cpu, ldt, "new task's LDT", ts);
    if (!d.isSystem || d.type !== SystemType.LDT) throw ts(selectorErrorCode(ldt), `new task's LDT selector ${hex(ldt)} names a ${d.typeName}, not an LDT`);
    if (!d.present) throw ts(selectorErrorCode(ldt), `new task's LDT ${hex(ldt)} not present`);
    cpu.ldtrBase = d.base | 0;
    cpu.ldtrLimit = d.limit;
  }
  if ((cpu.flags & EFLAGS.VM) !== 0) {
    // a virtual-8086 task: every register is loaded as in real mode, at CPL 3
    for (let k = 0; k < 6; k++) loadSegmentRealMode(cpu, TSS_SEGMENTS[k], sels[k]);
    cpu.cpl = 3;
    cpu.updatePrivilege();
    return;
  }
  // SS: not null, a writable data segment with DPL = CS.RPL = SS.RPL, present
  if (isNullSelector(ssSel)) throw ts(selectorErrorCode(ssSel), `new task's SS ${hex(ssSel)} is a null selector`);
  const sd = readDescriptor(cpu, ssSel, "new task's SS", ts);
  if (!sd.writable) throw ts(selectorErrorCode(ssSel), `new task's SS ${hex(ssSel)} is ${sd.aTypeName}, not a writable data segment`);
  if (!sd.present) throw ss(selectorErrorCode(ssSel), `new task's SS ${hex(ssSel)}: stack segment not present`);
  if (sd.dpl !== rpl) throw ts(selectorErrorCode(ssSel), `new task's SS ${hex(ssSel)} DPL ${sd.dpl} != CS RPL ${rpl}`);
  if (sd.dpl !== (ssSel & 3)) throw ts(selectorErrorCode(ssSel), `new task's SS ${hex(ssSel)} DPL ${sd.dpl} != its RPL ${ssSel & 3}`);
  setAccessedBit(cpu, ssSel, sd);
  loadCacheFromDescriptor(cpu, SegReg.SS, ssSel, sd);
  cpu.cpl = rpl;
  cpu.updatePrivilege();
  // DS, ES, FS, GS: null, or data / readable code; data and non-conforming code with RPL and CPL <= DPL; present
  for (const seg of DATA_SEGMENTS) {
    const sel = cpu.segSel[seg];
    if (isNullSelector(sel)) continue;
    const name = `new task's ${SEG_NAMES[seg]} ${hex(sel)}`;
    const d = readDescriptor(cpu, sel, `new task's ${SEG_NAMES[seg]}`, ts);
    if (!d.isCodeOrData || (d.isCode && !d.readable)) throw ts(selectorErrorCode(sel), `${name} is ${d.aTypeName}, not a data or readable code segment`);
    if (!d.conforming && ((sel & 3) > d.dpl || rpl > d.dpl)) throw ts(selectorErrorCode(sel), `${name}: RPL ${sel & 3} or CPL ${rpl} > DPL ${d.dpl}`);
    if (!d.present) throw np(selectorErrorCode(sel), `${name}: segment not present`);
    setAccessedBit(cpu, sel, d);
    loadCacheFromDescriptor(cpu, seg, sel, d);
  }
  // CS: not null, a code segment (non-conforming: DPL = RPL; conforming: DPL <= RPL), present
  if (isNullSelector(csSel)) throw ts(selectorErrorCode(csSel), `new task's CS ${hex(csSel)} is a null selector`);
  const cd = readDescriptor(cpu, csSel, "new task's CS", ts);
  if (!cd.isCode) throw ts(selectorErrorCode(csSel), `new task's CS ${hex(csSel)} is ${cd.aTypeName}, not a code segment`);
  if (!cd.conforming && cd.dpl !== rpl) throw ts(selectorErrorCode(csSel), `new task's CS ${hex(csSel)}: non-conforming DPL ${cd.dpl} != RPL ${rpl}`);
  if (cd.conforming && cd.dpl > rpl) throw ts(selectorErrorCode(csSel), `new task's CS ${hex(csSel)}: conforming DPL ${cd.dpl} > RPL ${rpl}`);
  if (!cd.present) throw np(selectorErrorCode(csSel), `new task's CS ${hex(csSel)}: code segment not present`);
  setAccessedBit(cpu, csSel, cd);
  loadCacheFromDescriptor(cpu, SegReg.CS, csSel, cd);
  cpu.updatePrivilege();
}
const DATA_SEGMENTS = [SegReg.DS, SegReg.ES, SegReg.FS, SegReg.GS] as const;

/**
 * After a task switch by JMP, CALL, IRET or an interrupt: EIP must lie within the new CS limit,
 * else #GP(0) (#GP(EXT) for interrupts) in the new task's context.
 */
export function checkTaskEip(cpu: Cpu, ext: boolean): void {
  if (cpu.eip > cpu.segLimit[SegReg.CS])
    throw gp(ext ? 1 : 0, `the new task's EIP ${hex(cpu.eip)} is beyond its CS limit ${hex(cpu.segLimit[SegReg.CS])}`);
}
