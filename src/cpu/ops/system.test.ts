import { test } from "node:test";
import assert from "node:assert/strict";
import { CR0, CR4, type Cpu, Reg } from "../cpu.js";
import { EFLAGS } from "../flags.js";
import type { CpuFault } from "../fault.js";
import { OPCODE_MAP } from "../optable.js";
import { CPUID_FEATURES, CPUID_SIGNATURE, CpuidEdx } from "../cpuid.js";
import {
  GDT_FREE, GateType, LAYOUT, PmodeMachine, SEL, codeSegment, dataSegment, gate, ldtDescriptor, realModeCpu,
  tssDescriptor, type RunEvent,
} from "../../../test/support/pmode.js";
import { assemble } from "../../../test/support/asm.js";

const KCODE = LAYOUT.KCODE_ADDR, UCODE = LAYOUT.UCODE_ADDR;
const SCRATCH = 0x90000;

function expectFault(ev: RunEvent, vector: number, errorCode: number | undefined, reason?: RegExp): CpuFault {
  assert.equal(ev.kind, "interrupt", `expected an exception, got ${JSON.stringify(ev)}`);
  if (ev.kind !== "interrupt") throw new Error("unreachable");
  assert.equal(ev.vector, vector, ev.fault?.reason);
  assert.ok(ev.fault);
  assert.equal(ev.fault.errorCode, errorCode);
  if (reason) assert.match(ev.fault.reason, reason);
  return ev.fault;
}

/** Runs `src` at CPL 0 (kernel code address) to its end; asserts it got there. */
function kernel(src: string, setup?: (m: PmodeMachine) => void): PmodeMachine {
  const m = new PmodeMachine();
  setup?.(m);
  const end = m.asm(KCODE, src);
  assert.deepEqual(m.run({ stopAt: [end] }), { kind: "stop", eip: end });
  return m;
}

/** Runs `src` in ring `cpl` and returns the event. */
function runAt(cpl: 0 | 1 | 2 | 3, src: string, setup?: (m: PmodeMachine) => void): { m: PmodeMachine; ev: RunEvent; end: number } {
  const m = new PmodeMachine({ cpl, eip: cpl === 3 ? UCODE : KCODE });
  setup?.(m);
  const end = m.asm(cpl === 3 ? UCODE : KCODE, src);
  return { m, ev: m.run({ stopAt: [end] }), end };
}

/** Runs 16-bit real-mode code at 0:1000 and returns the first exception raised (or undefined). */
function realMode(src: string): { cpu: Cpu; fault: CpuFault | undefined } {
  const cpu = realModeCpu(0x1000);
  const code = assemble(src, { org: 0x1000, code16: true });
  cpu.ram.set(code, 0x1000);
  let fault: CpuFault | undefined;
  cpu.onException = (f) => { fault ??= f; cpu.requestStop(); };
  cpu.run(20);
  return { cpu, fault };
}

// =================================================================================================
// Privilege (SDM Vol. 3A §5.9)
// =================================================================================================

const PRIVILEGED: ReadonlyArray<[string, string]> = [
  ["LGDT", `lgdt ${SCRATCH}`],
  ["LIDT", `lidt ${SCRATCH}`],
  ["LLDT", "lldt %ax"],
  ["LTR", "ltr %ax"],
  ["LMSW", "lmsw %ax"],
  ["CLTS", "clts"],
  ["MOV from CR0", "movl %cr0, %eax"],
  ["MOV to CR3", "movl %eax, %cr3"],
  ["MOV from DR7", "movl %dr7, %eax"],
  ["MOV to DR0", "movl %eax, %dr0"],
  ["INVD", "invd"],
  ["WBINVD", "wbinvd"],
  ["INVLPG", `invlpg ${SCRATCH}`],
  ["RDMSR", "rdmsr"],
  ["WRMSR", "wrmsr"],
];

for (const [name, src] of PRIVILEGED) {
  test(`${name} at CPL 3 raises #GP(0): privileged instruction`, () => {
    const { m, ev } = runAt(3, src);
    const f = expectFault(ev, 13, 0);
    assert.equal(f.reason, `${name} at CPL 3: privileged instruction (SDM Vol. 3A §5.9)`);
    assert.equal(m.stack(2)[1], UCODE, "the frame's EIP is the privileged instruction");
  });
}

test("privileged instructions raise #GP(0) at CPL 1 and CPL 2 as well", () => {
  for (const cpl of [1, 2] as const) {
    const { ev } = runAt(cpl, "movl %cr3, %eax");
    expectFault(ev, 13, 0, new RegExp(`MOV from CR3 at CPL ${cpl}`));
  }
});

test("a failed LGDT at CPL 3 leaves GDTR unchanged", () => {
  const { m, ev } = runAt(3, `lgdt ${SCRATCH}`);
  expectFault(ev, 13, 0);
  assert.equal(m.cpu.gdtrBase, LAYOUT.GDT);
  assert.equal(m.cpu.gdtrLimit, LAYOUT.GDT_ENTRIES * 8 - 1);
});

// =================================================================================================
// GDTR / IDTR
// =================================================================================================

test("LGDT and LIDT load a 16-bit limit and a 32-bit base from the 6-byte operand", () => {
  const m = kernel(`lgdt ${SCRATCH}; lidt ${SCRATCH + 8}`, (m) => {
    m.write16(SCRATCH, 0x1ff); m.write32(SCRATCH + 2, 0xc0101000);
    m.write16(SCRATCH + 8, 0x7ff); m.write32(SCRATCH + 10, 0xc0102000);
  });
  assert.equal(m.cpu.gdtrLimit, 0x1ff);
  assert.equal(m.cpu.gdtrBase >>> 0, 0xc0101000);
  assert.equal(m.cpu.idtrLimit, 0x7ff);
  assert.equal(m.cpu.idtrBase >>> 0, 0xc0102000);
});

test("LGDT with a 16-bit operand size uses only 24 bits of the base", () => {
  const m = new PmodeMachine();
  m.write16(SCRATCH, 0x27); m.write32(SCRATCH + 2, 0xff012345);
  const end = m.asm(KCODE, `lgdtw ${SCRATCH}`);
  // stop before anything needs the (now bogus) GDT
  assert.deepEqual(m.run({ stopAt: [end] }), { kind: "stop", eip: end });
  assert.equal(m.cpu.gdtrBase, 0x012345);
  assert.equal(m.cpu.gdtrLimit, 0x27);
});

test("SGDT and SIDT are not privileged (P6) and store the limit then the full 32-bit base, also with a 16-bit operand size", () => {
  const { m, ev, end } = runAt(3, `sgdt ${SCRATCH}; sidtw ${SCRATCH + 8}`, (m) => { m.cpu.idtrBase = 0xfe801000 | 0; });
  assert.deepEqual(ev, { kind: "stop", eip: end });
  assert.equal(m.read16(SCRATCH), LAYOUT.GDT_ENTRIES * 8 - 1);
  assert.equal(m.read32(SCRATCH + 2), LAYOUT.GDT);
  assert.equal(m.read16(SCRATCH + 8), 256 * 8 - 1);
  assert.equal(m.read32(SCRATCH + 10), 0xfe801000);
});

test("SGDT with a register operand raises #UD", () => {
  const { ev } = runAt(0, ".byte 0x0f, 0x01, 0xc0");
  expectFault(ev, 6, undefined, /SGDT does not take a register operand/);
});

// =================================================================================================
// LDTR / TR
// =================================================================================================

test("LTR marks the TSS descriptor busy and loads TR's selector, base, limit and type", () => {
  const idx = GDT_FREE;
  const m = kernel(`movw $${idx << 3}, %ax; ltr %ax`, (m) => {
    m.setGdt(idx, tssDescriptor({ base: 0x8000, limit: 0x2067 }));
  });
  assert.equal(m.gdt(idx).type, 0xb, "descriptor now busy in memory");
  assert.equal(m.cpu.trSel, idx << 3);
  assert.equal(m.cpu.trBase, 0x8000);
  assert.equal(m.cpu.trLimit, 0x2067);
  assert.equal(m.cpu.trType, 0xb);
});

test("LTR of a 16-bit TSS sets trType to the busy 16-bit type", () => {
  const m = kernel(`movw $${GDT_FREE << 3}, %ax; ltr %ax`, (m) => {
    m.setGdt(GDT_FREE, tssDescriptor({ base: 0x8000, limit: 0x2b, is32: false }));
  });
  assert.equal(m.cpu.trType, 0x3);
  assert.equal(m.gdt(GDT_FREE).type, 0x3);
});

test("LTR of a busy TSS raises #GP(selector)", () => {
  const { ev } = runAt(0, `movw $${SEL.TSS}, %ax; ltr %ax`);
  expectFault(ev, 13, SEL.TSS, /the TSS is already busy/);
});

test("LTR with a null selector raises #GP(0)", () => {
  const { ev } = runAt(0, "movw $3, %ax; ltr %ax");
  expectFault(ev, 13, 0, /null selector/);
});

test("LTR of a data segment raises #GP(selector)", () => {
  const { ev } = runAt(0, `movw $${SEL.KDATA}, %ax; ltr %ax`);
  expectFault(ev, 13, SEL.KDATA, /not a TSS descriptor/);
});

test("LTR with a selector in the LDT raises #GP(selector)", () => {
  const { ev } = runAt(0, "movw $0x0c, %ax; ltr %ax");
  expectFault(ev, 13, 0x0c, /refers to the LDT/);
});

test("LTR of a not-present TSS raises #NP(selector) and leaves the descriptor available", () => {
  const { m, ev } = runAt(0, `movw $${GDT_FREE << 3}, %ax; ltr %ax`, (m) => {
    m.setGdt(GDT_FREE, tssDescriptor({ base: 0x8000, limit: 0x67, present: false }));
  });
  expectFault(ev, 11, GDT_FREE << 3, /not present/);
  assert.equal(m.gdt(GDT_FREE).type, 0x9);
  assert.equal(m.cpu.trSel, SEL.TSS);
});

test("LTR beyond the GDT limit raises #GP(selector)", () => {
  const { ev } = runAt(0, `movw $${LAYOUT.GDT_ENTRIES * 8}, %ax; ltr %ax`);
  expectFault(ev, 13, LAYOUT.GDT_ENTRIES * 8, /beyond the GDT limit/);
});

test("LLDT loads LDTR from an LDT descriptor in the GDT", () => {
  const m = kernel(`movw $${GDT_FREE << 3}, %ax; lldt %ax`, (m) => {
    m.setGdt(GDT_FREE, ldtDescriptor({ base: 0x9000, limit: 0xff }));
  });
  assert.equal(m.cpu.ldtrSel, GDT_FREE << 3);
  assert.equal(m.cpu.ldtrBase, 0x9000);
  assert.equal(m.cpu.ldtrLimit, 0xff);
});

test("LLDT with a null selector marks LDTR invalid: a later LDT reference raises #GP", () => {
  const { m, ev } = runAt(0, "xorl %eax, %eax; lldt %ax; movw $0x0f, %ax; movw %ax, %ds");
  assert.equal(m.cpu.ldtrSel, 0);
  expectFault(ev, 13, 0x0c);
});

test("LLDT of a TSS descriptor raises #GP(selector)", () => {
  const { ev } = runAt(0, `movw $${SEL.TSS}, %ax; lldt %ax`);
  expectFault(ev, 13, SEL.TSS, /not an LDT descriptor/);
});

test("LLDT with a selector in the LDT raises #GP(selector)", () => {
  const { ev } = runAt(0, "movw $0x04, %ax; lldt %ax");
  expectFault(ev, 13, 0x04, /refers to the LDT/);
});

test("LLDT of a not-present LDT descriptor raises #NP(selector)", () => {
  const { ev } = runAt(0, `movw $${GDT_FREE << 3}, %ax; lldt %ax`, (m) => {
    m.setGdt(GDT_FREE, ldtDescriptor({ base: 0x9000, limit: 0xff, present: false }));
  });
  expectFault(ev, 11, GDT_FREE << 3);
});

test("SLDT and STR store the selectors; a 32-bit register destination is zero-extended, memory gets 16 bits", () => {
  const { m, ev, end } = runAt(3, `movl $-1, %eax; movl $-1, %ebx; sldt %eax; str %ebx; movl $-1, ${SCRATCH}; str ${SCRATCH}; movl $-1, %ecx; sldt %cx`);
  assert.deepEqual(ev, { kind: "stop", eip: end });
  assert.equal(m.cpu.r32[Reg.EAX], SEL.LDT);
  assert.equal(m.cpu.r32[Reg.EBX], SEL.TSS);
  assert.equal(m.read32(SCRATCH), (0xffff0000 | SEL.TSS) >>> 0);
  assert.equal(m.cpu.r32[Reg.ECX] >>> 0, (0xffff0000 | SEL.LDT) >>> 0);
});

test("LLDT, LTR, SLDT, STR, LAR, LSL, VERR, VERW and ARPL raise #UD in real-address mode", () => {
  for (const src of ["lldt %ax", "ltr %ax", "sldt %ax", "str %ax", "lar %ax, %bx", "lsl %ax, %bx", "verr %ax", "verw %ax", "arpl %ax, %bx"]) {
    const { fault } = realMode(src);
    assert.equal(fault?.vector, 6, src);
    assert.match(fault.reason, /not recognized in real-address mode/, src);
  }
});

test("LGDT, SIDT, MOV from CR0 and SMSW work in real-address mode (CPL 0)", () => {
  const c = realModeCpu(0x1000);
  c.ram.set([0x17, 0, 0x00, 0x30, 0, 0], 0x2000);
  c.ram.set(assemble("lgdtl 0x2000; sidt 0x2010; movl %cr0, %eax; smsw %bx", { org: 0x1000, code16: true }), 0x1000);
  const seen: CpuFault[] = [];
  c.onException = (f) => { seen.push(f); c.requestStop(); };
  c.run(4);
  assert.deepEqual(seen, []);
  assert.equal(c.gdtrLimit, 0x17);
  assert.equal(c.gdtrBase, 0x3000);
  assert.equal(c.ram[0x2010] | (c.ram[0x2011] << 8), 0xffff, "IDTR limit after reset");
  assert.equal(c.r32[Reg.EAX], c.cr0);
  assert.equal(c.r16[Reg.EBX * 2], c.cr0 & 0xffff);
});

// =================================================================================================
// LAR, LSL, VERR, VERW, ARPL
// =================================================================================================

test("LAR loads descriptor bits 63:32 AND 00FFFF00H (bits 19:16 = the limit's top nibble, as P6 and Bochs) and sets ZF", () => {
  const { m, ev, end } = runAt(3, `movl $-1, %eax; larl %ebx, %eax`, (m) => {
    m.cpu.r32[Reg.EBX] = SEL.UDATA;
  });
  assert.deepEqual(ev, { kind: "stop", eip: end });
  // user data: G=1 B=1, limit 19:16 = F, P DPL3 S type 3 (accessed: the fixture's loadSeg does not write memory)
  assert.equal(m.cpu.r32[Reg.EAX] >>> 0, (m.gdt(SEL.UDATA >> 3).hi & 0x00ffff00) >>> 0);
  assert.equal(m.cpu.r32[Reg.EAX] & 0xf0000, 0xf0000);
  assert.equal(m.cpu.getZF(), 1);
});

test("LAR with a 16-bit operand size stores access-rights bits 15:8 only", () => {
  const { m } = runAt(0, `movl $-1, %eax; movw $${SEL.KCODE}, %bx; larw %bx, %ax`);
  assert.equal(m.cpu.r32[Reg.EAX] >>> 0, (0xffff0000 | (m.gdt(1).hi & 0xff00)) >>> 0);
});

test("LAR of a descriptor with DPL < CPL clears ZF and leaves the destination", () => {
  const { m, ev, end } = runAt(3, `movl $0x5555, %eax; movw $${SEL.KDATA}, %bx; lar %bx, %eax`);
  assert.deepEqual(ev, { kind: "stop", eip: end });
  assert.equal(m.cpu.getZF(), 0);
  assert.equal(m.cpu.r32[Reg.EAX], 0x5555);
});

test("LAR of a descriptor with RPL > DPL clears ZF", () => {
  const { m } = runAt(0, `movw $${SEL.KDATA | 3}, %bx; lar %bx, %eax`);
  assert.equal(m.cpu.getZF(), 0);
});

test("LAR of a conforming code segment with DPL < CPL succeeds", () => {
  const { m } = runAt(3, `movw $${(GDT_FREE << 3) | 3}, %bx; lar %bx, %eax`, (m) => {
    m.setGdt(GDT_FREE, codeSegment({ dpl: 0, conforming: true }));
  });
  assert.equal(m.cpu.getZF(), 1);
});

test("LAR of a call gate and a TSS succeeds; of an interrupt gate fails (invalid type)", () => {
  const { m } = runAt(0, `
    movw $${GDT_FREE << 3}, %bx; lar %bx, %eax; setz %cl
    movw $${SEL.TSS}, %bx; lar %bx, %eax; setz %ch
    movw $${(GDT_FREE + 1) << 3}, %bx; lar %bx, %eax; setz %dl`, (m) => {
    m.setGdt(GDT_FREE, gate({ type: GateType.CALL32, selector: SEL.KCODE, offset: KCODE }));
    m.setGdt(GDT_FREE + 1, gate({ type: GateType.INT32, selector: SEL.KCODE, offset: KCODE }));
  });
  assert.equal(m.cpu.r8[4], 1, "call gate (CL)");
  assert.equal(m.cpu.r8[5], 1, "TSS (CH)");
  assert.equal(m.cpu.r8[8], 0, "interrupt gate (DL)");
});

test("LAR of a null selector, or beyond the GDT limit, clears ZF without faulting", () => {
  const { m, ev, end } = runAt(0, `
    movw $3, %bx; lar %bx, %eax; setz %cl
    movw $${LAYOUT.GDT_ENTRIES * 8}, %bx; lar %bx, %eax; setz %ch`);
  assert.deepEqual(ev, { kind: "stop", eip: end });
  assert.equal(m.cpu.r16[Reg.ECX * 2], 0);
});

test("LSL returns the byte-granular limit of a page-granular segment", () => {
  const { m } = runAt(3, `movw $${SEL.UCODE}, %bx; lsl %bx, %eax`);
  assert.equal(m.cpu.r32[Reg.EAX] >>> 0, 0xffffffff);
  assert.equal(m.cpu.getZF(), 1);
});

test("LSL of a TSS returns its limit; of a call gate it clears ZF", () => {
  const { m } = runAt(0, `
    movw $${SEL.TSS}, %bx; lsl %bx, %eax; setz %cl
    movw $${GDT_FREE << 3}, %bx; lsl %bx, %edx; setz %ch`, (m) => {
    m.setGdt(GDT_FREE, gate({ type: GateType.CALL32, selector: SEL.KCODE, offset: KCODE }));
  });
  assert.equal(m.cpu.r32[Reg.EAX], 0x67);
  assert.equal(m.cpu.r8[4], 1, "TSS (CL)");
  assert.equal(m.cpu.r8[5], 0, "call gate (CH)");
});

test("VERR and VERW: writable user data passes both at CPL 3; kernel data and read-only data fail VERW", () => {
  const { m } = runAt(3, `
    movw $${SEL.UDATA}, %bx; verr %bx; setz %al; verw %bx; setz %ah
    movw $${SEL.KDATA}, %bx; verw %bx; setz %cl
    movw $${(GDT_FREE << 3) | 3}, %bx; verr %bx; setz %dl; verw %bx; setz %dh`, (m) => {
    m.setGdt(GDT_FREE, dataSegment({ dpl: 3, writable: false }));
  });
  assert.deepEqual([m.cpu.r8[0], m.cpu.r8[1], m.cpu.r8[4], m.cpu.r8[8], m.cpu.r8[9]], [1, 1, 0, 1, 0]); // AL AH CL DL DH
});

test("VERR: an execute-only code segment fails; a readable conforming code segment with DPL 0 passes at CPL 3", () => {
  const { m } = runAt(3, `
    movw $${(GDT_FREE << 3) | 3}, %bx; verr %bx; setz %al
    movw $${((GDT_FREE + 1) << 3) | 3}, %bx; verr %bx; setz %ah; verw %bx; setz %cl`, (m) => {
    m.setGdt(GDT_FREE, codeSegment({ dpl: 3, readable: false }));
    m.setGdt(GDT_FREE + 1, codeSegment({ dpl: 0, conforming: true }));
  });
  assert.deepEqual([m.cpu.r8[0], m.cpu.r8[1], m.cpu.r8[4]], [0, 1, 0]); // AL AH CL
});

test("VERR of a system descriptor fails", () => {
  const { m } = runAt(0, `movw $${SEL.TSS}, %bx; verr %bx; setz %al`);
  assert.equal(m.cpu.r8[0], 0);
});

test("ARPL raises the destination's RPL to the source's and sets ZF", () => {
  const { m } = runAt(0, "movw $0x0010, %ax; movw $0x001b, %bx; arpl %bx, %ax");
  assert.equal(m.cpu.r16[0], 0x0013);
  assert.equal(m.cpu.getZF(), 1);
});

test("ARPL leaves a destination whose RPL is already high enough and clears ZF", () => {
  const { m } = runAt(0, `movw $0x0023, ${SCRATCH}; movw $0x0009, %bx; stc; arpl %bx, ${SCRATCH}`);
  assert.equal(m.read16(SCRATCH), 0x0023);
  assert.equal(m.cpu.getZF(), 0);
  assert.equal(m.cpu.getCF(), 1, "other flags unchanged");
});

test("ARPL with a memory destination adjusts it in place", () => {
  const { m } = runAt(3, `movw $0x0020, ${SCRATCH}; movw $0x0003, %bx; arpl %bx, ${SCRATCH}`);
  assert.equal(m.read16(SCRATCH), 0x0023);
  assert.equal(m.cpu.getZF(), 1);
});

// =================================================================================================
// Control registers
// =================================================================================================

test("MOV to CR0 with PG = 1 and PE = 0 raises #GP(0)", () => {
  const { m, ev } = runAt(0, "movl $0x80000000, %eax; movl %eax, %cr0");
  expectFault(ev, 13, 0, /PG = 1 with PE = 0/);
  assert.equal(m.cpu.cr0 & CR0.PE, CR0.PE);
});

test("MOV to CR0 with NW = 1 and CD = 0 raises #GP(0)", () => {
  const { ev } = runAt(0, "movl %cr0, %eax; andl $~0x40000000, %eax; orl $0x20000000, %eax; movl %eax, %cr0");
  expectFault(ev, 13, 0, /NW = 1 with CD = 0/);
});

test("MOV to CR0 ignores reserved bits and keeps ET = 1", () => {
  const { m } = runAt(0, "movl $0x00000021, %eax; orl $0x0000ffc0, %eax; movl %eax, %cr0; movl %cr0, %ebx");
  assert.equal(m.cpu.r32[Reg.EBX], CR0.PE | CR0.NE | CR0.ET);
});

test("MOV to CR4 with a reserved bit (PAE: not supported) raises #GP(0)", () => {
  const { m, ev } = runAt(0, "movl $0x20, %eax; movl %eax, %cr4");
  expectFault(ev, 13, 0, /reserved bit\(s\) set \(PAE/);
  assert.equal(m.cpu.cr4, 0);
});

test("MOV to CR4 accepts TSD, DE, PSE and PGE", () => {
  const { m } = runAt(0, "movl $0x9c, %eax; movl %eax, %cr4; movl %cr4, %ebx");
  assert.equal(m.cpu.cr4, CR4.TSD | CR4.DE | CR4.PSE | CR4.PGE);
  assert.equal(m.cpu.r32[Reg.EBX], 0x9c);
});

test("MOV to or from CR1, CR5, CR6 or CR7 raises #UD, even at CPL 3", () => {
  for (const bytes of [[0x0f, 0x20, 0xc8], [0x0f, 0x22, 0xe8], [0x0f, 0x20, 0xf0], [0x0f, 0x22, 0xf8]]) {
    const m = new PmodeMachine({ cpl: 3 });
    m.load(UCODE, bytes);
    expectFault(m.run({ stopAt: [UCODE + 3] }), 6, undefined, /no such control register/);
  }
});

test("MOV to CR2 and CR3 round-trip; CR2 takes any value", () => {
  const { m } = runAt(0, "movl $0xdeadbeef, %eax; movl %eax, %cr2; movl %cr2, %ebx; movl $0x123018, %eax; movl %eax, %cr3; movl %cr3, %ecx");
  assert.equal(m.cpu.r32[Reg.EBX] >>> 0, 0xdeadbeef);
  assert.equal(m.cpu.r32[Reg.ECX], 0x123018);
});

test("MOV CR ignores ModRM.mod: 0F 20 00 is MOV EAX, CR0 (three bytes, no memory operand)", () => {
  const m = new PmodeMachine();
  m.load(KCODE, [0x0f, 0x20, 0x00, 0x0f, 0x20, 0x5d]); // mod 0 rm 0; mod 1 reg 3 rm 5 (no disp8)
  assert.deepEqual(m.run({ stopAt: [KCODE + 6] }), { kind: "stop", eip: KCODE + 6 });
  assert.equal(m.cpu.r32[Reg.EAX], m.cpu.cr0);
  assert.equal(m.cpu.r32[Reg.EBP], m.cpu.cr3);
});

test("the multiboot entry state has CR0.PE = 1, PG = 0 and the caches enabled (CD = NW = 0), as a BIOS leaves them", () => {
  const c = realModeCpu();
  assert.equal(c.cr0 & (CR0.CD | CR0.NW), CR0.CD | CR0.NW, "RESET state: caches disabled");
  c.setupMultibootState(0x100000, 0x9000);
  assert.equal(c.cr0, CR0.PE | CR0.ET);
  assert.equal(c.paging, false);
});

test("CLTS clears CR0.TS", () => {
  const { m } = runAt(0, "movl %cr0, %eax; orl $8, %eax; movl %eax, %cr0; clts");
  assert.equal(m.cpu.cr0 & CR0.TS, 0);
});

test("LMSW loads MP, EM and TS and can set PE but never clear it", () => {
  const m = new PmodeMachine();
  m.asm(KCODE, "movw $0x000e, %ax; lmsw %ax");
  m.run({ stopAt: [KCODE + 8] });
  assert.equal(m.cpu.cr0 & 0xf, CR0.PE | CR0.MP | CR0.EM | CR0.TS, "PE stays set");
  const c = realModeCpu(0x1000);
  c.ram.set(assemble("movw $1, %ax; lmsw %ax", { org: 0x1000, code16: true }), 0x1000);
  c.run(2);
  assert.equal(c.cr0 & CR0.PE, CR0.PE, "LMSW enters protected mode");
});

test("SMSW to a 32-bit register stores CR0 whole; to memory the low 16 bits; not privileged", () => {
  const { m, ev, end } = runAt(3, `movl $-1, ${SCRATCH}; smsw ${SCRATCH}; smsw %eax`);
  assert.deepEqual(ev, { kind: "stop", eip: end });
  assert.equal(m.read32(SCRATCH), (0xffff0000 | (m.cpu.cr0 & 0xffff)) >>> 0);
  assert.equal(m.cpu.r32[Reg.EAX], m.cpu.cr0);
});

// =================================================================================================
// Debug registers
// =================================================================================================

test("DR4 and DR5 alias DR6 and DR7 when CR4.DE = 0", () => {
  const { m } = runAt(0, "movl $0x2b, %eax; movl %eax, %dr5; movl %dr7, %ebx; movl %dr4, %ecx");
  assert.equal(m.cpu.r32[Reg.EBX], 0x42b);
  assert.equal(m.cpu.r32[Reg.ECX] >>> 0, 0xffff0ff0);
});

test("MOV DR4 with CR4.DE = 1 raises #UD", () => {
  const { ev } = runAt(0, "movl $8, %eax; movl %eax, %cr4; movl %dr4, %eax");
  expectFault(ev, 6, undefined, /DR4 with CR4.DE = 1/);
});

test("DR6 and DR7 keep their fixed bits; DR0–DR3 hold any value", () => {
  const { m } = runAt(0, "xorl %eax, %eax; movl %eax, %dr6; movl %eax, %dr7; movl %dr6, %ebx; movl %dr7, %ecx; movl $0xc0001234, %eax; movl %eax, %dr2; movl %dr2, %edx");
  assert.equal(m.cpu.r32[Reg.EBX] >>> 0, 0xffff0ff0);
  assert.equal(m.cpu.r32[Reg.ECX], 0x400);
  assert.equal(m.cpu.r32[Reg.EDX] >>> 0, 0xc0001234);
});

test("with DR7.GD = 1 a MOV DR raises #DB with DR6.BD set and GD cleared", () => {
  const { m, ev } = runAt(0, "movl $0x2000, %eax; movl %eax, %dr7; movl %dr0, %eax");
  expectFault(ev, 1, undefined, /general-detect/);
  assert.equal(m.cpu.dr[6] & 0x2000, 0x2000);
  assert.equal(m.cpu.dr[7] & 0x2000, 0);
  assert.equal(m.stack(1)[0], KCODE + 8, "a fault: EIP of the MOV DR");
});

// =================================================================================================
// CLI / STI
// =================================================================================================

test("CLI at CPL 3 with IOPL 0 raises #GP(0)", () => {
  const { m, ev } = runAt(3, "cli", (m) => m.cpu.setEflags(EFLAGS.RESERVED1 | EFLAGS.IF));
  expectFault(ev, 13, 0, /CLI at CPL 3 with IOPL 0/);
  assert.equal(m.stack(4)[3] & EFLAGS.IF, EFLAGS.IF, "IF unchanged in the pushed EFLAGS");
});

test("STI at CPL 3 with IOPL 2 raises #GP(0)", () => {
  const { ev } = runAt(3, "sti", (m) => m.cpu.setEflags(EFLAGS.RESERVED1 | (2 << 12)));
  expectFault(ev, 13, 0, /STI at CPL 3 with IOPL 2/);
});

test("CLI and STI at CPL 3 with IOPL 3 change IF", () => {
  const { m, ev, end } = runAt(3, "cli", (m) => m.cpu.setEflags(EFLAGS.RESERVED1 | EFLAGS.IF | (3 << 12)));
  assert.deepEqual(ev, { kind: "stop", eip: end });
  assert.equal(m.cpu.getEflags() & EFLAGS.IF, 0);
});

test("STI sets the interrupt shadow only when IF was 0", () => {
  const m = new PmodeMachine();
  m.asm(KCODE, "sti; sti");
  m.cpu.stepOne();
  assert.equal(m.cpu.interruptShadow, true);
  assert.equal(m.cpu.getEflags() & EFLAGS.IF, EFLAGS.IF);
  m.cpu.interruptShadow = false;
  m.cpu.stepOne();
  assert.equal(m.cpu.interruptShadow, false);
});

test("after STI an interrupt pending is taken only after the next instruction", () => {
  const m = new PmodeMachine();
  m.asm(KCODE, "sti; nop; nop");
  m.bus.pending.push(0x21);
  const ev = m.run({ stopAt: [KCODE + 3] });
  assert.equal(ev.kind, "interrupt");
  assert.equal(ev.kind === "interrupt" && ev.vector, 0x21);
  assert.equal(m.stack(1)[0], KCODE + 2, "delivered after the NOP that follows STI");
});

test("STI with IF already 1 opens no shadow: a pending interrupt is taken right after it", () => {
  const m = new PmodeMachine();
  m.cpu.setEflags(EFLAGS.RESERVED1 | EFLAGS.IF);
  m.asm(KCODE, "sti; nop; nop");
  m.cpu.stepOne(); // STI
  m.bus.pending.push(0x21);
  const ev = m.run({ stopAt: [KCODE + 3] });
  assert.equal(ev.kind === "interrupt" && ev.vector, 0x21);
  assert.equal(m.stack(1)[0], KCODE + 1);
});

// ---- PUSHF/POPF and IOPL (ops/stack.ts implements them; the rules belong to the system architecture) ----

test("POPF at CPL 3 with IOPL 0 silently leaves IF and IOPL unchanged", () => {
  const { m, ev, end } = runAt(3, "pushl $0x3202; popfl; pushfl; popl %eax", (m) => m.cpu.setEflags(EFLAGS.RESERVED1));
  assert.deepEqual(ev, { kind: "stop", eip: end });
  assert.equal(m.cpu.getEflags() & (EFLAGS.IF | EFLAGS.IOPL), 0);
  assert.equal(m.cpu.r32[Reg.EAX] & (EFLAGS.IF | EFLAGS.IOPL), 0);
});

test("POPF at CPL 3 with IOPL 3 changes IF but not IOPL", () => {
  const { m } = runAt(3, "pushl $0x0002; popfl", (m) => m.cpu.setEflags(EFLAGS.RESERVED1 | EFLAGS.IF | (3 << 12)));
  assert.equal(m.cpu.getEflags() & EFLAGS.IF, 0);
  assert.equal((m.cpu.getEflags() >> 12) & 3, 3);
});

test("POPF at CPL 0 changes IOPL and IF", () => {
  const { m } = runAt(0, "pushl $0x3202; popfl");
  assert.equal(m.cpu.getEflags() & (EFLAGS.IF | EFLAGS.IOPL), EFLAGS.IF | EFLAGS.IOPL);
});

test("after POPF at CPL 0 raises IOPL to 3, CLI at CPL 3 is allowed", () => {
  const m = new PmodeMachine();
  m.asm(KCODE, "pushl $0x3202; popfl");
  m.run({ stopAt: [KCODE + 6] });
  m.enterRing(3, UCODE);
  const end = m.asm(UCODE, "cli");
  assert.deepEqual(m.run({ stopAt: [end] }), { kind: "stop", eip: end });
  assert.equal(m.cpu.getEflags() & EFLAGS.IF, 0);
});

// =================================================================================================
// CPUID
// =================================================================================================

function cpuidOf(leaf: number, setup?: (m: PmodeMachine) => void): [number, number, number, number] {
  const { m } = runAt(3, `movl $${leaf >>> 0}, %eax; cpuid`, setup);
  const r = m.cpu.r32;
  return [r[Reg.EAX] >>> 0, r[Reg.EBX] >>> 0, r[Reg.ECX] >>> 0, r[Reg.EDX] >>> 0];
}
function ascii(...dwords: number[]): string {
  return dwords.map((d) => String.fromCharCode(d & 0xff, (d >>> 8) & 0xff, (d >>> 16) & 0xff, d >>> 24)).join("");
}

test("CPUID leaf 0: maximum leaf 2 and vendor GenuineIntel in EBX EDX ECX", () => {
  const [a, b, c, d] = cpuidOf(0);
  assert.equal(a, 2);
  assert.equal(ascii(b, d, c), "GenuineIntel");
});

test("CPUID leaf 1 reports family 6 model 3 stepping 3, the value RESET leaves in EDX", () => {
  const [a, b, c] = cpuidOf(1);
  assert.equal(a, 0x633);
  assert.equal(a, CPUID_SIGNATURE);
  const fresh = realModeCpu();
  fresh.reset();
  assert.equal(fresh.r32[Reg.EDX], a);
  assert.equal(b, 0);
  assert.equal(c, 0);
});

test("CPUID leaf 1 EDX advertises DE PSE TSC MSR CX8 SEP PGE CMOV and no FPU, VME, PAE, APIC", () => {
  const d = cpuidOf(1)[3];
  assert.equal(d, CPUID_FEATURES);
  for (const bit of [CpuidEdx.DE, CpuidEdx.PSE, CpuidEdx.TSC, CpuidEdx.MSR, CpuidEdx.CX8, CpuidEdx.SEP, CpuidEdx.PGE, CpuidEdx.CMOV])
    assert.ok(d & bit, `bit ${Math.log2(bit)}`);
  for (const bit of [CpuidEdx.FPU, CpuidEdx.VME, CpuidEdx.PAE, CpuidEdx.APIC, CpuidEdx.MTRR, CpuidEdx.MMX, CpuidEdx.FXSR, CpuidEdx.PSE36])
    assert.equal(d & bit, 0, `bit ${Math.log2(bit)}`);
});

test("every instruction CPUID advertises is in the opcode table", () => {
  const has = (op: number, reg?: number): boolean => {
    const s = OPCODE_MAP.slots[op];
    if (!s) return false;
    return reg === undefined ? true : !!s.group?.[reg];
  };
  assert.ok(has(0x131), "TSC: RDTSC");
  assert.ok(has(0x130) && has(0x132), "MSR: RDMSR/WRMSR");
  assert.ok(has(0x1c7, 1), "CX8: CMPXCHG8B");
  assert.ok(has(0x134) && has(0x135), "SEP: SYSENTER/SYSEXIT");
  for (let cc = 0; cc < 16; cc++) assert.ok(has(0x140 + cc), `CMOV: 0F ${(0x40 + cc).toString(16)}`);
  assert.ok(has(0x105) && has(0x107), "SYSCALL/SYSRET");
});

test("CPUID 0x80000001 EDX bit 11 (SYSCALL) follows Cpu.features.syscall", () => {
  assert.equal(cpuidOf(0x80000000)[0], 0x80000004);
  assert.equal(cpuidOf(0x80000001)[3], 1 << 11);
  assert.equal(cpuidOf(0x80000001, (m) => { m.cpu.features.syscall = false; })[3], 0);
});

test("CPUID 0x80000002–4 spell the brand string 'trapgate i686'", () => {
  const s = [0x80000002, 0x80000003, 0x80000004].map((l) => ascii(...cpuidOf(l))).join("");
  assert.equal(s.length, 48);
  assert.equal(s.replace(/\0+$/, ""), "trapgate i686");
});

test("CPUID above the highest basic or extended leaf returns the highest basic leaf (Intel)", () => {
  const leaf2 = cpuidOf(2);
  assert.deepEqual(cpuidOf(3), leaf2);
  assert.deepEqual(cpuidOf(0x40000000), leaf2);
  assert.deepEqual(cpuidOf(0x80000008), leaf2);
  assert.equal(leaf2[0] & 0xff, 1, "leaf 2: AL = 1 iteration");
});

// =================================================================================================
// x87 instructions without an FPU (CR0.EM/MP/TS, SDM Vol. 3A Table 2-2)
// =================================================================================================

function withCr0(bits: number): (m: PmodeMachine) => void {
  return (m) => m.cpu.setCr0((m.cpu.cr0 & ~(CR0.MP | CR0.EM | CR0.TS)) | bits);
}

test("an x87 instruction with CR0.EM = 1 raises #NM", () => {
  const { m, ev } = runAt(3, "fld1", withCr0(CR0.EM));
  expectFault(ev, 7, undefined, /CR0.EM = 1 → #NM/);
  assert.equal(m.stack(1)[0], UCODE);
});

test("an x87 instruction with CR0.TS = 1 raises #NM before touching its memory operand", () => {
  const { ev } = runAt(3, "fldl 0xfffffff0", withCr0(CR0.MP | CR0.TS));
  expectFault(ev, 7, undefined, /CR0.TS = 1/);
});

test("an x87 instruction with EM = TS = 0 raises #UD: there is no x87 FPU", () => {
  const { ev } = runAt(0, "fninit", withCr0(0));
  expectFault(ev, 6, undefined, /no x87 FPU/);
});

test("ESC decodes its ModRM and displacement: the next instruction follows", () => {
  const m = new PmodeMachine();
  withCr0(0)(m);
  m.asm(KCODE, "fstpl 0x12345678(%eax,%ebx,4)");
  const seen: number[] = [];
  m.cpu.decodeHook = (insn) => seen.push(insn.len);
  m.run({ stopAt: [] });
  assert.equal(seen[0], 7);
});

test("WAIT raises #NM only when CR0.MP = 1 and CR0.TS = 1", () => {
  const r1 = runAt(0, "wait", withCr0(CR0.TS));
  assert.deepEqual(r1.ev, { kind: "stop", eip: r1.end });
  const r2 = runAt(0, "wait", withCr0(CR0.EM));
  assert.deepEqual(r2.ev, { kind: "stop", eip: r2.end });
  expectFault(runAt(0, "wait", withCr0(CR0.MP | CR0.TS)).ev, 7, undefined, /WAIT with CR0.MP = 1 and CR0.TS = 1/);
});

// =================================================================================================
// UD2, BOUND, INVD, WBINVD
// =================================================================================================

test("UD2 raises #UD", () => {
  const { m, ev } = runAt(3, "ud2");
  expectFault(ev, 6, undefined, /UD2/);
  assert.equal(m.stack(1)[0], UCODE);
});

test("BOUND within the bounds does nothing; the bounds are signed and inclusive", () => {
  const { m, ev, end } = runAt(3, `movl $-5, ${SCRATCH}; movl $5, ${SCRATCH + 4}; movl $-5, %eax; bound %eax, ${SCRATCH}; movl $5, %eax; bound %eax, ${SCRATCH}`);
  assert.deepEqual(ev, { kind: "stop", eip: end });
  assert.equal(m.cpu.r32[Reg.EAX], 5);
});

test("BOUND outside the bounds raises #BR with EIP at the BOUND", () => {
  const { m, ev, end } = runAt(3, `movl $-5, ${SCRATCH}; movl $5, ${SCRATCH + 4}; movl $6, %eax; bound %eax, ${SCRATCH}`);
  expectFault(ev, 5, undefined, /index 6 is outside the array bounds \[-5, 5\]/);
  assert.equal(m.stack(1)[0], end - 6);
});

test("BOUND with a 16-bit operand size compares signed words", () => {
  const { ev } = runAt(0, `movw $0x8000, ${SCRATCH}; movw $0x7fff, ${SCRATCH + 2}; movw $0xffff, %ax; boundw %ax, ${SCRATCH}; movw $0x10, ${SCRATCH + 2}; movw $0x11, %ax; boundw %ax, ${SCRATCH}`);
  expectFault(ev, 5, undefined, /index 17 is outside the array bounds \[-32768, 16\]/);
});

test("BOUND with a register operand raises #UD", () => {
  const { ev } = runAt(0, ".byte 0x62, 0xc1");
  expectFault(ev, 6, undefined, /BOUND does not take a register operand/);
});

test("INVD and WBINVD at CPL 0 do nothing visible", () => {
  kernel("invd; wbinvd");
});

