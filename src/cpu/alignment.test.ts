/**
 * Alignment checking (SDM Vol. 3A §2.5 CR0.AM, §6.15 "Interrupt 17—Alignment Check Exception"):
 * at CPL 3 with CR0.AM = 1 and EFLAGS.AC = 1, an unaligned data reference raises #AC(0) — words
 * 2-aligned, doublewords 4-aligned, quadwords 8-aligned — before paging and before anything is
 * written; supervisor accesses (descriptor tables, the TSS, the frames of a privilege change) are
 * not checked.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { CR0, Cpu, Reg, SegReg } from "./cpu.js";
import { RamBus } from "./bus.js";
import { CpuFault, Vector } from "./fault.js";
import { EFLAGS } from "./flags.js";
import { LAYOUT, PmodeMachine, SEL } from "../../test/support/pmode.js";
import { assertFault, assertStopped, runAsm } from "../../test/support/pmode-assert.js";
import { assemble } from "../../test/support/asm.js";

const DATA = 0x50000; // in the fixture's flat user data segment

/** A ring-3 machine with CR0.AM and EFLAGS.AC as given. */
function ring3(am: boolean, ac: boolean, cpl: 0 | 3 = 3): PmodeMachine {
  const m = new PmodeMachine({ cpl });
  if (am) m.cpu.setCr0(m.cpu.cr0 | CR0.AM);
  if (ac) m.cpu.setEflags(m.cpu.getEflags() | EFLAGS.AC);
  return m;
}

test("#AC(0): an unaligned dword read at CPL 3 with CR0.AM = 1 and EFLAGS.AC = 1, the destination unchanged", () => {
  const m = ring3(true, true);
  m.cpu.r32[Reg.EBX] = 0x1234;
  const f = assertFault(runAsm(m, `mov ${DATA + 1}, %ebx`), Vector.AC, 0, /unaligned 4-byte read at DS:0x50001 .* CR0.AM = 1 and EFLAGS.AC = 1/);
  assert.ok(f instanceof CpuFault);
  assert.equal(m.cpu.r32[Reg.EBX], 0x1234);
  // error code 0, then EIP of the faulting instruction (a fault)
  assert.deepEqual(m.stack(2), [0, LAYOUT.UCODE_ADDR]);
});

test("no #AC with EFLAGS.AC = 0, with CR0.AM = 0, or at CPL 0", () => {
  for (const m of [ring3(true, false), ring3(false, true), ring3(true, true, 0)])
    assertStopped(runAsm(m, `mov ${DATA + 1}, %eax; movw %ax, ${DATA + 3}; incl ${DATA + 5}`));
});

test("#AC: words need 2-byte alignment, doublewords 4, bytes none; writes and read-modify-writes are checked before they write", () => {
  assertStopped(runAsm(ring3(true, true), `movb ${DATA + 1}, %al; movw ${DATA + 2}, %ax; movl ${DATA + 4}, %eax`));
  for (const [insn, reason] of [[`movw $0x5555, ${DATA + 1}`, /unaligned 2-byte write/], [`movl $0x5555, ${DATA + 2}`, /unaligned 4-byte write/],
    [`addl $1, ${DATA + 2}`, /unaligned 4-byte write/], [`incw ${DATA + 3}`, /unaligned 2-byte write/]] as const) {
    const m = ring3(true, true);
    m.write32(DATA, 0x11111111);
    m.write32(DATA + 4, 0x22222222);
    assertFault(runAsm(m, insn), Vector.AC, 0, reason);
    assert.equal(m.read32(DATA), 0x11111111, insn);
    assert.equal(m.read32(DATA + 4), 0x22222222, insn);
  }
});

test("#AC: a push with ESP misaligned faults before writing and leaves ESP", () => {
  const m = ring3(true, true);
  m.cpu.r32[Reg.ESP] = LAYOUT.USTACK_TOP - 2;
  assertFault(runAsm(m, "push %eax"), Vector.AC, 0, /unaligned 4-byte write at SS:/);
  // the #AC frame went to the ring-0 stack; the user ESP in it is the one before the PUSH
  assert.deepEqual(m.stack(6).slice(4), [LAYOUT.USTACK_TOP - 2, SEL.UDATA]);
});

test("#AC: the frame of a privilege change is a supervisor access: INT n from ring 3 to a misaligned ESP0 is not checked", () => {
  const m = ring3(true, true);
  m.setTssStack(0, SEL.KDATA, LAYOUT.KSTACK_TOP - 2);
  const gateDpl3 = m.read32(LAYOUT.IDT + 0x80 * 8 + 4) | (3 << 13);
  m.write32(LAYOUT.IDT + 0x80 * 8 + 4, gateDpl3);
  const ev = runAsm(m, "int $0x80");
  assert.equal(ev.kind === "interrupt" && ev.vector, 0x80);
  assert.equal(m.cpu.r32[Reg.ESP] >>> 0, LAYOUT.KSTACK_TOP - 2 - 20);
});

test("#AC: POPF that sets EFLAGS.AC turns the check on for the next instruction; REP MOVSD leaves its fast path for it", () => {
  const m = ring3(true, false);
  m.cpu.r32[Reg.ESI] = DATA + 1;
  m.cpu.r32[Reg.EDI] = DATA + 0x100;
  m.cpu.r32[Reg.ECX] = 4;
  const ev = runAsm(m, `pushf; orl $${EFLAGS.AC}, (%esp); popf; rep movsl`);
  assertFault(ev, Vector.AC, 0, /unaligned 4-byte read at DS:0x50001/);
  assert.equal(m.cpu.r32[Reg.ECX], 4);
});

test("#AC inside a translated block restarts the faulting instruction with the ones before it retired", () => {
  const bus = new RamBus(1 << 20);
  const cpu = new Cpu(bus);
  cpu.setFlatProtectedMode(3);
  cpu.jitThreshold = 1;
  // one block: an aligned read of [EBX], INC ECX, then a read of [EBX+1], unaligned
  const code = assemble(`1: movl (%ebx), %eax; incl %ecx; movl 1(%ebx), %edx; jmp 1b`, { org: 0x1000 });
  bus.ram.set(code, 0x1000);
  cpu.eip = 0x1000;
  cpu.r32[Reg.EBX] = 0x8000;
  cpu.setCr0(cpu.cr0 | CR0.AM);
  // EFLAGS.AC = 0: no check; the block is translated and runs 10 times
  assert.equal(cpu.run(40), 40);
  assert.equal(cpu.r32[Reg.ECX], 10);
  // EFLAGS.AC = 1: the translated block faults at the second MOV
  cpu.eip = 0x1000;
  cpu.setEflags(cpu.getEflags() | EFLAGS.AC);
  let fault: CpuFault | undefined, at = -1, ecx = -1;
  cpu.onException = (f, eip) => { if (fault === undefined) { fault = f; at = eip; ecx = cpu.r32[Reg.ECX]; } cpu.requestStop(); };
  const before = cpu.instructionCount;
  cpu.run(40);
  assert.equal(fault?.vector, Vector.AC, fault?.message);
  assert.equal(at, 0x1000 + 3, "the fault names the second MOV");
  assert.equal(ecx, 11, "the INC before it retired");
  assert.equal(cpu.instructionCount - before, 2);
  assert.equal(cpu.segSel[SegReg.CS], 0x1b);
});
