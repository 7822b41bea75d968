import { test } from "node:test";
import assert from "node:assert/strict";
import { Cpu } from "./cpu.js";
import { RamBus } from "./bus.js";
import { decode } from "./decoder.js";
import { disassemble } from "./disasm.js";
import { assemble } from "../../test/support/asm.js";

function dis(src: string, code16 = false): string {
  const cpu = new Cpu(new RamBus(1 << 20));
  if (!code16) cpu.setFlatProtectedMode(0);
  const bytes = assemble(src, { org: 0x1000, code16 });
  cpu.ram.set(bytes, 0x1000);
  return disassemble(decode(cpu, 0x1000));
}

test("disassembly from the table: ModRM memory operands with SIB and displacement", () => {
  assert.equal(dis("add %eax, 0x10(%ebx,%esi,4)"), "add dword ptr [ebx+esi*4+0x10], eax");
  assert.equal(dis("movzbl -8(%ebp), %ecx"), "movzx ecx, byte ptr [ebp-0x8]");
  assert.equal(dis("lock incl %fs:(%eax)"), "lock inc dword ptr fs:[eax]");
});

test("disassembly from the table: immediates, relative targets, operand-size prefixes, 16-bit addressing", () => {
  assert.equal(dis("mov $0x12345678, %edi"), "mov edi, 0x12345678");
  assert.equal(dis("jne 0x1020"), "jne 0x1020");
  assert.equal(dis("addw $5, %ax"), "add ax, 0x5");
  assert.equal(dis("lea 4(%bx,%si), %ax", true), "lea ax, [bx+si+0x4]");
  assert.equal(dis("rep movsl"), "rep movs dword ptr es:[edi], dword ptr ds:[esi]");
  assert.equal(dis("int $0x80"), "int 0x80");
});
