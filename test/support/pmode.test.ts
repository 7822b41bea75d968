import { test } from "node:test";
import assert from "node:assert/strict";
import { SegReg } from "../../src/cpu/cpu.js";
import { LAYOUT, PmodeMachine, SEL } from "./pmode.js";

test("pmode fixture: a ring-3 fault is delivered through the IDT stub with the ring-0 frame on the TSS ESP0 stack", () => {
  const m = new PmodeMachine({ cpl: 3 });
  m.loadSeg(SegReg.DS, 0); // null DS: any access through it raises #GP(0)
  const end = m.asm(LAYOUT.UCODE_ADDR, "add %al, (%ebx)");
  const ev = m.run({ stopAt: [end] });
  assert.equal(ev.kind, "interrupt");
  assert.equal(ev.kind === "interrupt" && ev.vector, 13);
  assert.equal(m.cpu.cpl, 0);
  assert.equal(m.cpu.segSel[SegReg.SS], SEL.KDATA);
  // error code, EIP, CS, EFLAGS (RF = 1: a fault, SDM Vol. 3B §17.3.1.1), ESP, SS
  assert.deepEqual(m.stack(6), [0, LAYOUT.UCODE_ADDR, SEL.UCODE, 0x10002, LAYOUT.USTACK_TOP, SEL.UDATA]);
  assert.equal(m.cpu.r32[4] >>> 0, LAYOUT.KSTACK_TOP - 24);
});
