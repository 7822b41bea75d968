/**
 * The IA-32 processor: architectural state, memory access through segmentation and paging, the
 * decode cache and the execution loop. Instruction semantics live in src/cpu/ops/ (one file per
 * instruction group), protection mechanisms in their own modules (segmentation, interrupts, ...).
 *
 * State follows the Intel SDM Vol. 1 §3.4 (basic execution environment) and Vol. 3A §2 (system
 * architecture). Every instance is independent: no module-level mutable state.
 */
import type { CpuBus } from "./bus.js";
import { CpuFault, Vector, faultName, gp } from "./fault.js";
import { EFLAGS, PARITY_EVEN, STATUS_FLAGS } from "./flags.js";
import { Insn, decode } from "./decoder.js";
import { Block, MAX_BLOCK_INSNS, isStraightLine, translateBlock, type InlineGen } from "./jit.js";
import { INLINE_GENERATORS } from "./jit-inline.js";
import type { Handler } from "./opmap.js";
import { type CpuFeatures, defaultFeatures } from "./cpuid.js";
import { deliverException, deliverExternalInterrupt, type DeliveryState } from "./interrupts.js";
import { SEG_NAMES, SegReg, loadSegmentRealMode, refreshAllSegmentChecks, segmentAccessFault, setSegmentCache } from "./segmentation.js";

export { SegReg } from "./segmentation.js";

/** General-register numbers in ModRM/opcode order (SDM Vol. 2A Table 2-1). */
export const enum Reg { EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESP = 4, EBP = 5, ESI = 6, EDI = 7 }

/** CR0 bits (SDM Vol. 3A §2.5). */
export const enum CR0 { PE = 1 << 0, MP = 1 << 1, EM = 1 << 2, TS = 1 << 3, ET = 1 << 4, NE = 1 << 5,
  WP = 1 << 16, AM = 1 << 18, NW = 1 << 29, CD = 1 << 30, PG = 1 << 31 }
/** CR4 bits (SDM Vol. 3A §2.5). */
export const enum CR4 { VME = 1 << 0, PVI = 1 << 1, TSD = 1 << 2, DE = 1 << 3, PSE = 1 << 4, PAE = 1 << 5,
  MCE = 1 << 6, PGE = 1 << 7, PCE = 1 << 8, OSFXSR = 1 << 9 }

/** Software TLB entry bits: one bit per (privilege, access) permission, so a check is one AND. */
export const enum TlbBit {
  SupervisorRead = 1, UserRead = 2,
  /** Write bits are only granted once the dirty bit is set in the paging structures. */
  SupervisorWrite = 4, UserWrite = 8,
  Global = 16,
  /** Part of a 4 MiB page (INVLPG anywhere in it drops all its entries). */
  Large = 32,
}

/** DR6 bits (SDM Vol. 3B §17.2.3): B0–B3 are bits 0–3 (1 << n for DRn). */
export const enum DR6 { BD = 1 << 13, BS = 1 << 14 }

/** Bytes a breakpoint covers by its DR7 LEN field (00 1, 01 2, 11 4; 10 is 8 on later processors). */
const BREAKPOINT_LEN: readonly number[] = [1, 2, 8, 4];

/** Byte-register index into `r8` for ModRM register number n: AL CL DL BL AH CH DH BH. */
export const R8_INDEX: readonly number[] = [0, 4, 8, 12, 1, 5, 9, 13];

const PAGE_SHIFT = 12;

/** What a physical page holds that a write must invalidate (Cpu.watchedPage). */
const enum PageWatch { Code = 1, System = 2 }
const TLB_LIST_MAX = 1 << 16;

/** What a triple fault reports: the chain of events that led to shutdown. */
export interface ShutdownInfo {
  reason: string;
  chain: string[];
}

/**
 * Hook called for INT n before IDT delivery; returns true when it handled the interrupt.
 * A test facility: the differential harness uses it to emulate Linux's int 0x80 until the
 * reference kernel runs.
 */
export type SoftwareInterruptHook = (cpu: Cpu, vector: number) => boolean;

export class Cpu {
  readonly bus: CpuBus;
  readonly ram: Uint8Array;
  readonly ram16: Uint16Array;
  readonly ram32: Int32Array;
  readonly ramSize: number;

  // ---- General registers (SDM Vol. 1 §3.4.1) with their 16- and 8-bit aliases. ----
  readonly r32 = new Int32Array(8);
  readonly r16 = new Uint16Array(this.r32.buffer);
  readonly r8 = new Uint8Array(this.r32.buffer);
  /** EIP of the next instruction to execute (during execution: of the next sequential one). */
  eip = 0;
  /** EIP of the instruction being executed: the restart point for faults. */
  instrStart = 0;

  // ---- EFLAGS, with the six status flags evaluated lazily from the last ALU operation. ----
  /** EFLAGS bits, except those named in `lazyMask`, which must be computed. */
  flags = EFLAGS.RESERVED1;
  lazyMask = 0;
  /** Last ALU operation in "addition form": lazyOp1 + lazyOp2 (+carry) = lazyAdd. */
  lazyOp1 = 0;
  lazyOp2 = 0;
  lazyAdd = 0;
  /** The result the operation produced, for ZF/SF/PF. */
  lazyRes = 0;
  /** Index of the sign bit of the last operation: 7, 15 or 31. */
  lazyBit = 31;

  // ---- Segment registers and their descriptor caches (SDM Vol. 3A §3.4.3). ----
  readonly segSel = new Uint16Array(6);
  readonly segBase = new Int32Array(6);
  /** Raw limit in bytes (after granularity scaling). */
  readonly segLimit = new Float64Array(6);
  /** Access rights: descriptor byte 5 in bits 0–7, flags nibble (AVL, L, D/B, G) in bits 12–15. */
  readonly segAr = new Int32Array(6);
  /** Lowest valid offset (expand-down segments start above the limit). */
  readonly segMin = new Float64Array(6);
  /**
   * The lowest offset segRead/segWrite let through their fast path: segMin, or Infinity while
   * `checkedAccesses` is set, which sends every access through `checkedAccess`.
   */
  readonly segAccessMin = new Float64Array(6);
  /** Highest offset a read may touch, -1 when the segment is not readable / not usable, Infinity for no limit (4 GiB expand-up). */
  readonly segReadMax = new Float64Array(6);
  /** Highest offset a write may touch, -1 when the segment is not writable / not usable, Infinity for no limit (4 GiB expand-up). */
  readonly segWriteMax = new Float64Array(6);
  /** Current privilege level (CS.RPL in protected mode; 0 in real mode; 3 in virtual-8086 mode). */
  cpl = 0;
  /** CS.D: default operand and address size of the code segment is 32 bits. */
  cs32 = false;
  /** SS.B: the stack uses ESP (true) or SP (false). */
  ss32 = false;

  // ---- System registers (SDM Vol. 3A §2.4, §2.5). ----
  cr0 = CR0.ET;
  cr2 = 0;
  cr3 = 0;
  cr4 = 0;
  readonly dr = new Int32Array(8);
  gdtrBase = 0;
  gdtrLimit = 0xffff;
  idtrBase = 0;
  idtrLimit = 0x3ff;
  ldtrSel = 0;
  ldtrBase = 0;
  ldtrLimit = 0;
  trSel = 0;
  trBase = 0;
  trLimit = 0;
  /** TSS type from the descriptor: 0xB busy 32-bit, 0x3 busy 16-bit; 0 when TR was never loaded. */
  trType = 0;

  // ---- Model-specific registers (SDM Vol. 4). ----
  tscOffset = 0;
  sysenterCs = 0;
  sysenterEsp = 0;
  sysenterEip = 0;
  efer = 0;
  star = 0;
  starHigh = 0;
  /** Optional behaviours of the model (SYSCALL in legacy mode...): see cpuid.ts. */
  readonly features: CpuFeatures = defaultFeatures();

  // ---- Paging: a software TLB indexed by linear page number. ----
  readonly tlb = new Int32Array(1 << 20);
  private readonly tlbList = new Int32Array(TLB_LIST_MAX);
  private tlbCount = 0;
  private tlbOverflow = false;
  /** Per 4 MiB region: non-zero when the TLB may hold entries of a 4 MiB page there. */
  private readonly tlbLarge = new Uint8Array(1024);
  /** CR0.PG, kept as a boolean for the hot path. */
  paging = false;
  /** TLB bit required for a data read / write at the current CPL. */
  needRead: number = TlbBit.SupervisorRead;
  needWrite: number = TlbBit.SupervisorWrite;

  // ---- Checks that only some accesses need: taken off the fast path by segAccessMin. ----
  /** Alignment checking is on: CPL 3, CR0.AM = 1 and EFLAGS.AC = 1 (SDM Vol. 3A §6.15 Interrupt 17). */
  alignmentCheck = false;
  /** Every segmented data access takes the checking path (segAccessMin is Infinity): see updateAccessChecks. */
  checkedAccesses = false;

  // ---- Breakpoints enabled in DR7 (SDM Vol. 3B §17.2.4), derived by setDr7. ----
  /** DR0–DR3 enabled (Ln or Gn) as instruction breakpoints (R/W = 00): bit n for DRn. */
  execBreakpoints = 0;
  /** DR0–DR3 enabled as data breakpoints (R/W = 01 writes, 11 reads or writes): bit n for DRn. */
  dataBreakpoints = 0;
  /** DR0–DR3 enabled as I/O breakpoints (R/W = 10 with CR4.DE = 1): bit n for DRn. */
  ioBreakpoints = 0;
  /** DR6 B0–B3 of the data and I/O breakpoints the instruction being stepped has hit (a trap after it). */
  dataBreakpointHits = 0;

  // ---- Decode cache: decoded instructions per physical page, invalidated by writes. ----
  private readonly icache: Array<Array<Insn | undefined> | undefined> = [];
  /**
   * Per physical page: what a write to it must invalidate (PageWatch bits): decoded code, and
   * system structures (descriptors, gates, TSS stack fields) that a validated delivery or return
   * relies on (see systemEpoch).
   */
  private readonly watchedPage: Uint8Array;
  /**
   * Bumped whenever a watched system structure may have changed: a write to its page, a TLB flush
   * or INVLPG (its linear address may map elsewhere), a write into RAM from outside. Results of
   * checks on those structures are reused only while the epoch is unchanged.
   */
  systemEpoch = 0;
  private fetchLinPage = -1;
  private fetchPage: Array<Insn | undefined> | undefined = undefined;
  /** Basic blocks per physical page, by page offset of their first instruction (see jit.ts). */
  private readonly bcache: Array<Array<Block | undefined> | undefined> = [];
  /**
   * The page of blocks last fetched from, by privilege class (0: supervisor, 1: user — a page's
   * permission differs between them), so crossing between kernel and user does not translate
   * again; dropped with the TLB and the decode caches.
   */
  private blockLinPage = -1;
  private blockPage: Array<Block | undefined> | undefined = undefined;
  private blockLinPageUser = -1;
  private blockPageUser: Array<Block | undefined> | undefined = undefined;
  /** The translated block being executed, for the retired count when it faults. */
  private activeBlock: Block | null = null;
  /** Translate a block to JavaScript after it has run this many times (Infinity: never). */
  jitThreshold = 12;
  /** Inline code generators by handler, for block translation (jit-inline.ts). */
  inlineGens: ReadonlyMap<Handler, InlineGen> = INLINE_GENERATORS;

  // ---- Execution control. ----
  /** Guest instructions retired since reset. */
  instructionCount = 0;
  /** HLT executed; waiting for an interrupt. */
  halted = false;
  /** Set by a triple fault: the processor stops until reset. */
  shutdown: ShutdownInfo | null = null;
  /** Non-zero when the loop must take its slow path before the next instruction. */
  attention = 0;
  /** Interrupt shadow after STI / MOV SS / POP SS: one instruction without maskable interrupts. */
  interruptShadow = false;
  /** Set with the shadow by MOV SS / POP SS, which also hold debug exceptions (SDM Vol. 3A §6.8.3). */
  debugShadow = false;
  /** DR6 bits (BS, B0–B3) of a debug trap held back by a MOV SS / POP SS shadow, taken after the next instruction. */
  private heldDebugTrap = 0;
  /** Stop request from outside (e.g. the board's debug-exit port); checked between instructions. */
  stopRequested = false;
  /** State of exception delivery, for the double- and triple-fault rules. */
  readonly delivery: DeliveryState = { depth: 0, firstVector: -1, chain: [] };
  /** Optional hook for INT n (tests); see SoftwareInterruptHook. */
  softwareInterruptHook: SoftwareInterruptHook | null = null;
  /** Called for every instruction decoded (not for decode-cache hits): coverage and tracing. */
  decodeHook: ((insn: Insn) => void) | null = null;
  /** Called for every exception raised, before delivery (tracer). */
  onException: ((fault: CpuFault, eip: number) => void) | null = null;

  /** Set by RMW begin: physical address(es) of the operand for the write-back. */
  private rmwPhys = 0;
  private rmwSplit = -1;
  private rmwLin = 0;

  constructor(bus: CpuBus) {
    this.bus = bus;
    this.ram = bus.ram;
    this.ramSize = bus.ram.length;
    this.ram16 = new Uint16Array(bus.ram.buffer, bus.ram.byteOffset, bus.ram.length >>> 1);
    this.ram32 = new Int32Array(bus.ram.buffer, bus.ram.byteOffset, bus.ram.length >>> 2);
    this.watchedPage = new Uint8Array((bus.ram.length >>> PAGE_SHIFT) + 1);
    this.reset();
  }

  /** Power-on/RESET state (SDM Vol. 3A §9.1.1, Table 9-1): real mode, CS:IP = F000:FFF0, CS base FFFF0000. */
  reset(): void {
    this.r32.fill(0);
    this.r32[Reg.EDX] = 0x00000633; // family 6, model 3, stepping 3: as CPUID leaf 1 reports
    this.eip = 0xfff0;
    this.setEflags(EFLAGS.RESERVED1);
    this.cr0 = CR0.ET | CR0.CD | CR0.NW;
    this.cr2 = this.cr3 = this.cr4 = 0;
    this.dr.fill(0);
    this.dr[6] = 0xffff0ff0;
    this.setDr7(0x400);
    this.gdtrBase = 0; this.gdtrLimit = 0xffff;
    this.idtrBase = 0; this.idtrLimit = 0xffff;
    this.ldtrSel = 0; this.ldtrBase = 0; this.ldtrLimit = 0xffff;
    this.trSel = 0; this.trBase = 0; this.trLimit = 0xffff; this.trType = 0;
    for (let s = 0; s < 6; s++) setSegmentCache(this, s, 0, 0, 0xffff, 0x93);
    setSegmentCache(this, SegReg.CS, 0xf000, 0xffff0000, 0xffff, 0x9b);
    this.cpl = 0;
    this.tscOffset = 0;
    this.sysenterCs = this.sysenterEsp = this.sysenterEip = 0;
    this.efer = this.star = this.starHigh = 0;
    this.paging = false;
    this.flushTlb(true);
    this.updatePrivilege();
    this.halted = false;
    this.shutdown = null;
    this.interruptShadow = false;
    this.debugShadow = false;
    this.heldDebugTrap = 0;
    this.delivery.depth = 0;
    this.delivery.chain.length = 0;
    this.attention = 1;
  }

  // =============================================================================================
  // EFLAGS
  // =============================================================================================

  /** EFLAGS as software sees it (PUSHF), with the lazy status flags computed. */
  getEflags(): number {
    let f = this.flags;
    const m = this.lazyMask;
    if (m !== 0) {
      f &= ~m;
      if (m & EFLAGS.CF) f |= this.getCF();
      if (m & EFLAGS.PF) f |= PARITY_EVEN[this.lazyRes & 0xff] << 2;
      if (m & EFLAGS.AF) f |= (this.lazyOp1 ^ this.lazyOp2 ^ this.lazyAdd) & EFLAGS.AF;
      if (m & EFLAGS.ZF) f |= this.getZF() << 6;
      if (m & EFLAGS.SF) f |= this.getSF() << 7;
      if (m & EFLAGS.OF) f |= this.getOF() << 11;
    }
    return f;
  }

  /**
   * Replaces EFLAGS wholesale (no privilege filtering: callers such as POPF and IRET apply the
   * SDM's rules for which bits may change). Bit 1 is forced to 1.
   */
  setEflags(v: number): void {
    const old = this.flags;
    this.flags = (v & 0x3f7fd5) | EFLAGS.RESERVED1;
    this.lazyMask = 0;
    if ((old ^ this.flags) & (EFLAGS.IF | EFLAGS.TF | EFLAGS.VM)) {
      this.attention = 1;
      if ((old ^ this.flags) & EFLAGS.VM) this.refreshSegments();
    }
    if ((old ^ this.flags) & EFLAGS.AC) this.updateAccessChecks();
  }

  /** Re-derives every segment's access bounds after a mode change (CR0.PE, EFLAGS.VM). */
  refreshSegments(): void {
    refreshAllSegmentChecks(this);
  }

  /** Sets the six status flags from `v` (CF PF AF ZF SF OF), leaving the other bits. */
  setStatusFlags(v: number): void {
    this.flags = (this.getEflags() & ~STATUS_FLAGS) | (v & STATUS_FLAGS);
    this.lazyMask = 0;
  }

  getCF(): number {
    if (this.lazyMask & EFLAGS.CF) {
      const a = this.lazyOp1, b = this.lazyOp2, r = this.lazyAdd;
      return ((a ^ ((a ^ b) & (b ^ r))) >>> this.lazyBit) & 1;
    }
    return this.flags & EFLAGS.CF;
  }
  getZF(): number {
    if (this.lazyMask & EFLAGS.ZF) return (this.lazyRes << (31 - this.lazyBit)) === 0 ? 1 : 0;
    return (this.flags >> 6) & 1;
  }
  getSF(): number {
    if (this.lazyMask & EFLAGS.SF) return (this.lazyRes >>> this.lazyBit) & 1;
    return (this.flags >> 7) & 1;
  }
  getOF(): number {
    if (this.lazyMask & EFLAGS.OF) {
      const a = this.lazyOp1, b = this.lazyOp2, r = this.lazyAdd;
      return (((a ^ r) & (b ^ r)) >>> this.lazyBit) & 1;
    }
    return (this.flags >> 11) & 1;
  }
  getPF(): number {
    if (this.lazyMask & EFLAGS.PF) return PARITY_EVEN[this.lazyRes & 0xff];
    return (this.flags >> 2) & 1;
  }
  getAF(): number {
    if (this.lazyMask & EFLAGS.AF) return ((this.lazyOp1 ^ this.lazyOp2 ^ this.lazyAdd) >> 4) & 1;
    return (this.flags >> 4) & 1;
  }
  /** Sets one status flag to 0/1, keeping the others (lazy or not). */
  setFlag(bit: number, on: number | boolean): void {
    this.lazyMask &= ~bit;
    if (on) this.flags |= bit; else this.flags &= ~bit;
  }

  /** Records an addition a + b (+ carry-in) = r of `bit`+1 bits: all six status flags become lazy. */
  lazyAddition(a: number, b: number, r: number, bit: number): void {
    this.lazyOp1 = a; this.lazyOp2 = b; this.lazyAdd = r; this.lazyRes = r; this.lazyBit = bit;
    this.lazyMask = STATUS_FLAGS;
  }
  /** Records a subtraction a - b (- borrow-in) = r: stored in addition form r + b = a. */
  lazySubtraction(a: number, b: number, r: number, bit: number): void {
    this.lazyOp1 = r; this.lazyOp2 = b; this.lazyAdd = a; this.lazyRes = r; this.lazyBit = bit;
    this.lazyMask = STATUS_FLAGS;
  }
  /** Records a logical result: CF = OF = AF = 0, PF ZF SF from r. */
  lazyLogic(r: number, bit: number): void {
    this.flags &= ~(EFLAGS.CF | EFLAGS.OF | EFLAGS.AF);
    this.lazyRes = r; this.lazyBit = bit;
    this.lazyMask = EFLAGS.PF | EFLAGS.ZF | EFLAGS.SF;
  }
  /** Records a result whose PF ZF SF are derived from it; the caller sets CF/OF/AF explicitly. */
  lazyResult(r: number, bit: number): void {
    this.lazyRes = r; this.lazyBit = bit;
    this.lazyMask = EFLAGS.PF | EFLAGS.ZF | EFLAGS.SF;
  }
  /** Materializes all lazy flags into `flags`. */
  materializeFlags(): void {
    if (this.lazyMask !== 0) { this.flags = this.getEflags(); this.lazyMask = 0; }
  }

  /** Condition code tttn (SDM Vol. 2 Appendix B.1.4.7): 0 O, 1 NO, 2 B, 3 AE, 4 E, 5 NE, 6 BE, 7 A, 8 S, 9 NS, A P, B NP, C L, D GE, E LE, F G. */
  condition(cc: number): boolean {
    let r: boolean;
    switch (cc >> 1) {
      case 0: r = this.getOF() !== 0; break;
      case 1: r = this.getCF() !== 0; break;
      case 2: r = this.getZF() !== 0; break;
      case 3: r = (this.getCF() | this.getZF()) !== 0; break;
      case 4: r = this.getSF() !== 0; break;
      case 5: r = this.getPF() !== 0; break;
      case 6: r = this.getSF() !== this.getOF(); break;
      default: r = this.getZF() !== 0 || this.getSF() !== this.getOF(); break;
    }
    return (cc & 1) === 0 ? r : !r;
  }

  // =============================================================================================
  // Privilege and mode
  // =============================================================================================

  /** CR0.PE = 1 and not virtual-8086 mode. */
  get protectedMode(): boolean {
    return (this.cr0 & CR0.PE) !== 0 && (this.flags & EFLAGS.VM) === 0;
  }
  /** EFLAGS.VM = 1 in protected mode. */
  get v86Mode(): boolean {
    return (this.flags & EFLAGS.VM) !== 0;
  }

  /** Recomputes what depends on CPL, CS.D and SS.B; call after loading CS or SS. */
  updatePrivilege(): void {
    this.cs32 = ((this.segAr[SegReg.CS] >> 14) & 1) === 1;
    this.ss32 = ((this.segAr[SegReg.SS] >> 14) & 1) === 1;
    this.needRead = this.cpl === 3 ? TlbBit.UserRead : TlbBit.SupervisorRead;
    this.needWrite = this.cpl === 3 ? TlbBit.UserWrite : TlbBit.SupervisorWrite;
    this.fetchLinPage = -1;
    this.updateAccessChecks();
  }

  /**
   * Recomputes which accesses need checks beyond the segment bounds: alignment checking is on at
   * CPL 3 with CR0.AM = 1 and EFLAGS.AC = 1 (SDM Vol. 3A §2.5 CR0.AM, §6.15 Interrupt 17), and data
   * breakpoints may be enabled in DR7. While either is, segAccessMin is Infinity, so every
   * segmented access leaves the fast path for `checkedAccess`; otherwise the fast path stays as it
   * is. Call when CPL, CR0, EFLAGS.AC or DR7 change.
   */
  updateAccessChecks(): void {
    this.alignmentCheck = this.cpl === 3 && (this.cr0 & CR0.AM) !== 0 && (this.flags & EFLAGS.AC) !== 0;
    const checked = this.alignmentCheck || this.dataBreakpoints !== 0;
    if (checked === this.checkedAccesses) return;
    this.checkedAccesses = checked;
    for (let s = 0; s < 6; s++) this.segAccessMin[s] = checked ? Infinity : this.segMin[s];
  }

  /** Writes CR0 with its side effects (mode, paging, TLB). Callers check privilege and reserved bits. */
  setCr0(v: number): void {
    const old = this.cr0;
    this.cr0 = v | CR0.ET;
    this.paging = (this.cr0 & CR0.PG) !== 0 && (this.cr0 & CR0.PE) !== 0;
    if ((old ^ this.cr0) & (CR0.PG | CR0.WP | CR0.PE)) this.flushTlb(true);
    if ((old ^ this.cr0) & CR0.PE) this.refreshSegments();
    if ((old ^ this.cr0) & CR0.AM) this.updateAccessChecks();
    this.fetchLinPage = -1;
    this.blockLinPage = this.blockLinPageUser = -1;
  }
  /**
   * Writes DR7 and derives the enabled breakpoints (SDM Vol. 3B §17.2.4): Ln/Gn enable DRn; R/W n
   * = 00 instruction, 01 data write, 11 data read or write, 10 I/O read or write when CR4.DE = 1
   * (undefined otherwise: ignored). While any is enabled the loop steps one instruction at a time
   * (no blocks) and data breakpoints send every access through `checkedAccess`; with none enabled
   * they cost nothing.
   */
  setDr7(v: number): void {
    this.dr[7] = v;
    let exec = 0, data = 0, io = 0;
    for (let n = 0; n < 4; n++) {
      if (((v >>> (2 * n)) & 3) === 0) continue;
      const rw = (v >>> (16 + 4 * n)) & 3;
      if (rw === 0) exec |= 1 << n;
      else if (rw !== 2) data |= 1 << n;
      else if ((this.cr4 & CR4.DE) !== 0) io |= 1 << n;
    }
    this.execBreakpoints = exec;
    this.dataBreakpoints = data;
    this.ioBreakpoints = io;
    this.updateAccessChecks();
    this.attention = 1;
  }

  setCr3(v: number): void {
    this.cr3 = v;
    this.flushTlb(false);
  }
  setCr4(v: number): void {
    const old = this.cr4;
    this.cr4 = v;
    if ((old ^ v) & (CR4.PSE | CR4.PGE | CR4.PAE)) this.flushTlb(true);
    if ((old ^ v) & CR4.DE) this.setDr7(this.dr[7]); // R/W = 10 means I/O only with CR4.DE = 1
  }

  // =============================================================================================
  // Paging (SDM Vol. 3A §4.3, 32-bit paging) and the software TLB
  // =============================================================================================

  /** Invalidates TLB entries: all of them, or all but global pages (MOV CR3 with CR4.PGE). */
  flushTlb(includeGlobal: boolean): void {
    this.systemEpoch++;
    if (this.tlbOverflow || includeGlobal && this.tlbCount > 4096) {
      if (includeGlobal) { this.tlb.fill(0); this.tlbCount = 0; this.tlbOverflow = false; }
      else {
        for (let i = 0; i < this.tlb.length; i++) if ((this.tlb[i] & TlbBit.Global) === 0) this.tlb[i] = 0;
        this.tlbCount = 0; this.tlbOverflow = false;
        // Globals survive but are no longer tracked in the list; track them again.
        for (let i = 0; i < this.tlb.length; i++) if (this.tlb[i] !== 0) this.trackTlb(i);
      }
    } else {
      let kept = 0;
      for (let i = 0; i < this.tlbCount; i++) {
        const p = this.tlbList[i];
        if (!includeGlobal && (this.tlb[p] & TlbBit.Global) !== 0) this.tlbList[kept++] = p;
        else this.tlb[p] = 0;
      }
      this.tlbCount = kept;
    }
    this.fetchLinPage = -1;
    this.blockLinPage = this.blockLinPageUser = -1;
  }
  /** INVLPG: drops the entry for one linear page (global or not). */
  invalidatePage(lin: number): void {
    this.systemEpoch++;
    this.tlb[lin >>> PAGE_SHIFT] = 0;
    // A 4 MiB page is cached as up to 1024 entries: INVLPG of any address in it drops them all (SDM Vol. 3A §4.10.4.1).
    const region = lin >>> 22;
    if (this.tlbLarge[region] !== 0) {
      this.tlbLarge[region] = 0;
      for (let p = region << 10, end = p + 1024; p < end; p++) if ((this.tlb[p] & TlbBit.Large) !== 0) this.tlb[p] = 0;
    }
    this.fetchLinPage = -1;
    this.blockLinPage = this.blockLinPageUser = -1;
  }
  private trackTlb(page: number): void {
    if (this.tlbCount < TLB_LIST_MAX) this.tlbList[this.tlbCount++] = page;
    else this.tlbOverflow = true;
  }

  /**
   * Walks the paging structures for `lin` and fills the TLB (SDM Vol. 3A §4.3, §4.6 access rights,
   * §4.8 accessed and dirty flags). Throws #PF with CR2 = lin and the error code (P, W/R, U/S).
   * @param user the access is made at CPL 3 (not an implicit supervisor access)
   */
  walk(lin: number, write: boolean, user: boolean): number {
    const pdeAddr = ((this.cr3 & ~0xfff) + ((lin >>> 22) << 2)) >>> 0;
    let pde = this.readPhys32(pdeAddr);
    const errBase = (write ? 2 : 0) | (user ? 4 : 0);
    const wp = (this.cr0 & CR0.WP) !== 0;
    if ((pde & 1) === 0) this.pageFault(lin, errBase, `page directory entry ${lin >>> 22} not present`);
    let phys: number, userOk: boolean, rwOk: boolean, dirty: boolean, global: boolean;
    let large = false;
    if ((pde & 0x80) !== 0 && (this.cr4 & CR4.PSE) !== 0) {
      // Bits 21:13 of a 4 MiB PDE are reserved with a 32-bit physical address (SDM Vol. 3A §4.3, Table 4-4).
      if ((pde & 0x3fe000) !== 0) this.pageFault(lin, errBase | 9, `reserved bits 21:13 set in 4 MiB page directory entry ${lin >>> 22} (0x${(pde >>> 0).toString(16)})`);
      large = true;
      userOk = (pde & 4) !== 0;
      rwOk = (pde & 2) !== 0;
      this.checkPageAccess(lin, errBase, write, user, userOk, rwOk, wp, "4 MiB page");
      const upd = pde | 0x20 | (write ? 0x40 : 0);
      if (upd !== pde) { this.writePhys32(pdeAddr, upd); pde = upd; }
      phys = (pde & 0xffc00000) | (lin & 0x3ff000);
      dirty = (pde & 0x40) !== 0;
      global = (pde & 0x100) !== 0 && (this.cr4 & CR4.PGE) !== 0;
    } else {
      const pteAddr = ((pde & ~0xfff) + (((lin >>> 12) & 0x3ff) << 2)) >>> 0;
      let pte = this.readPhys32(pteAddr);
      if ((pte & 1) === 0) this.pageFault(lin, errBase, `page table entry ${(lin >>> 12) & 0x3ff} (directory entry ${lin >>> 22}) not present`);
      userOk = (pde & 4) !== 0 && (pte & 4) !== 0;
      rwOk = (pde & 2) !== 0 && (pte & 2) !== 0;
      this.checkPageAccess(lin, errBase, write, user, userOk, rwOk, wp, "page");
      if ((pde & 0x20) === 0) this.writePhys32(pdeAddr, pde | 0x20);
      const upd = pte | 0x20 | (write ? 0x40 : 0);
      if (upd !== pte) { this.writePhys32(pteAddr, upd); pte = upd; }
      phys = pte & ~0xfff;
      dirty = (pte & 0x40) !== 0;
      global = (pte & 0x100) !== 0 && (this.cr4 & CR4.PGE) !== 0;
    }
    let e = TlbBit.SupervisorRead;
    if (userOk) e |= TlbBit.UserRead;
    if (dirty && (rwOk || !wp)) e |= TlbBit.SupervisorWrite;
    if (dirty && rwOk && userOk) e |= TlbBit.UserWrite;
    if (global) e |= TlbBit.Global;
    if (large) { e |= TlbBit.Large; this.tlbLarge[lin >>> 22] = 1; }
    const page = lin >>> PAGE_SHIFT;
    if (this.tlb[page] === 0) this.trackTlb(page);
    this.tlb[page] = phys | e;
    return (phys | (lin & 0xfff)) >>> 0;
  }

  private checkPageAccess(lin: number, errBase: number, write: boolean, user: boolean, userOk: boolean,
    rwOk: boolean, wp: boolean, what: string): void {
    // SDM Vol. 3A §4.6: user-mode accesses need U/S = 1 at every level.
    if (user && !userOk) this.pageFault(lin, errBase | 1, `user-mode access to a supervisor ${what}`);
    // User writes need R/W = 1; supervisor writes need it when CR0.WP = 1.
    if (write && !rwOk && (user || wp))
      this.pageFault(lin, errBase | 1, `write to a read-only ${what}${user ? "" : " with CR0.WP = 1"}`);
  }

  /** Raises #PF: CR2 = the linear address (SDM Vol. 3A §4.7). */
  pageFault(lin: number, errorCode: number, reason: string): never {
    this.cr2 = lin | 0;
    throw new CpuFault(Vector.PF, errorCode,
      `${reason} at linear 0x${(lin >>> 0).toString(16).padStart(8, "0")}`);
  }

  /** Linear → physical for a data read at the current privilege. */
  translateRead(lin: number): number {
    if (!this.paging) return lin >>> 0;
    const e = this.tlb[lin >>> PAGE_SHIFT];
    if ((e & this.needRead) !== 0) return ((e & ~0xfff) | (lin & 0xfff)) >>> 0;
    return this.walk(lin, false, this.cpl === 3);
  }
  /** Linear → physical for a data write at the current privilege (sets the dirty bit). */
  translateWrite(lin: number): number {
    if (!this.paging) return lin >>> 0;
    const e = this.tlb[lin >>> PAGE_SHIFT];
    if ((e & this.needWrite) !== 0) return ((e & ~0xfff) | (lin & 0xfff)) >>> 0;
    return this.walk(lin, true, this.cpl === 3);
  }
  /** Linear → physical for an implicit supervisor access (descriptor tables, TSS; SDM §4.6). */
  translateSystem(lin: number, write: boolean): number {
    if (!this.paging) return lin >>> 0;
    const e = this.tlb[lin >>> PAGE_SHIFT];
    if ((e & (write ? TlbBit.SupervisorWrite : TlbBit.SupervisorRead)) !== 0) return ((e & ~0xfff) | (lin & 0xfff)) >>> 0;
    return this.walk(lin, write, false);
  }

  // =============================================================================================
  // Physical memory
  // =============================================================================================

  readPhys8(p: number): number {
    return p < this.ramSize ? this.ram[p] : this.bus.readPhysSlow(p) & 0xff;
  }
  readPhys16(p: number): number {
    if ((p & 1) === 0 && p < this.ramSize) return this.ram16[p >>> 1];
    return this.readPhys8(p) | (this.readPhys8(p + 1) << 8);
  }
  readPhys32(p: number): number {
    if ((p & 3) === 0 && p < this.ramSize) return this.ram32[p >>> 2];
    return this.readPhys8(p) | (this.readPhys8(p + 1) << 8) | (this.readPhys8(p + 2) << 16) | (this.readPhys8(p + 3) << 24);
  }
  writePhys8(p: number, v: number): void {
    if (p < this.ramSize) {
      this.ram[p] = v;
      if (this.watchedPage[p >>> PAGE_SHIFT] !== 0) this.pageWritten(p >>> PAGE_SHIFT);
    } else this.bus.writePhysSlow(p, v & 0xff);
  }
  writePhys16(p: number, v: number): void {
    if ((p & 1) === 0 && p < this.ramSize) {
      this.ram16[p >>> 1] = v;
      if (this.watchedPage[p >>> PAGE_SHIFT] !== 0) this.pageWritten(p >>> PAGE_SHIFT);
    } else { this.writePhys8(p, v & 0xff); this.writePhys8(p + 1, (v >> 8) & 0xff); }
  }
  writePhys32(p: number, v: number): void {
    if ((p & 3) === 0 && p < this.ramSize) {
      this.ram32[p >>> 2] = v;
      if (this.watchedPage[p >>> PAGE_SHIFT] !== 0) this.pageWritten(p >>> PAGE_SHIFT);
    } else {
      this.writePhys8(p, v & 0xff); this.writePhys8(p + 1, (v >> 8) & 0xff);
      this.writePhys8(p + 2, (v >> 16) & 0xff); this.writePhys8(p + 3, (v >>> 24) & 0xff);
    }
  }
  /** A watched page was written: drop its decoded code, and end the epoch of checks on its structures. */
  private pageWritten(page: number): void {
    const w = this.watchedPage[page];
    if ((w & PageWatch.Code) !== 0) this.invalidateCode(page);
    if ((w & PageWatch.System) !== 0) { this.watchedPage[page] &= ~PageWatch.System; this.systemEpoch++; }
  }
  /** Marks the page of a system structure at physical address `phys` (see systemEpoch). */
  watchSystemStructure(phys: number): void {
    if (phys < this.ramSize) this.watchedPage[phys >>> PAGE_SHIFT] |= PageWatch.System;
  }
  /** Drops decoded instructions of a physical page that was written (self-modifying code, loaders). */
  invalidateCode(page: number): void {
    this.watchedPage[page] &= ~PageWatch.Code;
    this.icache[page] = undefined;
    this.bcache[page] = undefined;
    this.fetchLinPage = -1;
    this.blockLinPage = this.blockLinPageUser = -1;
  }
  /**
   * Drops decoded instructions of the pages in [phys, phys + length) (bytes) that hold code: for
   * bulk writes made directly into `ram` (REP MOVS/STOS fast paths) instead of through writePhys*.
   */
  notifyRamWrite(phys: number, length: number): void {
    const last = (phys + length - 1) >>> PAGE_SHIFT;
    for (let p = phys >>> PAGE_SHIFT; p <= last; p++) if (this.watchedPage[p] !== 0) this.pageWritten(p);
  }
  /** Notifies the processor that something outside it (a loader, DMA) wrote guest RAM. */
  invalidateAllCode(): void {
    this.icache.length = 0;
    this.bcache.length = 0;
    this.watchedPage.fill(0);
    this.systemEpoch++;
    this.fetchLinPage = -1;
    this.blockLinPage = this.blockLinPageUser = -1;
  }

  // =============================================================================================
  // Linear memory (after segmentation), with page-crossing accesses split
  // =============================================================================================

  readLin8(lin: number): number {
    return this.readPhys8(this.translateRead(lin));
  }
  readLin16(lin: number): number {
    if ((lin & 0xfff) === 0xfff) return this.readLin8(lin) | (this.readLin8(lin + 1) << 8);
    return this.readPhys16(this.translateRead(lin));
  }
  readLin32(lin: number): number {
    if ((lin & 0xfff) > 0xffc) {
      const p0 = this.translateRead(lin), p1 = this.translateRead((lin | 0xfff) + 1);
      return this.readSplit(p0, p1, lin, 4);
    }
    return this.readPhys32(this.translateRead(lin));
  }
  writeLin8(lin: number, v: number): void {
    this.writePhys8(this.translateWrite(lin), v);
  }
  writeLin16(lin: number, v: number): void {
    if ((lin & 0xfff) === 0xfff) {
      const p0 = this.translateWrite(lin), p1 = this.translateWrite(lin + 1);
      this.writePhys8(p0, v & 0xff); this.writePhys8(p1, (v >> 8) & 0xff);
      return;
    }
    this.writePhys16(this.translateWrite(lin), v);
  }
  writeLin32(lin: number, v: number): void {
    if ((lin & 0xfff) > 0xffc) {
      const p0 = this.translateWrite(lin), p1 = this.translateWrite((lin | 0xfff) + 1);
      this.writeSplit(p0, p1, lin, 4, v);
      return;
    }
    this.writePhys32(this.translateWrite(lin), v);
  }
  private readSplit(p0: number, p1: number, lin: number, size: number): number {
    const first = 0x1000 - (lin & 0xfff);
    let v = 0;
    for (let i = 0; i < size; i++) v |= this.readPhys8(i < first ? p0 + i : p1 + i - first) << (8 * i);
    return v;
  }
  private writeSplit(p0: number, p1: number, lin: number, size: number, v: number): void {
    const first = 0x1000 - (lin & 0xfff);
    for (let i = 0; i < size; i++) this.writePhys8(i < first ? p0 + i : p1 + i - first, (v >>> (8 * i)) & 0xff);
  }

  /** Supervisor (implicit) linear reads and writes: descriptor tables, the TSS, the IDT. */
  readSystem8(lin: number): number {
    return this.readPhys8(this.translateSystem(lin, false));
  }
  readSystem16(lin: number): number {
    return this.readSystem8(lin) | (this.readSystem8(lin + 1) << 8);
  }
  readSystem32(lin: number): number {
    if ((lin & 0xfff) <= 0xffc) return this.readPhys32(this.translateSystem(lin, false));
    return this.readSystem16(lin) | (this.readSystem16(lin + 2) << 16);
  }
  writeSystem8(lin: number, v: number): void {
    this.writePhys8(this.translateSystem(lin, true), v);
  }
  writeSystem16(lin: number, v: number): void {
    this.writeSystem8(lin, v & 0xff); this.writeSystem8(lin + 1, (v >> 8) & 0xff);
  }
  writeSystem32(lin: number, v: number): void {
    if ((lin & 0xfff) <= 0xffc) { this.writePhys32(this.translateSystem(lin, true), v); return; }
    this.writeSystem16(lin, v & 0xffff); this.writeSystem16(lin + 2, v >>> 16);
  }

  /** Effective address of the instruction's memory operand (SDM Vol. 2A §2.1.5), wrapped to the address size. */
  ea(i: Insn): number {
    if (i.addr32) {
      let a = i.disp;
      if (i.base >= 0) a += this.r32[i.base];
      if (i.index >= 0) a += this.r32[i.index] << i.scale;
      return a >>> 0;
    }
    let a = i.disp;
    if (i.base >= 0) a += this.r16[i.base];
    if (i.index >= 0) a += this.r16[i.index];
    return a & 0xffff;
  }

  // =============================================================================================
  // Segmented memory: limit and type checks (SDM Vol. 3A §5.3, §5.4), then linear access
  // =============================================================================================

  /** Linear address of a `size`-byte read at seg:off, after the limit and type checks (and the alignment check when on). */
  segRead(seg: number, off: number, size: number): number {
    if (off < this.segAccessMin[seg] || off + size - 1 > this.segReadMax[seg]) return this.checkedAccess(seg, off, size, false);
    return (this.segBase[seg] + off) | 0;
  }
  /** Linear address of a `size`-byte write at seg:off, after the limit and type checks (and the alignment check when on). */
  segWrite(seg: number, off: number, size: number): number {
    if (off < this.segAccessMin[seg] || off + size - 1 > this.segWriteMax[seg]) return this.checkedAccess(seg, off, size, true);
    return (this.segBase[seg] + off) | 0;
  }

  /**
   * The checking path of segRead/segWrite: an access outside the fast path's bounds, or any access
   * while `checkedAccesses` is set. The limit and type checks (#GP(0) / #SS(0)), then the alignment
   * check (SDM Vol. 3A §6.15 Interrupt 17, Table 6-7: words 2-aligned, doublewords and 6-byte
   * operands — GDTR/IDTR images, 48-bit far pointers — 4-aligned, quadwords 8-aligned; #AC(0)),
   * which comes before paging. Returns the linear address.
   */
  private checkedAccess(seg: number, off: number, size: number, write: boolean): number {
    if (off < this.segMin[seg] || off + size - 1 > (write ? this.segWriteMax[seg] : this.segReadMax[seg])) segmentAccessFault(this, seg, off, size, write);
    const lin = (this.segBase[seg] + off) | 0;
    if (this.alignmentCheck && (lin & (size >= 8 ? 7 : size >= 4 ? 3 : size - 1)) !== 0) this.alignmentFault(seg, off, lin, size, write);
    if (this.dataBreakpoints !== 0) this.matchDataBreakpoints(lin, size, write);
    return lin;
  }

  /**
   * Data breakpoints (SDM Vol. 3B §17.2.5, §17.3.1.2): records in dataBreakpointHits each enabled
   * DRn whose range — DRn aligned down to its LEN bytes — overlaps the `size` bytes at `lin`; R/W
   * = 01 matches writes only, 11 reads and writes (a read-modify-write counts as a write). The loop
   * reports the hits as a #DB trap once the instruction has completed.
   */
  private matchDataBreakpoints(lin: number, size: number, write: boolean): void {
    const dr7 = this.dr[7];
    for (let n = 0; n < 4; n++) {
      if (((this.dataBreakpoints >> n) & 1) === 0) continue;
      if (!write && ((dr7 >>> (16 + 4 * n)) & 3) === 1) continue;
      const len = BREAKPOINT_LEN[(dr7 >>> (18 + 4 * n)) & 3];
      const start = this.dr[n] & -len;
      if (((lin - start) >>> 0) < len || ((start - lin) >>> 0) < size) this.dataBreakpointHits |= 1 << n;
    }
  }

  /**
   * I/O breakpoints (SDM Vol. 3B §17.2.4, R/W = 10 with CR4.DE = 1): records in dataBreakpointHits
   * each enabled DRn whose port range (DRn aligned down to LEN bytes) overlaps the `size` ports at
   * `port`. IN, OUT, INS and OUTS call this when `ioBreakpoints` is non-zero; a trap follows.
   */
  matchIoBreakpoints(port: number, size: number): void {
    const dr7 = this.dr[7];
    for (let n = 0; n < 4; n++) {
      if (((this.ioBreakpoints >> n) & 1) === 0) continue;
      const len = BREAKPOINT_LEN[(dr7 >>> (18 + 4 * n)) & 3];
      const start = this.dr[n] & -len;
      if (((port - start) >>> 0) < len || ((start - port) >>> 0) < size) this.dataBreakpointHits |= 1 << n;
    }
  }
  private alignmentFault(seg: number, off: number, lin: number, size: number, write: boolean): never {
    throw new CpuFault(Vector.AC, 0, `unaligned ${size}-byte ${write ? "write" : "read"} at ${SEG_NAMES[seg]}:0x${(off >>> 0).toString(16)} ` +
      `(linear 0x${(lin >>> 0).toString(16)}) at CPL 3 with CR0.AM = 1 and EFLAGS.AC = 1 (SDM Vol. 3A §6.15, Interrupt 17)`);
  }

  read8(seg: number, off: number): number { return this.readLin8(this.segRead(seg, off, 1)); }
  read16(seg: number, off: number): number { return this.readLin16(this.segRead(seg, off, 2)); }
  read32(seg: number, off: number): number { return this.readLin32(this.segRead(seg, off, 4)); }
  write8(seg: number, off: number, v: number): void { this.writeLin8(this.segWrite(seg, off, 1), v); }
  write16(seg: number, off: number, v: number): void { this.writeLin16(this.segWrite(seg, off, 2), v); }
  write32(seg: number, off: number, v: number): void { this.writeLin32(this.segWrite(seg, off, 4), v); }

  /**
   * Read-modify-write operands: `rmwBeginN` checks the write permission (segment and page) and
   * returns the value; `rmwEndN` stores the result to the same place. Nothing is written if the
   * begin faults, so the instruction restarts cleanly.
   */
  rmwBegin8(seg: number, off: number): number {
    const lin = this.segWrite(seg, off, 1);
    this.rmwPhys = this.translateWrite(lin);
    return this.readPhys8(this.rmwPhys);
  }
  rmwEnd8(v: number): void { this.writePhys8(this.rmwPhys, v); }
  rmwBegin16(seg: number, off: number): number {
    const lin = this.segWrite(seg, off, 2);
    return this.rmwBeginLin(lin, 2);
  }
  rmwEnd16(v: number): void {
    if (this.rmwSplit < 0) this.writePhys16(this.rmwPhys, v); else this.writeSplit(this.rmwPhys, this.rmwSplit, this.rmwLin, 2, v);
  }
  rmwBegin32(seg: number, off: number): number {
    const lin = this.segWrite(seg, off, 4);
    return this.rmwBeginLin(lin, 4);
  }
  rmwEnd32(v: number): void {
    if (this.rmwSplit < 0) this.writePhys32(this.rmwPhys, v); else this.writeSplit(this.rmwPhys, this.rmwSplit, this.rmwLin, 4, v);
  }
  private rmwBeginLin(lin: number, size: number): number {
    this.rmwPhys = this.translateWrite(lin);
    if ((lin & 0xfff) > 0x1000 - size) {
      this.rmwSplit = this.translateWrite((lin | 0xfff) + 1);
      this.rmwLin = lin;
      return this.readSplit(this.rmwPhys, this.rmwSplit, lin, size);
    }
    this.rmwSplit = -1;
    return size === 2 ? this.readPhys16(this.rmwPhys) : this.readPhys32(this.rmwPhys);
  }

  // =============================================================================================
  // Stack (SDM Vol. 1 §6.2): SS.B selects ESP or SP. Writes happen before ESP changes.
  // =============================================================================================

  get esp(): number { return this.ss32 ? this.r32[Reg.ESP] >>> 0 : this.r16[Reg.ESP * 2]; }
  /** Stack pointer `delta` bytes away from the current one, wrapped to the stack's width. */
  stackOffset(delta: number): number {
    return this.ss32 ? (this.r32[Reg.ESP] + delta) >>> 0 : (this.r16[Reg.ESP * 2] + delta) & 0xffff;
  }
  /** Adds `delta` to ESP (or SP for a 16-bit stack). */
  adjustEsp(delta: number): void {
    if (this.ss32) this.r32[Reg.ESP] += delta; else this.r16[Reg.ESP * 2] += delta;
  }
  push32(v: number): void {
    const off = this.stackOffset(-4);
    this.write32(SegReg.SS, off, v);
    if (this.ss32) this.r32[Reg.ESP] = off; else this.r16[Reg.ESP * 2] = off;
  }
  push16(v: number): void {
    const off = this.stackOffset(-2);
    this.write16(SegReg.SS, off, v);
    if (this.ss32) this.r32[Reg.ESP] = off; else this.r16[Reg.ESP * 2] = off;
  }
  pop32(): number {
    const v = this.read32(SegReg.SS, this.esp);
    this.adjustEsp(4);
    return v;
  }
  pop16(): number {
    const v = this.read16(SegReg.SS, this.esp);
    this.adjustEsp(2);
    return v;
  }
  /** Pushes with the given operand size (true: 32 bits). */
  push(v: number, op32: boolean): void { if (op32) this.push32(v); else this.push16(v & 0xffff); }
  pop(op32: boolean): number { return op32 ? this.pop32() : this.pop16(); }

  // =============================================================================================
  // Instruction fetch and the decode cache
  // =============================================================================================

  /** Reads an instruction byte at a linear address (paging checks as a read at the current CPL). */
  fetchByte(lin: number): number {
    return this.readPhys8(this.translateRead(lin));
  }

  /** The decoded instruction at CS:EIP, from the cache or freshly decoded. */
  private fetch(): Insn {
    const lin = (this.segBase[SegReg.CS] + this.eip) | 0;
    const page = lin >>> PAGE_SHIFT;
    let insns = this.fetchPage;
    if (page !== this.fetchLinPage || insns === undefined) {
      const phys = this.translateRead(lin);
      const pp = phys >>> PAGE_SHIFT;
      if (phys >= this.ramSize) return this.decodeAt(lin);
      insns = this.icache[pp];
      if (insns === undefined) { insns = new Array(4096); this.icache[pp] = insns; }
      this.watchedPage[pp] |= PageWatch.Code;
      this.fetchPage = insns;
      this.fetchLinPage = page;
    }
    const slot = lin & 0xfff;
    let insn = insns[slot];
    if (insn === undefined || insn.cs32 !== this.cs32) {
      insn = this.decodeAt(lin);
      // Instructions that cross a page boundary are not cached: the next page may change alone.
      if (slot + insn.len <= 0x1000) insns[slot] = insn;
    }
    return insn;
  }

  private decodeAt(lin: number): Insn {
    const insn = decode(this, lin);
    if (this.decodeHook !== null) this.decodeHook(insn);
    return insn;
  }

  // =============================================================================================
  // Execution
  // =============================================================================================

  /**
   * Executes up to `max` instructions (guest instructions; interrupt deliveries do not count).
   * Returns early when the processor halts with nothing to wake it, shuts down, or a stop is
   * requested. Returns the number of instructions retired.
   */
  run(max: number): number {
    const start = this.instructionCount;
    const end = start + max;
    this.stopRequested = false;
    this.attention = 1;
    while (this.instructionCount < end && this.shutdown === null && !this.stopRequested) {
      try {
        this.loop(end);
      } catch (e) {
        if (!(e instanceof CpuFault)) throw e;
        this.raise(e);
      }
      if (this.halted) break;
    }
    return this.instructionCount - start;
  }

  private loop(end: number): void {
    while (this.instructionCount < end) {
      if (this.attention !== 0) {
        if (!this.slowPath()) return;
        continue;
      }
      const b = this.fetchBlock();
      // Step alone where no block applies, and near `end` so that run(max) retires exactly max.
      if (b === null || this.instructionCount + b.insns.length > end) { this.stepOne(); continue; }
      const fn = b.fn;
      if (fn !== null) {
        this.activeBlock = b;
        fn(this);
        this.activeBlock = null;
      } else this.interpretBlock(b);
    }
  }

  /** Runs a block instruction by instruction; translates it once it is hot. */
  private interpretBlock(b: Block): void {
    if (++b.runs >= this.jitThreshold) b.fn = translateBlock(b, this.inlineGens);
    const insns = b.insns, offsets = b.offsets, start = b.startEip;
    for (let k = 0; k < insns.length; k++) {
      const i = insns[k];
      const eip = start + offsets[k];
      this.instrStart = eip;
      this.eip = eip + i.len;
      i.exec(this, i);
      this.instructionCount++;
    }
  }

  /**
   * The block at CS:EIP, from the cache or freshly built; null when the instruction there must
   * be stepped alone (it crosses a page, lies outside RAM, or the block would pass the CS limit).
   */
  private fetchBlock(): Block | null {
    const eip = this.eip;
    this.instrStart = eip;
    const lin = (this.segBase[SegReg.CS] + eip) | 0;
    const page = lin >>> PAGE_SHIFT;
    const user = this.cpl === 3;
    let blocks = user ? this.blockPageUser : this.blockPage;
    if (page !== (user ? this.blockLinPageUser : this.blockLinPage) || blocks === undefined) {
      const phys = this.translateRead(lin);
      if (phys >= this.ramSize) return null;
      const pp = phys >>> PAGE_SHIFT;
      blocks = this.bcache[pp];
      if (blocks === undefined) { blocks = new Array(4096); this.bcache[pp] = blocks; }
      this.watchedPage[pp] |= PageWatch.Code;
      if (user) { this.blockPageUser = blocks; this.blockLinPageUser = page; }
      else { this.blockPage = blocks; this.blockLinPage = page; }
    }
    const slot = lin & 0xfff;
    let b = blocks[slot];
    if (b === undefined || b.startEip !== eip || b.cs32 !== this.cs32) {
      const built = this.buildBlock(lin, eip);
      if (built === null) return null;
      b = built;
      blocks[slot] = b;
    }
    if (eip + b.length - 1 > this.segLimit[SegReg.CS]) return null;
    return b;
  }

  /** Decodes a block starting at linear `lin` (see jit.ts for what ends a block). */
  private buildBlock(lin: number, eip: number): Block | null {
    const insns: Insn[] = [];
    const offsets: number[] = [];
    const pageOff = lin & 0xfff;
    let off = 0;
    while (insns.length < MAX_BLOCK_INSNS && pageOff + off < 0x1000) {
      let i: Insn;
      if (insns.length === 0) i = this.decodeAt(lin);
      else {
        // A later instruction that cannot be decoded without faulting ends the block before it;
        // it will fault (or not) when it is reached. CR2 must not show the speculative walk.
        const cr2 = this.cr2;
        try { i = this.decodeAt((lin + off) | 0); } catch (e) { this.cr2 = cr2; if (e instanceof CpuFault) break; throw e; }
      }
      if (pageOff + off + i.len > 0x1000) break;
      insns.push(i);
      offsets.push(off);
      off += i.len;
      if (!isStraightLine(i)) break;
    }
    if (insns.length === 0) return null;
    return new Block(eip, this.cs32, insns, Int32Array.from(offsets), off);
  }

  /** CS limit as the highest offset an instruction may occupy (SDM Vol. 3A §5.3). */
  private segReadMaxCode(): number {
    return this.segLimit[SegReg.CS];
  }
  private codeLimitFault(eip: number, len: number): never {
    throw gp(0, `instruction at CS:EIP ${this.segSel[SegReg.CS].toString(16)}:${(eip >>> 0).toString(16)} (length ${len}) exceeds the CS limit 0x${this.segLimit[SegReg.CS].toString(16)}`);
  }

  /**
   * The slow path between instructions: interrupts, single-step traps, halt, stop requests.
   * Returns false when the loop should return to `run`.
   */
  private slowPath(): boolean {
    if (this.stopRequested || this.shutdown !== null) return false;
    // Maskable interrupts (SDM Vol. 3A §6.8.1), not in the shadow of STI/MOV SS.
    if ((this.flags & EFLAGS.IF) !== 0 && !this.interruptShadow) {
      const vector = this.bus.pendingInterrupt();
      if (vector >= 0) {
        this.halted = false;
        deliverExternalInterrupt(this, vector);
        return true;
      }
    }
    if (this.halted) return false;
    // With breakpoints enabled every instruction comes through here (also after a fault below).
    const breakpoints = (this.execBreakpoints | this.dataBreakpoints | this.ioBreakpoints) !== 0;
    this.attention = breakpoints ? 1 : 0;
    if ((this.flags & EFLAGS.TF) !== 0 || this.interruptShadow || this.heldDebugTrap !== 0 || breakpoints) {
      // Execute exactly one instruction here, then take the debug trap it earned (SDM Vol. 3B
      // §17.3.1): single-step (§17.3.1.4: TF as it was before the instruction decides, whatever
      // the instruction did) and data breakpoints (§17.3.1.2), reported together in DR6.
      const tf = (this.flags & EFLAGS.TF) !== 0;
      const held = this.heldDebugTrap;
      const shadow = this.interruptShadow;
      this.interruptShadow = false;
      this.debugShadow = false;
      this.heldDebugTrap = 0;
      // RF = 1 suppresses instruction breakpoints for this one instruction, and the processor
      // clears it after the instruction (§17.3.1.1) — before it here, so an IRET or POPF may set it.
      const rf = this.flags & EFLAGS.RF;
      this.flags &= ~EFLAGS.RF;
      if (this.execBreakpoints !== 0 && rf === 0) this.instructionBreakpoints();
      this.dataBreakpointHits = 0;
      this.stepOne();
      if (this.interruptShadow) this.attention = 1; // MOV SS after STI etc.: shadow continues
      if (shadow) this.attention = 1;
      const trap = held | (tf ? DR6.BS : 0) | this.dataBreakpointHits;
      if (trap !== 0) {
        if (this.debugShadow) {
          // MOV SS / POP SS: the trap waits until the instruction after it has completed (§6.8.3).
          this.heldDebugTrap = trap;
          this.attention = 1;
        } else {
          this.dr[6] |= trap;
          deliverException(this, new CpuFault(Vector.DB, undefined, debugTrapReason(trap)), true);
        }
      }
      if ((this.flags & EFLAGS.TF) !== 0) this.attention = 1;
      return true;
    }
    this.flags &= ~EFLAGS.RF;
    return true;
  }

  /**
   * Instruction breakpoints (SDM Vol. 3B §17.3.1.1): before the instruction at CS:EIP executes,
   * each enabled DRn (R/W = 00) that holds its linear address sets DR6.Bn, and #DB is raised as a
   * fault (EIP = the instruction; the pushed RF stays as it was, 0).
   */
  private instructionBreakpoints(): void {
    const lin = (this.segBase[SegReg.CS] + this.eip) | 0;
    let hits = 0;
    for (let n = 0; n < 4; n++) if (((this.execBreakpoints >> n) & 1) !== 0 && this.dr[n] === lin) hits |= 1 << n;
    if (hits === 0) return;
    this.dr[6] |= hits;
    this.instrStart = this.eip;
    throw new CpuFault(Vector.DB, undefined,
      `instruction breakpoint (${breakpointNames(hits)}) at linear 0x${(lin >>> 0).toString(16)}, EFLAGS.RF = 0 (SDM Vol. 3B §17.3.1.1)`);
  }

  /** Fetches and executes one instruction (no interrupt check). */
  stepOne(): void {
    const eip = this.eip;
    this.instrStart = eip;
    const insn = this.fetch();
    if (eip + insn.len - 1 > this.segReadMaxCode()) this.codeLimitFault(eip, insn.len);
    this.eip = eip + insn.len;
    insn.exec(this, insn);
    this.instructionCount++;
  }

  /** Restores the faulting instruction's start state and delivers the exception. */
  private raise(fault: CpuFault): void {
    const info = fault.vector;
    // A fault inside a translated block: count the instructions that retired before it.
    if (this.activeBlock !== null) {
      this.instructionCount += this.activeBlock.retiredBefore(this.instrStart);
      this.activeBlock = null;
    }
    // Faults report the address of the faulting instruction; traps raised by instructions (INT3,
    // INTO, INT n) are delivered by those instructions themselves and never reach here.
    this.eip = this.instrStart;
    this.onException?.(fault, this.instrStart);
    void info;
    deliverException(this, fault, false);
  }

  /** Enters the halt state (HLT). */
  halt(): void {
    this.halted = true;
    this.attention = 1;
  }

  /**
   * MOV SS / POP SS (SDM Vol. 3A §6.8.3): maskable interrupts, NMI and debug exceptions (the
   * single-step trap among them) wait until the next instruction has completed.
   */
  inhibitInterruptsAfterSsLoad(): void {
    this.interruptShadow = true;
    this.debugShadow = true;
    this.attention = 1;
  }

  /** Asks the loop to look at interrupts before the next instruction (the board calls this when an IRQ line rises). */
  requestInterruptCheck(): void {
    this.attention = 1;
  }

  /** Stops `run` after the current instruction. */
  requestStop(): void {
    this.stopRequested = true;
    this.attention = 1;
  }

  /** Shuts the processor down (triple fault, SDM Vol. 3A §6.15 "Interrupt 8"). */
  enterShutdown(reason: string): void {
    this.shutdown = { reason, chain: [...this.delivery.chain] };
    this.attention = 1;
    this.stopRequested = true;
  }

  // =============================================================================================
  // Convenience set-ups for loaders and tests
  // =============================================================================================

  /**
   * Flat 32-bit protected mode without descriptor tables: CS/DS/ES/FS/GS/SS with base 0 and
   * limit 4 GiB, at privilege `cpl` (selectors 0x08/0x10 for ring 0, 0x1b/0x23 for ring 3).
   */
  setFlatProtectedMode(cpl: 0 | 3 = 0): void {
    this.setCr0(this.cr0 | CR0.PE);
    const dpl = cpl << 5;
    const codeSel = cpl === 3 ? 0x1b : 0x08, dataSel = cpl === 3 ? 0x23 : 0x10;
    this.cpl = cpl;
    for (let s = 0; s < 6; s++) setSegmentCache(this, s, dataSel, 0, 0xffffffff, 0x93 | dpl | 0xc000);
    setSegmentCache(this, SegReg.CS, codeSel, 0, 0xffffffff, 0x9b | dpl | 0xc000);
    this.updatePrivilege();
  }

  /**
   * The machine state the multiboot specification requires at kernel entry (multiboot 0.6.96
   * §3.2): EAX = 0x2BADB002, EBX = physical address of the boot information, flat 32-bit CS/DS/
   * ES/FS/GS/SS, A20 enabled, paging off, EFLAGS.IF = 0 and VM = 0, EIP = entry.
   */
  setupMultibootState(entry: number, ebx: number): void {
    this.reset();
    // CR0: PE = 1, PG = 0; the rest is undefined by multiboot. The BIOS has enabled the caches
    // (CD = NW = 0, unlike RESET's state) before any boot loader runs, as on QEMU and real PCs.
    this.setCr0(CR0.PE | CR0.ET);
    this.setFlatProtectedMode(0);
    this.r32[Reg.EAX] = 0x2badb002;
    this.r32[Reg.EBX] = ebx;
    this.eip = entry >>> 0;
    this.setEflags(EFLAGS.RESERVED1);
  }

  /** Real-mode load of a segment register: base = selector × 16 (SDM Vol. 3A §20.1.1). */
  loadSegmentReal(seg: number, sel: number): void {
    loadSegmentRealMode(this, seg, sel);
  }

  /** A one-line description of the current state, for fault reports. */
  describe(): string {
    const r = (n: number) => (this.r32[n] >>> 0).toString(16).padStart(8, "0");
    return `EIP=${(this.eip >>> 0).toString(16).padStart(8, "0")} EAX=${r(0)} ECX=${r(1)} EDX=${r(2)} EBX=${r(3)} ESP=${r(4)} EBP=${r(5)} ESI=${r(6)} EDI=${r(7)} CS=${this.segSel[SegReg.CS].toString(16)} CPL=${this.cpl}`;
  }

  /** Short name of a fault for reports, e.g. "#GP(0x1b)". */
  static faultName(f: CpuFault): string {
    return faultName(f.vector, f.errorCode);
  }
}

/** "DR0, DR2" for DR6 B0–B3 bits. */
function breakpointNames(bits: number): string {
  const names: string[] = [];
  for (let n = 0; n < 4; n++) if (((bits >> n) & 1) !== 0) names.push(`DR${n}`);
  return names.join(", ");
}

/** The reason of a debug trap with these DR6 bits: single-step and/or data breakpoints. */
function debugTrapReason(bits: number): string {
  const parts: string[] = [];
  if ((bits & DR6.BS) !== 0) parts.push("single-step trap (EFLAGS.TF = 1)");
  if ((bits & 0xf) !== 0) parts.push(`data or I/O breakpoint (${breakpointNames(bits & 0xf)}) hit (SDM Vol. 3B §17.3.1.2)`);
  return parts.join(" and ");
}
