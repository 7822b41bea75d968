/**
 * Reused checks (interrupts.ts ValidatedGate, segmentation.ts CheckedDescriptor): a delivery or an
 * IRET that repeats skips re-reading the gate, the descriptors and the TSS stack — but only while
 * they are unchanged. Each test makes the same crossing twice, the guest changes one structure in
 * between with an ordinary store, and the second crossing must see the change.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Reg } from "./cpu.js";
import { Vector } from "./fault.js";
import { GDT_FREE, GateType, LAYOUT, PmodeMachine, SEL, TSS32, codeSegment, gate } from "../../test/support/pmode.js";

const HANDLER = 0x12000;

/** A ring-3 loop of `int $0x80` into a ring-0 handler that runs `body` and returns with IRET. */
function syscallMachine(body: string): PmodeMachine {
  const m = new PmodeMachine({ cpl: 3 });
  m.cpu.onException = (f) => { m.faults.push(f); m.cpu.requestStop(); };
  m.setGate(0x80, gate({ type: GateType.INT32, selector: SEL.KCODE, offset: HANDLER, dpl: 3 }));
  m.asm(HANDLER, `${body}\niret`);
  m.asm(LAYOUT.UCODE_ADDR, "1:\nint $0x80\ninc %esi\njmp 1b");
  return m;
}

/** Runs until ESI (the ring-3 loop counter) reaches `n` or a fault stops the run. */
function runTo(m: PmodeMachine, n: number): void {
  for (let k = 0; k < 1000 && (m.cpu.r32[Reg.ESI] >>> 0) < n && m.faults.length === 0; k++) m.cpu.run(1);
}

test("a repeated INT n sees a gate whose DPL the kernel lowered in between: #GP(n*8+2)", () => {
  // the handler lowers the gate's DPL to 0 (byte 5 of the IDT entry: P DPL 0 type E = 0x8e)
  const m = syscallMachine(`movb $0x8e, ${LAYOUT.IDT + 0x80 * 8 + 5}`);
  runTo(m, 5);
  assert.equal(m.cpu.r32[Reg.ESI], 1, "the first system call returned, the second did not");
  assert.equal(m.faults[0]?.vector, Vector.GP);
  assert.equal(m.faults[0]?.errorCode, 0x80 * 8 + 2);
});

test("a repeated INT n from ring 3 uses the ESP0 the kernel wrote into the TSS in between", () => {
  // the handler records where the frame landed (EBP) and moves ESP0 for the next entry
  const m = syscallMachine(`mov %esp, %ebp\nmovl $0x7a000, ${LAYOUT.TSS + TSS32.ESP0}`);
  runTo(m, 2);
  assert.equal(m.faults.length, 0);
  // the second INT 0x80 pushed its 5-slot frame below the new ESP0
  assert.equal(m.cpu.r32[Reg.EBP] >>> 0, 0x7a000 - 20);
});

test("a repeated IRET sees a return code segment the kernel marked not present in between: #NP(selector)", () => {
  // a second user code segment, used by the ring-3 loop; the handler clears its P bit
  const ucode2 = (GDT_FREE << 3) | 3;
  const m = syscallMachine(`cmp $1, %esi\njne 2f\nandb $0x7f, ${LAYOUT.GDT + GDT_FREE * 8 + 5}\n2:`);
  m.setGdt(GDT_FREE, codeSegment({ dpl: 3 }));
  m.cpu.segSel[1] = ucode2;
  runTo(m, 5);
  assert.equal(m.cpu.r32[Reg.ESI], 1);
  assert.equal(m.faults[0]?.vector, Vector.NP);
  assert.equal(m.faults[0]?.errorCode, ucode2 & 0xfffc);
});

test("after MOV CR3 the gate is read again: a page table that maps the IDT elsewhere takes effect", () => {
  const m = syscallMachine("nop");
  runTo(m, 2);
  assert.equal(m.faults.length, 0);
  const epoch = m.cpu.systemEpoch;
  m.cpu.setCr3(m.cpu.cr3);
  assert.ok(m.cpu.systemEpoch > epoch, "MOV CR3 ends the epoch of reused checks");
});
