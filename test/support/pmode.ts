/**
 * A protected-mode machine built directly in memory, for tests of the system architecture:
 * a GDT with kernel and user code/data (plus ring-1 and ring-2 segments), a 32-bit TSS with the
 * ring 0–2 stacks, an LDT, and an IDT whose 256 interrupt gates lead to one-slot handler stubs, so
 * a test can run a program "until an event" and see which vector was delivered with what frame.
 *
 * Nothing here goes through the instructions that would normally build these structures (LGDT,
 * LTR, MOV CR0...): the registers and descriptor caches are set as if they had run, so tests of
 * one mechanism do not depend on the others. Linear = physical (paging off) unless a test enables it.
 *
 * Memory map (bytes; RAM is 4 MiB by default):
 *
 *   0x00000  IVT (real mode)             0x10000  kernel code (KCODE_ADDR)
 *   0x01000  GDT, 64 entries             0x40000  user code (UCODE_ADDR)
 *   0x01800  IDT, 256 gates              0x60000–0x70000  ring-3 stack (top USTACK_TOP)
 *   0x02000  LDT, up to 512 entries      0x74000–0x78000  ring-2 stack, 0x78000–0x7c000 ring-1 stack
 *   0x03000  TSS (room for an I/O map)   0x7c000–0x80000  ring-0 stack (TSS ESP0 = KSTACK_TOP)
 *   0x06000  handler stubs, 8 bytes each 0x100000+ free (page tables...)
 *
 * GDT (selectors): 0x08 kernel code, 0x10 kernel data, 0x1b user code, 0x23 user data (the order
 * SYSENTER/SYSEXIT and SYSCALL/SYSRET need), 0x28 TSS, 0x30 LDT, 0x39/0x41 ring-1 code/data,
 * 0x4a/0x52 ring-2 code/data; entries from GDT_FREE on are free for the test.
 */
import { Cpu, SegReg, type ShutdownInfo } from "../../src/cpu/cpu.js";
import { RamBus } from "../../src/cpu/bus.js";
import type { CpuFault } from "../../src/cpu/fault.js";
import { EFLAGS } from "../../src/cpu/flags.js";
import { SegmentDescriptor, loadCacheFromDescriptor, setSegmentCache } from "../../src/cpu/segmentation.js";
import { assemble } from "./asm.js";

export const LAYOUT = {
  GDT: 0x1000,
  GDT_ENTRIES: 64,
  IDT: 0x1800,
  LDT: 0x2000,
  LDT_ENTRIES: 32,
  TSS: 0x3000,
  STUBS: 0x6000,
  KCODE_ADDR: 0x10000,
  UCODE_ADDR: 0x40000,
  USTACK_TOP: 0x70000,
  R2STACK_TOP: 0x78000,
  R1STACK_TOP: 0x7c000,
  KSTACK_TOP: 0x80000,
  FREE: 0x100000,
} as const;

/** Selectors of the standard GDT entries (RPL = the segment's DPL). */
export const SEL = {
  KCODE: 0x08, KDATA: 0x10, UCODE: 0x1b, UDATA: 0x23, TSS: 0x28, LDT: 0x30,
  R1CODE: 0x39, R1DATA: 0x41, R2CODE: 0x4a, R2DATA: 0x52,
} as const;
/** First GDT index free for a test's own descriptors (selector = index × 8 + RPL). */
export const GDT_FREE = 11;

/** Code and data selectors of each ring in the standard GDT. */
export const RING_SEL: ReadonlyArray<{ code: number; data: number; stackTop: number }> = [
  { code: SEL.KCODE, data: SEL.KDATA, stackTop: LAYOUT.KSTACK_TOP },
  { code: SEL.R1CODE, data: SEL.R1DATA, stackTop: LAYOUT.R1STACK_TOP },
  { code: SEL.R2CODE, data: SEL.R2DATA, stackTop: LAYOUT.R2STACK_TOP },
  { code: SEL.UCODE, data: SEL.UDATA, stackTop: LAYOUT.USTACK_TOP },
];

// =================================================================================================
// Descriptor encoders (SDM Vol. 3A §3.4.5 Figure 3-8, §5.8.3 Figure 5-8, §6.11 Figure 6-2, §7.2.2)
// =================================================================================================

/** A descriptor as its two doublewords (low, high), as stored in a table. */
export type Descriptor = readonly [lo: number, hi: number];

export interface SegmentFields {
  base?: number;
  /** The 20-bit limit field (in 4 KiB units when g). Default 0xfffff. */
  limit?: number;
  /** G: limit in 4 KiB units. Default true. */
  g?: boolean;
  dpl?: number;
  /** P. Default true. */
  present?: boolean;
  /** The A bit of the type. Default false. */
  accessed?: boolean;
  avl?: boolean;
}

/** Raw encoder: `type` is the 4-bit type field, `s` the S bit (1 code/data, 0 system). */
export function descriptor(f: SegmentFields & { type: number; s: boolean; db?: boolean }): Descriptor {
  const base = (f.base ?? 0) >>> 0;
  const limit = f.limit ?? 0xfffff;
  const access = (f.present === false ? 0 : 0x80) | ((f.dpl ?? 0) << 5) | (f.s ? 0x10 : 0) | (f.type & 0xf);
  const flags = ((f.g ?? true) ? 8 : 0) | (f.db ? 4 : 0) | (f.avl ? 1 : 0);
  const lo = (limit & 0xffff) | ((base & 0xffff) << 16);
  const hi = ((base >>> 16) & 0xff) | (access << 8) | (limit & 0xf0000) | (flags << 20) | (base & 0xff000000);
  return [lo | 0, hi | 0];
}

/** A code segment: execute/read, non-conforming, 32-bit and flat unless told otherwise. */
export function codeSegment(f: SegmentFields & { conforming?: boolean; readable?: boolean; d?: boolean } = {}): Descriptor {
  const type = 8 | (f.conforming ? 4 : 0) | ((f.readable ?? true) ? 2 : 0) | (f.accessed ? 1 : 0);
  return descriptor({ ...f, type, s: true, db: f.d ?? true });
}

/** A data segment: read/write, expand-up, B = 1 and flat unless told otherwise. */
export function dataSegment(f: SegmentFields & { writable?: boolean; expandDown?: boolean; b?: boolean } = {}): Descriptor {
  const type = (f.expandDown ? 4 : 0) | ((f.writable ?? true) ? 2 : 0) | (f.accessed ? 1 : 0);
  return descriptor({ ...f, type, s: true, db: f.b ?? true });
}

/** Gate types (SDM Vol. 3A Table 3-2). */
export const GateType = {
  CALL16: 0x4, TASK: 0x5, INT16: 0x6, TRAP16: 0x7, CALL32: 0xc, INT32: 0xe, TRAP32: 0xf,
} as const;

/** A call, interrupt, trap or task gate. `params` is a call gate's parameter count (5 bits). */
export function gate(f: { type: number; selector: number; offset?: number; dpl?: number; present?: boolean; params?: number }): Descriptor {
  const offset = (f.offset ?? 0) >>> 0;
  const lo = (offset & 0xffff) | ((f.selector & 0xffff) << 16);
  const hi = (offset & 0xffff0000) | (f.present === false ? 0 : 0x8000) | ((f.dpl ?? 0) << 13) | (f.type << 8) | ((f.params ?? 0) & 0x1f);
  return [lo | 0, hi | 0];
}

/** A TSS descriptor (SDM Vol. 3A §7.2.2): 32-bit unless is32 = false; busy sets type bit 1. */
export function tssDescriptor(f: { base: number; limit: number; busy?: boolean; is32?: boolean; dpl?: number; present?: boolean }): Descriptor {
  const type = ((f.is32 ?? true) ? 0x9 : 0x1) | (f.busy ? 2 : 0);
  return descriptor({ base: f.base, limit: f.limit, g: false, dpl: f.dpl ?? 0, present: f.present, type, s: false });
}

/** An LDT descriptor (type 2). */
export function ldtDescriptor(f: { base: number; limit: number; dpl?: number; present?: boolean }): Descriptor {
  return descriptor({ base: f.base, limit: f.limit, g: false, dpl: f.dpl ?? 0, present: f.present, type: 0x2, s: false });
}

/** 32-bit TSS field offsets (SDM Vol. 3A §7.2.1 Figure 7-2). */
export const TSS32 = {
  LINK: 0x00, ESP0: 0x04, SS0: 0x08, ESP1: 0x0c, SS1: 0x10, ESP2: 0x14, SS2: 0x18, CR3: 0x1c,
  EIP: 0x20, EFLAGS: 0x24, EAX: 0x28, ECX: 0x2c, EDX: 0x30, EBX: 0x34, ESP: 0x38, EBP: 0x3c,
  ESI: 0x40, EDI: 0x44, ES: 0x48, CS: 0x4c, SS: 0x50, DS: 0x54, FS: 0x58, GS: 0x5c, LDT: 0x60,
  T: 0x64, IOMAP: 0x66, SIZE: 0x68,
} as const;

// =================================================================================================
// The machine
// =================================================================================================

/** A RAM bus whose INTR line a test can raise: `raise(vector)` makes one interrupt pending. */
export class TestBus extends RamBus {
  readonly pending: number[] = [];
  /** Called when the processor acknowledges an interrupt (the fixture stops the run there). */
  onAcknowledge: (() => void) | null = null;
  override pendingInterrupt(): number {
    const v = this.pending.shift();
    if (v === undefined) return -1;
    this.onAcknowledge?.();
    return v;
  }
}

/** Why `run` stopped. */
export type RunEvent =
  /** CS:EIP reached the fixture's handler stub for `vector` (an interrupt or exception was delivered). */
  | { kind: "interrupt"; vector: number; fault: CpuFault | undefined }
  /** CS:EIP reached one of the `stopAt` linear addresses. */
  | { kind: "stop"; eip: number }
  /** A triple fault shut the processor down. */
  | { kind: "shutdown"; info: ShutdownInfo }
  /** HLT with nothing to wake the processor. */
  | { kind: "halt" }
  /** `maxSteps` instructions ran without an event. */
  | { kind: "limit" };

export interface RunOptions {
  /** Linear addresses at which to stop (before executing the instruction there). */
  stopAt?: readonly number[];
  /** Default 10 000. */
  maxSteps?: number;
}

export interface PmodeOptions {
  /** RAM size in bytes (default 4 MiB). */
  ramBytes?: number;
  /** Ring to start in (default 0): CS/SS/DS/ES/FS/GS hold that ring's selectors. */
  cpl?: 0 | 1 | 2 | 3;
  /** Initial EIP (default KCODE_ADDR for ring 0, UCODE_ADDR otherwise). */
  eip?: number;
}

/**
 * A processor in 32-bit protected mode with the standard tables above, at the ring asked for.
 * IDT gates are 32-bit interrupt gates, DPL 0, to KCODE:STUBS + 8·vector; change them with setGate.
 */
export class PmodeMachine {
  readonly bus: TestBus;
  readonly cpu: Cpu;
  /** Every fault raised by an instruction (the loop's onException), in order. */
  readonly faults: CpuFault[] = [];

  constructor(opts: PmodeOptions = {}) {
    this.bus = new TestBus(opts.ramBytes ?? 4 << 20);
    this.cpu = new Cpu(this.bus);
    const cpu = this.cpu;
    // A delivered fault stops `run`, so the first handler instruction is not executed behind the test's back.
    cpu.onException = (f) => { this.faults.push(f); cpu.requestStop(); };
    this.bus.onAcknowledge = () => cpu.requestStop();

    // GDT
    this.setGdt(1, codeSegment({ dpl: 0 }));
    this.setGdt(2, dataSegment({ dpl: 0 }));
    this.setGdt(3, codeSegment({ dpl: 3 }));
    this.setGdt(4, dataSegment({ dpl: 3 }));
    this.setGdt(5, tssDescriptor({ base: LAYOUT.TSS, limit: TSS32.SIZE - 1, busy: true }));
    this.setGdt(6, ldtDescriptor({ base: LAYOUT.LDT, limit: LAYOUT.LDT_ENTRIES * 8 - 1 }));
    this.setGdt(7, codeSegment({ dpl: 1 }));
    this.setGdt(8, dataSegment({ dpl: 1 }));
    this.setGdt(9, codeSegment({ dpl: 2 }));
    this.setGdt(10, dataSegment({ dpl: 2 }));
    cpu.gdtrBase = LAYOUT.GDT;
    cpu.gdtrLimit = LAYOUT.GDT_ENTRIES * 8 - 1;

    // LDT (empty) and LDTR, as LLDT would load it
    cpu.ldtrSel = SEL.LDT;
    cpu.ldtrBase = LAYOUT.LDT;
    cpu.ldtrLimit = LAYOUT.LDT_ENTRIES * 8 - 1;

    // TSS with the inner-ring stacks; no I/O permission bitmap (I/O map base beyond the limit); TR loaded, busy
    for (let ring = 0; ring < 3; ring++) this.setTssStack(ring, RING_SEL[ring].data, RING_SEL[ring].stackTop);
    this.write16(LAYOUT.TSS + TSS32.IOMAP, TSS32.SIZE);
    cpu.trSel = SEL.TSS;
    cpu.trBase = LAYOUT.TSS;
    cpu.trLimit = TSS32.SIZE - 1;
    cpu.trType = 0xb;

    // IDT: every vector to its stub (hlt; jmp .-1)
    for (let v = 0; v < 256; v++) {
      this.setGate(v, gate({ type: GateType.INT32, selector: SEL.KCODE, offset: this.stub(v) }));
      cpu.ram.set([0xf4, 0xeb, 0xfd], this.stub(v));
    }
    cpu.idtrBase = LAYOUT.IDT;
    cpu.idtrLimit = 256 * 8 - 1;

    cpu.setCr0(cpu.cr0 | 1);
    cpu.setEflags(EFLAGS.RESERVED1);
    const cpl = opts.cpl ?? 0;
    this.enterRing(cpl, opts.eip ?? (cpl === 0 ? LAYOUT.KCODE_ADDR : LAYOUT.UCODE_ADDR));
  }

  /** Linear address of the handler stub the default IDT gate for `vector` points to. */
  stub(vector: number): number {
    return LAYOUT.STUBS + vector * 8;
  }

  // ---- Descriptor tables ----

  setGdt(index: number, d: Descriptor): void {
    this.write32(LAYOUT.GDT + index * 8, d[0]);
    this.write32(LAYOUT.GDT + index * 8 + 4, d[1]);
  }
  setLdt(index: number, d: Descriptor): void {
    this.write32(LAYOUT.LDT + index * 8, d[0]);
    this.write32(LAYOUT.LDT + index * 8 + 4, d[1]);
  }
  /** The GDT entry as the processor decodes it. */
  gdt(index: number): SegmentDescriptor {
    return new SegmentDescriptor(this.read32(LAYOUT.GDT + index * 8), this.read32(LAYOUT.GDT + index * 8 + 4));
  }
  ldt(index: number): SegmentDescriptor {
    return new SegmentDescriptor(this.read32(LAYOUT.LDT + index * 8), this.read32(LAYOUT.LDT + index * 8 + 4));
  }
  setGate(vector: number, d: Descriptor): void {
    this.write32(LAYOUT.IDT + vector * 8, d[0]);
    this.write32(LAYOUT.IDT + vector * 8 + 4, d[1]);
  }
  /** SSn:ESPn of the TSS for ring 0–2. */
  setTssStack(ring: number, ss: number, esp: number): void {
    this.write32(LAYOUT.TSS + TSS32.ESP0 + ring * 8, esp);
    this.write32(LAYOUT.TSS + TSS32.SS0 + ring * 8, ss);
  }
  /**
   * Writes a 32-bit TSS at `base` for a task of its own (SDM Vol. 3A Figure 7-2): the given fields
   * (selectors and 16-bit fields as words, the rest as dwords), zero elsewhere, and an I/O map base
   * beyond the limit. Pair it with a tssDescriptor in the GDT.
   */
  writeTss(base: number, fields: Partial<Record<keyof typeof TSS32, number>>): void {
    for (let k = 0; k < TSS32.SIZE; k += 4) this.write32(base + k, 0);
    this.write16(base + TSS32.IOMAP, TSS32.SIZE);
    for (const [name, v] of Object.entries(fields) as Array<[keyof typeof TSS32, number]>) {
      const off = TSS32[name];
      if (off >= TSS32.ES && off <= TSS32.T || off === TSS32.LINK || off === TSS32.SS0 || off === TSS32.SS1 || off === TSS32.SS2)
        this.write16(base + off, v);
      else this.write32(base + off, v);
    }
  }
  /** Changes the TSS limit in the GDT descriptor and in TR's cache (e.g. to include an I/O map). */
  setTssLimit(limit: number): void {
    this.setGdt(SEL.TSS >> 3, tssDescriptor({ base: LAYOUT.TSS, limit, busy: true }));
    this.cpu.trLimit = limit;
  }

  // ---- Segment registers, set as if loaded (no checks; the accessed bit is set in the cache) ----

  /** Loads `seg`'s cache from the descriptor `sel` names (GDT or LDT); a null selector makes it unusable. */
  loadSeg(seg: number, sel: number): void {
    const cpu = this.cpu;
    if ((sel & 0xfffc) === 0 && (sel & 4) === 0) { setSegmentCache(cpu, seg, sel, 0, 0, 0); return; }
    const d = (sel & 4) !== 0 ? this.ldt(sel >> 3) : this.gdt(sel >> 3);
    loadCacheFromDescriptor(cpu, seg, sel, d);
    if (seg === SegReg.CS) cpu.cpl = sel & 3;
    if (seg === SegReg.CS || seg === SegReg.SS) cpu.updatePrivilege();
  }

  /** Switches to ring `cpl` with its standard code and data selectors, EIP = eip, ESP = that ring's stack top. */
  enterRing(cpl: number, eip: number, esp: number = RING_SEL[cpl].stackTop): void {
    const r = RING_SEL[cpl];
    this.loadSeg(SegReg.CS, r.code);
    for (const s of [SegReg.SS, SegReg.DS, SegReg.ES, SegReg.FS, SegReg.GS]) this.loadSeg(s, r.data);
    this.cpu.eip = eip >>> 0;
    this.cpu.r32[4] = esp | 0;
  }

  // ---- Memory (linear = physical while paging is off) ----

  load(addr: number, bytes: ArrayLike<number>): void {
    this.cpu.ram.set(bytes, addr);
    this.cpu.invalidateAllCode();
  }
  /**
   * Assembles GNU as source linked at `addr` and loads it there. Returns the address just past the
   * code: a natural `stopAt` for a program that runs off its end.
   */
  asm(addr: number, source: string, opts: { code16?: boolean } = {}): number {
    const b = assemble(source, { org: addr, code16: opts.code16 });
    this.load(addr, b);
    return addr + b.length;
  }
  read8(p: number): number { return this.cpu.ram[p]; }
  read16(p: number): number { return this.cpu.ram[p] | (this.cpu.ram[p + 1] << 8); }
  read32(p: number): number { return (this.read16(p) | (this.read16(p + 2) << 16)) >>> 0; }
  write16(p: number, v: number): void { this.cpu.ram[p] = v & 0xff; this.cpu.ram[p + 1] = (v >> 8) & 0xff; }
  write32(p: number, v: number): void { this.write16(p, v & 0xffff); this.write16(p + 2, v >>> 16); this.cpu.invalidateAllCode(); }

  /** `count` dwords (or words with size 2) on the current stack from SS:ESP up, as unsigned numbers. */
  stack(count: number, size: 2 | 4 = 4): number[] {
    const cpu = this.cpu;
    const out: number[] = [];
    for (let k = 0; k < count; k++) {
      const lin = (cpu.segBase[SegReg.SS] + cpu.stackOffset(k * size)) >>> 0;
      out.push(size === 4 ? this.read32(lin) : this.read16(lin));
    }
    return out;
  }
  /** Pushes dwords onto the current stack (last argument ends on top), as a caller preparing IRET/RETF would. */
  push(...values: number[]): void {
    for (const v of values) this.cpu.push32(v);
  }

  // ---- Paging (32-bit, 4 KiB pages; SDM Vol. 3A §4.3) ----

  /**
   * Identity-maps all of RAM with 4 KiB pages whose PDEs and PTEs carry `flags` (default
   * P | R/W | U/S = 7), with the page directory at LAYOUT.FREE and the page tables after it, then
   * loads CR3 and sets CR0.PG. Change single pages with setPte / unmapPage.
   */
  enablePaging(flags = 7): void {
    const cpu = this.cpu;
    const pd = LAYOUT.FREE;
    const tables = Math.ceil(cpu.ramSize / (4 << 20));
    for (let t = 0; t < tables; t++) {
      const pt = pd + 0x1000 * (t + 1);
      this.write32(pd + t * 4, pt | flags);
      for (let e = 0; e < 1024; e++) this.write32(pt + e * 4, (((t << 22) | (e << 12)) | flags) >>> 0);
    }
    cpu.setCr3(pd);
    cpu.setCr0(cpu.cr0 | 0x80000000);
  }
  /** Physical address of the PTE mapping linear `lin` (after enablePaging). */
  pteAddress(lin: number): number {
    return LAYOUT.FREE + 0x1000 * ((lin >>> 22) + 1) + ((lin >>> 12) & 0x3ff) * 4;
  }
  /** Writes the PTE for `lin` and drops the processor's cached translation. */
  setPte(lin: number, pte: number): void {
    this.write32(this.pteAddress(lin), pte);
    this.cpu.invalidatePage(lin);
  }
  /** Marks the page holding `lin` not present. */
  unmapPage(lin: number): void {
    this.setPte(lin, 0);
  }

  // ---- Running ----

  /** Linear address of CS:EIP. */
  get pc(): number {
    return (this.cpu.segBase[SegReg.CS] + this.cpu.eip) >>> 0;
  }

  /**
   * Runs one instruction at a time until an event: a handler stub is reached, a stopAt address,
   * shutdown, HLT, or maxSteps. A fault stops the processor right after its delivery, so the state
   * seen is the handler's entry state with the frame the processor pushed. At least one
   * instruction runs, so a run that stopped at a stub or address can be continued from there.
   */
  run(opts: RunOptions = {}): RunEvent {
    const cpu = this.cpu;
    const max = opts.maxSteps ?? 10_000;
    const stops = opts.stopAt ?? [];
    const firstFault = this.faults.length;
    if (cpu.shutdown !== null) return { kind: "shutdown", info: cpu.shutdown };
    for (let n = 0; n < max; n++) {
      cpu.run(1);
      const ev = this.check(stops, firstFault);
      if (ev) return ev;
      if (cpu.halted) return { kind: "halt" };
    }
    return { kind: "limit" };
  }

  private atStub(): boolean {
    const pc = this.pc;
    return pc >= LAYOUT.STUBS && pc < LAYOUT.STUBS + 256 * 8 && (pc & 7) === 0;
  }
  private check(stops: readonly number[], firstFault: number): RunEvent | undefined {
    const cpu = this.cpu;
    if (cpu.shutdown !== null) return { kind: "shutdown", info: cpu.shutdown };
    if (this.atStub()) {
      cpu.halted = false;
      return { kind: "interrupt", vector: (this.pc - LAYOUT.STUBS) >> 3, fault: this.faults.length > firstFault ? this.faults[this.faults.length - 1] : undefined };
    }
    const pc = this.pc;
    if (stops.includes(pc)) return { kind: "stop", eip: pc };
    return undefined;
  }
}

/**
 * A processor in real-address mode after reset, with CS = DS = ES = SS = 0, IVT at 0, IP = `ip`
 * and SP = 0x7000 (1 MiB of RAM unless told otherwise).
 */
export function realModeCpu(ip = 0x1000, ramBytes = 1 << 20): Cpu {
  const cpu = new Cpu(new TestBus(ramBytes));
  for (const s of [SegReg.CS, SegReg.DS, SegReg.ES, SegReg.SS, SegReg.FS, SegReg.GS]) cpu.loadSegmentReal(s, 0);
  cpu.eip = ip;
  cpu.r32[4] = 0x7000;
  return cpu;
}
