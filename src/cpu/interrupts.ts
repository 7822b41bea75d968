/**
 * Interrupt and exception delivery (Intel SDM Vol. 3A chapter 6, and the Operation section of
 * "INT n/INTO/INT3/INT1" in Vol. 2A): the real-mode IVT (§20.1.4), protected-mode IDT interrupt and
 * trap gates with the stack switch through the TSS (§6.12.1), and the double-fault rules (§6.15
 * "Interrupt 8", Table 6-5) ending in a triple fault that shuts the processor down with the chain of
 * events that led to it.
 *
 * A delivery either completes or throws before changing any register (the frame is checked as a
 * whole before the first write), so a fault during delivery sees the state the event interrupted.
 *
 * Task gates switch tasks (tasks.ts). Delivery from virtual-8086 mode (entered by IRETD or a task
 * switch) pushes GS, FS, DS, ES before SS:ESP and nulls those four registers.
 */
import type { Cpu } from "./cpu.js";
import { decode } from "./decoder.js";
import { disassemble } from "./disasm.js";
import {
  CpuFault, DoubleFaultClass, ExceptionClass, VECTORS, Vector, faultName, gp, idtErrorCode, np, selectorErrorCode, ss, ts,
} from "./fault.js";
import { EFLAGS } from "./flags.js";
import { TaskSwitchSource, checkTaskEip, readTssDescriptor, taskSwitch } from "./tasks.js";
import {
  CheckedDescriptor, SegReg, SegmentDescriptor, StackFrame, StackName, faultInContext, scratchFrame, isNullSelector, loadCodeSegment,
  loadNullSegment, loadStackSegment, readDescriptor, setAccessedBit,
} from "./segmentation.js";

/** Bookkeeping for faults raised while another event is being delivered. */
export interface DeliveryState {
  /** Nesting of deliveries in progress (0 between instructions). */
  depth: number;
  /**
   * Vector of a software interrupt whose delivery failed and whose fault is about to be delivered
   * (the chain continues with it); -1 otherwise.
   */
  firstVector: number;
  /** Human-readable chain of events of the current delivery, for triple-fault reports. */
  chain: string[];
  /** Scratch stack frame of far transfers and deliveries (segmentation.ts scratchFrame). */
  frame?: StackFrame;
  /** Deliveries through interrupt/trap gates validated earlier, by vector (see ValidatedGate). */
  validated?: Array<ValidatedGate | undefined>;
  /** IRET's last checked return CS and return SS (see CheckedDescriptor). */
  iretCs?: CheckedDescriptor;
  iretSs?: CheckedDescriptor;
}

/**
 * A delivery through an interrupt or trap gate whose static checks passed: the gate, the
 * handler's code segment and, for an inner-ring handler, the TSS stack and its stack segment, as
 * read and checked at CPL `cpl` with the descriptor tables and the task register as recorded.
 * Those checks depend only on memory that Cpu watches (the pages of the gate, the descriptors and
 * the TSS field are marked), so while Cpu.systemEpoch is unchanged the same delivery from the same
 * CPL would read the same values and pass the same checks: it reuses them and skips the reads.
 * What depends on the moment — the frame's room and pages, EFLAGS, the pushes — is done every time.
 */
class ValidatedGate {
  epoch = -1;
  cpl = -1;
  idtrBase = 0; idtrLimit = 0; gdtrBase = 0; gdtrLimit = 0; ldtrSel = 0; ldtrBase = 0; ldtrLimit = 0;
  trSel = 0; trBase = 0; trLimit = 0; trType = 0;
  constructor(
    readonly gate: SegmentDescriptor,
    readonly cs: SegmentDescriptor,
    readonly inner: boolean,
    readonly ssSel: number,
    readonly ss: SegmentDescriptor | null,
    readonly esp: number,
  ) {}
}

/** The validated delivery for `vector` from the current state, if its epoch and context still hold. */
function validatedGate(cpu: Cpu, vector: number, source: EventSource): ValidatedGate | undefined {
  const v = cpu.delivery.validated?.[vector];
  if (v === undefined || v.epoch !== cpu.systemEpoch || v.cpl !== cpu.cpl) return undefined;
  // validated for an exception or interrupt: a software interrupt must still pass the gate-DPL check
  if (isSoftware(source) && v.gate.dpl < cpu.cpl) return undefined;
  if (v.idtrBase !== cpu.idtrBase || v.idtrLimit !== cpu.idtrLimit || v.gdtrBase !== cpu.gdtrBase ||
    v.gdtrLimit !== cpu.gdtrLimit || v.ldtrSel !== cpu.ldtrSel || v.ldtrBase !== cpu.ldtrBase ||
    v.ldtrLimit !== cpu.ldtrLimit || v.trSel !== cpu.trSel || v.trBase !== cpu.trBase ||
    v.trLimit !== cpu.trLimit || v.trType !== cpu.trType) return undefined;
  return v;
}

/** Watches the 8 bytes of a descriptor or gate at linear `lin` (supervisor access). */
function watchStructure(cpu: Cpu, lin: number, bytes: number): void {
  cpu.watchSystemStructure(cpu.translateSystem(lin, false));
  cpu.watchSystemStructure(cpu.translateSystem((lin + bytes - 1) | 0, false));
}

/** Records a delivery whose static checks all passed (and whose accessed bits are set). */
function rememberGate(cpu: Cpu, vector: number, gate: SegmentDescriptor, cs: SegmentDescriptor, sel: number,
  inner: boolean, frame: StackFrame, esp: number): void {
  const descLin = (s: number) => (((s & 4) !== 0 ? cpu.ldtrBase : cpu.gdtrBase) + (s & 0xfff8)) | 0;
  watchStructure(cpu, (cpu.idtrBase + vector * 8) | 0, 8);
  watchStructure(cpu, descLin(sel), 8);
  if (inner) {
    const tss32 = (cpu.trType & 8) !== 0;
    const at = tss32 ? (cs.dpl << 3) + 4 : (cs.dpl << 2) + 2;
    watchStructure(cpu, (cpu.trBase + at) | 0, tss32 ? 6 : 4);
    watchStructure(cpu, descLin(frame.sel), 8);
  }
  const v = new ValidatedGate(gate, cs, inner, frame.sel, inner ? frame.desc : null, esp);
  v.cpl = cpu.cpl;
  v.idtrBase = cpu.idtrBase; v.idtrLimit = cpu.idtrLimit; v.gdtrBase = cpu.gdtrBase; v.gdtrLimit = cpu.gdtrLimit;
  v.ldtrSel = cpu.ldtrSel; v.ldtrBase = cpu.ldtrBase; v.ldtrLimit = cpu.ldtrLimit;
  v.trSel = cpu.trSel; v.trBase = cpu.trBase; v.trLimit = cpu.trLimit; v.trType = cpu.trType;
  v.epoch = cpu.systemEpoch;
  (cpu.delivery.validated ??= new Array(256))[vector] = v;
}

/** Which instruction raised a software interrupt (SDM Vol. 2A "INT n/INTO/INT3/INT1"). */
export const enum SoftwareInterrupt { INTn, INT3, INTO, INT1 }

/**
 * How an event came to be delivered: it decides the gate-DPL check and the EXT bit (SDM §6.13).
 * The first four are the SoftwareInterrupt kinds: INT n, INT3 and INTO check the gate DPL against
 * CPL with EXT = 0; INT1 (ICEBP) does not check and sets EXT (SDM Vol. 2A INT1 note).
 */
export const enum EventSource {
  IntN = SoftwareInterrupt.INTn, Int3 = SoftwareInterrupt.INT3, Into = SoftwareInterrupt.INTO, Int1 = SoftwareInterrupt.INT1,
  /** A processor exception: EXT = 1 in the error code of a fault detected while delivering it. */
  Exception,
  /** An external (INTR/NMI) interrupt: EXT = 1. */
  External,
}
/** INT n, INT3, INTO: the sources whose gate DPL is checked and whose delivery faults have EXT = 0. */
const isSoftware = (source: EventSource): boolean => source <= EventSource.Into;

const dfClass = (v: number): DoubleFaultClass => VECTORS[v]?.dfClass ?? DoubleFaultClass.Benign;
const CLASS_NAMES = ["benign", "contributory", "page-fault"];
const hex = (v: number): string => `0x${(v >>> 0).toString(16)}`;

/**
 * Delivers a processor exception, applying the double-fault rules when a fault is raised during
 * its delivery. `trap` marks exceptions reported after an instruction completed (single-step #DB):
 * for the others, fault-class exceptions push EFLAGS with RF = 1 (SDM Vol. 3B §17.3.1.1: "for any
 * fault-class exception except a debug exception generated in response to an instruction
 * breakpoint, the value pushed for RF is 1"). The error code is pushed as the fault carries it.
 */
export function deliverException(cpu: Cpu, fault: CpuFault, trap: boolean): void {
  const st = cpu.delivery;
  if (st.depth === 0) {
    if (st.firstVector < 0) st.chain.length = 0;
    st.firstVector = -1;
  }
  st.chain.push(`${faultName(fault.vector, fault.errorCode)} at ${describeLocation(cpu)}${instructionText(cpu, cpu.eip)}: ${fault.reason}`);
  if (!trap && fault.vector !== Vector.DB && VECTORS[fault.vector]?.kind === ExceptionClass.Fault) cpu.flags |= EFLAGS.RF;
  deliverWithNesting(cpu, fault.vector, fault.errorCode, EventSource.Exception);
}

/** Delivers an external interrupt supplied by the interrupt controller (EXT = 1, no DPL check). */
export function deliverExternalInterrupt(cpu: Cpu, vector: number): void {
  const st = cpu.delivery;
  st.chain.length = 0;
  st.firstVector = -1;
  deliverWithNesting(cpu, vector, undefined, EventSource.External);
}

/**
 * INT n / INT3 / INTO / INT1 (SDM Vol. 2A "INT n/INTO/INT3/INT1"), called by the instruction with
 * EIP already past it (the return address pushed). INT n, INT3 and INTO check the gate's DPL
 * against CPL; INT1 does not, and sets EXT. A fault during the delivery is a fault of the INT
 * instruction: it is thrown to the execution loop, which restarts the instruction's state and
 * delivers it (a #GP(vector·8+2) for a DPL violation, say), the chain continuing with it.
 */
export function deliverSoftwareInterrupt(cpu: Cpu, vector: number, kind: SoftwareInterrupt = SoftwareInterrupt.INTn): void {
  if (cpu.softwareInterruptHook !== null && cpu.softwareInterruptHook(cpu, vector)) return;
  try {
    deliver(cpu, vector, undefined, kind as number as EventSource);
  } catch (e) {
    if (e instanceof CpuFault) {
      const st = cpu.delivery;
      st.chain.length = 0;
      st.chain.push(`${INSTRUCTION_NAMES[kind]}${kind === SoftwareInterrupt.INTn ? ` ${hex(vector)}` : ""} at ${describeLocation(cpu, cpu.instrStart)}`);
      st.firstVector = vector;
    }
    throw e;
  }
}
const INSTRUCTION_NAMES = ["INT", "INT3", "INTO", "INT1"];

function deliverWithNesting(cpu: Cpu, vector: number, errorCode: number | undefined, source: EventSource): void {
  const st = cpu.delivery;
  st.depth++;
  try {
    deliver(cpu, vector, errorCode, source);
  } catch (e) {
    if (!(e instanceof CpuFault)) throw e;
    if (st.chain.length === 0) st.chain.push(`external interrupt ${hex(vector)} at ${describeLocation(cpu)}`);
    st.chain.push(`${faultName(e.vector, e.errorCode)} while delivering ${eventName(vector, errorCode, source)}: ${e.reason}`);
    cpu.onException?.(e, cpu.eip);
    // SDM Table 6-5: a contributory or page fault while delivering #DF is a triple fault: shutdown.
    if (vector === Vector.DF) {
      st.chain.push("→ triple fault: the processor shuts down (SDM Vol. 3A §6.15, Interrupt 8)");
      cpu.enterShutdown(`triple fault: ${faultName(e.vector, e.errorCode)} while delivering #DF: ${e.reason}`);
      return;
    }
    const first = source === EventSource.Exception ? dfClass(vector) : DoubleFaultClass.Benign;
    const second = dfClass(e.vector);
    // SDM Table 6-5: contributory then contributory, or page fault then contributory or page fault: #DF
    const double =
      (first === DoubleFaultClass.Contributory && second === DoubleFaultClass.Contributory) ||
      (first === DoubleFaultClass.PageFault && second !== DoubleFaultClass.Benign);
    if (VECTORS[e.vector]?.kind === ExceptionClass.Fault) cpu.flags |= EFLAGS.RF;
    if (double) {
      st.chain.push(`→ #DF(0): ${CLASS_NAMES[second]} exception during delivery of a ${CLASS_NAMES[first]} one (SDM Vol. 3A Table 6-5)`);
      deliverWithNesting(cpu, Vector.DF, 0, EventSource.Exception);
    } else {
      st.chain.push(`→ ${faultName(e.vector, e.errorCode)} handled serially (SDM Vol. 3A Table 6-5: ${CLASS_NAMES[first]} then ${CLASS_NAMES[second]})`);
      deliverWithNesting(cpu, e.vector, e.errorCode, EventSource.Exception);
    }
  } finally {
    st.depth--;
  }
}

function eventName(vector: number, errorCode: number | undefined, source: EventSource): string {
  if (source === EventSource.Exception) return faultName(vector, errorCode);
  if (source === EventSource.External) return `external interrupt ${hex(vector)}`;
  return source === EventSource.IntN ? `INT ${hex(vector)}` : INSTRUCTION_NAMES[source];
}

/**
 * One line for an exception as it is raised, for traces: `#GP(0x1b) at 0x8:0xc0101234 (CPL 0)
 * \`iret\`: IRET: return CS RPL 0 < CPL 3` — the vector and error code, where, the instruction, and
 * the violated rule.
 */
export function describeFault(cpu: Cpu, fault: CpuFault, eip: number): string {
  return `${faultName(fault.vector, fault.errorCode)} at ${describeLocation(cpu, eip)}${instructionText(cpu, eip)}: ${fault.reason}`;
}

/**
 * ` \`iret\``: the instruction at CS:eip, disassembled, for the chain of a fault report; empty when
 * it cannot be fetched (the fault may be on that very fetch). Leaves CR2 as it was.
 */
function instructionText(cpu: Cpu, eip: number): string {
  const cr2 = cpu.cr2;
  try {
    return ` \`${disassemble(decode(cpu, (cpu.segBase[SegReg.CS] + eip) | 0), eip >>> 0)}\``;
  } catch {
    return "";
  } finally {
    cpu.cr2 = cr2;
  }
}

function describeLocation(cpu: Cpu, eip: number = cpu.eip): string {
  return `${hex(cpu.segSel[SegReg.CS])}:${hex(eip)} (CPL ${cpu.cpl})`;
}

/**
 * One delivery attempt through the IVT or the IDT; throws before changing any state. The reason of
 * a fault raised on the way is put in the context of the event ("INT 0x80: gate DPL 0 < CPL 3").
 */
function deliver(cpu: Cpu, vector: number, errorCode: number | undefined, source: EventSource): void {
  cpu.materializeFlags();
  try {
    if ((cpu.cr0 & 1) === 0) deliverReal(cpu, vector);
    else deliverProtected(cpu, vector, errorCode, source);
  } catch (e) {
    throw faultInContext(e, eventName(vector, errorCode, source));
  }
}

/**
 * Real-address mode (SDM Vol. 3A §20.1.4, Vol. 2A INT n "REAL-ADDRESS-MODE"): the IVT entry at
 * IDTR.base + 4·vector gives IP and CS; FLAGS, CS, IP are pushed (no error code), IF, TF, AC and RF
 * are cleared. #GP if the entry is beyond the IDTR limit or the new IP beyond the CS limit; #SS if
 * the stack has no room for 6 bytes.
 */
function deliverReal(cpu: Cpu, vector: number): void {
  // the IVT entry must be within the IDTR limit, else #GP
  if (vector * 4 + 3 > cpu.idtrLimit) throw gp(0, `real-mode IVT entry ${hex(vector)} is beyond the IDTR limit ${hex(cpu.idtrLimit)}`);
  const frame = scratchFrame(cpu).fromCurrent(cpu);
  // the stack must have room for FLAGS, CS and IP, else #SS
  frame.check(cpu, 6, 2, Vector.SS, 0, StackName.Current);
  const entry = (cpu.idtrBase + vector * 4) | 0;
  const ip = cpu.readSystem16(entry);
  const cs = cpu.readSystem16(entry + 2);
  // the new IP must be within the CS limit (which a real-mode load does not change), else #GP
  if (ip > cpu.segLimit[SegReg.CS]) throw gp(0, `real-mode IVT entry ${hex(vector)}: IP ${hex(ip)} is beyond the CS limit ${hex(cpu.segLimit[SegReg.CS])}`);
  frame.push(cpu, 2, cpu.getEflags() & 0xffff);
  frame.push(cpu, 2, cpu.segSel[SegReg.CS]);
  frame.push(cpu, 2, cpu.eip & 0xffff);
  frame.commitEsp(cpu);
  cpu.setEflags(cpu.getEflags() & ~(EFLAGS.IF | EFLAGS.TF | EFLAGS.AC | EFLAGS.RF));
  cpu.loadSegmentReal(SegReg.CS, cs);
  cpu.eip = ip;
}

/** Reads the IDT gate for a vector (SDM Vol. 3A §6.11), #GP(vector·8+2+EXT) beyond the IDTR limit. */
export function readGate(cpu: Cpu, vector: number, ext: boolean): SegmentDescriptor {
  // the gate must be within the IDT limit, else #GP(error_code(vector, IDT, EXT))
  if (vector * 8 + 7 > cpu.idtrLimit)
    throw gp(idtErrorCode(vector, ext), `IDT entry ${hex(vector)} is beyond the IDTR limit ${hex(cpu.idtrLimit)}`);
  const lin = (cpu.idtrBase + vector * 8) | 0;
  return new SegmentDescriptor(cpu.readSystem32(lin), cpu.readSystem32(lin + 4));
}

/**
 * Reads SSn:ESPn for privilege level `dpl` (0–2) from the current TSS (SDM Vol. 3A §7.2.1 Figure 7-2;
 * Vol. 2A INT n / CALL "TSSstackAddress"): a 32-bit TSS holds ESPn at 8n+4 and SSn at 8n+8, a
 * 16-bit one SPn at 4n+2 and SSn at 4n+4. Returns ESPn and leaves SSn in `frame.sel`.
 * #TS(TR selector + EXT) if the TSS limit does not cover them: TSSstackAddress + 5 (+ 3), as the
 * SDM's pseudo-code says; Bochs checks + 7, which differs only for a TSS limit that ends inside
 * the padding after SSn.
 */
export function readTssStack(cpu: Cpu, dpl: number, ext: boolean, frame: StackFrame): number {
  // TR must hold a TSS (it does once LTR ran; before, the task register is unusable)
  if (cpu.trType === 0) throw ts(ext ? 1 : 0, `the task register holds no TSS (LTR was never executed), so there is no ring-${dpl} stack`);
  const tss32 = (cpu.trType & 8) !== 0;
  const at = tss32 ? (dpl << 3) + 4 : (dpl << 2) + 2;
  // TSSstackAddress + 5 (+ 3 for a 16-bit TSS) must be within the TSS limit, else #TS(TSS selector)
  if (at + (tss32 ? 5 : 3) > cpu.trLimit)
    throw ts(selectorErrorCode(cpu.trSel, ext), `the TSS limit ${hex(cpu.trLimit)} does not cover SS${dpl}:ESP${dpl} at offset ${hex(at)}`);
  const lin = (cpu.trBase + at) | 0;
  if (tss32) { frame.sel = cpu.readSystem16(lin + 4); return cpu.readSystem32(lin) >>> 0; }
  frame.sel = cpu.readSystem16(lin + 2);
  return cpu.readSystem16(lin);
}

/**
 * The new stack for an inner privilege level from the TSS, with the checks of SDM Vol. 2A INT n
 * ("INTER-PRIVILEGE-LEVEL-INTERRUPT") and CALL ("MORE-PRIVILEGE"): a null SSn raises #TS(EXT);
 * beyond the table limit, RPL != new CPL, DPL != new CPL or not a writable data segment raise
 * #TS(SSn + EXT); not present raises #SS(SSn + EXT). On return `frame` describes the new stack
 * (selector, descriptor, ESPn, written at the new CPL).
 */
export function innerStack(cpu: Cpu, newCpl: number, ext: boolean, frame: StackFrame): void {
  const esp = readTssStack(cpu, newCpl, ext, frame);
  const sel = frame.sel;
  // the new SS must not be null, else #TS(EXT)
  if (isNullSelector(sel)) throw ts(ext ? 1 : 0, `TSS SS${newCpl} ${hex(sel)} is a null selector`);
  const desc = readDescriptor(cpu, sel, TSS_SS[newCpl], ts, ext);
  // its RPL must equal the new CPL, else #TS(SS selector)
  if ((sel & 3) !== newCpl) throw ts(selectorErrorCode(sel, ext), `TSS SS${newCpl} ${hex(sel)} RPL ${sel & 3} != new CPL ${newCpl}`);
  // its DPL must equal the new CPL, else #TS(SS selector)
  if (desc.dpl !== newCpl) throw ts(selectorErrorCode(sel, ext), `TSS SS${newCpl} ${hex(sel)} descriptor DPL ${desc.dpl} != new CPL ${newCpl}`);
  // it must be a writable data segment, else #TS(SS selector)
  if (!desc.writable) throw ts(selectorErrorCode(sel, ext), `TSS SS${newCpl} ${hex(sel)} is ${desc.aTypeName}, not a writable data segment`);
  // it must be present, else #SS(SS selector)
  if (!desc.present) throw ss(selectorErrorCode(sel, ext), `TSS SS${newCpl} ${hex(sel)} stack segment not present`);
  frame.fromDescriptor(sel, desc, esp, newCpl);
}
const TSS_SS = ["TSS SS0", "TSS SS1", "TSS SS2"];

/** "32-bit trap gate 0x80", for reasons. */
function gateName(gate: SegmentDescriptor, vector: number): string {
  return `${gate.typeName} ${hex(vector)}`;
}

/**
 * Protected-mode delivery through an interrupt or trap gate (SDM Vol. 2A INT n Operation
 * "PROTECTED-MODE", "TRAP-OR-INTERRUPT-GATE", "INTER-PRIVILEGE-LEVEL-INTERRUPT",
 * "INTRA-PRIVILEGE-LEVEL-INTERRUPT", "INTERRUPT-FROM-VIRTUAL-8086-MODE"; Vol. 3A §6.12.1).
 *
 * The frame, from the top of the new stack: [GS FS DS ES (from V86)] [SS ESP (privilege change)]
 * EFLAGS CS EIP [error code], in 4-byte slots for a 32-bit gate, 2-byte slots for a 16-bit one.
 * Then CS:EIP come from the gate, CPL = the code segment's DPL (unless conforming), TF, NT, RF, VM
 * are cleared, and IF too for an interrupt gate.
 */
function deliverProtected(cpu: Cpu, vector: number, errorCode: number | undefined, source: EventSource): void {
  if ((cpu.flags & EFLAGS.VM) === 0) {
    const v = validatedGate(cpu, vector, source);
    if (v !== undefined) { deliverValidated(cpu, v, errorCode, source); return; }
  }
  const ext = !isSoftware(source);
  const idtEc = idtErrorCode(vector, ext);
  const gate = readGate(cpu, vector, ext);
  // the IDT entry must be an interrupt, trap or task gate, else #GP(error_code(vector, IDT, EXT))
  if (!gate.isInterruptOrTrapGate && !gate.isTaskGate)
    throw gp(idtEc, `IDT entry ${hex(vector)} is ${gate.isSystem ? gate.aTypeName : "a code/data segment descriptor"}, not an interrupt, trap or task gate`);
  // software interrupts (INT n, INT3, INTO; not INT1): gate DPL must be >= CPL, else #GP(error_code(vector, IDT, 0))
  if (isSoftware(source) && gate.dpl < cpu.cpl) throw gp(idtErrorCode(vector, false), `gate DPL ${gate.dpl} < CPL ${cpu.cpl}`);
  // the gate must be present, else #NP(error_code(vector, IDT, EXT))
  if (!gate.present) throw np(idtEc, `IDT entry ${hex(vector)} (${gate.typeName}) not present`);
  if (gate.isTaskGate) { deliverThroughTaskGate(cpu, gate, errorCode, ext); return; }

  const sel = gate.gateSelector;
  // the gate's code-segment selector must not be null, else #GP(EXT)
  if (isNullSelector(sel)) throw gp(ext ? 1 : 0, `through ${gateName(gate, vector)}: the gate's code-segment selector ${hex(sel)} is null`);
  const cs = readDescriptor(cpu, sel, "IDT gate's code segment", gp, ext);
  // it must name a code segment with DPL <= CPL, else #GP(selector + EXT)
  if (!cs.isCode) throw gp(selectorErrorCode(sel, ext), `through ${gateName(gate, vector)}: target ${hex(sel)} is ${cs.aTypeName}${cs.isSystem ? "" : " segment"}, not a code segment`);
  if (cs.dpl > cpu.cpl) throw gp(selectorErrorCode(sel, ext), `through ${gateName(gate, vector)}: target code segment ${hex(sel)} DPL ${cs.dpl} > CPL ${cpu.cpl}`);
  // the code segment must be present, else #NP(selector + EXT)
  if (!cs.present) throw np(selectorErrorCode(sel, ext), `through ${gateName(gate, vector)}: target code segment ${hex(sel)} not present`);

  const is32 = gate.is32BitSystem;
  const slot: 2 | 4 = is32 ? 4 : 2;
  const v86 = (cpu.flags & EFLAGS.VM) !== 0;
  const withError = errorCode !== undefined ? 1 : 0;
  const inner = !cs.conforming && cs.dpl < cpu.cpl;
  const frame = scratchFrame(cpu);
  if (inner) {
    // from virtual-8086 mode only to a ring-0 handler, else #GP(selector + EXT)
    if (v86 && cs.dpl !== 0) throw gp(selectorErrorCode(sel, ext), `through ${gateName(gate, vector)}: from virtual-8086 mode the handler's code segment must have DPL 0, not ${cs.dpl}`);
    innerStack(cpu, cs.dpl, ext, frame);
    // the new stack must have room for the frame, else #SS(error_code(NewSS, 0, EXT))
    frame.check(cpu, slot * (5 + withError + (v86 ? 4 : 0)), slot, Vector.SS, selectorErrorCode(frame.sel, ext), cs.dpl as StackName);
  } else {
    // from virtual-8086 mode a same-level (conforming or DPL-3) handler is not allowed, else #GP(selector + EXT)
    if (v86) throw gp(selectorErrorCode(sel, ext), `through ${gateName(gate, vector)}: from virtual-8086 mode the handler must run at ring 0 in a non-conforming segment`);
    frame.fromCurrent(cpu);
    // the current stack must have room for the frame, else #SS(EXT)
    frame.check(cpu, slot * (3 + withError), slot, Vector.SS, ext ? 1 : 0, StackName.Current);
  }
  const offset = is32 ? gate.gateOffset : gate.gateOffset & 0xffff;
  // the gate's offset must be within the code segment limit, else #GP(EXT)
  if (offset > cs.limit) throw gp(ext ? 1 : 0, `through ${gateName(gate, vector)}: gate offset ${hex(offset)} is beyond the limit ${hex(cs.limit)} of code segment ${hex(sel)}`);
  const newSs = frame.desc;
  setAccessedBit(cpu, sel, cs);
  if (newSs !== null) setAccessedBit(cpu, frame.sel, newSs);
  if (!v86) rememberGate(cpu, vector, gate, cs, sel, inner, frame, frame.top);

  enterHandler(cpu, frame, gate, cs, sel, inner, v86, slot, errorCode, offset);
}

/**
 * The delivery from the frame pushes on (nothing here can fault): pushes the frame checked
 * before, loads SS (for an inner-ring handler) and CS, and clears the EFLAGS bits the gate type
 * says (SDM Vol. 3A §6.12.1.3).
 */
function enterHandler(cpu: Cpu, frame: StackFrame, gate: SegmentDescriptor, cs: SegmentDescriptor, sel: number,
  inner: boolean, v86: boolean, slot: 2 | 4, errorCode: number | undefined, offset: number): void {
  const newSs = frame.desc;
  const oldFlags = cpu.getEflags();
  if (newSs !== null) {
    if (v86) {
      frame.push(cpu, slot, cpu.segSel[SegReg.GS]);
      frame.push(cpu, slot, cpu.segSel[SegReg.FS]);
      frame.push(cpu, slot, cpu.segSel[SegReg.DS]);
      frame.push(cpu, slot, cpu.segSel[SegReg.ES]);
    }
    frame.push(cpu, slot, cpu.segSel[SegReg.SS]);
    frame.push(cpu, slot, cpu.r32[4]);
  }
  frame.push(cpu, slot, oldFlags);
  frame.push(cpu, slot, cpu.segSel[SegReg.CS]);
  frame.push(cpu, slot, cpu.eip);
  if (errorCode !== undefined) frame.push(cpu, slot, errorCode);
  const newCpl = inner ? cs.dpl : cpu.cpl;
  if (newSs !== null) loadStackSegment(cpu, frame.sel, newSs, newCpl);
  frame.commitEsp(cpu);
  if (v86) for (const s of V86_DATA_SEGMENTS) loadNullSegment(cpu, s, 0);
  let f = oldFlags & ~(EFLAGS.TF | EFLAGS.NT | EFLAGS.RF | EFLAGS.VM);
  if ((gate.type & 1) === 0) f &= ~EFLAGS.IF; // interrupt gate (type 6/E): IF ← 0; trap gate (7/F) leaves it
  cpu.setEflags(f);
  loadCodeSegment(cpu, sel, cs, newCpl);
  cpu.eip = offset;
}

/**
 * A delivery validated before (see ValidatedGate): only what depends on the moment is checked —
 * the frame's room within the stack segment and the writability of its pages, in push order.
 */
function deliverValidated(cpu: Cpu, v: ValidatedGate, errorCode: number | undefined, source: EventSource): void {
  const ext = !isSoftware(source);
  const gate = v.gate, cs = v.cs;
  const is32 = gate.is32BitSystem;
  const slot: 2 | 4 = is32 ? 4 : 2;
  const withError = errorCode !== undefined ? 1 : 0;
  const frame = scratchFrame(cpu);
  if (v.inner) {
    frame.fromDescriptor(v.ssSel, v.ss as SegmentDescriptor, v.esp, cs.dpl);
    // the new stack must have room for the frame, else #SS(error_code(NewSS, 0, EXT))
    frame.check(cpu, slot * (5 + withError), slot, Vector.SS, selectorErrorCode(frame.sel, ext), cs.dpl as StackName);
  } else {
    frame.fromCurrent(cpu);
    // the current stack must have room for the frame, else #SS(EXT)
    frame.check(cpu, slot * (3 + withError), slot, Vector.SS, ext ? 1 : 0, StackName.Current);
  }
  // (the gate's offset was checked against the code segment's limit when the delivery was validated)
  const offset = is32 ? gate.gateOffset : gate.gateOffset & 0xffff;
  enterHandler(cpu, frame, gate, cs, gate.gateSelector, v.inner, false, slot, errorCode, offset);
}
/**
 * Delivery through a task gate (SDM Vol. 2A INT n "TASK-GATE"; Vol. 3A §6.12.2): the TSS must be
 * a GDT descriptor of an available TSS (#GP(TSS selector + EXT)) and present (#NP); the switch
 * nests (NT set, link = old TR); an exception's error code is pushed on the new task's stack
 * (#SS(EXT) without room); EIP must lie within the new CS limit (#GP(EXT)).
 */
function deliverThroughTaskGate(cpu: Cpu, gate: SegmentDescriptor, errorCode: number | undefined, ext: boolean): void {
  const sel = gate.gateSelector;
  const d = readTssDescriptor(cpu, sel, false, gp, ext, "task gate's TSS");
  taskSwitch(cpu, sel, d, TaskSwitchSource.Interrupt, ext);
  if (errorCode !== undefined) {
    const size: 2 | 4 = d.is32BitSystem ? 4 : 2;
    const frame = scratchFrame(cpu).fromCurrent(cpu);
    frame.check(cpu, size, size, Vector.SS, ext ? 1 : 0, StackName.Current);
    frame.push(cpu, size, errorCode);
    frame.commitEsp(cpu);
  }
  checkTaskEip(cpu, ext);
}

const V86_DATA_SEGMENTS = [SegReg.GS, SegReg.FS, SegReg.DS, SegReg.ES] as const;
