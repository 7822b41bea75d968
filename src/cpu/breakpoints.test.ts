/**
 * Debug-register breakpoints (SDM Vol. 3B §17.2 DR0–DR7, §17.3.1 debug exception conditions):
 * instruction breakpoints are faults before the instruction (suppressed by EFLAGS.RF = 1), data
 * and I/O breakpoints traps after it, reported in DR6 B0–B3 (with BS when single-stepping too).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { CR4, Reg } from "./cpu.js";
import { Vector } from "./fault.js";
import { EFLAGS } from "./flags.js";
import { LAYOUT, PmodeMachine, SEL } from "../../test/support/pmode.js";
import { assertStopped, runAsm } from "../../test/support/pmode-assert.js";

const K = LAYOUT.KCODE_ADDR;
const DATA = 0x50000;
const F = EFLAGS.RESERVED1;

/** DR7 enabling DRn (Gn) with R/W `rw` and LEN `len` (SDM Vol. 3B Figure 17-1). */
function dr7(n: number, rw: number, len = 0): number {
  return 0x400 | (2 << (2 * n)) | (rw << (16 + 4 * n)) | (len << (18 + 4 * n));
}
const EXEC = 0, WRITE = 1, IO = 2, READ_WRITE = 3;
const LEN1 = 0, LEN2 = 1, LEN4 = 3;

/** A ring-0 machine with `code` at KCODE_ADDR and DRn = `addr` enabled by `dr7Value`. */
function machine(code: string, n: number, addr: number, dr7Value: number): { m: PmodeMachine; labels: (off: number) => number; end: number } {
  const m = new PmodeMachine();
  const end = m.asm(K, code);
  m.cpu.dr[n] = addr;
  m.cpu.setDr7(dr7Value);
  m.cpu.dr[6] = 0xffff0ff0 | 0;
  return { m, labels: (off) => K + off, end };
}

/** The run stopped at the #DB handler: returns [pushed EIP, pushed EFLAGS, DR6 B0–B3/BD/BS]. */
function debugTrap(m: PmodeMachine, ev: ReturnType<PmodeMachine["run"]>): [number, number, number] {
  assert.equal(ev.kind === "interrupt" && ev.vector, Vector.DB, `expected #DB, got ${JSON.stringify(ev)}`);
  const [eip, , eflags] = m.stack(3);
  return [eip, eflags, m.cpu.dr[6] & 0xe00f];
}

test("an instruction breakpoint raises #DB as a fault before the instruction: EIP = the instruction, DR6.B0, RF = 0 in the image", () => {
  // nop (1), movl $1, %eax (5): the breakpoint names the MOV
  const { m } = machine("nop\nmovl $1, %eax\nnop", 0, K + 1, dr7(0, EXEC));
  const [eip, eflags, dr6] = debugTrap(m, m.run());
  assert.equal(eip, K + 1);
  assert.equal(eflags & EFLAGS.RF, 0);
  assert.equal(dr6, 0x1);
  assert.equal(m.cpu.r32[Reg.EAX], 0, "the MOV did not execute");
});

test("an instruction breakpoint at ring 3 matches the linear address CS.base + EIP", () => {
  const m = new PmodeMachine({ cpl: 3 });
  const end = m.asm(LAYOUT.UCODE_ADDR, "nop\nnop\nnop");
  m.cpu.dr[2] = LAYOUT.UCODE_ADDR + 2;
  m.cpu.setDr7(dr7(2, EXEC));
  const [eip, , dr6] = debugTrap(m, m.run({ stopAt: [end] }));
  assert.equal(eip, LAYOUT.UCODE_ADDR + 2);
  assert.equal(dr6, 0x4);
});

test("EFLAGS.RF = 1 suppresses an instruction breakpoint for one instruction and is cleared after it", () => {
  // bp: nop; jmp bp — started at bp with RF = 1: the NOP runs, the second pass faults
  const { m } = machine("1: nop\njmp 1b", 0, K, dr7(0, EXEC));
  m.cpu.setEflags(F | EFLAGS.RF);
  const [eip, eflags] = debugTrap(m, m.run());
  assert.equal(eip, K);
  assert.equal(eflags & EFLAGS.RF, 0, "RF was cleared after the first NOP");
  assert.equal(m.cpu.instructionCount, 2, "NOP and JMP retired before the fault");
});

test("IRET with RF = 1 in the image returns to an instruction breakpoint without taking it again", () => {
  // the handler's way back: push EFLAGS|RF, CS, EIP of the breakpoint; IRET; the MOV there runs
  const { m } = machine(`pushl $${F | EFLAGS.RF}\npushl $${SEL.KCODE}\npushl $${K + 16}\niret\n.org 16\nmovl $7, %eax\n2: jmp 2b`, 0, K + 16, dr7(0, EXEC));
  const ev = m.run({ stopAt: [K + 21] });
  assert.deepEqual(ev, { kind: "stop", eip: K + 21 });
  assert.equal(m.cpu.r32[Reg.EAX], 7);
  assert.equal(m.cpu.getEflags() & EFLAGS.RF, 0);
});

test("a data write breakpoint raises #DB as a trap after the writing instruction: EIP = the next one, DR6.B1; reads do not trigger it", () => {
  const code = `movl ${DATA}, %eax\nmovl %ebx, ${DATA}\nnop`;
  const { m } = machine(code, 1, DATA, dr7(1, WRITE, LEN4));
  m.cpu.r32[Reg.EBX] = 0x1234;
  const [eip, , dr6] = debugTrap(m, m.run());
  assert.equal(eip, K + 5 + 6, "after the MOV to memory (the read before it did not trap)");
  assert.equal(dr6, 0x2);
  assert.equal(m.read32(DATA), 0x1234, "the write completed");
});

test("a read/write data breakpoint (R/W = 11) triggers on a read; LEN = 2 covers the aligned word, so an access overlapping it partly triggers", () => {
  const { m } = machine(`movb ${DATA + 3}, %al\nmovl ${DATA - 3}, %eax\nnop`, 3, DATA + 1, dr7(3, READ_WRITE, LEN2));
  // DR3 = DATA + 1 with LEN 2 covers DATA..DATA+1; the byte at DATA+3 does not touch it, the dword at DATA-3 does
  const [eip, , dr6] = debugTrap(m, m.run());
  assert.equal(eip, K + 5 + 5);
  assert.equal(dr6, 0x8);
});

test("a read-modify-write and a push count as writes for a data write breakpoint", () => {
  const { m } = machine(`incl ${DATA}\nnop`, 0, DATA, dr7(0, WRITE, LEN1));
  assert.equal(debugTrap(m, m.run())[0], K + 6);
  const top = LAYOUT.KSTACK_TOP;
  const r = machine(`pushl $5\nnop`, 0, top - 4, dr7(0, WRITE, LEN4));
  assert.equal(debugTrap(r.m, r.m.run())[0], K + 2);
});

test("single-step and a data breakpoint in the same instruction raise one #DB with DR6.BS and DR6.Bn", () => {
  const { m } = machine(`movl %eax, ${DATA}\nnop`, 0, DATA, dr7(0, WRITE, LEN4));
  m.cpu.setEflags(F | EFLAGS.TF);
  const [eip, , dr6] = debugTrap(m, m.run());
  assert.equal(eip, K + 5);
  assert.equal(dr6, 0x4001);
});

test("DR7 with R/W = 01 but neither L nor G set enables nothing", () => {
  const { m, end } = machine(`movl %eax, ${DATA}\nnop`, 0, DATA, dr7(0, WRITE, LEN4) & ~3);
  assertStopped(m.run({ stopAt: [end] }));
  assert.equal(m.cpu.dataBreakpoints, 0);
  assert.equal(m.cpu.checkedAccesses, false);
});

test("MOV to DR7 enables breakpoints for the next instruction; clearing DR7 turns the checks off again", () => {
  const m = new PmodeMachine();
  m.cpu.dr[0] = DATA;
  const end = m.asm(K, `movl $${dr7(0, WRITE, LEN4)}, %eax\nmovl %eax, %dr7\nmovl %eax, ${DATA}\nnop`);
  const [eip] = debugTrap(m, m.run({ stopAt: [end] }));
  assert.equal(eip, K + 5 + 3 + 5);
  const m2 = new PmodeMachine();
  m2.cpu.dr[0] = DATA;
  m2.cpu.setDr7(dr7(0, WRITE, LEN4));
  const end2 = m2.asm(K, `xorl %eax, %eax\nmovl %eax, %dr7\nmovl %eax, ${DATA}\nnop`);
  assertStopped(m2.run({ stopAt: [end2] }));
  assert.equal(m2.cpu.checkedAccesses, false);
});

test("an I/O breakpoint (R/W = 10) traps after OUT to its port only when CR4.DE = 1", () => {
  const code = `outb %al, $0x80\nnop\nnop`;
  const { m, end } = machine(code, 0, 0x80, dr7(0, IO, LEN1));
  assertStopped(m.run({ stopAt: [end] }));
  const r = machine(code, 0, 0x80, 0x400);
  r.m.cpu.setCr4(r.m.cpu.cr4 | CR4.DE);
  r.m.cpu.setDr7(dr7(0, IO, LEN1));
  const [eip, , dr6] = debugTrap(r.m, r.m.run());
  assert.equal(eip, K + 2);
  assert.equal(dr6, 0x1);
});

test("a data breakpoint in a loop that was translated to a block traps after the exact iteration", () => {
  const m = new PmodeMachine();
  m.cpu.jitThreshold = 1;
  // 1: movl %ecx, (%ebx,%ecx,4); incl %ecx; cmpl $100, %ecx; jne 1b; hlt
  m.asm(K, `1: movl %ecx, (%ebx,%ecx,4)\nincl %ecx\ncmpl $100, %ecx\njne 1b\nhlt`);
  m.cpu.r32[Reg.EBX] = DATA;
  m.cpu.run(10_000); // no breakpoints: the loop's block is translated and runs to the HLT
  assert.equal(m.cpu.halted, true);
  assert.equal(m.cpu.r32[Reg.ECX], 100);
  m.cpu.halted = false;
  m.cpu.eip = K;
  m.cpu.r32[Reg.ECX] = 0;
  m.cpu.dr[1] = DATA + 4 * 50;
  m.cpu.setDr7(dr7(1, WRITE, LEN4));
  m.cpu.run(10_000); // stops at the #DB handler's HLT
  assert.equal(m.pc, m.stub(Vector.DB) + 1, "halted in the #DB handler stub");
  assert.equal(m.cpu.r32[Reg.ECX], 50, "the trap came right after the write of element 50");
  assert.equal(m.stack(1)[0], K + 3, "the pushed EIP is the INC after the MOV");
});
