import { test } from "node:test";
import assert from "node:assert/strict";
import { CR0, Reg, SegReg } from "../cpu.js";
import { EFLAGS } from "../flags.js";
import { GDT_FREE, LAYOUT, PmodeMachine, SEL, dataSegment, realModeCpu } from "../../../test/support/pmode.js";
import { runProgram as run, vectorOf } from "../../../test/support/pmode-assert.js";
import { assemble } from "../../../test/support/asm.js";
import { popfAllowedMask } from "./stack.js";

const CODE = LAYOUT.KCODE_ADDR;
const DATA = 0x20000;

/** Identity-maps the first 4 MiB (user, writable) with the listed pages not present, and turns paging on. */
function enablePaging(m: PmodeMachine, notPresent: readonly number[] = []): void {
  const pd = LAYOUT.FREE, pt = LAYOUT.FREE + 0x1000;
  m.write32(pd, pt | 7);
  for (let p = 0; p < 1024; p++) m.write32(pt + p * 4, notPresent.includes(p << 12) ? 0 : (p << 12) | 7);
  m.cpu.setCr3(pd);
  m.cpu.setCr0(m.cpu.cr0 | CR0.PG);
}

test("POP ESP-based memory destination uses the incremented ESP", () => {
  // popl 4(%esp): the value lands 4 bytes above the *new* ESP.
  const { cpu, m } = run("pushl $0xaaaa\npushl $0xbbbb\npushl $0x12345678\npopl 4(%esp)");
  const esp = cpu.r32[Reg.ESP] >>> 0;
  assert.equal(esp, LAYOUT.KSTACK_TOP - 8);
  assert.equal(m.read32(esp + 4), 0x12345678);
  assert.equal(m.read32(esp), 0xbbbb);
});

test("POP Ev leaves ESP unchanged when the memory write faults", () => {
  const { ev, m } = run("pushl $0x1234\npopl (%ebx)", (mm) => {
    mm.setGdt(GDT_FREE, dataSegment({ writable: false }));
    mm.loadSeg(SegReg.DS, GDT_FREE << 3);
  });
  assert.equal(vectorOf(ev), 13);
  // ring 0 → ring 0 delivery: the frame (error code, EIP, CS, EFLAGS) sits on top of the pushed value.
  const frame = m.stack(5);
  assert.equal(frame[4], 0x1234);
  assert.equal(m.cpu.r32[Reg.ESP] >>> 0, LAYOUT.KSTACK_TOP - 4 - 16);
});

test("PUSH ESP pushes the value ESP had before the push; POP ESP loads the popped value", () => {
  const { cpu, m } = run("push %esp\npop %eax\npushl $0x5000\npop %esp");
  assert.equal(cpu.r32[Reg.EAX] >>> 0, LAYOUT.KSTACK_TOP);
  assert.equal(cpu.r32[Reg.ESP], 0x5000);
  void m;
});

test("PUSH Ib sign-extends to the operand size; PUSH Iw with a 16-bit operand size moves ESP by 2", () => {
  const { cpu, m } = run("pushl $-2\npushw $0x1234\n.byte 0x66, 0x6a, 0x80");
  assert.equal(cpu.r32[Reg.ESP] >>> 0, LAYOUT.KSTACK_TOP - 8);
  assert.deepEqual(m.stack(2, 2), [0xff80, 0x1234]);
  assert.equal(m.read32(LAYOUT.KSTACK_TOP - 4), 0xfffffffe);
});

test("PUSH Ev reads an ESP-based operand before the push", () => {
  const { cpu } = run("pushl $0x77\npushl (%esp)\npop %eax");
  assert.equal(cpu.r32[Reg.EAX], 0x77);
});

test("PUSH Sreg with a 32-bit operand size writes the selector zero-extended, as the host CPU does", () => {
  const { m, cpu } = run("pushl $-1\npop %eax\npush %ds\npush %fs");
  assert.equal(cpu.r32[Reg.ESP] >>> 0, LAYOUT.KSTACK_TOP - 8);
  assert.deepEqual(m.stack(2), [SEL.KDATA, SEL.KDATA]);
});

test("POP DS with a selector beyond the GDT limit raises #GP(selector) and leaves ESP", () => {
  const { ev, m } = run("pushl $0x3f8\npop %ds");
  assert.equal(vectorOf(ev), 13);
  assert.equal(ev.kind === "interrupt" && ev.fault?.errorCode, 0x3f8);
  assert.equal(m.stack(5)[4], 0x3f8, "the selector is still on the stack");
  assert.equal(m.cpu.segSel[SegReg.DS], SEL.KDATA);
});

test("POP ES/FS/GS load through the segment checks and step ESP by the operand size", () => {
  const { cpu } = run(`pushl $${SEL.UDATA}\npushw $0\npopw %gs\npop %es`, undefined, 3);
  assert.equal(cpu.segSel[SegReg.ES], SEL.UDATA);
  assert.equal(cpu.segSel[SegReg.GS], 0);
  assert.equal(cpu.r32[Reg.ESP] >>> 0, LAYOUT.USTACK_TOP);
});

test("POP SS inhibits interrupts until after the next instruction", () => {
  const m = new PmodeMachine();
  const end = m.asm(CODE, `pushl $${SEL.KDATA}\npop %ss\nmov $1, %eax\nmov $2, %ebx`);
  m.cpu.setEflags(EFLAGS.RESERVED1 | EFLAGS.IF);
  m.run({ stopAt: [CODE + 3] }); // after PUSH Ib (2 bytes) and POP SS (1 byte)
  assert.equal(m.cpu.interruptShadow, true);
  m.bus.pending.push(0x40);
  const ev = m.run({ stopAt: [end] });
  assert.equal(ev.kind === "interrupt" && ev.vector, 0x40);
  assert.equal(m.cpu.r32[Reg.EAX], 1, "the instruction after POP SS ran");
  assert.equal(m.cpu.r32[Reg.EBX], 0, "the interrupt came before the second one");
});

test("PUSHA pushes the original ESP, and a fault on its last slot writes nothing", () => {
  const ok = run("mov $1, %eax\nmov $2, %ecx\nmov $3, %edx\nmov $4, %ebx\nmov $5, %ebp\nmov $6, %esi\nmov $7, %edi\npusha");
  assert.deepEqual(ok.m.stack(8), [7, 6, 5, LAYOUT.KSTACK_TOP, 4, 3, 2, 1]);
  // ESP = page start + 28: the eighth slot falls in the not-present page below.
  const m = new PmodeMachine({ cpl: 3 });
  const end = m.asm(LAYOUT.UCODE_ADDR, "pusha");
  enablePaging(m, [0x5f000]);
  m.cpu.r32[Reg.ESP] = 0x60000 + 28;
  for (let a = 0x60000; a < 0x60020; a += 4) m.write32(a, 0xeeeeeeee);
  const ev = m.run({ stopAt: [end] });
  assert.equal(vectorOf(ev), 14);
  assert.equal(m.cpu.cr2 >>> 0, 0x5fffc);
  for (let a = 0x60000; a < 0x60020; a += 4) assert.equal(m.read32(a), 0xeeeeeeee);
  assert.equal(m.read32(LAYOUT.KSTACK_TOP - 8), 0x60000 + 28, "the saved user ESP is unchanged");
});

test("POPA skips the ESP slot", () => {
  const { cpu } = run("pushl $1\npushl $2\npushl $3\npushl $4\npushl $0x999\npushl $6\npushl $7\npushl $8\npopa");
  assert.deepEqual([...cpu.r32].map((v) => v >>> 0), [1, 2, 3, 4, LAYOUT.KSTACK_TOP, 6, 7, 8]);
});

test("16-bit PUSHA/POPA move SP by 16 and keep the upper halves", () => {
  const { cpu } = run("mov $0xabcd0001, %eax\npushaw\nmov $0, %eax\npopaw");
  assert.equal(cpu.r32[Reg.EAX] >>> 0, 0x00000001);
  assert.equal(cpu.r32[Reg.ESP] >>> 0, LAYOUT.KSTACK_TOP);
});

test("PUSHFD clears VM and RF in the image; PUSHF pushes the low 16 bits", () => {
  const { m } = run("pushf\npushw $0\npopw %ax\n.byte 0x66\npushf", (mm) => mm.cpu.setEflags(EFLAGS.RESERVED1 | EFLAGS.RF | EFLAGS.AC | EFLAGS.CF));
  const low = m.read16(LAYOUT.KSTACK_TOP - 6);
  assert.equal(low & EFLAGS.CF, EFLAGS.CF);
  const full = m.read32(LAYOUT.KSTACK_TOP - 4);
  assert.equal(full & (EFLAGS.RF | EFLAGS.VM), 0);
  assert.equal(full & EFLAGS.AC, EFLAGS.AC);
});

test("POPF at CPL 3 with IOPL 0 leaves IF and IOPL unchanged and changes the others", () => {
  const { cpu } = run(`pushl $${EFLAGS.IOPL | EFLAGS.CF | EFLAGS.DF | EFLAGS.AC | EFLAGS.ID | EFLAGS.VM | EFLAGS.RESERVED1}\npopf`, (m) => {
    m.cpu.setEflags(EFLAGS.RESERVED1 | EFLAGS.IF);
  }, 3);
  const f = cpu.getEflags();
  assert.equal(f & EFLAGS.IF, EFLAGS.IF);
  assert.equal(f & EFLAGS.IOPL, 0);
  assert.equal(f & (EFLAGS.CF | EFLAGS.DF | EFLAGS.AC | EFLAGS.ID), EFLAGS.CF | EFLAGS.DF | EFLAGS.AC | EFLAGS.ID);
  assert.equal(f & EFLAGS.VM, 0);
});

test("POPF at CPL 0 changes IOPL and IF; POPFD clears RF", () => {
  const { cpu } = run(`pushl $${EFLAGS.IOPL | EFLAGS.IF | EFLAGS.RF | EFLAGS.RESERVED1}\npopf`);
  const f = cpu.getEflags();
  assert.equal(f & (EFLAGS.IOPL | EFLAGS.IF | EFLAGS.RF), EFLAGS.IOPL | EFLAGS.IF);
});

test("16-bit POPF leaves EFLAGS bits 16–31 unchanged", () => {
  const { cpu } = run("pushw $0x0001\npopfw", (m) => m.cpu.setEflags(EFLAGS.RESERVED1 | EFLAGS.AC | EFLAGS.ZF));
  const f = cpu.getEflags();
  assert.equal(f & (EFLAGS.AC | EFLAGS.CF | EFLAGS.ZF), EFLAGS.AC | EFLAGS.CF);
  assert.equal(cpu.r32[Reg.ESP] >>> 0, LAYOUT.KSTACK_TOP);
});

test("popfAllowedMask: IF changes when CPL <= IOPL, IOPL only at CPL 0; virtual-8086 mode with IOPL < 3 raises #GP(0)", () => {
  const m = new PmodeMachine({ cpl: 3 });
  m.cpu.setEflags(EFLAGS.RESERVED1 | (3 << 12));
  assert.equal(popfAllowedMask(m.cpu, true) & (EFLAGS.IF | EFLAGS.IOPL), EFLAGS.IF);
  m.cpu.setEflags(EFLAGS.RESERVED1 | (2 << 12));
  assert.equal(popfAllowedMask(m.cpu, true) & (EFLAGS.IF | EFLAGS.IOPL), 0);
  assert.equal(popfAllowedMask(m.cpu, false) & ~0xffff, 0, "16-bit POPF touches only bits 0–15");
  const mask32 = popfAllowedMask(m.cpu, true);
  assert.equal(mask32 & (EFLAGS.VM | EFLAGS.VIF | EFLAGS.VIP | EFLAGS.RF), 0);
  assert.equal(mask32 & (EFLAGS.AC | EFLAGS.ID | EFLAGS.NT | EFLAGS.TF), EFLAGS.AC | EFLAGS.ID | EFLAGS.NT | EFLAGS.TF);
  const real = realModeCpu();
  assert.equal(popfAllowedMask(real, false) & (EFLAGS.IF | EFLAGS.IOPL), EFLAGS.IF | EFLAGS.IOPL);
  const v86 = new PmodeMachine();
  v86.cpu.setEflags(EFLAGS.RESERVED1 | EFLAGS.VM | (1 << 12));
  assert.throws(() => popfAllowedMask(v86.cpu, false), /virtual-8086 mode with IOPL 1 < 3/);
  v86.cpu.setEflags(EFLAGS.RESERVED1 | EFLAGS.VM | (3 << 12));
  assert.equal(popfAllowedMask(v86.cpu, true) & (EFLAGS.IF | EFLAGS.IOPL), EFLAGS.IF);
});

test("ENTER with nesting level 3 copies two frame pointers and pushes the frame pointer", () => {
  const top = LAYOUT.KSTACK_TOP;
  const { cpu, m } = run(`mov $${DATA + 0x100}, %ebp\nmovl $0x1111, ${DATA + 0x100 - 4}\nmovl $0x2222, ${DATA + 0x100 - 8}\nenter $0x20, $3`);
  const frame = top - 4;
  assert.equal(cpu.r32[Reg.EBP] >>> 0, frame);
  assert.equal(cpu.r32[Reg.ESP] >>> 0, frame - 12 - 0x20);
  assert.equal(m.read32(frame), DATA + 0x100, "old EBP");
  assert.equal(m.read32(frame - 4), 0x1111);
  assert.equal(m.read32(frame - 8), 0x2222);
  assert.equal(m.read32(frame - 12), frame, "FrameTemp");
});

test("ENTER takes the nesting level modulo 32", () => {
  const { cpu } = run("enter $0, $33");
  // level 1: push EBP, push FrameTemp
  assert.equal(cpu.r32[Reg.ESP] >>> 0, LAYOUT.KSTACK_TOP - 8);
  assert.equal(cpu.r32[Reg.EBP] >>> 0, LAYOUT.KSTACK_TOP - 4);
});

test("ENTER leaves ESP, EBP and memory unchanged when the final frame slot is not writable (host CPU: #PF)", () => {
  const m = new PmodeMachine({ cpl: 3 });
  const end = m.asm(LAYOUT.UCODE_ADDR, "enter $0x100, $1");
  enablePaging(m, [0x5f000]);
  m.cpu.r32[Reg.ESP] = 0x60080;
  m.cpu.r32[Reg.EBP] = 0x12345678;
  m.write32(0x6007c, 0xeeeeeeee);
  const ev = m.run({ stopAt: [end] });
  assert.equal(vectorOf(ev), 14);
  assert.equal(m.read32(0x6007c), 0xeeeeeeee);
  assert.equal(m.cpu.r32[Reg.EBP], 0x12345678);
  assert.equal(m.read32(LAYOUT.KSTACK_TOP - 8), 0x60080, "the saved user ESP is unchanged");
});

test("LEAVE sets ESP from EBP and pops EBP; a 16-bit LEAVE pops BP", () => {
  const { cpu } = run("pushl $0x1234\nmov %esp, %ebp\nsub $0x40, %esp\nleave");
  assert.equal(cpu.r32[Reg.EBP], 0x1234);
  assert.equal(cpu.r32[Reg.ESP] >>> 0, LAYOUT.KSTACK_TOP);
  const w = run("pushw $0x5678\nmov %esp, %ebp\n.byte 0x66\nleave");
  assert.equal(w.cpu.r32[Reg.EBP] >>> 0, ((LAYOUT.KSTACK_TOP - 2) & 0xffff0000) | 0x5678);
  assert.equal(w.cpu.r32[Reg.ESP] >>> 0, LAYOUT.KSTACK_TOP);
});

test("a 16-bit stack (SS.B = 0) wraps SP and leaves the upper half of ESP", () => {
  const cpu = realModeCpu(0x1000);
  cpu.ram.set(assemble("push %ax\npush %bx\npop %cx\npushl $0x11223344\npopl %edx", { code16: true }), 0x1000);
  cpu.r32[Reg.ESP] = 0xabcd0002 | 0;
  cpu.r32[Reg.EAX] = 0x1111;
  cpu.r32[Reg.EBX] = 0x2222;
  cpu.run(2);
  assert.equal(cpu.r32[Reg.ESP] >>> 0, 0xabcdfffe);
  assert.equal(cpu.ram[0] | (cpu.ram[1] << 8), 0x1111);
  assert.equal(cpu.ram[0xfffe] | (cpu.ram[0xffff] << 8), 0x2222);
  cpu.run(3);
  assert.equal(cpu.r32[Reg.ECX], 0x2222);
  assert.equal(cpu.r32[Reg.EDX], 0x11223344);
  assert.equal(cpu.r32[Reg.ESP] >>> 0, 0xabcd0000);
});

test("ENTER on a 16-bit stack with a 16-bit operand size keeps BP and SP within 64 KiB", () => {
  const cpu = realModeCpu(0x1000);
  cpu.ram.set(assemble("enter $4, $2", { code16: true }), 0x1000);
  cpu.r32[Reg.ESP] = 0x00100004;
  cpu.r32[Reg.EBP] = 0x00200010;
  cpu.ram[0x0e] = 0xcd; cpu.ram[0x0f] = 0xab;
  cpu.run(1);
  // push BP at 0x0002, copy [BP-2] = 0xabcd at 0x0000, push FrameTemp at 0xfffe, SP -= 4.
  assert.equal(cpu.r32[Reg.EBP] >>> 0, 0x00200002);
  assert.equal(cpu.r32[Reg.ESP] >>> 0, 0x0010fffa);
  assert.equal(cpu.ram[2] | (cpu.ram[3] << 8), 0x0010);
  assert.equal(cpu.ram[0] | (cpu.ram[1] << 8), 0xabcd);
  assert.equal(cpu.ram[0xfffe] | (cpu.ram[0xffff] << 8), 0x0002);
});
