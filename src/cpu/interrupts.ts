/**
 * Interrupt and exception delivery (Intel SDM Vol. 3A chapter 6): the real-mode IVT (§20.1.4),
 * protected-mode IDT interrupt and trap gates with the stack switch through the TSS (§6.12.1),
 * and the double-fault rules (§6.15 "Interrupt 8", Table 6-5) ending in a triple fault.
 */
import type { Cpu } from "./cpu.js";
import { CpuFault, DoubleFaultClass, VECTORS, Vector, faultName, gp, idtErrorCode, np, selectorErrorCode, ss, ts } from "./fault.js";
import { EFLAGS } from "./flags.js";
import { SegReg, SegmentDescriptor, SystemType, loadCacheFromDescriptor, readDescriptor, setSegmentCache } from "./segmentation.js";

/** Bookkeeping for faults raised while another is being delivered. */
export interface DeliveryState {
  depth: number;
  firstVector: number;
  /** Human-readable chain of events since the last successful delivery, for triple-fault reports. */
  chain: string[];
}

/** How an event came to be delivered: it decides the gate-DPL check and the EXT bit. */
export const enum EventSource {
  /** INT n, INT3, INTO, INT1: gate DPL is checked against CPL, EXT = 0. */
  Software,
  /** A processor exception detected by an instruction: EXT = 0 for its own error code. */
  Exception,
  /** An external (INTR/NMI) interrupt: EXT = 1. */
  External,
}

const dfClass = (v: number): DoubleFaultClass => VECTORS[v]?.dfClass ?? DoubleFaultClass.Benign;

/**
 * Delivers a processor exception, applying the double-fault rules when it was raised during the
 * delivery of another event. `trap` marks traps detected after an instruction completed (EIP
 * already points past it).
 */
export function deliverException(cpu: Cpu, fault: CpuFault, trap: boolean): void {
  void trap;
  const st = cpu.delivery;
  if (st.depth === 0) st.chain.length = 0;
  st.chain.push(`${faultName(fault.vector, fault.errorCode)} at EIP 0x${(cpu.eip >>> 0).toString(16)}: ${fault.reason}`);
  deliverWithNesting(cpu, fault.vector, fault.errorCode, EventSource.Exception);
}

/** Delivers an external interrupt supplied by the interrupt controller. */
export function deliverExternalInterrupt(cpu: Cpu, vector: number): void {
  const st = cpu.delivery;
  st.chain.length = 0;
  st.chain.push(`external interrupt vector 0x${vector.toString(16)}`);
  deliverWithNesting(cpu, vector, undefined, EventSource.External);
}

/**
 * INT n / INT3 / INTO / INT1 (SDM Vol. 2 "INT n/INTO/INT3/INT1"): delivered after EIP has been
 * advanced past the instruction. Faults during delivery restart the INT instruction.
 */
export function deliverSoftwareInterrupt(cpu: Cpu, vector: number): void {
  if (cpu.softwareInterruptHook !== null && cpu.softwareInterruptHook(cpu, vector)) return;
  cpu.delivery.chain.length = 0;
  cpu.delivery.chain.push(`INT 0x${vector.toString(16)} at EIP 0x${(cpu.instrStart >>> 0).toString(16)}`);
  deliver(cpu, vector, undefined, EventSource.Software);
}

function deliverWithNesting(cpu: Cpu, vector: number, errorCode: number | undefined, source: EventSource): void {
  const st = cpu.delivery;
  st.depth++;
  try {
    deliver(cpu, vector, errorCode, source);
  } catch (e) {
    if (!(e instanceof CpuFault)) throw e;
    st.chain.push(`${faultName(e.vector, e.errorCode)} while delivering ${faultName(vector, errorCode)}: ${e.reason}`);
    // SDM Table 6-5: a fault during #DF delivery is a triple fault: the processor shuts down.
    if (vector === Vector.DF) {
      cpu.enterShutdown(`triple fault: ${faultName(e.vector, e.errorCode)} while delivering #DF`);
      return;
    }
    const first = source === EventSource.External ? DoubleFaultClass.Benign : dfClass(vector);
    const second = dfClass(e.vector);
    const double =
      (first === DoubleFaultClass.Contributory && second === DoubleFaultClass.Contributory) ||
      (first === DoubleFaultClass.PageFault && second !== DoubleFaultClass.Benign);
    if (double) {
      st.chain.push("→ #DF(0) (SDM Vol. 3A Table 6-5)");
      deliverWithNesting(cpu, Vector.DF, 0, EventSource.Exception);
    } else {
      deliverWithNesting(cpu, e.vector, e.errorCode, EventSource.Exception);
    }
  } finally {
    st.depth--;
  }
}

/** One delivery attempt through the IVT or the IDT. */
function deliver(cpu: Cpu, vector: number, errorCode: number | undefined, source: EventSource): void {
  cpu.materializeFlags();
  if (!cpu.protectedMode) {
    if (cpu.v86Mode) { deliverProtected(cpu, vector, errorCode, source); return; }
    deliverReal(cpu, vector);
    return;
  }
  deliverProtected(cpu, vector, errorCode, source);
}

/** Real-address mode (SDM Vol. 3A §20.1.4): FLAGS, CS, IP pushed; IF, TF, AC cleared; CS:IP from the IVT. */
function deliverReal(cpu: Cpu, vector: number): void {
  const entry = vector * 4;
  if (entry + 3 > cpu.idtrLimit) throw gp(0, `real-mode interrupt 0x${vector.toString(16)}: IVT entry beyond IDTR limit`);
  const ip = cpu.readSystem16((cpu.idtrBase + entry) | 0);
  const cs = cpu.readSystem16((cpu.idtrBase + entry + 2) | 0);
  cpu.push16(cpu.getEflags() & 0xffff);
  cpu.push16(cpu.segSel[SegReg.CS]);
  cpu.push16(cpu.eip & 0xffff);
  cpu.setEflags(cpu.getEflags() & ~(EFLAGS.IF | EFLAGS.TF | EFLAGS.AC | EFLAGS.RF));
  cpu.loadSegmentReal(SegReg.CS, cs);
  cpu.eip = ip;
}

/** Reads the IDT gate for a vector (SDM Vol. 3A §6.11). */
export function readGate(cpu: Cpu, vector: number, ext: boolean): SegmentDescriptor {
  if (vector * 8 + 7 > cpu.idtrLimit)
    throw gp(idtErrorCode(vector, ext), `IDT entry ${vector} is beyond the IDTR limit 0x${cpu.idtrLimit.toString(16)}`);
  const lin = (cpu.idtrBase + vector * 8) | 0;
  return new SegmentDescriptor(cpu.readSystem32(lin), cpu.readSystem32(lin + 4));
}

/**
 * Reads the stack for privilege level `dpl` from the current TSS (SDM Vol. 3A §7.2.1, Figure 7-2):
 * SSn:ESPn at offsets 8n+8 and 8n+4 of a 32-bit TSS, 4n+4 and 4n+2 of a 16-bit one.
 */
export function readTssStack(cpu: Cpu, dpl: number, ext: boolean): { ss: number; esp: number } {
  const tss32 = (cpu.trType & 8) !== 0;
  const off = tss32 ? 8 * dpl + 4 : 4 * dpl + 2;
  const size = tss32 ? 8 : 4;
  if (off + size - 1 > cpu.trLimit)
    throw ts(selectorErrorCode(cpu.trSel, ext), `TSS limit 0x${cpu.trLimit.toString(16)} too small to hold the ring-${dpl} stack pointer`);
  const lin = (cpu.trBase + off) | 0;
  if (tss32) return { esp: cpu.readSystem32(lin) >>> 0, ss: cpu.readSystem16(lin + 4) };
  return { esp: cpu.readSystem16(lin), ss: cpu.readSystem16(lin + 2) };
}

/**
 * Protected-mode delivery through an interrupt or trap gate (SDM Vol. 3A §6.12.1, and the
 * Operation section of INT n in Vol. 2). Task gates are not implemented yet: #GP with a reason.
 */
function deliverProtected(cpu: Cpu, vector: number, errorCode: number | undefined, source: EventSource): void {
  const ext = source === EventSource.External;
  const idtEc = idtErrorCode(vector, ext);
  const gate = readGate(cpu, vector, ext);
  const type = gate.type;
  const is32 = type === SystemType.InterruptGate32 || type === SystemType.TrapGate32;
  const isGate = is32 || type === SystemType.InterruptGate16 || type === SystemType.TrapGate16;
  if (type === SystemType.TaskGate && !gate.isCodeOrData)
    throw gp(idtEc, `IDT entry ${vector} is a task gate: hardware task switches are not implemented`);
  // must be an interrupt, trap or task gate
  if (!isGate || gate.isCodeOrData)
    throw gp(idtEc, `IDT entry ${vector} is not an interrupt, trap or task gate (type ${type})`);
  // software interrupts: gate DPL must be >= CPL
  if (source === EventSource.Software && gate.dpl < cpu.cpl)
    throw gp(idtEc, `INT 0x${vector.toString(16)}: gate DPL ${gate.dpl} < CPL ${cpu.cpl}`);
  // gate must be present
  if (!gate.present) throw np(idtEc, `IDT entry ${vector}: gate not present`);
  const sel = gate.gateSelector;
  // code-segment selector must not be null
  if ((sel & 0xfffc) === 0) throw gp(ext ? 1 : 0, `IDT entry ${vector}: gate's code-segment selector is null`);
  const cs = readDescriptor(cpu, sel, `IDT entry ${vector} target CS`, gp, ext);
  // must be a code segment with DPL <= CPL
  if (!cs.isCode) throw gp(selectorErrorCode(sel, ext), `IDT entry ${vector}: target ${sel.toString(16)} is not a code segment`);
  if (cs.dpl > cpu.cpl) throw gp(selectorErrorCode(sel, ext), `IDT entry ${vector}: target CS DPL ${cs.dpl} > CPL ${cpu.cpl}`);
  if (!cs.present) throw np(selectorErrorCode(sel, ext), `IDT entry ${vector}: target code segment not present`);

  const oldFlags = cpu.getEflags();
  const oldCs = cpu.segSel[SegReg.CS], oldEip = cpu.eip >>> 0;
  const oldSs = cpu.segSel[SegReg.SS], oldEsp = cpu.r32[4] >>> 0;
  const v86 = (oldFlags & EFLAGS.VM) !== 0;
  const newCpl = cs.conforming ? cpu.cpl : cs.dpl;
  const offset = gate.gateOffset & (is32 ? 0xffffffff : 0xffff);
  if (offset > cs.limit) throw gp(ext ? 1 : 0, `IDT entry ${vector}: gate offset 0x${offset.toString(16)} beyond the target CS limit`);

  // Snapshot of what the stack switch changes, restored if a push faults.
  const saved = saveStackState(cpu);
  try {
    if (!cs.conforming && cs.dpl < cpu.cpl) {
      // Inter-privilege-level interrupt: new stack from the TSS.
      const stack = readTssStack(cpu, cs.dpl, ext);
      const nss = stack.ss;
      if ((nss & 0xfffc) === 0) throw ts(ext ? 1 : 0, `TSS SS${cs.dpl} is a null selector`);
      const sd = readDescriptor(cpu, nss, `TSS SS${cs.dpl}`, ts, ext);
      if ((nss & 3) !== cs.dpl) throw ts(selectorErrorCode(nss, ext), `TSS SS${cs.dpl} RPL ${nss & 3} != new CPL ${cs.dpl}`);
      if (sd.dpl !== cs.dpl) throw ts(selectorErrorCode(nss, ext), `TSS SS${cs.dpl} DPL ${sd.dpl} != new CPL ${cs.dpl}`);
      if (!sd.writable) throw ts(selectorErrorCode(nss, ext), `TSS SS${cs.dpl} is not a writable data segment`);
      if (!sd.present) throw ss(selectorErrorCode(nss, ext), `TSS SS${cs.dpl} not present`);
      if (v86 && cs.dpl !== 0) throw gp(selectorErrorCode(sel, ext), `interrupt from virtual-8086 mode to a handler with DPL ${cs.dpl} != 0`);
      cpu.cpl = cs.dpl;
      loadCacheFromDescriptor(cpu, SegReg.SS, nss, sd);
      cpu.updatePrivilege();
      cpu.r32[4] = stack.esp;
      if (v86) {
        push(cpu, is32, cpu.segSel[SegReg.GS]);
        push(cpu, is32, cpu.segSel[SegReg.FS]);
        push(cpu, is32, cpu.segSel[SegReg.DS]);
        push(cpu, is32, cpu.segSel[SegReg.ES]);
      }
      push(cpu, is32, oldSs);
      push(cpu, is32, oldEsp);
    } else if (cs.conforming || cs.dpl === cpu.cpl) {
      if (v86) throw gp(selectorErrorCode(sel, ext), `interrupt from virtual-8086 mode to a non-ring-0 or conforming handler`);
      // Intra-privilege-level interrupt: same stack.
    } else {
      throw gp(selectorErrorCode(sel, ext), `IDT entry ${vector}: target CS DPL ${cs.dpl} > CPL ${cpu.cpl}`);
    }
    push(cpu, is32, oldFlags);
    push(cpu, is32, oldCs);
    push(cpu, is32, oldEip);
    if (errorCode !== undefined) push(cpu, is32, errorCode);
  } catch (e) {
    restoreStackState(cpu, saved);
    throw e;
  }
  if (v86) {
    for (const s of [SegReg.DS, SegReg.ES, SegReg.FS, SegReg.GS]) setSegmentCache(cpu, s, 0, 0, 0, 0);
  }
  cpu.cpl = newCpl;
  loadCacheFromDescriptor(cpu, SegReg.CS, (sel & 0xfffc) | newCpl, cs);
  cpu.updatePrivilege();
  cpu.eip = offset;
  let f = oldFlags & ~(EFLAGS.TF | EFLAGS.NT | EFLAGS.RF | EFLAGS.VM);
  if (type === SystemType.InterruptGate32 || type === SystemType.InterruptGate16) f &= ~EFLAGS.IF;
  cpu.setEflags(f);
  if (v86) { cpu.refreshSegments(); }
}

function push(cpu: Cpu, is32: boolean, v: number): void {
  if (is32) cpu.push32(v); else cpu.push16(v & 0xffff);
}

interface StackState { cpl: number; sel: number; base: number; limit: number; ar: number; esp: number }
function saveStackState(cpu: Cpu): StackState {
  return { cpl: cpu.cpl, sel: cpu.segSel[SegReg.SS], base: cpu.segBase[SegReg.SS], limit: cpu.segLimit[SegReg.SS],
    ar: cpu.segAr[SegReg.SS], esp: cpu.r32[4] };
}
function restoreStackState(cpu: Cpu, s: StackState): void {
  cpu.cpl = s.cpl;
  setSegmentCache(cpu, SegReg.SS, s.sel, s.base, s.limit, s.ar);
  cpu.r32[4] = s.esp;
  cpu.updatePrivilege();
}
