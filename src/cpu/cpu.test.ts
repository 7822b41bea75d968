import { test } from "node:test";
import assert from "node:assert/strict";
import { Cpu, Reg } from "./cpu.js";
import { RamBus } from "./bus.js";
import { EFLAGS } from "./flags.js";

function flatCpu(code: number[], at = 0x1000): Cpu {
  const cpu = new Cpu(new RamBus(1 << 20));
  cpu.setFlatProtectedMode(0);
  cpu.ram.set(code, at);
  cpu.eip = at;
  return cpu;
}

test("reset state: real mode, CS:IP = F000:FFF0 with CS base FFFF0000 (SDM Vol. 3A Table 9-1)", () => {
  const cpu = new Cpu(new RamBus(1 << 20));
  assert.equal(cpu.eip, 0xfff0);
  assert.equal(cpu.segSel[1], 0xf000);
  assert.equal(cpu.segBase[1] >>> 0, 0xffff0000);
  assert.equal(cpu.protectedMode, false);
  assert.equal(cpu.getEflags(), 2);
});

test("ADD EAX,Iz sets CF ZF on wrap-around and the decode cache re-executes the same instruction", () => {
  const cpu = flatCpu([0x05, 0x01, 0x00, 0x00, 0x00, 0x05, 0x01, 0x00, 0x00, 0x00]);
  cpu.r32[Reg.EAX] = -1;
  cpu.run(1);
  assert.equal(cpu.r32[Reg.EAX], 0);
  assert.ok(cpu.getEflags() & EFLAGS.CF);
  assert.ok(cpu.getEflags() & EFLAGS.ZF);
  assert.ok(cpu.getEflags() & EFLAGS.PF);
  assert.ok(cpu.getEflags() & EFLAGS.AF);
  cpu.run(1);
  assert.equal(cpu.r32[Reg.EAX], 1);
  assert.equal(cpu.getEflags() & (EFLAGS.CF | EFLAGS.ZF), 0);
});

test("SUB sets OF on signed overflow 0x80000000 - 1 and INC preserves CF", () => {
  // sub eax,1 ; inc ebx
  const cpu = flatCpu([0x2d, 0x01, 0x00, 0x00, 0x00, 0x43]);
  cpu.r32[Reg.EAX] = 0x80000000 | 0;
  cpu.r32[Reg.EBX] = 0x7fffffff;
  cpu.run(1);
  assert.equal(cpu.r32[Reg.EAX], 0x7fffffff);
  assert.ok(cpu.getEflags() & EFLAGS.OF);
  assert.equal(cpu.getEflags() & EFLAGS.CF, 0);
  cpu.setFlag(EFLAGS.CF, 1);
  cpu.run(1);
  assert.equal(cpu.r32[Reg.EBX], 0x80000000 | 0);
  const f = cpu.getEflags();
  assert.ok(f & EFLAGS.CF, "INC leaves CF");
  assert.ok(f & EFLAGS.OF);
  assert.ok(f & EFLAGS.SF);
});

test("LOCK on a register destination raises #UD", () => {
  const cpu = flatCpu([0xf0, 0x01, 0xc0]);
  cpu.idtrLimit = 0; // no IDT: delivery fails and escalates, but the #UD is observed first
  const seen: number[] = [];
  cpu.onException = (f) => seen.push(f.vector);
  cpu.run(1);
  assert.equal(seen[0], 6);
});
