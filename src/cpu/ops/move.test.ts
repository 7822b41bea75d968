import { test } from "node:test";
import assert from "node:assert/strict";
import { Reg, SegReg } from "../cpu.js";
import { EFLAGS } from "../flags.js";
import { GDT_FREE, LAYOUT, PmodeMachine, SEL, dataSegment } from "../../../test/support/pmode.js";
import { runProgram as run, vectorOf } from "../../../test/support/pmode-assert.js";

const CODE = LAYOUT.KCODE_ADDR;
const DATA = 0x20000;


test("MOV r32, Sreg zero-extends the selector; MOV r16, Sreg keeps the upper half", () => {
  const { cpu } = run("mov $-1, %eax\nmov $-1, %ebx\nmov %ds, %eax\nmov %ds, %bx");
  assert.equal(cpu.r32[Reg.EAX], SEL.KDATA);
  assert.equal(cpu.r32[Reg.EBX] >>> 0, (0xffff0000 | SEL.KDATA) >>> 0);
});

test("MOV m16, Sreg stores 16 bits whatever the operand size", () => {
  const { m } = run(`movl $-1, ${DATA}\n.byte 0x8c, 0x0d\n.long ${DATA}`); // mov %cs, DATA (no 66 prefix)
  assert.equal(m.read32(DATA), (0xffff0000 | SEL.KCODE) >>> 0);
});

test("MOV Ev,Sw with ModRM.reg 6 raises #UD", () => {
  const { ev } = run(".byte 0x8c, 0xf0");
  assert.equal(vectorOf(ev), 6);
});

test("MOV moffs takes the displacement as the offset in DS, or in the override segment", () => {
  const { cpu } = run(`movb $0x9a, %al\nmov %al, ${DATA + 8}\nmov ${DATA + 8}, %cl\nmovl $0x11223344, ${DATA}\nmovl $0x55667788, ${DATA + 0x100}\nmov ${DATA}, %eax\nmov %fs:${DATA}, %ebx`,
    (m) => { m.setGdt(GDT_FREE, dataSegment({ base: 0x100 })); m.loadSeg(SegReg.FS, GDT_FREE << 3); });
  assert.equal(cpu.r32[Reg.EAX], 0x11223344);
  assert.equal(cpu.r32[Reg.EBX], 0x55667788);
  assert.equal(cpu.r8[4], 0x9a);
});

test("MOV moffs with a 16-bit address size takes a 16-bit offset", () => {
  // 67 A1 disp16: mov eax, [0x1234]
  const { cpu } = run(".byte 0x67, 0xa1, 0x34, 0x12", (m) => m.write32(0x1234, 0xcafef00d));
  assert.equal(cpu.r32[Reg.EAX] >>> 0, 0xcafef00d);
});

test("MOV r, imm and MOV Ev, Iz write the operand size only", () => {
  const { cpu, m } = run(`mov $-1, %eax\nmov $0x1234, %ax\nmov $0x56, %ah\nmovw $0xbeef, ${DATA}\nmovl $0x12345678, ${DATA + 4}\nmovb $0x9, ${DATA + 4}`);
  assert.equal(cpu.r32[Reg.EAX] >>> 0, 0xffff5634);
  assert.equal(m.read16(DATA), 0xbeef);
  assert.equal(m.read32(DATA + 4), 0x12345609);
});

test("MOVSX sign-extends and MOVZX zero-extends bytes and words", () => {
  const { cpu } = run("mov $0x8081, %edx\nmovsbl %dl, %eax\nmovzbl %dl, %ebx\nmovswl %dx, %ecx\nmovzwl %dx, %esi\nmov $-1, %edi\nmovsbw %dl, %di");
  assert.equal(cpu.r32[Reg.EAX] >>> 0, 0xffffff81);
  assert.equal(cpu.r32[Reg.EBX], 0x81);
  assert.equal(cpu.r32[Reg.ECX] >>> 0, 0xffff8081);
  assert.equal(cpu.r32[Reg.ESI], 0x8081);
  assert.equal(cpu.r32[Reg.EDI] >>> 0, 0xffffff81);
});

test("XCHG with a memory operand swaps, and leaves both operands unchanged when the write faults", () => {
  const ok = run(`movl $0x1111, ${DATA}\nmov $0x2222, %eax\nxchg %eax, ${DATA}`);
  assert.equal(ok.cpu.r32[Reg.EAX], 0x1111);
  assert.equal(ok.m.read32(DATA), 0x2222);
  // DS read-only: the write check fails before anything changes (#GP(0)).
  const bad = run(`mov $0x2222, %eax\nxchg %eax, ${DATA}`, (m) => {
    m.write32(DATA, 0x1111);
    m.setGdt(GDT_FREE, dataSegment({ writable: false }));
    m.loadSeg(SegReg.DS, GDT_FREE << 3);
  });
  assert.equal(vectorOf(bad.ev), 13);
  assert.equal(bad.cpu.r32[Reg.EAX], 0x2222);
  assert.equal(bad.m.read32(DATA), 0x1111);
});

test("XCHG eAX with a register (91–97) and 16-bit XCHG keep the upper halves", () => {
  const { cpu } = run("mov $0x11112222, %eax\nmov $0x33334444, %ebx\nxchg %eax, %ebx\nxchg %ax, %cx\nmov $0xaaaabbbb, %edx\nxchg %dx, %bx");
  assert.equal(cpu.r32[Reg.EAX] >>> 0, 0x33330000);
  assert.equal(cpu.r32[Reg.ECX], 0x4444);
  assert.equal(cpu.r32[Reg.EBX] >>> 0, 0x1111bbbb);
  assert.equal(cpu.r32[Reg.EDX] >>> 0, 0xaaaa2222);
});

test("LEA truncates the effective address to a 16-bit operand size", () => {
  const { cpu } = run("mov $-1, %eax\nmov $0x12345678, %ebx\nlea 0x10(%ebx,%ebx,2), %ax");
  assert.equal(cpu.r32[Reg.EAX] >>> 0, (0xffff0000 | ((0x12345678 * 3 + 0x10) & 0xffff)) >>> 0);
});

test("LEA with a 16-bit address size wraps the address at 64 KiB and zero-extends it to 32 bits", () => {
  // 67 8D 40 10: lea eax, [bx+si+0x10]
  const { cpu } = run("mov $-1, %eax\nmov $0xfff8, %ebx\nmov $0x8, %esi\n.byte 0x67, 0x8d, 0x40, 0x10");
  assert.equal(cpu.r32[Reg.EAX], 0x10);
});

test("LEA with a register operand raises #UD", () => {
  const { ev } = run(".byte 0x8d, 0xc0");
  assert.equal(vectorOf(ev), 6);
});

test("XLAT reads DS:[EBX + AL] (unsigned AL), or the override segment", () => {
  const { cpu } = run(`movb $0x77, ${DATA + 0x90}\nmov $${DATA}, %ebx\nmov $0x90, %al\nxlat\nmov $0x90, %cl\nmov %cl, %al\nxlat %fs:(%ebx)\nmov %al, %dl`,
    (m) => { m.setGdt(GDT_FREE, dataSegment({ base: 0x1000 })); m.loadSeg(SegReg.FS, GDT_FREE << 3); m.cpu.ram[0x1000 + DATA + 0x90] = 0x55; });
  assert.equal(cpu.r8[1], 0x00); // AH untouched (0)
  assert.equal(cpu.r8[8], 0x55);
});

test("SAHF loads SF ZF AF PF CF from AH and leaves OF; LAHF stores them with bit 1 set", () => {
  const { cpu } = run("mov $0x7f, %al\nadd $1, %al\nmov $0xd5, %ah\nsahf\nlahf\nmov %ah, %bl\nmov $0, %ah\nsahf\nlahf");
  // 0x7f + 1 sets OF; SAHF with 0xd5 sets SF ZF AF PF CF and keeps OF.
  assert.equal(cpu.r8[12], 0xd7);
  assert.equal(cpu.r8[1], 0x02);
  assert.ok(cpu.getEflags() & EFLAGS.OF);
});

test("CMC complements CF; STC and CLC set and clear it; STD and CLD set and clear DF", () => {
  const only = run("stc\ncmc\nstd");
  assert.equal(only.cpu.getCF(), 0);
  assert.ok(only.cpu.getEflags() & EFLAGS.DF);
  const c2 = run("clc\ncmc\nstd\ncld");
  assert.equal(c2.cpu.getCF(), 1);
  assert.equal(c2.cpu.getEflags() & EFLAGS.DF, 0);
});

test("0F 1F /0 is a NOP that does not access its memory operand; F3 90 (PAUSE) is a NOP", () => {
  // nopl 0x0(%eax) with EAX pointing beyond DS's limit: no fault.
  const { ev, cpu } = run("mov $0x1234, %ebx\n.byte 0x0f, 0x1f, 0x40, 0x00\npause\nnop", (m) => {
    m.setGdt(GDT_FREE, dataSegment({ limit: 0x10, g: false }));
    m.loadSeg(SegReg.DS, GDT_FREE << 3);
    m.cpu.r32[Reg.EAX] = 0x100000;
  });
  assert.equal(ev.kind, "stop");
  assert.equal(cpu.r32[Reg.EBX], 0x1234);
});

test("C6 with ModRM.reg other than 0 raises #UD", () => {
  const { ev } = run(".byte 0xc6, 0xc8, 0x00");
  assert.equal(vectorOf(ev), 6);
});

test("0F 1F with any ModRM.reg and the hint-NOP space 0F 19–0F 1E execute as NOP (P6, host CPU)", () => {
  const { ev, cpu } = run(".byte 0x0f, 0x1f, 0xf8\n.byte 0x0f, 0x19, 0x00\n.byte 0x0f, 0x1e, 0x3d, 0, 0, 0, 0\n.byte 0xf3, 0x0f, 0x1e, 0xfb\nmov $7, %ebx");
  assert.equal(ev.kind, "stop");
  assert.equal(cpu.r32[Reg.EBX], 7);
});
