import { test } from "node:test";
import assert from "node:assert/strict";
import { Reg, SegReg } from "../cpu.js";
import { EFLAGS } from "../flags.js";
import { GDT_FREE, LAYOUT, PmodeMachine, SEL, codeSegment, realModeCpu } from "../../../test/support/pmode.js";
import { runProgram as run, vectorOf } from "../../../test/support/pmode-assert.js";
import { assemble } from "../../../test/support/asm.js";

const CODE = LAYOUT.KCODE_ADDR;

/** Runs with CS limited to `limit` (byte granular, base 0, ring 0). */
function withCsLimit(limit: number) {
  return (m: PmodeMachine) => {
    m.setGdt(GDT_FREE, codeSegment({ limit, g: false }));
    m.loadSeg(SegReg.CS, GDT_FREE << 3);
  };
}

test("16-bit JMP truncates EIP to 16 bits", () => {
  // At 0x10000 in a flat 32-bit segment: 66 E9 rel16 → (EIP + rel16) & 0xFFFF.
  const m = new PmodeMachine();
  m.load(CODE, [0x66, 0xe9, 0x10, 0x00]);
  m.cpu.run(1);
  assert.equal(m.cpu.eip, (CODE + 4 + 0x10) & 0xffff);
});

test("16-bit CALL pushes a 16-bit return address and truncates the target", () => {
  const m = new PmodeMachine();
  m.load(CODE, [0x66, 0xe8, 0x00, 0x01]);
  m.cpu.run(1);
  assert.equal(m.cpu.eip, (CODE + 4 + 0x100) & 0xffff);
  assert.equal(m.cpu.r32[Reg.ESP] >>> 0, LAYOUT.KSTACK_TOP - 2);
  assert.equal(m.read16(LAYOUT.KSTACK_TOP - 2), (CODE + 4) & 0xffff);
});

test("JMP beyond the CS limit raises #GP(0) with EIP at the JMP", () => {
  const { ev, m } = run("jmp .+0x2000", withCsLimit(CODE + 0x1000));
  assert.equal(vectorOf(ev), 13);
  assert.equal(ev.kind === "interrupt" && ev.fault?.errorCode, 0);
  assert.match(ev.kind === "interrupt" ? ev.fault?.reason ?? "" : "", /beyond the CS limit/);
  assert.equal(m.stack(2)[1], CODE, "the pushed EIP is the JMP's");
});

test("a taken Jcc beyond the CS limit faults; a not-taken one does not", () => {
  const taken = run("xor %eax, %eax\njz .+0x2000", withCsLimit(CODE + 0x1000));
  assert.equal(vectorOf(taken.ev), 13);
  const notTaken = run("xor %eax, %eax\njnz .+0x2000", withCsLimit(CODE + 0x1000));
  assert.equal(notTaken.ev.kind, "stop");
});

test("CALL beyond the CS limit pushes nothing", () => {
  const { ev, m } = run("call .+0x2000", withCsLimit(CODE + 0x1000));
  assert.equal(vectorOf(ev), 13);
  // ring 0 delivery frame (error code, EIP, CS, EFLAGS) directly below the original stack top
  assert.equal(m.cpu.r32[Reg.ESP] >>> 0, LAYOUT.KSTACK_TOP - 16);
});

test("RET to a target beyond the CS limit leaves ESP unchanged", () => {
  const { ev, m } = run("pushl $0x7fff0000\nret", withCsLimit(CODE + 0x1000));
  assert.equal(vectorOf(ev), 13);
  assert.equal(m.stack(5)[4], 0x7fff0000, "the return address is still on the stack");
  assert.equal(m.cpu.r32[Reg.ESP] >>> 0, LAYOUT.KSTACK_TOP - 4 - 16);
});

test("RET Iw pops then releases Iw bytes", () => {
  const src = "pushl $1\npushl $2\ncall f\njmp done\nf:\nret $8\ndone:";
  const { cpu, ev } = run(src);
  assert.equal(ev.kind, "stop");
  assert.equal(cpu.r32[Reg.ESP] >>> 0, LAYOUT.KSTACK_TOP);
});

test("CALL and RET round-trip; CALL Ev with an ESP-based operand reads it before the push", () => {
  const src = "mov $f, %eax\npush %eax\ncall *(%esp)\nadd $4, %esp\njmp done\nf:\nmov $0x77, %ebx\nret\ndone:";
  const { cpu } = run(src);
  assert.equal(cpu.r32[Reg.EBX], 0x77);
  assert.equal(cpu.r32[Reg.ESP] >>> 0, LAYOUT.KSTACK_TOP);
});

test("JMP Ev through a register and through memory; a 16-bit JMP Ev takes 16 bits", () => {
  const { cpu } = run("mov $a, %eax\njmp *%eax\nhlt\na:\nmovl $b, 0x20000\njmp *0x20000\nhlt\nb:\nmov $1, %ebx");
  assert.equal(cpu.r32[Reg.EBX], 1);
  const m = new PmodeMachine();
  m.load(CODE, [0x66, 0xff, 0xe0]); // jmp ax
  m.cpu.r32[Reg.EAX] = 0x12345678;
  m.cpu.run(1);
  assert.equal(m.cpu.eip, 0x5678);
});

test("Jcc follows each of the 16 conditions (SDM Vol. 2 Appendix B.1.4.7)", () => {
  const cases: Array<[number, number[]]> = [
    // flags → the condition codes (0–15) that are taken
    [0, [1, 3, 5, 7, 9, 11, 13, 15]],
    [EFLAGS.CF, [1, 2, 5, 6, 9, 11, 13, 15]],
    [EFLAGS.ZF, [1, 3, 4, 6, 9, 11, 13, 14]],
    [EFLAGS.SF, [1, 3, 5, 7, 8, 11, 12, 14]],
    [EFLAGS.OF, [0, 3, 5, 7, 9, 11, 12, 14]],
    [EFLAGS.SF | EFLAGS.OF, [0, 3, 5, 7, 8, 11, 13, 15]],
    [EFLAGS.PF, [1, 3, 5, 7, 9, 10, 13, 15]],
  ];
  for (const [flags, taken] of cases) {
    for (let cc = 0; cc < 16; cc++) {
      for (const long of [false, true]) {
        const m = new PmodeMachine();
        m.load(CODE, long ? [0x0f, 0x80 + cc, 0x10, 0, 0, 0] : [0x70 + cc, 0x10]);
        m.cpu.setEflags(EFLAGS.RESERVED1 | flags);
        m.cpu.run(1);
        const next = CODE + (long ? 6 : 2);
        assert.equal(m.cpu.eip, taken.includes(cc) ? next + 0x10 : next, `cc ${cc} flags ${flags.toString(16)} ${long ? "rel32" : "rel8"}`);
      }
    }
  }
});

test("LOOP decrements ECX and branches while it is not zero; with a 16-bit address size only CX", () => {
  const { cpu } = run("mov $5, %ecx\nxor %eax, %eax\n1:\ninc %eax\nloop 1b");
  assert.equal(cpu.r32[Reg.EAX], 5);
  assert.equal(cpu.r32[Reg.ECX], 0);
  // addr16: 67 E2 rel8 with ECX = 0x10000: CX = 0 → 0xFFFF, branch taken, upper half kept
  const m = new PmodeMachine();
  m.load(CODE, [0x67, 0xe2, 0x10]);
  m.cpu.r32[Reg.ECX] = 0x10000;
  m.cpu.run(1);
  assert.equal(m.cpu.r32[Reg.ECX], 0x1ffff);
  assert.equal(m.cpu.eip, CODE + 3 + 0x10);
});

test("LOOPE stops when ZF = 0 and LOOPNE when ZF = 1", () => {
  const e = run("mov $10, %ecx\nmov $3, %eax\n1:\ndec %eax\nloope 1b");
  assert.equal(e.cpu.r32[Reg.ECX], 9, "first DEC gives ZF = 0: LOOPE falls through");
  const ne = run("mov $10, %ecx\nmov $3, %eax\n1:\ndec %eax\nloopne 1b");
  assert.equal(ne.cpu.r32[Reg.ECX], 7, "the third DEC gives ZF = 1: LOOPNE falls through");
});

test("LOOP with a target beyond the CS limit leaves ECX unchanged", () => {
  const m = new PmodeMachine();
  m.asm(CODE, "loop .+0x70");
  withCsLimit(CODE + 0x20)(m);
  m.cpu.r32[Reg.ECX] = 5;
  const ev = m.run({ stopAt: [CODE + 2] });
  assert.equal(vectorOf(ev), 13);
  assert.equal(m.cpu.r32[Reg.ECX], 5);
});

test("JECXZ tests ECX; JCXZ (address-size prefix) tests CX", () => {
  const m = new PmodeMachine();
  m.load(CODE, [0xe3, 0x10]);
  m.cpu.r32[Reg.ECX] = 0x10000;
  m.cpu.run(1);
  assert.equal(m.cpu.eip, CODE + 2);
  const w = new PmodeMachine();
  w.load(CODE, [0x67, 0xe3, 0x10]);
  w.cpu.r32[Reg.ECX] = 0x10000;
  w.cpu.run(1);
  assert.equal(w.cpu.eip, CODE + 3 + 0x10);
});

test("INT3 delivers vector 3 with the return EIP past the instruction", () => {
  const { ev, m, end } = run("int3\nnop", undefined, 0, undefined);
  assert.equal(vectorOf(ev), 3);
  assert.equal(m.stack(1)[0], end - 1);
});

test("INT Ib delivers the vector with EIP past the instruction", () => {
  const { ev, m } = run("int $0x41\nnop");
  assert.equal(vectorOf(ev), 0x41);
  assert.equal(m.stack(1)[0], CODE + 2);
});

test("INTO delivers #OF only when OF = 1", () => {
  const no = run("xor %eax, %eax\ninto");
  assert.equal(no.ev.kind, "stop");
  const yes = run("mov $0x7f, %al\nadd $1, %al\ninto\nnop");
  assert.equal(vectorOf(yes.ev), 4);
  assert.equal(yes.m.stack(1)[0], yes.end - 1);
});

test("INT1 (F1) delivers vector 1", () => {
  const { ev } = run(".byte 0xf1");
  assert.equal(vectorOf(ev), 1);
});

test("HLT at CPL 3 raises #GP(0)", () => {
  const { ev } = run("hlt", undefined, 3);
  assert.equal(vectorOf(ev), 13);
  assert.equal(ev.kind === "interrupt" && ev.fault?.reason, "HLT at CPL 3");
});

test("HLT at CPL 0 halts with EIP past the HLT", () => {
  const { ev, cpu } = run("hlt\nnop");
  assert.equal(ev.kind, "halt");
  assert.equal(cpu.eip, CODE + 1);
  assert.equal(cpu.segSel[SegReg.CS], SEL.KCODE);
});

test("real mode: a near JMP past 0xFFFF wraps IP (16-bit operand size)", () => {
  const cpu = realModeCpu(0xfff0);
  cpu.ram.set(assemble(".byte 0xe9, 0x20, 0x00", { code16: true }), 0xfff0);
  cpu.run(1);
  assert.equal(cpu.eip, (0xfff3 + 0x20) & 0xffff);
});

test("real mode: CALL pushes IP, RET Iw pops it and releases Iw bytes from SP (wrapping at 64 KiB)", () => {
  const cpu = realModeCpu(0x1000);
  cpu.ram.set(assemble("push $0x1111\ncall f\nmov $1, %bx\nhlt\nf: ret $2", { code16: true, org: 0x1000 }), 0x1000);
  cpu.r32[Reg.ESP] = 0x12340002;
  cpu.run(4);
  assert.equal(cpu.r32[Reg.EBX] & 0xffff, 1);
  assert.equal(cpu.r32[Reg.ESP] >>> 0, 0x12340002);
  assert.equal(cpu.ram[0] | (cpu.ram[1] << 8), 0x1111, "the pushed word wrapped to SS:0000");
});

test("INT1 is delivered through a gate whose DPL is below CPL (no gate-DPL check); INT3 is not", () => {
  const int1 = run(".byte 0xf1", undefined, 3);
  assert.equal(vectorOf(int1.ev), 1, "the default gates have DPL 0");
  const int3 = run("int3", undefined, 3);
  assert.equal(vectorOf(int3.ev), 13);
  assert.equal(int3.ev.kind === "interrupt" && int3.ev.fault?.errorCode, 3 * 8 + 2);
});

test("INT n in virtual-8086 mode with IOPL < 3 raises #GP(0)", () => {
  const m = new PmodeMachine({ cpl: 3 });
  m.load(LAYOUT.UCODE_ADDR, [0xcd, 0x21]);
  m.cpu.setEflags(EFLAGS.RESERVED1 | EFLAGS.VM);
  for (const s of [SegReg.CS, SegReg.SS, SegReg.DS, SegReg.ES, SegReg.FS, SegReg.GS]) m.cpu.loadSegmentReal(s, LAYOUT.UCODE_ADDR >> 4);
  m.cpu.eip = 0;
  m.cpu.r32[Reg.ESP] = 0x1000;
  const ev = m.run({ stopAt: [LAYOUT.UCODE_ADDR + 2] });
  assert.equal(vectorOf(ev), 13);
  assert.equal(ev.kind === "interrupt" && ev.fault?.errorCode, 0);
  assert.match(ev.kind === "interrupt" ? ev.fault?.reason ?? "" : "", /virtual-8086 mode with IOPL 0 < 3/);
});
