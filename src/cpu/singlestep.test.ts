/**
 * Single-step traps taken by the execution loop (SDM Vol. 3B §17.3.1.4; Vol. 3A §6.8.3 for the
 * MOV SS / POP SS shadow).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { PmodeMachine, LAYOUT } from "../../test/support/pmode.js";
import { EFLAGS } from "./flags.js";

const DB = 1;

function stepping(code: string): PmodeMachine {
  const m = new PmodeMachine({ cpl: 0 });
  m.asm(LAYOUT.KCODE_ADDR, code);
  m.cpu.setEflags(EFLAGS.RESERVED1 | EFLAGS.TF);
  return m;
}

test("single-step: #DB after each instruction, with the pushed EIP of the next one", () => {
  const m = stepping("nop\nnop\nnop");
  const ev = m.run();
  assert.equal(ev.kind, "interrupt");
  assert.equal(ev.kind === "interrupt" && ev.vector, DB);
  const [eip, , eflags] = m.stack(3);
  assert.equal(eip, LAYOUT.KCODE_ADDR + 1);
  assert.ok(eflags & EFLAGS.TF, "the pushed EFLAGS keep TF");
  assert.equal(m.cpu.getEflags() & EFLAGS.TF, 0, "the handler runs with TF = 0");
});

test("single-step: the trap after MOV SS waits until the next instruction has completed", () => {
  const m = stepping("mov %ss, %ax\nmov %ax, %ss\nnop\nnop");
  const ev1 = m.run();
  assert.equal(ev1.kind === "interrupt" && ev1.vector, DB);
  assert.equal(m.stack(1)[0], LAYOUT.KCODE_ADDR + 3, "first trap after mov %ss,%ax");
  // Resume at the MOV SS with TF set again: no trap between MOV SS and the NOP after it.
  const m2 = stepping("mov %ax, %ss\nnop\nnop");
  m2.cpu.r32[0] = m2.cpu.segSel[2];
  const ev2 = m2.run();
  assert.equal(ev2.kind === "interrupt" && ev2.vector, DB);
  assert.equal(m2.stack(1)[0], LAYOUT.KCODE_ADDR + 2 + 1, "the trap comes after MOV SS and the NOP");
});

test("single-step: STI's shadow holds interrupts, not the single-step trap", () => {
  const m = stepping("sti\nnop");
  const ev = m.run();
  assert.equal(ev.kind === "interrupt" && ev.vector, DB);
  assert.equal(m.stack(1)[0], LAYOUT.KCODE_ADDR + 1, "the trap follows STI at once");
});
