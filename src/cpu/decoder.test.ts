/**
 * The decoder's own rules (SDM Vol. 2A chapter 2): the 15-byte instruction limit, undefined
 * opcodes, ModRM forms a mnemonic does not take, and the LOCK prefix.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Cpu, Reg } from "./cpu.js";
import { RamBus } from "./bus.js";
import type { CpuFault } from "./fault.js";

/** Runs one instruction from flat ring 0 with no IDT; returns the fault it raised, if any. */
function step(bytes: number[]): { cpu: Cpu; fault: CpuFault | undefined } {
  const cpu = new Cpu(new RamBus(1 << 20));
  cpu.setFlatProtectedMode(0);
  cpu.ram.set(bytes, 0x1000);
  cpu.eip = 0x1000;
  let fault: CpuFault | undefined;
  cpu.onException = (f) => { fault ??= f; cpu.requestStop(); };
  cpu.run(1);
  return { cpu, fault };
}

test("an instruction of 15 bytes executes; one of 16 bytes raises #GP(0) (SDM Vol. 2A §2.3.11)", () => {
  // 14 operand-size prefixes toggle nothing useful, then NOP: 15 bytes in all
  const ok = step([...new Array(14).fill(0x3e), 0x90]);
  assert.equal(ok.fault, undefined);
  assert.equal(ok.cpu.eip, 0x1000 + 15);
  const bad = step([...new Array(15).fill(0x3e), 0x90]);
  assert.equal(bad.fault?.vector, 13);
  assert.equal(bad.fault?.errorCode, 0);
  assert.match(bad.fault?.reason ?? "", /longer than 15 bytes/);
});

test("undefined opcodes raise #UD with the opcode named (0F 0A, 0F FF)", () => {
  for (const bytes of [[0x0f, 0x0a], [0x0f, 0xff]]) {
    const r = step(bytes);
    assert.equal(r.fault?.vector, 6, bytes.map((b) => b.toString(16)).join(" "));
    assert.match(r.fault?.reason ?? "", /undefined opcode|does not take/);
    assert.equal(r.cpu.eip, 0x1000, "a fault leaves EIP at the instruction");
  }
});

test("LEA with a register operand raises #UD: the form does not exist", () => {
  const r = step([0x8d, 0xc1]); // lea eax, ecx
  assert.equal(r.fault?.vector, 6);
  assert.match(r.fault?.reason ?? "", /LEA does not take a register operand/);
});

test("LOCK raises #UD on an instruction that may not take it and on a register destination", () => {
  assert.equal(step([0xf0, 0x90]).fault?.vector, 6); // lock nop
  assert.equal(step([0xf0, 0x01, 0xc8]).fault?.vector, 6); // lock add eax, ecx
  const r = step([0xf0, 0x01, 0x08]); // lock add [eax], ecx
  assert.equal(r.fault, undefined);
  assert.equal(r.cpu.r32[Reg.EAX], 0);
});
