/**
 * Far control transfers: JMP/CALL far (direct, indirect, through call gates), RETF and IRET, with
 * every privilege rule of SDM Vol. 2 (CALL, JMP, RET, IRET Operation) and Vol. 3A §5.8.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Reg, SegReg } from "../cpu.js";
import { Vector } from "../fault.js";
import { EFLAGS } from "../flags.js";
import {
  GDT_FREE, GateType, LAYOUT, PmodeMachine, SEL, codeSegment, dataSegment, gate, realModeCpu,
} from "../../../test/support/pmode.js";
import { assertFault, assertStopped, runAsm } from "../../../test/support/pmode-assert.js";
import { assemble } from "../../../test/support/asm.js";

const X = GDT_FREE;
const sel = (index: number, rpl = 0): number => (index << 3) | rpl;
const K = LAYOUT.KCODE_ADDR;
const U = LAYOUT.UCODE_ADDR;
const T = 0x11000; // a jump target in the flat segments
const F = EFLAGS.RESERVED1;

// ---- JMP far (SDM Vol. 2A JMP, Operation) ----

test("far JMP to a non-conforming ring-0 code segment loads CS with RPL = CPL and sets the accessed bit", () => {
  const m = new PmodeMachine();
  m.setGdt(X, codeSegment());
  runAsm(m, `ljmp $${sel(X)}, $${T}`, { maxSteps: 1 });
  assert.equal(m.cpu.cpl, 0);
  assert.equal(m.cpu.segSel[SegReg.CS], sel(X));
  assert.equal(m.cpu.eip, T);
  assert.equal(m.gdt(X).type & 1, 1);
});

test("far JMP to a 16-bit code segment switches to 16-bit operand size (D = 0)", () => {
  const m = new PmodeMachine();
  m.setGdt(X, codeSegment({ d: false }));
  m.asm(T, "mov $0x1234, %ax", { code16: true });
  runAsm(m, `ljmp $${sel(X)}, $${T}`, { maxSteps: 1 });
  assert.equal(m.cpu.cs32, false);
  m.cpu.r32[Reg.EAX] = -1;
  m.cpu.run(1);
  assert.equal(m.cpu.r32[Reg.EAX] >>> 0, 0xffff1234);
});

test("far JMP with RPL > CPL to a non-conforming segment raises #GP(selector)", () => {
  const m = new PmodeMachine();
  assertFault(runAsm(m, `ljmp $0x0b, $${T}`), Vector.GP, 0x08, /far JMP to 0xb:0x11000: selector 0xb RPL 3 > CPL 0/);
});

test("far JMP to a non-conforming segment with DPL != CPL raises #GP(selector)", () => {
  const m = new PmodeMachine();
  assertFault(runAsm(m, `ljmp $0x18, $${T}`), Vector.GP, 0x18, /non-conforming code segment 0x18 DPL 3 != CPL 0/);
});

test("far JMP to a conforming DPL-0 segment from CPL 3 keeps CPL 3 with CS.RPL = 3", () => {
  const m = new PmodeMachine({ cpl: 3 });
  m.setGdt(X, codeSegment({ conforming: true, dpl: 0 }));
  runAsm(m, `ljmp $${sel(X)}, $${T}`, { maxSteps: 1 });
  assert.equal(m.cpu.eip, T);
  assert.equal(m.cpu.cpl, 3);
  assert.equal(m.cpu.segSel[SegReg.CS], sel(X, 3));
});

test("far JMP to a conforming segment with DPL > CPL raises #GP(selector)", () => {
  const m = new PmodeMachine();
  m.setGdt(X, codeSegment({ conforming: true, dpl: 3 }));
  m.enterRing(1, K);
  assertFault(runAsm(m, `ljmp $${sel(X)}, $${T}`), Vector.GP, sel(X), /conforming code segment 0x58 DPL 3 > CPL 1/);
});

test("far JMP to a null selector raises #GP(0); to a data segment, an LDT or beyond the GDT, #GP(selector)", () => {
  assertFault(runAsm(new PmodeMachine(), `ljmp $0, $${T}`), Vector.GP, 0, /null selector/);
  assertFault(runAsm(new PmodeMachine(), `ljmp $0x10, $${T}`), Vector.GP, 0x10, /0x10 is a read\/write data, not a code segment/);
  assertFault(runAsm(new PmodeMachine(), `ljmp $0x30, $${T}`), Vector.GP, 0x30, /0x30 is a LDT, not a code segment, call gate, task gate or TSS/);
  assertFault(runAsm(new PmodeMachine(), `ljmp $0x800, $${T}`), Vector.GP, 0x800, /beyond the GDT limit/);
});

test("far JMP to a not-present code segment raises #NP(selector)", () => {
  const m = new PmodeMachine();
  m.setGdt(X, codeSegment({ present: false }));
  assertFault(runAsm(m, `ljmp $${sel(X)}, $${T}`), Vector.NP, sel(X), /code segment 0x58 not present/);
});

test("far JMP beyond the target's limit raises #GP(0) and leaves CS as it was", () => {
  const m = new PmodeMachine();
  m.setGdt(X, codeSegment({ limit: 0x10fff, g: false }));
  assertFault(runAsm(m, `ljmp $${sel(X)}, $${T}`), Vector.GP, 0, /offset beyond the limit 0x10fff of code segment 0x58/);
  assert.equal(m.stack(3)[2], SEL.KCODE);
});

test("far JMP through a memory far pointer (FF /5) with 16- and 32-bit offsets", () => {
  const m = new PmodeMachine();
  m.write32(0x5000, T); m.write16(0x5004, SEL.KCODE);
  runAsm(m, "ljmp *(0x5000)", { maxSteps: 1 });
  assert.equal(m.cpu.eip, T);
  const m2 = new PmodeMachine();
  m2.write16(0x5000, 0x2345); m2.write16(0x5002, SEL.KCODE);
  runAsm(m2, "ljmpw *(0x5000)", { maxSteps: 1 });
  assert.equal(m2.cpu.eip, 0x2345);
  const m3 = new PmodeMachine();
  m3.load(K, [0xff, 0xe8]); // FF /5 with a register operand
  assertFault(m3.run({ maxSteps: 1 }), Vector.UD, undefined, /JMP does not take a register operand/);
});

test("far JMP through a call gate reaches a code segment at the same privilege level", () => {
  const m = new PmodeMachine({ cpl: 3 });
  m.setGdt(X, gate({ type: GateType.CALL32, selector: SEL.UCODE, offset: T, dpl: 3 }));
  runAsm(m, `ljmp $${sel(X, 3)}, $0`, { maxSteps: 1 });
  assert.equal(m.cpu.eip, T);
  assert.equal(m.cpu.segSel[SegReg.CS], SEL.UCODE);
  assert.equal(m.cpu.r32[Reg.ESP], LAYOUT.USTACK_TOP, "JMP pushes nothing");
});

test("far JMP through a call gate to an inner ring raises #GP(code-segment selector)", () => {
  const m = new PmodeMachine({ cpl: 3 });
  m.setGdt(X, gate({ type: GateType.CALL32, selector: SEL.KCODE, offset: T, dpl: 3 }));
  assertFault(runAsm(m, `ljmp $${sel(X, 3)}, $0`), Vector.GP, SEL.KCODE, /DPL 0 != CPL 3 \(a JMP cannot change the privilege level\)/);
});

// ---- CALL far (SDM Vol. 2A CALL, Operation) ----

test("far CALL pushes CS and EIP on the current stack", () => {
  const m = new PmodeMachine();
  m.setGdt(X, codeSegment());
  runAsm(m, `lcall $${sel(X)}, $${T}`, { maxSteps: 1 });
  assert.equal(m.cpu.segSel[SegReg.CS], sel(X));
  assert.equal(m.cpu.eip, T);
  assert.deepEqual(m.stack(2), [K + 7, SEL.KCODE]);
  assert.equal(m.cpu.r32[Reg.ESP], LAYOUT.KSTACK_TOP - 8);
});

test("far CALL with a 16-bit operand size pushes CS and IP as words", () => {
  const m = new PmodeMachine();
  runAsm(m, `lcallw $0x08, $0x2345`, { maxSteps: 1 });
  assert.equal(m.cpu.eip, 0x2345);
  assert.deepEqual(m.stack(2, 2), [(K + 6) & 0xffff, SEL.KCODE]);
  assert.equal(m.cpu.r32[Reg.ESP], LAYOUT.KSTACK_TOP - 4);
});

test("far CALL whose return address does not fit the stack raises #SS(0) and changes nothing", () => {
  const m = new PmodeMachine({ cpl: 3 });
  m.setGdt(X, dataSegment({ dpl: 3, limit: 0xfff, g: false }));
  m.loadSeg(SegReg.SS, sel(X, 3));
  m.cpu.r32[Reg.ESP] = 6;
  m.write32(6 - 4, 0xaaaaaaaa);
  assertFault(runAsm(m, `lcall $0x1b, $${T}`), Vector.SS, 0, /far CALL to 0x1b:0x11000: current stack: no room for 8 bytes below ESP 0x6/);
  assert.deepEqual(m.stack(6).slice(4), [6, sel(X, 3)]);
  assert.equal(m.read32(2), 0xaaaaaaaa);
});

test("far CALL through a call gate copies 2 parameters to the inner stack", () => {
  const m = new PmodeMachine({ cpl: 3 });
  m.setGdt(X, gate({ type: GateType.CALL32, selector: SEL.KCODE, offset: T, dpl: 3, params: 2 }));
  m.cpu.r32[Reg.ESP] = LAYOUT.USTACK_TOP - 8;
  m.write32(LAYOUT.USTACK_TOP - 8, 0x11111111);
  m.write32(LAYOUT.USTACK_TOP - 4, 0x22222222);
  runAsm(m, `lcall $${sel(X, 3)}, $0`, { maxSteps: 1 });
  assert.equal(m.cpu.cpl, 0);
  assert.equal(m.cpu.segSel[SegReg.CS], SEL.KCODE);
  assert.equal(m.cpu.segSel[SegReg.SS], SEL.KDATA);
  assert.equal(m.cpu.eip, T);
  // EIP, CS, parameter 1, parameter 2, ESP, SS — from the TSS ESP0 down
  assert.deepEqual(m.stack(6), [U + 7, SEL.UCODE, 0x11111111, 0x22222222, LAYOUT.USTACK_TOP - 8, SEL.UDATA]);
  assert.equal(m.cpu.r32[Reg.ESP] >>> 0, LAYOUT.KSTACK_TOP - 24);
});

test("a #PF while pushing a call gate's inner frame names in CR2 the first push that faults (SS, ESP, parameters, CS, EIP in that order; as Bochs)", () => {
  const m = new PmodeMachine({ cpl: 3 });
  m.setGdt(X, gate({ type: GateType.CALL32, selector: SEL.KCODE, offset: T, dpl: 3, params: 2 }));
  // #PF goes to a conforming ring-0 handler: delivered on the current (user) stack
  m.setGdt(X + 1, codeSegment({ conforming: true, dpl: 0 }));
  m.setGate(Vector.PF, gate({ type: GateType.INT32, selector: sel(X + 1), offset: m.stub(Vector.PF) }));
  m.enablePaging();
  const B = LAYOUT.KSTACK_TOP - 0x1000;
  m.setTssStack(0, SEL.KDATA, B + 8);
  m.unmapPage(B - 4);
  m.cpu.r32[Reg.ESP] = LAYOUT.USTACK_TOP - 8;
  assertFault(runAsm(m, `lcall $${sel(X, 3)}, $0`), Vector.PF, 2);
  // SS at B+4 and ESP at B fit; the second parameter, at B-4, is the first push on the missing page
  assert.equal(m.cpu.cr2 >>> 0, B - 4);
  assert.equal(m.cpu.cpl, 3);
});

test("far CALL through a 16-bit call gate copies parameter words and pushes a 16-bit frame", () => {
  const m = new PmodeMachine({ cpl: 3 });
  m.setGdt(X, gate({ type: GateType.CALL16, selector: SEL.KCODE, offset: 0x1234, dpl: 3, params: 3 }));
  m.cpu.r32[Reg.ESP] = LAYOUT.USTACK_TOP - 6;
  m.write16(LAYOUT.USTACK_TOP - 6, 0xa1); m.write16(LAYOUT.USTACK_TOP - 4, 0xa2); m.write16(LAYOUT.USTACK_TOP - 2, 0xa3);
  runAsm(m, `lcall $${sel(X, 3)}, $0`, { maxSteps: 1 });
  assert.equal(m.cpu.eip, 0x1234);
  assert.deepEqual(m.stack(7, 2), [(U + 7) & 0xffff, SEL.UCODE, 0xa1, 0xa2, 0xa3, (LAYOUT.USTACK_TOP - 6) & 0xffff, SEL.UDATA]);
  assert.equal(m.cpu.r32[Reg.ESP] >>> 0, LAYOUT.KSTACK_TOP - 14);
});

test("far CALL through a call gate from ring 3 to ring 1 uses SS1:ESP1 from the TSS", () => {
  const m = new PmodeMachine({ cpl: 3 });
  m.setGdt(X, gate({ type: GateType.CALL32, selector: SEL.R1CODE, offset: T, dpl: 3 }));
  runAsm(m, `lcall $${sel(X, 3)}, $0`, { maxSteps: 1 });
  assert.equal(m.cpu.cpl, 1);
  assert.equal(m.cpu.segSel[SegReg.CS], SEL.R1CODE);
  assert.equal(m.cpu.segSel[SegReg.SS], SEL.R1DATA);
  assert.equal(m.cpu.r32[Reg.ESP] >>> 0, LAYOUT.R1STACK_TOP - 16);
});

test("far CALL through call gate 0x5b: gate DPL 0 < CPL 3 raises #GP(gate selector)", () => {
  const m = new PmodeMachine({ cpl: 3 });
  m.setGdt(X, gate({ type: GateType.CALL32, selector: SEL.KCODE, offset: T, dpl: 0 }));
  const f = assertFault(runAsm(m, `lcall $${sel(X, 3)}, $0`), Vector.GP, sel(X));
  assert.equal(f.reason, "far CALL to 0x5b:0x0 through call gate 0x5b: gate DPL 0 < CPL 3");
});

test("a call gate selector whose RPL exceeds the gate DPL raises #GP(gate selector)", () => {
  const m = new PmodeMachine();
  m.setGdt(X, gate({ type: GateType.CALL32, selector: SEL.KCODE, offset: T, dpl: 1 }));
  assertFault(runAsm(m, `lcall $${sel(X, 2)}, $0`), Vector.GP, sel(X), /gate DPL 1 < selector RPL 2/);
});

test("a not-present call gate raises #NP(gate selector); a not-present target #NP(target selector)", () => {
  const m = new PmodeMachine({ cpl: 3 });
  m.setGdt(X, gate({ type: GateType.CALL32, selector: SEL.KCODE, offset: T, dpl: 3, present: false }));
  assertFault(runAsm(m, `lcall $${sel(X, 3)}, $0`), Vector.NP, sel(X), /gate not present/);
  const m2 = new PmodeMachine({ cpl: 3 });
  m2.setGdt(X, gate({ type: GateType.CALL32, selector: sel(X + 1), offset: T, dpl: 3 }));
  m2.setGdt(X + 1, codeSegment({ present: false }));
  assertFault(runAsm(m2, `lcall $${sel(X, 3)}, $0`), Vector.NP, sel(X + 1), /code segment 0x60 not present/);
});

test("a call gate to a data segment or to a less privileged segment raises #GP(target selector)", () => {
  const m = new PmodeMachine({ cpl: 3 });
  m.setGdt(X, gate({ type: GateType.CALL32, selector: SEL.UDATA, offset: T, dpl: 3 }));
  assertFault(runAsm(m, `lcall $${sel(X, 3)}, $0`), Vector.GP, SEL.UDATA & ~3, /is a read\/write data, not a code segment/);
  const m2 = new PmodeMachine();
  m2.setGdt(X, gate({ type: GateType.CALL32, selector: SEL.UCODE, offset: T, dpl: 3 }));
  assertFault(runAsm(m2, `lcall $${sel(X)}, $0`), Vector.GP, SEL.UCODE & ~3, /target code segment 0x1b DPL 3 > CPL 0/);
  const m3 = new PmodeMachine();
  m3.setGdt(X, gate({ type: GateType.CALL32, selector: 0, offset: T, dpl: 3 }));
  assertFault(runAsm(m3, `lcall $${sel(X)}, $0`), Vector.GP, 0, /the gate's code-segment selector is null/);
});

test("far CALL through a call gate to the same privilege level pushes on the current stack", () => {
  const m = new PmodeMachine();
  m.setGdt(X, gate({ type: GateType.CALL32, selector: SEL.KCODE, offset: T, params: 4 }));
  runAsm(m, `lcall $${sel(X)}, $0`, { maxSteps: 1 });
  assert.equal(m.cpu.eip, T);
  assert.equal(m.cpu.segSel[SegReg.SS], SEL.KDATA);
  assert.deepEqual(m.stack(2), [K + 7, SEL.KCODE]);
  assert.equal(m.cpu.r32[Reg.ESP], LAYOUT.KSTACK_TOP - 8, "no parameters are copied without a stack switch");
});

test("a call gate's inner stack without room raises #SS(SS selector) and changes nothing", () => {
  const m = new PmodeMachine({ cpl: 3 });
  m.setGdt(X, gate({ type: GateType.CALL32, selector: SEL.KCODE, offset: T, dpl: 3, params: 2 }));
  m.setGdt(X + 1, dataSegment({ limit: 0xfff, g: false }));
  m.setTssStack(0, sel(X + 1), 20); // needs 24 bytes
  // the #SS handler runs in a conforming segment, on the user stack (the ring-0 one is unusable)
  m.setGdt(X + 2, codeSegment({ conforming: true }));
  m.setGate(Vector.SS, gate({ type: GateType.INT32, selector: sel(X + 2), offset: m.stub(Vector.SS) }));
  assertFault(runAsm(m, `lcall $${sel(X, 3)}, $0`), Vector.SS, sel(X + 1), /ring-0 stack: no room for 24 bytes below ESP 0x14/);
  assert.equal(m.cpu.cpl, 3);
  assert.equal(m.cpu.segSel[SegReg.SS], SEL.UDATA);
  assert.deepEqual(m.stack(3), [sel(X + 1), U, SEL.UCODE]);
});

test("ring 3 → call gate with 2 parameters → ring 0 → RETF 8 back to ring 3 releases them from both stacks", () => {
  const m = new PmodeMachine({ cpl: 3 });
  m.setGdt(X, gate({ type: GateType.CALL32, selector: SEL.KCODE, offset: T, dpl: 3, params: 2 }));
  m.asm(T, "lret $8");
  const end = m.asm(U, `push $2\npush $1\nlcall $${sel(X, 3)}, $0\nnop`);
  assertStopped(m.run({ stopAt: [end - 1] }));
  assert.equal(m.cpu.cpl, 3);
  assert.equal(m.cpu.segSel[SegReg.CS], SEL.UCODE);
  assert.equal(m.cpu.segSel[SegReg.SS], SEL.UDATA);
  assert.equal(m.cpu.r32[Reg.ESP], LAYOUT.USTACK_TOP, "the 2 parameters were released from the caller's stack");
});

// ---- RETF (SDM Vol. 2B RET, Operation) ----

test("RETF to the same privilege level pops EIP and CS; RETF Iw releases the parameters", () => {
  const m = new PmodeMachine();
  m.push(0x99, 0x98, SEL.KCODE, T);
  runAsm(m, "lret $8", { maxSteps: 1 });
  assert.equal(m.cpu.eip, T);
  assert.equal(m.cpu.r32[Reg.ESP], LAYOUT.KSTACK_TOP);
});

test("RETF to an outer ring reloads SS:ESP", () => {
  const m = new PmodeMachine();
  m.push(SEL.UDATA, 0x6f000, SEL.UCODE, U + 0x100);
  runAsm(m, "lret", { maxSteps: 1 });
  assert.equal(m.cpu.cpl, 3);
  assert.equal(m.cpu.eip, U + 0x100);
  assert.equal(m.cpu.segSel[SegReg.CS], SEL.UCODE);
  assert.equal(m.cpu.segSel[SegReg.SS], SEL.UDATA);
  assert.equal(m.cpu.r32[Reg.ESP], 0x6f000);
});

test("RETF Iw to an outer ring releases the parameters from the outer stack too", () => {
  const m = new PmodeMachine();
  m.push(SEL.UDATA, 0x6f000, 0xa2, 0xa1, SEL.UCODE, U);
  runAsm(m, "lret $8", { maxSteps: 1 });
  assert.equal(m.cpu.r32[Reg.ESP], 0x6f008);
});

test("RETF to an outer ring nulls DS and GS with DPL < CPL, keeps a DPL-3 ES and a conforming-code FS", () => {
  const m = new PmodeMachine();
  m.setGdt(X, codeSegment({ conforming: true, dpl: 0 }));
  m.loadSeg(SegReg.ES, SEL.UDATA);
  m.loadSeg(SegReg.FS, sel(X));
  m.push(SEL.UDATA, 0x6f000, SEL.UCODE, U);
  runAsm(m, "lret", { maxSteps: 1 });
  assert.deepEqual([SegReg.DS, SegReg.ES, SegReg.FS, SegReg.GS].map((s) => m.cpu.segSel[s]), [0, SEL.UDATA, sel(X), 0]);
  assert.equal(m.cpu.segAr[SegReg.DS], 0, "DS is unusable");
});

test("RETF with return CS RPL < CPL raises #GP(selector)", () => {
  const m = new PmodeMachine({ cpl: 3 });
  m.push(SEL.KCODE, T);
  assertFault(runAsm(m, "lret"), Vector.GP, SEL.KCODE, /^RETF: return CS RPL 0 < CPL 3$/);
});

test("RETF with a null return CS raises #GP(0); to a data segment #GP(selector)", () => {
  const m = new PmodeMachine();
  m.push(0, T);
  assertFault(runAsm(m, "lret"), Vector.GP, 0, /RETF: return CS selector 0x0 is null/);
  const m2 = new PmodeMachine();
  m2.push(SEL.KDATA, T);
  assertFault(runAsm(m2, "lret"), Vector.GP, SEL.KDATA, /RETF: return CS 0x10 is a read\/write data, not a code segment/);
});

test("RETF to an outer ring with a not-present SS raises #SS(selector); with SS RPL != CS RPL #GP(selector)", () => {
  const m = new PmodeMachine();
  m.setGdt(X, dataSegment({ dpl: 3, present: false }));
  m.push(sel(X, 3), 0x6f000, SEL.UCODE, U);
  assertFault(runAsm(m, "lret"), Vector.SS, sel(X), /RETF: return SS 0x5b: stack segment not present/);
  const m2 = new PmodeMachine();
  m2.push(SEL.R2DATA, 0x6f000, SEL.UCODE, U);
  assertFault(runAsm(m2, "lret"), Vector.GP, SEL.R2DATA & ~3, /RETF: return SS 0x52 RPL 2 != return CS RPL 3/);
  const m3 = new PmodeMachine();
  m3.push(0, 0x6f000, SEL.UCODE, U);
  assertFault(runAsm(m3, "lret"), Vector.GP, 0, /return SS 0x0 is a null selector/);
});

test("RETF whose frame is beyond the stack limit raises #SS(0)", () => {
  const m = new PmodeMachine();
  m.setGdt(X, dataSegment({ limit: 0xfff, g: false }));
  m.loadSeg(SegReg.SS, sel(X));
  m.cpu.r32[Reg.ESP] = 0xffc;
  assertFault(runAsm(m, "lret"), Vector.SS, 0, /read of 4 bytes at SS:0x1000/);
});

// ---- IRET (SDM Vol. 2A IRET, Operation) ----

test("IRET to the same privilege level pops EIP, CS, EFLAGS", () => {
  const m = new PmodeMachine();
  m.push(F | EFLAGS.CF | EFLAGS.ZF | EFLAGS.IF | EFLAGS.IOPL, SEL.KCODE, T);
  runAsm(m, "iret", { maxSteps: 1 });
  assert.equal(m.cpu.eip, T);
  assert.equal(m.cpu.r32[Reg.ESP], LAYOUT.KSTACK_TOP);
  assert.equal(m.cpu.getEflags(), F | EFLAGS.CF | EFLAGS.ZF | EFLAGS.IF | EFLAGS.IOPL);
});

test("IRET from ring 0 to ring 3 pops EIP, CS, EFLAGS, ESP, SS and sets CPL 3", () => {
  const m = new PmodeMachine();
  m.push(SEL.UDATA, 0x6f000, F | EFLAGS.IF, SEL.UCODE, U);
  runAsm(m, "iret", { maxSteps: 1 });
  assert.equal(m.cpu.cpl, 3);
  assert.equal(m.cpu.eip, U);
  assert.equal(m.cpu.segSel[SegReg.CS], SEL.UCODE);
  assert.equal(m.cpu.segSel[SegReg.SS], SEL.UDATA);
  assert.equal(m.cpu.r32[Reg.ESP], 0x6f000);
  assert.equal(m.cpu.getEflags(), F | EFLAGS.IF);
});

test("IRET to an outer ring nulls DS when its DPL < CPL", () => {
  const m = new PmodeMachine();
  m.loadSeg(SegReg.ES, SEL.UDATA);
  m.push(SEL.UDATA, 0x6f000, F, SEL.UCODE, U);
  runAsm(m, "iret", { maxSteps: 1 });
  assert.equal(m.cpu.segSel[SegReg.DS], 0);
  assert.equal(m.cpu.segSel[SegReg.ES], SEL.UDATA);
  assert.equal(m.cpu.segSel[SegReg.FS], 0);
  assertFault(runAsm(m, "mov (0x5000), %eax"), Vector.GP, 0, /DS holds a null selector/);
});

test("IRET: return CS RPL 0 < CPL 3 raises #GP(selector)", () => {
  const m = new PmodeMachine({ cpl: 3 });
  m.push(F, SEL.KCODE, T);
  const f = assertFault(runAsm(m, "iret"), Vector.GP, SEL.KCODE);
  assert.equal(f.reason, "IRET: return CS RPL 0 < CPL 3");
  // the fault restarts the IRET: the user's ESP in the frame is the one before it
  assert.deepEqual(m.stack(6).slice(1, 5), [U, SEL.UCODE, F | EFLAGS.RF, LAYOUT.USTACK_TOP - 12]);
});

test("IRET at CPL 3 with IOPL 0 changes neither IF nor IOPL; the status flags change", () => {
  const m = new PmodeMachine({ cpl: 3 });
  m.push(F | EFLAGS.IF | EFLAGS.IOPL | EFLAGS.CF, SEL.UCODE, T);
  runAsm(m, "iret", { maxSteps: 1 });
  assert.equal(m.cpu.getEflags(), F | EFLAGS.CF);
});

test("IRET at CPL 3 with IOPL 3 changes IF but not IOPL", () => {
  const m = new PmodeMachine({ cpl: 3 });
  m.cpu.setEflags(F | EFLAGS.IOPL);
  m.push(F | EFLAGS.IF, SEL.UCODE, T);
  runAsm(m, "iret", { maxSteps: 1 });
  assert.equal(m.cpu.getEflags(), F | EFLAGS.IF | EFLAGS.IOPL);
});

test("IRET at CPL 0 to ring 3 sets IOPL and IF from the image (decided at the old CPL)", () => {
  const m = new PmodeMachine();
  m.push(SEL.UDATA, 0x6f000, F | EFLAGS.IF | (2 << 12) | EFLAGS.AC | EFLAGS.ID, SEL.UCODE, U);
  runAsm(m, "iret", { maxSteps: 1 });
  assert.equal(m.cpu.getEflags(), F | EFLAGS.IF | (2 << 12) | EFLAGS.AC | EFLAGS.ID);
});

test("a 16-bit IRET loads only FLAGS[15:0] and a 16-bit EIP", () => {
  const m = new PmodeMachine();
  m.cpu.setEflags(F | EFLAGS.AC);
  m.cpu.push16(F | EFLAGS.CF); m.cpu.push16(SEL.KCODE); m.cpu.push16(0x1234);
  runAsm(m, "iretw", { maxSteps: 1 });
  assert.equal(m.cpu.eip, 0x1234);
  assert.equal(m.cpu.getEflags(), F | EFLAGS.AC | EFLAGS.CF);
  assert.equal(m.cpu.r32[Reg.ESP], LAYOUT.KSTACK_TOP);
});

test("IRET at CPL 3 ignores VM = 1 in the EFLAGS image", () => {
  const m = new PmodeMachine({ cpl: 3 });
  m.push(F | EFLAGS.VM, SEL.UCODE, T);
  runAsm(m, "iret", { maxSteps: 1 });
  assert.equal(m.cpu.eip, T);
  assert.equal(m.cpu.getEflags() & EFLAGS.VM, 0);
  assert.equal(m.cpu.v86Mode, false);
});

test("IRETD at CPL 0 with VM = 1 enters virtual-8086 mode; INT n from there pushes GS FS DS ES SS ESP EFLAGS CS EIP and nulls DS-GS; IRET returns", () => {
  const m = new PmodeMachine();
  m.setGate(0x80, gate({ type: GateType.INT32, selector: SEL.KCODE, offset: m.stub(0x80), dpl: 3 }));
  const vmFlags = F | EFLAGS.VM | EFLAGS.IOPL | EFLAGS.IF;
  // GS FS DS ES SS ESP EFLAGS CS EIP: V86 code at 2000:0010 (linear 0x20010), stack 3000:0100
  m.push(0x44, 0x33, 0x22, 0x11, 0x3000, 0x100, vmFlags, 0x2000, 0x10);
  m.asm(0x20010, "mov $0x1234, %ax\nint $0x80\nmov %ax, %bx", { code16: true });
  m.asm(LAYOUT.KCODE_ADDR, "iret");
  m.cpu.run(1);
  const cpu = m.cpu;
  assert.equal(cpu.v86Mode, true);
  assert.equal(cpu.cpl, 3);
  assert.equal(cpu.segBase[SegReg.CS], 0x20000);
  assert.equal(cpu.segBase[SegReg.SS], 0x30000);
  assert.equal(cpu.segSel[SegReg.GS], 0x44);
  assert.equal(cpu.segLimit[SegReg.DS], 0xffff);
  assert.equal(cpu.r32[Reg.ESP], 0x100);
  assert.equal(cpu.cs32, false);
  const ev = m.run({ maxSteps: 5 });
  assert.equal(ev.kind === "interrupt" && ev.vector, 0x80);
  assert.equal(cpu.cpl, 0);
  assert.equal(cpu.v86Mode, false);
  assert.deepEqual(m.stack(9), [0x15, 0x2000, vmFlags, 0x100, 0x3000, 0x11, 0x22, 0x33, 0x44]);
  assert.deepEqual([SegReg.DS, SegReg.ES, SegReg.FS, SegReg.GS].map((s) => cpu.segSel[s]), [0, 0, 0, 0]);
  assert.equal(cpu.r32[Reg.ESP] >>> 0, LAYOUT.KSTACK_TOP - 36);
  m.asm(m.stub(0x80), "iret");
  const back = m.run({ stopAt: [0x20017] });
  assertStopped(back);
  assert.equal(cpu.v86Mode, true);
  assert.equal(cpu.segSel[SegReg.DS], 0x22);
  assert.equal(cpu.r16[Reg.EBX * 2], 0x1234);
});

test("IRET in virtual-8086 mode: with IOPL 3 it pops IP, CS, FLAGS (IOPL kept); with IOPL 0 it raises #GP(0) to the ring-0 monitor", () => {
  const m = new PmodeMachine();
  m.push(0, 0, 0, 0, 0x3000, 0xf0, F | EFLAGS.VM | EFLAGS.IOPL, 0x2000, 0x10);
  m.asm(0x20010, "iretw", { code16: true });
  m.asm(LAYOUT.KCODE_ADDR, "iret");
  // the V86 stack 3000:00F0 holds IP 0x20, CS 0x2000, FLAGS (CF, IOPL 0)
  m.write16(0x300f0, 0x20); m.write16(0x300f2, 0x2000); m.write16(0x300f4, F | EFLAGS.CF);
  m.cpu.run(2);
  assert.equal(m.cpu.v86Mode, true);
  assert.equal(m.cpu.eip, 0x20);
  assert.equal(m.cpu.getEflags() & 0xffff, F | EFLAGS.CF | EFLAGS.IOPL, "IOPL is not changed by IRET in virtual-8086 mode");
  const m2 = new PmodeMachine();
  m2.push(0, 0, 0, 0, 0x3000, 0xf0, F | EFLAGS.VM, 0x2000, 0x10);
  m2.asm(0x20010, "iretw", { code16: true });
  m2.asm(LAYOUT.KCODE_ADDR, "iret");
  m2.cpu.run(1);
  assertFault(m2.run({ maxSteps: 2 }), Vector.GP, 0, /^IRET: in virtual-8086 mode with IOPL 0 < 3/);
  assert.equal(m2.cpu.v86Mode, false);
  assert.deepEqual(m2.stack(3), [0, 0x10, 0x2000]);
});

test("IRETD to virtual-8086 mode with EIP above 0xFFFF raises #GP(0)", () => {
  const m = new PmodeMachine();
  m.push(0, 0, 0, 0, 0x3000, 0x100, F | EFLAGS.VM, 0x2000, 0x10000);
  assertFault(runAsm(m, "iret"), Vector.GP, 0, /^IRET: return to virtual-8086 mode at 0x2000:0x10000: offset beyond the CS limit 0xffff/);
  assert.equal(m.cpu.v86Mode, false);
});

test("IRET to an outer ring checks the return SS: RPL, DPL, type (#GP(selector)) and presence (#NP(selector))", () => {
  const cases: Array<[number, (m: PmodeMachine) => void, number, number, RegExp]> = [
    [SEL.R2DATA, () => {}, Vector.GP, SEL.R2DATA & ~3, /IRET: return SS 0x52 RPL 2 != return CS RPL 3/],
    [sel(X, 3), (m) => m.setGdt(X, dataSegment({ dpl: 2 })), Vector.GP, sel(X), /descriptor DPL 2 != return CS RPL 3/],
    [sel(X, 3), (m) => m.setGdt(X, dataSegment({ dpl: 3, writable: false })), Vector.GP, sel(X), /read-only data is not a writable data segment/],
    [sel(X, 3), (m) => m.setGdt(X, dataSegment({ dpl: 3, present: false })), Vector.NP, sel(X), /stack segment not present/],
    [0, () => {}, Vector.GP, 0, /return SS 0x0 is a null selector/],
  ];
  for (const [ss, setup, vector, ec, reason] of cases) {
    const m = new PmodeMachine();
    setup(m);
    m.push(ss, 0x6f000, F, SEL.UCODE, U);
    assertFault(runAsm(m, "iret"), vector, ec, reason);
    assert.equal(m.cpu.cpl, 0);
  }
});

test("IRET to a non-conforming code segment whose DPL != RPL raises #GP(selector); not present #NP(selector)", () => {
  const m = new PmodeMachine();
  m.setGdt(X, codeSegment({ dpl: 2 }));
  m.push(SEL.UDATA, 0x6f000, F, sel(X, 3), U);
  assertFault(runAsm(m, "iret"), Vector.GP, sel(X), /non-conforming code segment 0x5b DPL 2 != RPL 3/);
  const m2 = new PmodeMachine();
  m2.setGdt(X, codeSegment({ dpl: 3, present: false }));
  m2.push(SEL.UDATA, 0x6f000, F, sel(X, 3), U);
  assertFault(runAsm(m2, "iret"), Vector.NP, sel(X), /code segment 0x5b not present/);
});

/**
 * Runs `insn` (IRET or RETF) at CPL 1 with paging on and the return frame `frame` (dwords, lowest
 * first) at linear `at` on the ring-1 stack, the page holding `unmapped` not present; returns CR2
 * of the #PF (delivered on the ring-0 stack, so the ring-1 stack's pages are free to unmap).
 */
function returnFramePageFault(insn: string, frame: number[], at: number, unmapped: number): number {
  const m = new PmodeMachine({ cpl: 1 });
  m.enablePaging();
  frame.forEach((v, k) => m.write32(at + 4 * k, v));
  m.cpu.r32[Reg.ESP] = at;
  m.unmapPage(unmapped);
  assertFault(runAsm(m, insn), Vector.PF, 0);
  assert.equal(m.cpu.cpl, 0);
  return m.cpu.cr2 >>> 0;
}

test("IRET to an outer ring reads SS before ESP: with both on a not-present page CR2 names the SS slot (as Bochs)", () => {
  const B = LAYOUT.R1STACK_TOP - 0x1000;
  // EIP, CS, EFLAGS end a present page; ESP and SS start the next, not-present one
  assert.equal(returnFramePageFault("iret", [U, SEL.UCODE, F, 0x6f000, SEL.UDATA], B - 12, B), B + 4);
});

test("IRET reads its frame from the top down (EFLAGS, CS, EIP): with all on a not-present page CR2 names the EFLAGS slot (as Bochs)", () => {
  const B = LAYOUT.R1STACK_TOP - 0x1000;
  assert.equal(returnFramePageFault("iret", [U, SEL.UCODE, F, 0x6f000, SEL.UDATA], B + 0x100, B), B + 0x108);
});

test("RETF to an outer ring reads SS before ESP: with both on a not-present page CR2 names the SS slot (as Bochs)", () => {
  const B = LAYOUT.R1STACK_TOP - 0x1000;
  assert.equal(returnFramePageFault("lret", [U, SEL.UCODE, 0x6f000, SEL.UDATA], B - 8, B), B + 4);
});

test("RETF reads CS before EIP: with both on a not-present page CR2 names the CS slot (as Bochs)", () => {
  const B = LAYOUT.R1STACK_TOP - 0x1000;
  assert.equal(returnFramePageFault("lret", [U, SEL.UCODE, 0x6f000, SEL.UDATA], B + 0x100, B), B + 0x104);
});

test("IRET with EIP beyond the code segment limit raises #GP(0) and leaves ESP as it was", () => {
  const m = new PmodeMachine();
  m.setGdt(X, codeSegment({ limit: 0xfff, g: false }));
  m.push(F, sel(X), 0x1000);
  const esp = m.cpu.r32[Reg.ESP];
  assertFault(runAsm(m, "iret"), Vector.GP, 0, /IRET: return offset 0x1000 beyond the limit 0xfff of code segment 0x58/);
  assert.equal(m.cpu.r32[Reg.ESP], esp - 16, "the #GP frame sits right below the untouched IRET frame");
});

// ---- Real-address mode ----

test("real-mode far JMP, far CALL and RETF load CS with base selector × 16", () => {
  const cpu = realModeCpu();
  cpu.ram.set(assemble("lcall $0x200, $0x10\nnop", { code16: true }), 0x1000);
  cpu.ram.set(assemble("lret", { code16: true }), 0x2010);
  cpu.run(1);
  assert.equal(cpu.segSel[SegReg.CS], 0x200);
  assert.equal(cpu.segBase[SegReg.CS], 0x2000);
  assert.equal(cpu.eip, 0x10);
  assert.equal(cpu.r32[Reg.ESP], 0x7000 - 4);
  cpu.run(1);
  assert.equal(cpu.segSel[SegReg.CS], 0);
  assert.equal(cpu.eip, 0x1005);
  assert.equal(cpu.r32[Reg.ESP], 0x7000);
  cpu.ram.set(assemble("ljmp $0x300, $0x20", { code16: true }), 0x1005);
  cpu.run(1);
  assert.equal(cpu.segBase[SegReg.CS], 0x3000);
  assert.equal(cpu.eip, 0x20);
});

test("a 32-bit real-mode IRET keeps VM, VIF and VIP and loads the other flags", () => {
  const cpu = realModeCpu();
  cpu.ram.set(assemble("iretl", { code16: true }), 0x1000);
  cpu.r32[Reg.ESP] = 0x6ff4;
  const w32 = (a: number, v: number) => { for (let k = 0; k < 4; k++) cpu.ram[a + k] = (v >>> (8 * k)) & 0xff; };
  w32(0x6ff4, 0x2000); w32(0x6ff8, 0x100); w32(0x6ffc, 0xffffffff);
  cpu.run(1);
  assert.equal(cpu.segBase[SegReg.CS], 0x1000);
  assert.equal(cpu.eip, 0x2000);
  assert.equal(cpu.getEflags() >>> 0, (0x257fd5 | 2) >>> 0);
});
