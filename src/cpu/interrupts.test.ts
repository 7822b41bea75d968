/**
 * Interrupt and exception delivery (SDM Vol. 2A INT n Operation; Vol. 3A §6.12–6.15, Table 6-5):
 * the frame the processor pushes, the stack switch through the TSS, every check on the way with its
 * error code (EXT and IDT bits), IF/TF/NT/RF, the double-fault matrix and the triple fault.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Cpu, Reg, SegReg } from "./cpu.js";
import { CpuFault, Vector } from "./fault.js";
import { EFLAGS } from "./flags.js";
import {
  GDT_FREE, GateType, LAYOUT, PmodeMachine, SEL, codeSegment, dataSegment, gate, realModeCpu,
} from "../../test/support/pmode.js";
import { assertFault, assertStopped, runAsm } from "../../test/support/pmode-assert.js";
import { assemble } from "../../test/support/asm.js";

const X = GDT_FREE;
const sel = (index: number, rpl = 0): number => (index << 3) | rpl;
const U = LAYOUT.UCODE_ADDR;

/** A DPL-3 trap gate for `vector` to its stub: what a kernel installs for system calls. */
function userGate(m: PmodeMachine, vector: number, type: number = GateType.TRAP32): void {
  m.setGate(vector, gate({ type, selector: SEL.KCODE, offset: m.stub(vector), dpl: 3 }));
}

/**
 * Sends `vector` to a handler in a conforming DPL-0 code segment: delivery stays at the current
 * privilege level on the current stack, so it needs no TSS stack (for observing TSS faults).
 */
function conformingHandler(m: PmodeMachine, vector: number): void {
  m.setGdt(X + 9, codeSegment({ conforming: true, dpl: 0 }));
  m.setGate(vector, gate({ type: GateType.INT32, selector: sel(X + 9), offset: m.stub(vector) }));
}

// ---- The frame ----

test("interrupt to ring 0 from ring 3 pushes SS, ESP, EFLAGS, CS, EIP, error code on the TSS ESP0 stack", () => {
  const m = new PmodeMachine({ cpl: 3 });
  m.cpu.r32[Reg.ESP] = 0x6fff0;
  m.cpu.setEflags(EFLAGS.RESERVED1 | EFLAGS.IF | EFLAGS.CF);
  const f = assertFault(runAsm(m, "mov $0x10, %ax\nmov %ax, %ds"), Vector.GP, 0x10, /load of DS with 0x10: CPL 3 > descriptor DPL 0/);
  assert.ok(f);
  const cpu = m.cpu;
  assert.equal(cpu.cpl, 0);
  assert.equal(cpu.segSel[SegReg.CS], SEL.KCODE);
  assert.equal(cpu.segSel[SegReg.SS], SEL.KDATA);
  assert.equal(cpu.r32[Reg.ESP] >>> 0, LAYOUT.KSTACK_TOP - 24);
  // error code, EIP (of the MOV DS), CS, EFLAGS (RF = 1 for a fault), ESP, SS
  assert.deepEqual(m.stack(6), [0x10, U + 4, SEL.UCODE, EFLAGS.RESERVED1 | EFLAGS.IF | EFLAGS.CF | EFLAGS.RF, 0x6fff0, SEL.UDATA]);
  // an interrupt gate cleared IF; RF is clear in the handler
  assert.equal(cpu.getEflags() & (EFLAGS.IF | EFLAGS.RF), 0);
  // the user's data segment registers are untouched
  assert.equal(cpu.segSel[SegReg.DS], SEL.UDATA);
});

test("INT n from ring 3 through a DPL-3 trap gate pushes SS, ESP, EFLAGS, CS, EIP without error code and keeps IF", () => {
  const m = new PmodeMachine({ cpl: 3 });
  userGate(m, 0x80);
  m.cpu.setEflags(EFLAGS.RESERVED1 | EFLAGS.IF | EFLAGS.NT);
  const ev = runAsm(m, "int $0x80");
  assert.equal(ev.kind === "interrupt" && ev.vector, 0x80);
  assert.equal(ev.kind === "interrupt" && ev.fault, undefined);
  // EIP after the INT; RF pushed as 0 (SDM 17.3.1.1: software interrupts); NT in the image
  assert.deepEqual(m.stack(5), [U + 2, SEL.UCODE, EFLAGS.RESERVED1 | EFLAGS.IF | EFLAGS.NT, LAYOUT.USTACK_TOP, SEL.UDATA]);
  assert.equal(m.cpu.r32[Reg.ESP] >>> 0, LAYOUT.KSTACK_TOP - 20);
  // a trap gate leaves IF; NT is cleared
  assert.equal(m.cpu.getEflags() & (EFLAGS.IF | EFLAGS.NT), EFLAGS.IF);
});

test("INT n through a DPL-0 gate from CPL 3 raises #GP(n*8+2)", () => {
  const m = new PmodeMachine({ cpl: 3 });
  const f = assertFault(runAsm(m, "int $0x80"), Vector.GP, 0x80 * 8 + 2);
  assert.equal(f.reason, "INT 0x80: gate DPL 0 < CPL 3");
  // a fault of the INT instruction: the EIP pushed is the INT's own
  assert.equal(m.stack(2)[1], U);
});

test("an external interrupt ignores the gate DPL; a not-present gate raises #NP(vector*8+2+EXT) handled serially", () => {
  const m = new PmodeMachine({ cpl: 3 });
  m.cpu.setEflags(EFLAGS.RESERVED1 | EFLAGS.IF);
  m.bus.pending.push(0x20);
  const ev = runAsm(m, "nop");
  assert.equal(ev.kind === "interrupt" && ev.vector, 0x20);
  assert.deepEqual(m.stack(2), [U, SEL.UCODE]);
  const m2 = new PmodeMachine({ cpl: 3 });
  m2.setGate(0x20, gate({ type: GateType.INT32, selector: SEL.KCODE, offset: m2.stub(0x20), present: false }));
  m2.cpu.setEflags(EFLAGS.RESERVED1 | EFLAGS.IF);
  m2.bus.pending.push(0x20);
  assertFault(runAsm(m2, "nop"), Vector.NP, 0x20 * 8 + 3, /external interrupt 0x20: IDT entry 0x20 \(32-bit interrupt gate\) not present/);
  assert.match(m2.cpu.delivery.chain.join("\n"), /handled serially \(SDM Vol. 3A Table 6-5: benign then contributory\)/);
});

test("INT3 through a DPL-0 gate from CPL 3 raises #GP(3*8+2); INT1 (ICEBP) is not checked against the gate DPL", () => {
  const m = new PmodeMachine({ cpl: 3 });
  const f = assertFault(runAsm(m, "int3"), Vector.GP, 3 * 8 + 2);
  assert.equal(f.reason, "INT3: gate DPL 0 < CPL 3");
  const m2 = new PmodeMachine({ cpl: 3 });
  m2.load(U, [0xf1]);
  const ev = m2.run({ maxSteps: 1 });
  assert.equal(ev.kind === "interrupt" && ev.vector, 1);
  assert.equal(ev.kind === "interrupt" && ev.fault, undefined);
  assert.deepEqual(m2.stack(2), [U + 1, SEL.UCODE]);
  // a fault while delivering INT1 carries EXT = 1
  const m3 = new PmodeMachine({ cpl: 3 });
  m3.setGate(1, gate({ type: GateType.INT32, selector: SEL.KCODE, offset: m3.stub(1), present: false }));
  m3.load(U, [0xf1]);
  assertFault(m3.run({ maxSteps: 1 }), Vector.NP, 1 * 8 + 3, /^INT1: IDT entry 0x1/);
});

test("interrupt at the same privilege level pushes EFLAGS, CS, EIP on the current stack", () => {
  const m = new PmodeMachine();
  m.cpu.r32[Reg.ESP] = 0x50000;
  const ev = runAsm(m, "int $0x40");
  assert.equal(ev.kind === "interrupt" && ev.vector, 0x40);
  assert.equal(m.cpu.r32[Reg.ESP], 0x50000 - 12);
  assert.deepEqual(m.stack(3), [LAYOUT.KCODE_ADDR + 2, SEL.KCODE, EFLAGS.RESERVED1]);
});

test("a 16-bit interrupt gate from ring 3 pushes a 16-bit frame", () => {
  const m = new PmodeMachine({ cpl: 3 });
  m.setGate(0x81, gate({ type: GateType.INT16, selector: SEL.KCODE, offset: m.stub(0x81), dpl: 3 }));
  m.cpu.r32[Reg.ESP] = 0x6bcd0;
  const ev = runAsm(m, "int $0x81");
  assert.equal(ev.kind === "interrupt" && ev.vector, 0x81);
  assert.equal(m.cpu.r32[Reg.ESP] >>> 0, LAYOUT.KSTACK_TOP - 10);
  assert.deepEqual(m.stack(5, 2), [(U + 2) & 0xffff, SEL.UCODE, EFLAGS.RESERVED1, 0xbcd0, SEL.UDATA]);
});

test("an interrupt through a gate to a conforming code segment stays at CPL 3 on the user stack", () => {
  const m = new PmodeMachine({ cpl: 3 });
  m.setGdt(X, codeSegment({ conforming: true, dpl: 0 }));
  m.setGate(0x82, gate({ type: GateType.TRAP32, selector: sel(X), offset: m.stub(0x82), dpl: 3 }));
  const ev = runAsm(m, "int $0x82");
  assert.equal(ev.kind === "interrupt" && ev.vector, 0x82);
  assert.equal(m.cpu.cpl, 3);
  assert.equal(m.cpu.segSel[SegReg.CS], sel(X, 3));
  assert.equal(m.cpu.segSel[SegReg.SS], SEL.UDATA);
  assert.equal(m.cpu.r32[Reg.ESP], LAYOUT.USTACK_TOP - 12);
});

test("fault-class exceptions push RF = 1 and the faulting EIP; INT3 (a trap) pushes the next EIP and RF = 0", () => {
  const m = new PmodeMachine();
  m.loadSeg(SegReg.DS, 0);
  assertFault(runAsm(m, "nop\nmov (0), %eax"), Vector.GP, 0);
  assert.deepEqual(m.stack(4), [0, LAYOUT.KCODE_ADDR + 1, SEL.KCODE, EFLAGS.RESERVED1 | EFLAGS.RF]);
  const m2 = new PmodeMachine();
  const ev = runAsm(m2, "int3");
  assert.equal(ev.kind === "interrupt" && ev.vector, 3);
  assert.deepEqual(m2.stack(3), [LAYOUT.KCODE_ADDR + 1, SEL.KCODE, EFLAGS.RESERVED1]);
});

// ---- Checks on the IDT gate and its code segment ----

test("a vector beyond the IDT limit raises #GP(vector*8+2) for INT n", () => {
  const m = new PmodeMachine();
  m.cpu.idtrLimit = 0x80 * 8 - 1;
  assertFault(runAsm(m, "int $0x80"), Vector.GP, 0x402, /INT 0x80: IDT entry 0x80 is beyond the IDTR limit 0x3ff/);
});

test("a not-present gate raises #NP(vector*8+2) for INT n", () => {
  const m = new PmodeMachine();
  m.setGate(0x80, gate({ type: GateType.INT32, selector: SEL.KCODE, offset: 0, present: false }));
  assertFault(runAsm(m, "int $0x80"), Vector.NP, 0x402, /not present/);
});

test("a call gate in the IDT raises #GP(vector*8+2)", () => {
  const m = new PmodeMachine();
  m.setGate(0x80, gate({ type: GateType.CALL32, selector: SEL.KCODE, offset: 0 }));
  assertFault(runAsm(m, "int $0x80"), Vector.GP, 0x402, /is a 32-bit call gate, not an interrupt, trap or task gate/);
});

test("a gate with a null code-segment selector raises #GP(0) (EXT = 1 for an exception)", () => {
  const m = new PmodeMachine();
  m.setGate(0x80, gate({ type: GateType.INT32, selector: 0, offset: 0 }));
  assertFault(runAsm(m, "int $0x80"), Vector.GP, 0, /code-segment selector 0x0 is null/);
  const m2 = new PmodeMachine();
  m2.setGate(6, gate({ type: GateType.INT32, selector: 0, offset: 0 }));
  assertFault(runAsm(m2, "ud2"), Vector.GP, 1, /#UD through 32-bit interrupt gate 0x6: the gate's code-segment selector 0x0 is null/);
});

test("a gate whose code segment is a data segment, beyond the GDT, or of DPL > CPL raises #GP(selector)", () => {
  const m = new PmodeMachine();
  m.setGate(0x80, gate({ type: GateType.INT32, selector: SEL.KDATA, offset: 0 }));
  assertFault(runAsm(m, "int $0x80"), Vector.GP, SEL.KDATA, /target 0x10 is a read\/write data segment, not a code segment/);
  const m2 = new PmodeMachine();
  m2.setGate(0x80, gate({ type: GateType.INT32, selector: 0x400, offset: 0 }));
  assertFault(runAsm(m2, "int $0x80"), Vector.GP, 0x400, /beyond the GDT limit/);
  const m3 = new PmodeMachine();
  m3.setGate(0x80, gate({ type: GateType.INT32, selector: SEL.UCODE, offset: m3.stub(0x80) }));
  assertFault(runAsm(m3, "int $0x80"), Vector.GP, SEL.UCODE & ~3, /target code segment 0x1b DPL 3 > CPL 0/);
});

test("a gate whose code segment is not present raises #NP(selector)", () => {
  const m = new PmodeMachine();
  m.setGdt(X, codeSegment({ present: false }));
  m.setGate(0x80, gate({ type: GateType.INT32, selector: sel(X), offset: 0 }));
  assertFault(runAsm(m, "int $0x80"), Vector.NP, sel(X), /target code segment 0x58 not present/);
});

test("a gate offset beyond the code segment limit raises #GP(0)", () => {
  const m = new PmodeMachine();
  m.setGdt(X, codeSegment({ limit: 0xfff, g: false }));
  m.setGate(0x80, gate({ type: GateType.INT32, selector: sel(X), offset: 0x1000 }));
  assertFault(runAsm(m, "int $0x80"), Vector.GP, 0, /gate offset 0x1000 is beyond the limit 0xfff/);
});

// ---- The stack switch through the TSS (SDM Vol. 2A INT n "INTER-PRIVILEGE-LEVEL-INTERRUPT") ----

test("a null SS0 in the TSS raises #TS(0) for INT n, #TS(1) (then #DF) for an exception", () => {
  const m = new PmodeMachine({ cpl: 3 });
  userGate(m, 0x80);
  conformingHandler(m, Vector.TS);
  m.setTssStack(0, 0, LAYOUT.KSTACK_TOP);
  assertFault(runAsm(m, "int $0x80"), Vector.TS, 0, /TSS SS0 0x0 is a null selector/);
  // for an exception the #TS has EXT = 1, and (contributory during contributory) becomes #DF
  const m2 = new PmodeMachine({ cpl: 3 });
  conformingHandler(m2, Vector.DF);
  m2.setTssStack(0, 0, LAYOUT.KSTACK_TOP);
  m2.loadSeg(SegReg.DS, 0);
  const ev = runAsm(m2, "mov (0), %eax");
  assert.equal(ev.kind === "interrupt" && ev.vector, Vector.DF);
  assert.match(m2.cpu.delivery.chain[1], /^#TS\(0x1\) while delivering #GP\(0x0\): .*TSS SS0 0x0 is a null selector/);
});

test("SS0 with RPL != 0, DPL != 0, not writable, or beyond the GDT raises #TS(SS0)", () => {
  const check = (ss0: number, setup: (m: PmodeMachine) => void, reason: RegExp): void => {
    const m = new PmodeMachine({ cpl: 3 });
    userGate(m, 0x80);
    conformingHandler(m, Vector.TS);
    setup(m);
    m.setTssStack(0, ss0, LAYOUT.KSTACK_TOP);
    assertFault(runAsm(m, "int $0x80"), Vector.TS, ss0 & 0xfffc, reason);
  };
  check(SEL.KDATA | 3, () => {}, /TSS SS0 0x13 RPL 3 != new CPL 0/);
  check(0x20, () => {}, /TSS SS0 0x20 descriptor DPL 3 != new CPL 0/);
  check(sel(X), (m) => m.setGdt(X, dataSegment({ writable: false })), /read-only data, not a writable data segment/);
  check(0x400, () => {}, /INT 0x80: TSS SS0: selector 0x400 index 128 is beyond the GDT limit 0x1ff/);
});

test("a not-present SS0 raises #SS(SS0)", () => {
  const m = new PmodeMachine({ cpl: 3 });
  userGate(m, 0x80);
  conformingHandler(m, Vector.SS);
  m.setGdt(X, dataSegment({ present: false }));
  m.setTssStack(0, sel(X), LAYOUT.KSTACK_TOP);
  assertFault(runAsm(m, "int $0x80"), Vector.SS, sel(X), /TSS SS0 0x58 stack segment not present/);
});

test("a TSS limit that does not cover SS0:ESP0 raises #TS(TSS selector)", () => {
  const m = new PmodeMachine({ cpl: 3 });
  userGate(m, 0x80);
  conformingHandler(m, Vector.TS);
  m.setTssLimit(8); // ESP0 at 4..7, SS0 at 8..9: needs offset 9
  assertFault(runAsm(m, "int $0x80"), Vector.TS, SEL.TSS, /the TSS limit 0x8 does not cover SS0:ESP0 at offset 0x4/);
  const m2 = new PmodeMachine({ cpl: 3 });
  userGate(m2, 0x80);
  m2.setTssLimit(9);
  assert.equal(runAsm(m2, "int $0x80").kind, "interrupt");
  assert.equal(m2.cpu.cpl, 0);
});

test("a ring-0 stack without room for the frame raises #SS(SS0), with EXT for an exception", () => {
  const m = new PmodeMachine({ cpl: 3 });
  conformingHandler(m, Vector.DF);
  m.setGdt(X, dataSegment({ limit: 0xfff, g: false }));
  m.setTssStack(0, sel(X), 0x10); // 24 bytes (with error code) do not fit below 0x10
  m.loadSeg(SegReg.DS, 0);
  const ev = runAsm(m, "mov (0), %eax");
  assert.equal(ev.kind === "interrupt" && ev.vector, Vector.DF);
  assert.match(m.cpu.delivery.chain[1], /^#SS\(0x59\) while delivering #GP\(0x0\): .*ring-0 stack: no room for 24 bytes below ESP 0x10/);
  // for INT n, #SS(SS0) without EXT
  const m2 = new PmodeMachine({ cpl: 3 });
  userGate(m2, 0x80);
  conformingHandler(m2, Vector.SS);
  m2.setGdt(X, dataSegment({ limit: 0xfff, g: false }));
  m2.setTssStack(0, sel(X), 0x10);
  assertFault(runAsm(m2, "int $0x80"), Vector.SS, sel(X), /no room for 20 bytes below ESP 0x10/);
});

test("a page fault on the ring-0 stack during INT n from ring 3 leaves every register as it was", () => {
  const m = new PmodeMachine({ cpl: 3 });
  userGate(m, 0x80);
  conformingHandler(m, Vector.PF);
  m.enablePaging();
  m.unmapPage(LAYOUT.KSTACK_TOP - 4);
  const regs = Int32Array.from(m.cpu.r32);
  const f = assertFault(runAsm(m, "int $0x80"), Vector.PF, 2, /not present at linear 0x0007fffc/);
  assert.ok(f instanceof CpuFault);
  assert.equal(m.cpu.cr2, LAYOUT.KSTACK_TOP - 4);
  // the #PF frame sits on the user stack (conforming handler): SS, ESP, CS of the INT were not changed
  // error code 2: a supervisor write (the new stack is written at the new CPL 0) to a not-present page
  assert.deepEqual(m.stack(4), [2, U, SEL.UCODE, EFLAGS.RESERVED1 | EFLAGS.RF]);
  assert.equal(m.cpu.r32[Reg.ESP], regs[Reg.ESP] - 16);
});

/** A ring-3 INT 0x80 whose ring-0 frame starts at ESP0 = `esp0`, with page `unmapped` not present; returns CR2. */
function int80FramePageFault(esp0: number, unmapped: number): number {
  const m = new PmodeMachine({ cpl: 3 });
  userGate(m, 0x80);
  conformingHandler(m, Vector.PF);
  m.enablePaging();
  m.setTssStack(0, SEL.KDATA, esp0);
  m.unmapPage(unmapped);
  assertFault(runAsm(m, "int $0x80"), Vector.PF, 2);
  return m.cpu.cr2 >>> 0;
}

test("a #PF while pushing an interrupt frame names in CR2 the first push that faults (SDM Vol. 2A INT n push order SS ESP EFLAGS CS EIP; as Bochs)", () => {
  const B = LAYOUT.KSTACK_TOP - 0x1000;
  // SS and ESP fit above the page boundary B; EFLAGS is the first slot on the not-present page below
  assert.equal(int80FramePageFault(B + 8, B - 4), B - 4);
  // the whole frame on the not-present page: its first slot, SS
  assert.equal(int80FramePageFault(B - 0x100, B - 4), B - 0x100 - 4);
  // the first slot straddles the boundary: its lower page is translated first (CR2 = the slot)…
  assert.equal(int80FramePageFault(B + 2, B - 4), B - 2);
  // …then its upper page (CR2 = that page's first byte), as a split write
  assert.equal(int80FramePageFault(B + 2, B), B);
});

// ---- The double-fault rules (SDM Vol. 3A §6.15 Interrupt 8, Table 6-5) ----

/** Moves the IDT so that the gates for vectors 8 and 13 lie on page 0x200000 and 14 on page 0x201000. */
function splitIdt(m: PmodeMachine): void {
  const base = 0x201000 - 14 * 8;
  m.load(base, m.cpu.ram.slice(LAYOUT.IDT, LAYOUT.IDT + 256 * 8));
  m.cpu.idtrBase = base;
  m.enablePaging();
}

test("#NP during #GP delivery escalates to #DF with error code 0", () => {
  const m = new PmodeMachine();
  m.setGate(13, gate({ type: GateType.INT32, selector: SEL.KCODE, offset: m.stub(13), present: false }));
  m.loadSeg(SegReg.DS, 0);
  const ev = runAsm(m, "mov (0), %eax");
  assert.equal(ev.kind === "interrupt" && ev.vector, 8);
  assert.deepEqual(m.stack(4), [0, LAYOUT.KCODE_ADDR, SEL.KCODE, EFLAGS.RESERVED1 | EFLAGS.RF]);
  const chain = m.cpu.delivery.chain;
  assert.match(chain[0], /^#GP\(0x0\) at 0x8:0x10000 \(CPL 0\) `mov eax, dword ptr \[0x0\]`: read of 4 bytes at DS:0x0: DS holds a null selector/);
  assert.match(chain[1], /^#NP\(0x6b\) while delivering #GP\(0x0\): #GP\(0x0\): IDT entry 0xd \(32-bit interrupt gate\) not present/);
  assert.match(chain[2], /→ #DF\(0\): contributory exception during delivery of a contributory one/);
});

test("#PF during #GP delivery is handled serially (SDM Table 6-5: contributory then page fault)", () => {
  const m = new PmodeMachine();
  splitIdt(m);
  m.unmapPage(0x200000);
  m.setGate(14, gate({ type: GateType.INT32, selector: SEL.KCODE, offset: m.stub(14) }));
  m.cpu.ram.set(m.cpu.ram.slice(LAYOUT.IDT + 14 * 8, LAYOUT.IDT + 15 * 8), 0x201000);
  m.loadSeg(SegReg.DS, 0);
  const ev = runAsm(m, "mov (0), %eax");
  assert.equal(ev.kind === "interrupt" && ev.vector, 14);
  assert.equal(m.cpu.cr2, 0x201000 - 14 * 8 + 13 * 8);
  // error code 0: a supervisor read of a not-present page; EIP of the faulting MOV
  assert.deepEqual(m.stack(3), [0, LAYOUT.KCODE_ADDR, SEL.KCODE]);
});

test("#PF during #PF delivery escalates to #DF; CR2 holds the second fault's address", () => {
  const m = new PmodeMachine();
  splitIdt(m);
  m.unmapPage(0x201000);
  m.unmapPage(0x300000);
  const ev = runAsm(m, "mov (0x300004), %eax");
  assert.equal(ev.kind === "interrupt" && ev.vector, 8);
  assert.equal(m.cpu.cr2, 0x201000);
  assert.deepEqual(m.stack(3), [0, LAYOUT.KCODE_ADDR, SEL.KCODE]);
  assert.match(m.cpu.delivery.chain.join("\n"), /#PF\(0x0\) while delivering #PF\(0x0\)[^\n]*\n→ #DF\(0\): page-fault exception during delivery of a page-fault one/);
});

test("#NP during #UD delivery is handled serially (benign first) with EXT = 1 in the error code", () => {
  const m = new PmodeMachine();
  m.setGate(6, gate({ type: GateType.INT32, selector: SEL.KCODE, offset: m.stub(6), present: false }));
  assertFault(runAsm(m, "ud2"), Vector.NP, 6 * 8 + 3);
  assert.deepEqual(m.stack(3), [6 * 8 + 3, LAYOUT.KCODE_ADDR, SEL.KCODE]);
});

test("a fault while delivering #DF shuts down with the chain", () => {
  const m = new PmodeMachine();
  m.setGate(13, gate({ type: GateType.INT32, selector: SEL.KCODE, offset: m.stub(13), present: false }));
  m.setGate(8, gate({ type: GateType.INT32, selector: SEL.KCODE, offset: m.stub(8), present: false }));
  m.loadSeg(SegReg.DS, 0);
  const ev = runAsm(m, "mov (0), %eax");
  assert.equal(ev.kind, "shutdown");
  if (ev.kind !== "shutdown") return;
  assert.equal(ev.info.reason, "triple fault: #NP(0x43) while delivering #DF: #DF(0x0): IDT entry 0x8 (32-bit interrupt gate) not present");
  assert.deepEqual(ev.info.chain.map((s) => s.replace(/:.*/, "")), [
    "#GP(0x0) at 0x8", "#NP(0x6b) while delivering #GP(0x0)", "→ #DF(0)", "#NP(0x43) while delivering #DF(0x0)", "→ triple fault",
  ]);
  // shut down: run does nothing more
  assert.equal(m.cpu.run(10), 0);
});

test("a #GP from INT n's delivery restarts the INT: the chain begins with the INT", () => {
  const m = new PmodeMachine({ cpl: 3 });
  m.setGate(13, gate({ type: GateType.INT32, selector: SEL.KCODE, offset: m.stub(13), present: false }));
  m.setGate(8, gate({ type: GateType.INT32, selector: SEL.KCODE, offset: m.stub(8), present: false }));
  const ev = runAsm(m, "int $0x80");
  assert.equal(ev.kind, "shutdown");
  if (ev.kind !== "shutdown") return;
  assert.match(ev.info.chain[0], /^INT 0x80 at 0x1b:0x40000 \(CPL 3\)/);
  assert.match(ev.info.chain[1], /^#GP\(0x402\) at 0x1b:0x40000 \(CPL 3\) `int 0x80`: INT 0x80: gate DPL 0 < CPL 3/);
});

// ---- Real-address mode (SDM Vol. 3A §20.1.4) ----

function realMode(code: string, ivt: Record<number, number>): Cpu {
  const cpu = realModeCpu();
  for (const [v, seg16off] of Object.entries(ivt)) {
    cpu.ram[Number(v) * 4] = seg16off & 0xff; cpu.ram[Number(v) * 4 + 1] = (seg16off >> 8) & 0xff;
    cpu.ram[Number(v) * 4 + 2] = (seg16off >>> 16) & 0xff; cpu.ram[Number(v) * 4 + 3] = seg16off >>> 24;
  }
  cpu.ram.set(assemble(code, { code16: true }), 0x1000);
  cpu.onException = () => cpu.requestStop();
  return cpu;
}

test("real-mode INT n pushes FLAGS, CS, IP, clears IF and TF, and loads CS:IP from the IVT; IRET returns", () => {
  const cpu = realMode("int $0x21\nnop", { 0x21: 0x02000010 }); // 0200:0010
  cpu.ram.set([0xcf], 0x2010); // iret at 0200:0010
  cpu.setEflags(EFLAGS.RESERVED1 | EFLAGS.IF | EFLAGS.CF);
  cpu.run(1);
  assert.equal(cpu.segSel[SegReg.CS], 0x200);
  assert.equal(cpu.eip, 0x10);
  assert.equal(cpu.r32[Reg.ESP], 0x7000 - 6);
  const w = (a: number) => cpu.ram[a] | (cpu.ram[a + 1] << 8);
  assert.deepEqual([w(0x6ffa), w(0x6ffc), w(0x6ffe)], [0x1002, 0, EFLAGS.RESERVED1 | EFLAGS.IF | EFLAGS.CF]);
  assert.equal(cpu.getEflags() & EFLAGS.IF, 0);
  cpu.run(1);
  assert.equal(cpu.segSel[SegReg.CS], 0);
  assert.equal(cpu.eip, 0x1002);
  assert.equal(cpu.r32[Reg.ESP], 0x7000);
  assert.equal(cpu.getEflags() & (EFLAGS.IF | EFLAGS.CF), EFLAGS.IF | EFLAGS.CF);
});

test("a real-mode exception is delivered through the IVT without an error code, at the faulting IP", () => {
  const cpu = realMode("nop\nud2", { 6: 0x00003000 });
  cpu.run(2);
  assert.equal(cpu.eip, 0x3000);
  assert.equal(cpu.r32[Reg.ESP], 0x7000 - 6);
  assert.equal(cpu.ram[0x6ffa] | (cpu.ram[0x6ffb] << 8), 0x1001);
});

test("real mode with IDTR.limit 0: an exception ends in a triple fault", () => {
  const cpu = realMode("ud2", {});
  cpu.idtrLimit = 0;
  cpu.run(5);
  assert.ok(cpu.shutdown);
  assert.match(cpu.shutdown.reason, /^triple fault: #GP\(0x0\) while delivering #DF/);
  assert.match(cpu.shutdown.chain[1], /IVT entry 0x6 is beyond the IDTR limit 0x0/);
});

test("kernel entry and exit: INT 0x80 from ring 3, IRET back with the user's stack", () => {
  const m = new PmodeMachine({ cpl: 3 });
  userGate(m, 0x80);
  m.asm(m.stub(0x80), "iret");
  m.cpu.setEflags(EFLAGS.RESERVED1 | EFLAGS.IF);
  const end = m.asm(U, "int $0x80\nnop");
  const ev = m.run({ stopAt: [end - 1] });
  // run stops at the stub first; continue through the IRET
  if (ev.kind === "interrupt") assertStopped(m.run({ stopAt: [end - 1] }));
  assert.equal(m.cpu.cpl, 3);
  assert.equal(m.cpu.segSel[SegReg.SS], SEL.UDATA);
  assert.equal(m.cpu.r32[Reg.ESP], LAYOUT.USTACK_TOP);
  assert.equal(m.cpu.getEflags() & EFLAGS.IF, EFLAGS.IF);
});
