/**
 * Hardware task switches (SDM Vol. 3A §7.3): through IDT task gates, far JMP/CALL to a TSS or a
 * task gate, and IRET with NT = 1 — busy bits, NT, the link field, CR0.TS, the saved and loaded
 * state, and the faults before and after the commit point.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { CR0, Reg, SegReg } from "./cpu.js";
import { Vector } from "./fault.js";
import { EFLAGS } from "./flags.js";
import {
  GDT_FREE, GateType, LAYOUT, PmodeMachine, SEL, TSS32, gate, tssDescriptor,
} from "../../test/support/pmode.js";
import { assertFault, assertStopped, runAsm } from "../../test/support/pmode-assert.js";

const X = GDT_FREE;
const sel = (index: number, rpl = 0): number => (index << 3) | rpl;
const U = LAYOUT.UCODE_ADDR;
const TASK_TSS = 0x8000;
const TASK_STACK = 0x9000;
const TASK_CODE = 0x12000;
const F = EFLAGS.RESERVED1;

/** A second task at ring 0 (TSS at TASK_TSS, GDT entry X) starting at `eip` on its own stack. */
function addTask(m: PmodeMachine, eip: number, extra: Partial<Record<keyof typeof TSS32, number>> = {}): number {
  m.writeTss(TASK_TSS, {
    EIP: eip, EFLAGS: F, ESP: TASK_STACK, CS: SEL.KCODE, SS: SEL.KDATA, DS: SEL.KDATA, ES: SEL.KDATA,
    SS0: SEL.KDATA, ESP0: TASK_STACK, EAX: 0xaaaa, ...extra,
  });
  m.setGdt(X, tssDescriptor({ base: TASK_TSS, limit: TSS32.SIZE - 1 }));
  return sel(X);
}
const busy = (m: PmodeMachine, index: number): boolean => (m.gdt(index).type & 2) !== 0;

test("an exception through an IDT task gate switches tasks: NT, link, busy bits, CR0.TS, error code on the new stack", () => {
  const m = new PmodeMachine({ cpl: 3 });
  const task = addTask(m, m.stub(13));
  m.setGate(13, gate({ type: GateType.TASK, selector: task }));
  m.cpu.r32[Reg.EBX] = 0x1234;
  m.cpu.setEflags(F | EFLAGS.IF);
  const ev = runAsm(m, "mov $0x10, %ax\nmov %ax, %ds");
  assertFault(ev, Vector.GP, 0x10);
  const cpu = m.cpu;
  assert.equal(cpu.trSel, task);
  assert.equal(cpu.cpl, 0);
  assert.equal(cpu.segSel[SegReg.CS], SEL.KCODE);
  assert.equal(cpu.r32[Reg.EAX], 0xaaaa, "registers come from the new TSS");
  assert.equal(cpu.getEflags() & EFLAGS.NT, EFLAGS.NT, "an interrupt nests: NT = 1");
  assert.ok(cpu.cr0 & CR0.TS);
  assert.equal(m.read16(TASK_TSS + TSS32.LINK), SEL.TSS, "link = the interrupted task's TSS");
  assert.ok(busy(m, X), "the new task is busy");
  assert.ok(busy(m, SEL.TSS >> 3), "the interrupted task stays busy");
  // the error code is the only thing on the handler task's stack
  assert.equal(cpu.r32[Reg.ESP], TASK_STACK - 4);
  assert.deepEqual(m.stack(1), [0x10]);
  // the interrupted task's state was saved: EIP of the faulting MOV, EFLAGS with RF, ESP, selectors
  const o = LAYOUT.TSS;
  assert.equal(m.read32(o + TSS32.EIP), U + 4);
  assert.equal(m.read32(o + TSS32.EFLAGS), F | EFLAGS.IF | EFLAGS.RF);
  assert.equal(m.read32(o + TSS32.EBX), 0x1234);
  assert.equal(m.read32(o + TSS32.ESP), LAYOUT.USTACK_TOP);
  assert.deepEqual([TSS32.ES, TSS32.CS, TSS32.SS, TSS32.DS].map((f) => m.read16(o + f)), [SEL.UDATA, SEL.UCODE, SEL.UDATA, SEL.UDATA]);
});

test("INT n through a DPL-3 task gate and IRET with NT = 1 back: the handler task is no longer busy, NT cleared in its saved EFLAGS", () => {
  const m = new PmodeMachine({ cpl: 3 });
  const task = addTask(m, TASK_CODE);
  m.asm(TASK_CODE, "mov $7, %ebx\niret\njmp .-3");
  m.setGate(0x81, gate({ type: GateType.TASK, selector: task, dpl: 3 }));
  m.cpu.r32[Reg.EBX] = 1;
  const end = m.asm(U, "int $0x81\nnop");
  const ev = m.run({ stopAt: [end - 1] });
  assertStopped(ev);
  const cpu = m.cpu;
  assert.equal(cpu.trSel, SEL.TSS);
  assert.equal(cpu.cpl, 3);
  assert.equal(cpu.r32[Reg.EBX], 1, "the user task's EBX came back from its TSS");
  assert.equal(cpu.r32[Reg.ESP], LAYOUT.USTACK_TOP);
  assert.equal(cpu.getEflags() & EFLAGS.NT, 0);
  assert.ok(!busy(m, X), "IRET cleared the handler task's busy bit");
  assert.ok(busy(m, SEL.TSS >> 3));
  // the handler task's state, saved by the IRET: EIP after the IRET, EBX = 7, NT cleared
  assert.equal(m.read32(TASK_TSS + TSS32.EIP), TASK_CODE + 6);
  assert.equal(m.read32(TASK_TSS + TSS32.EBX), 7);
  assert.equal(m.read32(TASK_TSS + TSS32.EFLAGS) & EFLAGS.NT, 0);
});

test("IRET with NT = 1 and a null back link raises #TS(0)", () => {
  const m = new PmodeMachine({ cpl: 3 });
  m.cpu.setEflags(F | EFLAGS.NT);
  const f = assertFault(runAsm(m, "iret"), Vector.TS, 0);
  assert.equal(f.reason, "IRET: task return: back link 0x0 is a reserved type 0, not a busy TSS");
  // a fault of the IRET: the task did not change
  assert.equal(m.cpu.trSel, SEL.TSS);
  assert.deepEqual(m.stack(3), [0, U, SEL.UCODE]);
});

test("IRET with NT = 1 to an available (not busy) TSS raises #TS(link)", () => {
  const m = new PmodeMachine();
  const task = addTask(m, TASK_CODE);
  m.write16(LAYOUT.TSS + TSS32.LINK, task);
  m.cpu.setEflags(F | EFLAGS.NT);
  assertFault(runAsm(m, "iret"), Vector.TS, task, /back link 0x58 is an available 32-bit TSS, not a busy TSS/);
});

test("far JMP to an available TSS switches without nesting: old task not busy, no link, NT from the TSS", () => {
  const m = new PmodeMachine();
  const task = addTask(m, TASK_CODE, { EFLAGS: F | EFLAGS.CF });
  m.cpu.setEflags(F | EFLAGS.NT);
  runAsm(m, `ljmp $${task}, $0`, { maxSteps: 1 });
  assert.equal(m.cpu.trSel, task);
  assert.equal(m.cpu.eip, TASK_CODE);
  assert.equal(m.cpu.getEflags(), F | EFLAGS.CF);
  assert.ok(busy(m, X));
  assert.ok(!busy(m, SEL.TSS >> 3));
  assert.equal(m.read16(TASK_TSS + TSS32.LINK), 0);
  assert.equal(m.read32(LAYOUT.TSS + TSS32.EFLAGS), F | EFLAGS.NT, "JMP leaves NT in the saved image");
  assert.equal(m.read32(LAYOUT.TSS + TSS32.EIP), LAYOUT.KCODE_ADDR + 7);
});

test("far CALL through a task gate nests; the called task's IRET returns after the CALL", () => {
  const m = new PmodeMachine({ cpl: 3 });
  const task = addTask(m, TASK_CODE);
  m.asm(TASK_CODE, "iret");
  m.setGdt(X + 1, gate({ type: GateType.TASK, selector: task, dpl: 3 }));
  const end = m.asm(U, `lcall $${sel(X + 1, 3)}, $0\nnop`);
  m.cpu.run(1);
  assert.equal(m.cpu.trSel, task);
  assert.equal(m.read16(TASK_TSS + TSS32.LINK), SEL.TSS);
  assert.equal(m.cpu.getEflags() & EFLAGS.NT, EFLAGS.NT);
  assertStopped(m.run({ stopAt: [end - 1] }));
  assert.equal(m.cpu.trSel, SEL.TSS);
  assert.equal(m.cpu.cpl, 3);
});

test("far JMP to a busy TSS raises #GP(selector); through a task gate to a busy TSS too", () => {
  const m = new PmodeMachine();
  assertFault(runAsm(m, `ljmp $${SEL.TSS}, $0`), Vector.GP, SEL.TSS, /busy 32-bit TSS, not a code segment, call gate, task gate or TSS/);
  const m2 = new PmodeMachine();
  m2.setGdt(X, gate({ type: GateType.TASK, selector: SEL.TSS }));
  assertFault(runAsm(m2, `ljmp $${sel(X)}, $0`), Vector.GP, SEL.TSS, /task gate's TSS 0x28 is a busy 32-bit TSS, not an available TSS/);
});

test("a task gate's DPL is checked for JMP/CALL from CPL 3: #GP(gate selector)", () => {
  const m = new PmodeMachine({ cpl: 3 });
  const task = addTask(m, TASK_CODE);
  m.setGdt(X + 1, gate({ type: GateType.TASK, selector: task, dpl: 0 }));
  assertFault(runAsm(m, `lcall $${sel(X + 1, 3)}, $0`), Vector.GP, sel(X + 1), /task gate 0x63 DPL 0 < CPL 3/);
  const m2 = new PmodeMachine({ cpl: 3 });
  const task2 = addTask(m2, TASK_CODE);
  assertFault(runAsm(m2, `ljmp $${task2 | 3}, $0`), Vector.GP, task2, /available 32-bit TSS 0x5b DPL 0 < CPL 3/);
});

test("a TSS whose limit is below 0x67 raises #TS(TSS selector) before anything changes", () => {
  const m = new PmodeMachine();
  addTask(m, TASK_CODE);
  m.setGdt(X, tssDescriptor({ base: TASK_TSS, limit: 0x66 }));
  assertFault(runAsm(m, `ljmp $${sel(X)}, $0`), Vector.TS, sel(X), /its limit 0x66 is below 0x67/);
  assert.equal(m.cpu.trSel, SEL.TSS);
  assert.ok(busy(m, SEL.TSS >> 3));
  assert.ok(!busy(m, X));
});

test("a bad SS in the new task faults after the commit point, in the new task's context", () => {
  const m = new PmodeMachine();
  // SS 0x13: RPL 3 with CS RPL 0; the #TS is delivered at ring 0 from the new TSS's SS0:ESP0
  const task = addTask(m, TASK_CODE, { SS: SEL.KDATA | 3 });
  assertFault(runAsm(m, `ljmp $${task}, $0`), Vector.TS, SEL.KDATA, /new task's SS 0x13 DPL 0 != CS RPL 0|new task's SS 0x13 DPL 0 != its RPL 3/);
  assert.equal(m.cpu.trSel, task, "the switch was committed");
  assert.equal(m.cpu.r32[Reg.EAX], 0xaaaa);
  // the frame of the #TS: EIP of the new task's first instruction, its CS selector
  assert.deepEqual(m.stack(3), [SEL.KDATA, TASK_CODE, SEL.KCODE]);
});

test("#DF through a task gate runs on its own stack when the kernel stack is gone", () => {
  const m = new PmodeMachine();
  m.enablePaging();
  // the task's TSS carries the kernel's CR3: a task switch loads it (SDM Vol. 3A §7.3 step 12)
  const task = addTask(m, m.stub(8), { CR3: m.cpu.cr3 });
  m.setGate(8, gate({ type: GateType.TASK, selector: task }));
  m.unmapPage(0x70000);
  m.cpu.r32[Reg.ESP] = 0x71000; // the next push lands on the unmapped page
  const ev = runAsm(m, "push %eax");
  assert.equal(ev.kind === "interrupt" && ev.vector, 8);
  assert.equal(m.cpu.trSel, task);
  assert.deepEqual(m.stack(1), [0], "#DF pushes error code 0 on the task's stack");
  assert.equal(m.read32(LAYOUT.TSS + TSS32.ESP), 0x71000, "the faulting task's ESP was saved");
  assert.match(m.cpu.delivery.chain.join("\n"), /#PF\(0x2\) while delivering #PF\(0x2\)[^]*→ #DF\(0\)/);
});

test("a task switch with paging on loads CR3 from the new TSS (CR3 0 here: the next access faults in the new task)", () => {
  const m = new PmodeMachine();
  m.enablePaging();
  const task = addTask(m, TASK_CODE); // CR3 field 0
  const ev = runAsm(m, `ljmp $${task}, $0`);
  assert.equal(ev.kind, "shutdown");
  assert.equal(m.cpu.cr3, 0);
  assert.equal(m.cpu.trSel, task);
});
