import { test } from "node:test";
import assert from "node:assert/strict";
import { Reg, SegReg } from "../cpu.js";
import { EFLAGS } from "../flags.js";
import { LAYOUT, PmodeMachine, SEL, realModeCpu, type RunEvent } from "../../../test/support/pmode.js";
import type { CpuFault } from "../fault.js";

const KCODE = LAYOUT.KCODE_ADDR, UCODE = LAYOUT.UCODE_ADDR;

/** The fault a run stopped on, asserting vector and error code. */
function expectFault(ev: RunEvent, vector: number, errorCode: number | undefined, reason?: RegExp): CpuFault {
  assert.equal(ev.kind, "interrupt", `expected an exception, got ${JSON.stringify(ev)}`);
  if (ev.kind !== "interrupt") throw new Error("unreachable");
  assert.equal(ev.vector, vector, ev.fault?.reason);
  assert.ok(ev.fault, "the exception was raised by an instruction");
  assert.equal(ev.fault.errorCode, errorCode);
  if (reason) assert.match(ev.fault.reason, reason);
  return ev.fault;
}

/** Flat segment cache as the fast calls load it: base 0, limit 4 GiB, 32-bit, given DPL and type. */
function assertFlat(m: PmodeMachine, seg: number, sel: number, ar: number): void {
  const c = m.cpu;
  assert.equal(c.segSel[seg], sel, `selector of segment ${seg}`);
  assert.equal(c.segBase[seg], 0);
  assert.equal(c.segLimit[seg], 0xffffffff);
  assert.equal(c.segAr[seg], ar);
}

// ---- SYSENTER ----

test("SYSENTER with a null IA32_SYSENTER_CS raises #GP(0)", () => {
  const m = new PmodeMachine({ cpl: 3 });
  m.cpu.sysenterCs = 0x0003; // index 0 (bits 15:2 zero) with RPL bits set is still null
  const end = m.asm(UCODE, "sysenter");
  expectFault(m.run({ stopAt: [end] }), 13, 0, /SYSENTER: IA32_SYSENTER_CS is null → #GP\(0\)/);
  // The frame points at SYSENTER itself: nothing changed before the fault.
  assert.deepEqual(m.stack(3), [0, UCODE, SEL.UCODE]);
});

test("SYSENTER in real-address mode raises #GP(0)", () => {
  const c = realModeCpu(0x1000);
  c.sysenterCs = SEL.KCODE;
  c.ram.set([0x0f, 0x34], 0x1000);
  const seen: CpuFault[] = [];
  c.onException = (f) => { seen.push(f); c.requestStop(); };
  c.run(1);
  assert.equal(seen[0]?.vector, 13);
  assert.equal(seen[0]?.errorCode, 0);
  assert.match(seen[0].reason, /real-address mode/);
});

test("SYSENTER enters CPL 0 at IA32_SYSENTER_EIP with CS = SYSENTER_CS AND FFFCh and SS = CS + 8, flat, pushing nothing", () => {
  const m = new PmodeMachine({ cpl: 3 });
  const c = m.cpu;
  c.sysenterCs = SEL.KCODE | 3; // RPL bits are forced to 0
  c.sysenterEsp = 0x7f000;
  c.sysenterEip = KCODE;
  m.asm(UCODE, "sysenter");
  c.r32[Reg.ECX] = 0x1234; c.r32[Reg.EDX] = 0x5678;
  c.setEflags(EFLAGS.RESERVED1 | EFLAGS.IF | EFLAGS.CF);
  const before = m.read32(0x7f000 - 4);
  const ev = m.run({ stopAt: [KCODE] });
  assert.deepEqual(ev, { kind: "stop", eip: KCODE });
  assert.equal(c.cpl, 0);
  assertFlat(m, SegReg.CS, SEL.KCODE, 0xc09b);
  assertFlat(m, SegReg.SS, SEL.KDATA, 0xc093);
  assert.equal(c.cs32, true);
  assert.equal(c.ss32, true);
  assert.equal(c.r32[Reg.ESP], 0x7f000);
  assert.equal(m.read32(0x7f000 - 4), before, "nothing pushed");
  assert.equal(c.r32[Reg.ECX], 0x1234, "ECX and EDX are untouched");
  assert.equal(c.r32[Reg.EDX], 0x5678);
  assert.equal(c.getEflags(), EFLAGS.RESERVED1 | EFLAGS.CF, "IF cleared, other flags kept");
  // DS/ES keep the user selectors: SYSENTER does not touch them.
  assert.equal(c.segSel[SegReg.DS], SEL.UDATA);
});

test("SYSENTER clears IF but not TF: the single-step trap is taken at the kernel entry point", () => {
  const m = new PmodeMachine({ cpl: 3 });
  const c = m.cpu;
  c.sysenterCs = SEL.KCODE; c.sysenterEsp = 0x7f000; c.sysenterEip = KCODE;
  m.asm(UCODE, "sysenter");
  m.asm(KCODE, "nop");
  c.setEflags(EFLAGS.RESERVED1 | EFLAGS.IF | EFLAGS.TF);
  const ev = m.run({ stopAt: [KCODE + 1] });
  assert.equal(ev.kind, "interrupt");
  assert.equal(ev.kind === "interrupt" && ev.vector, 1);
  // #DB frame on the SYSENTER stack: EIP = the entry point, CS = kernel, EFLAGS with TF = 1 and IF = 0.
  const [eip, cs, eflags] = m.stack(3);
  assert.equal(eip, KCODE);
  assert.equal(cs, SEL.KCODE);
  assert.equal(eflags & (EFLAGS.TF | EFLAGS.IF), EFLAGS.TF);
});

test("SYSENTER from virtual-8086 mode clears VM and enters protected mode at CPL 0", () => {
  const m = new PmodeMachine({ cpl: 3 });
  const c = m.cpu;
  c.sysenterCs = SEL.KCODE; c.sysenterEsp = 0x7f000; c.sysenterEip = KCODE;
  m.load(0x20000, [0x0f, 0x34]);
  c.setEflags(EFLAGS.RESERVED1 | EFLAGS.VM | EFLAGS.IF | (3 << 12));
  for (const s of [SegReg.CS, SegReg.SS, SegReg.DS, SegReg.ES, SegReg.FS, SegReg.GS]) c.loadSegmentReal(s, 0x2000);
  c.cpl = 3; c.updatePrivilege();
  c.eip = 0;
  const ev = m.run({ stopAt: [KCODE] });
  assert.deepEqual(ev, { kind: "stop", eip: KCODE });
  assert.equal(c.getEflags() & (EFLAGS.VM | EFLAGS.IF), 0);
  assert.equal(c.protectedMode, true);
  assert.equal(c.cpl, 0);
  assertFlat(m, SegReg.CS, SEL.KCODE, 0xc09b);
});

// ---- SYSEXIT ----

test("SYSEXIT at CPL 3 raises #GP(0)", () => {
  const m = new PmodeMachine({ cpl: 3 });
  m.cpu.sysenterCs = SEL.KCODE;
  const end = m.asm(UCODE, "sysexit");
  expectFault(m.run({ stopAt: [end] }), 13, 0, /SYSEXIT at CPL 3/);
});

test("SYSEXIT at CPL 1 raises #GP(0)", () => {
  const m = new PmodeMachine({ cpl: 1, eip: KCODE });
  m.cpu.sysenterCs = SEL.KCODE;
  const end = m.asm(KCODE, "sysexit");
  expectFault(m.run({ stopAt: [end] }), 13, 0, /SYSEXIT at CPL 1/);
});

test("SYSEXIT with a null IA32_SYSENTER_CS raises #GP(0)", () => {
  const m = new PmodeMachine();
  const end = m.asm(KCODE, "sysexit");
  expectFault(m.run({ stopAt: [end] }), 13, 0, /IA32_SYSENTER_CS is null/);
});

test("SYSEXIT returns to CS = SYSENTER_CS + 16 | 3 and SS = SYSENTER_CS + 24 | 3 at EIP = EDX, ESP = ECX, EFLAGS unchanged", () => {
  const m = new PmodeMachine();
  const c = m.cpu;
  c.sysenterCs = SEL.KCODE;
  m.asm(KCODE, "sysexit");
  c.r32[Reg.EDX] = UCODE + 0x10;
  c.r32[Reg.ECX] = LAYOUT.USTACK_TOP - 0x20;
  c.setEflags(EFLAGS.RESERVED1 | EFLAGS.ZF | EFLAGS.DF);
  const ev = m.run({ stopAt: [UCODE + 0x10] });
  assert.deepEqual(ev, { kind: "stop", eip: UCODE + 0x10 });
  assert.equal(c.cpl, 3);
  assertFlat(m, SegReg.CS, SEL.UCODE, 0xc0fb);
  assertFlat(m, SegReg.SS, SEL.UDATA, 0xc0f3);
  assert.equal(c.r32[Reg.ESP] >>> 0, LAYOUT.USTACK_TOP - 0x20);
  assert.equal(c.getEflags(), EFLAGS.RESERVED1 | EFLAGS.ZF | EFLAGS.DF, "IF stays clear: SYSEXIT does not change EFLAGS");
});

test("a SYSENTER/SYSEXIT round trip with the fixture's GDT order returns to user code", () => {
  const m = new PmodeMachine({ cpl: 3 });
  const c = m.cpu;
  c.sysenterCs = SEL.KCODE; c.sysenterEsp = LAYOUT.KSTACK_TOP; c.sysenterEip = KCODE;
  // user: save the return point in EDX and the stack in ECX, as Linux's vDSO does
  const ret = UCODE + 0x20;
  m.asm(UCODE, `movl $${ret}, %edx\n movl %esp, %ecx\n movl $42, %eax\n sysenter`);
  // kernel: "handle" the call (EAX += 1) and return
  m.asm(KCODE, "incl %eax\n sysexit");
  const ev = m.run({ stopAt: [ret] });
  assert.deepEqual(ev, { kind: "stop", eip: ret });
  assert.equal(c.r32[Reg.EAX], 43);
  assert.equal(c.cpl, 3);
  assert.equal(c.segSel[SegReg.CS], SEL.UCODE);
  assert.equal(c.segSel[SegReg.SS], SEL.UDATA);
  assert.equal(c.r32[Reg.ESP] >>> 0, LAYOUT.USTACK_TOP);
});

// ---- SYSCALL / SYSRET (AMD, legacy mode) ----

/** STAR with SYSCALL CS = kernel code, SYSRET CS = user code (legacy mode: CS = STAR[63:48] | 3, SS = + 8). */
function setStar(m: PmodeMachine, eip: number): void {
  m.cpu.star = eip;
  m.cpu.starHigh = (SEL.UCODE & ~3) << 16 | SEL.KCODE;
  m.cpu.efer = 1;
}

test("SYSCALL with EFER.SCE = 0 raises #UD", () => {
  const m = new PmodeMachine({ cpl: 3 });
  setStar(m, KCODE);
  m.cpu.efer = 0;
  const end = m.asm(UCODE, "syscall");
  expectFault(m.run({ stopAt: [end] }), 6, undefined, /SYSCALL with EFER.SCE = 0/);
});

test("SYSCALL raises #UD when Cpu.features.syscall is false (the Intel behaviour)", () => {
  const m = new PmodeMachine({ cpl: 3 });
  setStar(m, KCODE);
  m.cpu.features.syscall = false;
  const end = m.asm(UCODE, "syscall");
  expectFault(m.run({ stopAt: [end] }), 6, undefined, /not supported/);
});

test("SYSCALL saves the next EIP in ECX and enters CS = STAR[47:32] AND FFFCh, SS = + 8 at EIP = STAR[31:0] with IF cleared", () => {
  const m = new PmodeMachine({ cpl: 3 });
  const c = m.cpu;
  setStar(m, KCODE);
  c.starHigh |= 3; // RPL bits of the SYSCALL CS are forced to 0
  const end = m.asm(UCODE, "syscall");
  c.setEflags(EFLAGS.RESERVED1 | EFLAGS.IF | EFLAGS.TF | EFLAGS.SF);
  c.r32[Reg.ESP] = 0x6f000;
  const ev = m.run({ stopAt: [KCODE] });
  // TF stays set, so the single-step trap is taken at the entry point
  assert.equal(ev.kind, "interrupt");
  assert.equal(ev.kind === "interrupt" && ev.vector, 1);
  assert.deepEqual(m.stack(3), [KCODE, SEL.KCODE, EFLAGS.RESERVED1 | EFLAGS.TF | EFLAGS.SF]);
  assert.equal(c.r32[Reg.ECX], end, "ECX = the EIP after SYSCALL");
  assert.equal(c.segSel[SegReg.SS], SEL.KDATA | 3, "SS = STAR[47:32] + 8, unmasked (APM)");
});

test("SYSCALL loads flat DPL-0 caches and leaves ESP alone", () => {
  const m = new PmodeMachine({ cpl: 3 });
  const c = m.cpu;
  setStar(m, KCODE);
  m.asm(UCODE, "syscall");
  c.r32[Reg.ESP] = 0x6f000;
  assert.deepEqual(m.run({ stopAt: [KCODE] }), { kind: "stop", eip: KCODE });
  assert.equal(c.cpl, 0);
  assertFlat(m, SegReg.CS, SEL.KCODE, 0xc09b);
  assertFlat(m, SegReg.SS, SEL.KDATA, 0xc093);
  assert.equal(c.r32[Reg.ESP], 0x6f000);
});

test("SYSRET at CPL 3 raises #GP(0)", () => {
  const m = new PmodeMachine({ cpl: 3 });
  setStar(m, KCODE);
  const end = m.asm(UCODE, "sysret");
  expectFault(m.run({ stopAt: [end] }), 13, 0, /SYSRET at CPL 3/);
});

test("SYSRET with EFER.SCE = 0 raises #UD even at CPL 3", () => {
  const m = new PmodeMachine({ cpl: 3 });
  const end = m.asm(UCODE, "sysret");
  expectFault(m.run({ stopAt: [end] }), 6, undefined, /EFER.SCE = 0/);
});

test("SYSRET returns to CS = STAR[63:48]|3 with IF set, EIP = ECX, SS selector = STAR[63:48] + 8 with RPL 3", () => {
  const m = new PmodeMachine();
  const c = m.cpu;
  setStar(m, KCODE);
  m.asm(KCODE, "sysret");
  c.r32[Reg.ECX] = UCODE + 0x40;
  c.setEflags(EFLAGS.RESERVED1);
  const ssBase = c.segBase[SegReg.SS], ssLimit = c.segLimit[SegReg.SS], ssAr = c.segAr[SegReg.SS];
  const ev = m.run({ stopAt: [UCODE + 0x40] });
  assert.deepEqual(ev, { kind: "stop", eip: UCODE + 0x40 });
  assert.equal(c.cpl, 3);
  assertFlat(m, SegReg.CS, SEL.UCODE, 0xc0fb);
  assert.equal(c.segSel[SegReg.SS], SEL.UDATA);
  // AMD APM: the SS selector changes; its base, limit and attributes do not.
  assert.equal(c.segBase[SegReg.SS], ssBase);
  assert.equal(c.segLimit[SegReg.SS], ssLimit);
  assert.equal(c.segAr[SegReg.SS], ssAr);
  assert.equal(c.getEflags() & EFLAGS.IF, EFLAGS.IF);
});

test("SYSRET sets IF so a pending interrupt is taken before the next user instruction", () => {
  const m = new PmodeMachine();
  setStar(m, KCODE);
  m.asm(KCODE, "sysret");
  m.asm(UCODE, "nop");
  m.cpu.r32[Reg.ECX] = UCODE;
  m.cpu.setEflags(EFLAGS.RESERVED1);
  m.bus.pending.push(0x20);
  const ev = m.run({ stopAt: [UCODE + 1] });
  assert.equal(ev.kind, "interrupt");
  assert.equal(ev.kind === "interrupt" && ev.vector, 0x20);
  // ring-3 frame: EIP = the user entry point (the NOP did not run)
  assert.deepEqual(m.stack(2), [UCODE, SEL.UCODE]);
});

test("a SYSCALL/SYSRET round trip returns after the SYSCALL with ECX clobbered", () => {
  const m = new PmodeMachine({ cpl: 3 });
  const c = m.cpu;
  setStar(m, KCODE);
  const end = m.asm(UCODE, "movl $7, %eax\n syscall\n nop");
  m.asm(KCODE, "shll $1, %eax\n sysret");
  const ev = m.run({ stopAt: [end - 1] });
  assert.deepEqual(ev, { kind: "stop", eip: end - 1 });
  assert.equal(c.r32[Reg.EAX], 14);
  assert.equal(c.r32[Reg.ECX], end - 1);
  assert.equal(c.cpl, 3);
});

// ---- MSRs ----

test("RDMSR at CPL 3 raises #GP(0)", () => {
  const m = new PmodeMachine({ cpl: 3 });
  m.cpu.r32[Reg.ECX] = 0x174;
  const end = m.asm(UCODE, "rdmsr");
  expectFault(m.run({ stopAt: [end] }), 13, 0, /RDMSR at CPL 3: privileged instruction/);
});

test("WRMSR at CPL 3 raises #GP(0) and leaves the MSR", () => {
  const m = new PmodeMachine({ cpl: 3 });
  m.cpu.r32[Reg.ECX] = 0x174; m.cpu.r32[Reg.EAX] = 0x08;
  const end = m.asm(UCODE, "wrmsr");
  expectFault(m.run({ stopAt: [end] }), 13, 0, /WRMSR at CPL 3/);
  assert.equal(m.cpu.sysenterCs, 0);
});

test("RDMSR of IA32_APIC_BASE raises #GP(0): CPUID advertises no APIC", () => {
  const m = new PmodeMachine();
  m.cpu.r32[Reg.ECX] = 0x1b;
  const end = m.asm(KCODE, "rdmsr");
  expectFault(m.run({ stopAt: [end] }), 13, 0, /ECX = 0x1B: not a model-specific register/);
});

test("WRMSR then RDMSR round-trips IA32_SYSENTER_CS/ESP/EIP and STAR", () => {
  const m = new PmodeMachine();
  const c = m.cpu;
  const end = m.asm(KCODE, `
    movl $0x174, %ecx; movl $0x08, %eax; xorl %edx, %edx; wrmsr
    movl $0x175, %ecx; movl $0xc0001000, %eax; wrmsr
    movl $0x176, %ecx; movl $0xc0100000, %eax; wrmsr
    movl $0xc0000081, %ecx; movl $0xc0100200, %eax; movl $0x001b0008, %edx; wrmsr
    movl $0x175, %ecx; rdmsr; movl %eax, %ebx
    movl $0xc0000081, %ecx; rdmsr`);
  assert.deepEqual(m.run({ stopAt: [end] }), { kind: "stop", eip: end });
  assert.equal(c.sysenterCs, 0x08);
  assert.equal(c.sysenterEsp, 0xc0001000);
  assert.equal(c.sysenterEip, 0xc0100000);
  assert.equal(c.r32[Reg.EBX] >>> 0, 0xc0001000);
  assert.equal(c.r32[Reg.EAX] >>> 0, 0xc0100200);
  assert.equal(c.r32[Reg.EDX], 0x001b0008);
});

test("WRMSR to EFER with a reserved bit (LME) raises #GP(0); SCE alone is accepted", () => {
  const m = new PmodeMachine();
  const end = m.asm(KCODE, "movl $0xc0000080, %ecx; xorl %edx, %edx; movl $1, %eax; wrmsr; movl $0x101, %eax; wrmsr");
  expectFault(m.run({ stopAt: [end] }), 13, 0, /only EFER.SCE/);
  assert.equal(m.cpu.efer, 1);
});

test("EFER and STAR do not exist when Cpu.features.syscall is false", () => {
  const m = new PmodeMachine();
  m.cpu.features.syscall = false;
  m.cpu.r32[Reg.ECX] = 0xc0000080 | 0;
  const end = m.asm(KCODE, "rdmsr");
  expectFault(m.run({ stopAt: [end] }), 13, 0, /SYSCALL support is disabled/);
});

test("WRMSR to the TSC writes bits 31:0 and clears bits 63:32 (P6); RDTSC then counts retired instructions", () => {
  const m = new PmodeMachine();
  const c = m.cpu;
  const end = m.asm(KCODE, "movl $0x10, %ecx; movl $0xfffffff0, %eax; movl $5, %edx; wrmsr; nop; nop; rdtsc");
  assert.deepEqual(m.run({ stopAt: [end] }), { kind: "stop", eip: end });
  // WRMSR retires as tick 0xfffffff0 + 1; two NOPs; RDTSC reads before it retires: +3
  assert.equal(c.r32[Reg.EAX] >>> 0, 0xfffffff3);
  assert.equal(c.r32[Reg.EDX], 0);
});

test("RDTSC carries into EDX past 2^32 ticks", () => {
  const m = new PmodeMachine();
  const c = m.cpu;
  c.tscOffset = 2 ** 32 + 5 - c.instructionCount;
  const end = m.asm(KCODE, "rdtsc");
  m.run({ stopAt: [end] });
  assert.equal(c.r32[Reg.EDX], 1);
  assert.equal(c.r32[Reg.EAX], 5);
});

test("RDTSC at CPL 3 with CR4.TSD = 1 raises #GP(0); with TSD = 0 it is allowed", () => {
  const m = new PmodeMachine({ cpl: 3 });
  const end = m.asm(UCODE, "rdtsc");
  assert.deepEqual(m.run({ stopAt: [end] }), { kind: "stop", eip: end });
  const m2 = new PmodeMachine({ cpl: 3 });
  m2.cpu.setCr4(4);
  const end2 = m2.asm(UCODE, "rdtsc");
  expectFault(m2.run({ stopAt: [end2] }), 13, 0, /RDTSC at CPL 3 with CR4.TSD = 1/);
});

test("RDMSR of IA32_BIOS_SIGN_ID reads microcode revision 0 and WRMSR to it is accepted", () => {
  const m = new PmodeMachine();
  const c = m.cpu;
  c.r32[Reg.EDX] = 0x55;
  const end = m.asm(KCODE, "movl $0x8b, %ecx; xorl %eax, %eax; xorl %edx, %edx; wrmsr; cpuid; movl $0x8b, %ecx; rdmsr");
  assert.deepEqual(m.run({ stopAt: [end] }), { kind: "stop", eip: end });
  assert.equal(c.r32[Reg.EDX], 0);
});
