/**
 * Segment-register loads (MOV Sreg, LDS/LES/LSS/LFS/LGS) and the limit/type checks of memory
 * accesses (SDM Vol. 2B MOV Operation; Vol. 3A §3.4, §5.3–5.7), on the protected-mode fixture.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Reg, SegReg } from "./cpu.js";
import { Vector } from "./fault.js";
import { EFLAGS } from "./flags.js";
import { GDT_FREE, LAYOUT, PmodeMachine, SEL, codeSegment, dataSegment, realModeCpu, tssDescriptor } from "../../test/support/pmode.js";
import { assertFault, assertStopped, runAsm } from "../../test/support/pmode-assert.js";
import { assemble } from "../../test/support/asm.js";

const X = GDT_FREE; // first free GDT index
const sel = (index: number, rpl = 0): number => (index << 3) | rpl;

// ---- MOV Sreg,Ew (SDM Vol. 2B MOV, Operation) ----

test("MOV DS with a null selector loads an unusable DS; a read through it raises #GP(0)", () => {
  const m = new PmodeMachine();
  assertStopped(runAsm(m, "xor %eax, %eax\nmov %ax, %ds"));
  assert.equal(m.cpu.segSel[SegReg.DS], 0);
  assertFault(runAsm(m, "mov (%ebx), %eax"), Vector.GP, 0, /DS holds a null selector/);
});

test("MOV SS with a null selector raises #GP(0)", () => {
  const m = new PmodeMachine();
  assertFault(runAsm(m, "xor %eax, %eax\nmov %ax, %ss"), Vector.GP, 0, /load of SS with null selector 0x0/);
});

test("MOV SS with RPL != CPL raises #GP(selector)", () => {
  const m = new PmodeMachine();
  assertFault(runAsm(m, "mov $0x13, %ax\nmov %ax, %ss"), Vector.GP, 0x10, /load of SS with 0x13: selector RPL 3 != CPL 0/);
});

test("MOV SS with a read-only data segment raises #GP(selector)", () => {
  const m = new PmodeMachine();
  m.setGdt(X, dataSegment({ writable: false }));
  assertFault(runAsm(m, `mov $${sel(X)}, %ax\nmov %ax, %ss`), Vector.GP, sel(X), /read-only data is not a writable data segment/);
});

test("MOV SS with descriptor DPL != CPL raises #GP(selector)", () => {
  const m = new PmodeMachine();
  assertFault(runAsm(m, "mov $0x20, %ax\nmov %ax, %ss"), Vector.GP, 0x20, /descriptor DPL 3 != CPL 0/);
});

test("MOV SS with a not-present stack segment raises #SS(selector)", () => {
  const m = new PmodeMachine();
  m.setGdt(X, dataSegment({ present: false }));
  assertFault(runAsm(m, `mov $${sel(X)}, %ax\nmov %ax, %ss`), Vector.SS, sel(X), /stack segment not present/);
});

test("MOV DS with a selector beyond the GDT limit raises #GP(selector)", () => {
  const m = new PmodeMachine();
  assertFault(runAsm(m, "mov $0x203, %ax\nmov %ax, %ds"), Vector.GP, 0x200, /index 64 is beyond the GDT limit 0x1ff/);
});

test("MOV DS with an LDT selector while LDTR is null raises #GP(selector)", () => {
  const m = new PmodeMachine();
  m.cpu.ldtrSel = 0;
  assertFault(runAsm(m, "mov $0x0c, %ax\nmov %ax, %ds"), Vector.GP, 0x0c, /refers to the LDT, but LDTR is null/);
});

test("MOV DS with an LDT selector loads the LDT descriptor", () => {
  const m = new PmodeMachine();
  m.setLdt(1, dataSegment({ base: 0x5000, limit: 0xff, g: false }));
  assertStopped(runAsm(m, "mov $0x0c, %ax\nmov %ax, %ds"));
  assert.equal(m.cpu.segSel[SegReg.DS], 0x0c);
  assert.equal(m.cpu.segBase[SegReg.DS], 0x5000);
  assert.equal(m.cpu.segLimit[SegReg.DS], 0xff);
});

test("MOV DS at CPL 3 with a DPL-0 data segment raises #GP(selector)", () => {
  const m = new PmodeMachine({ cpl: 3 });
  assertFault(runAsm(m, "mov $0x10, %ax\nmov %ax, %ds"), Vector.GP, 0x10, /CPL 3 > descriptor DPL 0/);
});

test("MOV DS with RPL 3 > DPL 0 raises #GP(selector) even at CPL 0", () => {
  const m = new PmodeMachine();
  assertFault(runAsm(m, "mov $0x13, %ax\nmov %ax, %ds"), Vector.GP, 0x10, /selector RPL 3 > descriptor DPL 0/);
});

test("MOV DS with an execute-only code segment raises #GP(selector); a readable one loads", () => {
  const m = new PmodeMachine();
  m.setGdt(X, codeSegment({ readable: false }));
  assertFault(runAsm(m, `mov $${sel(X)}, %ax\nmov %ax, %ds`), Vector.GP, sel(X), /execute-only code is not a data or readable code segment/);
  const m2 = new PmodeMachine();
  assertStopped(runAsm(m2, "mov $0x08, %ax\nmov %ax, %ds\nmov (0x10000), %eax"));
  assert.equal(m2.cpu.segSel[SegReg.DS], 0x08);
});

test("MOV DS at CPL 3 with a DPL-0 conforming readable code segment loads (no privilege check)", () => {
  const m = new PmodeMachine({ cpl: 3 });
  m.setGdt(X, codeSegment({ conforming: true, dpl: 0 }));
  assertStopped(runAsm(m, `mov $${sel(X, 3)}, %ax\nmov %ax, %ds`));
  assert.equal(m.cpu.segSel[SegReg.DS], sel(X, 3));
});

test("MOV DS with a system descriptor (TSS) raises #GP(selector)", () => {
  const m = new PmodeMachine();
  assertFault(runAsm(m, "mov $0x28, %ax\nmov %ax, %ds"), Vector.GP, 0x28, /busy 32-bit TSS is not a data or readable code segment/);
});

test("MOV DS with a not-present data segment raises #NP(selector)", () => {
  const m = new PmodeMachine();
  m.setGdt(X, dataSegment({ present: false }));
  assertFault(runAsm(m, `mov $${sel(X)}, %ax\nmov %ax, %ds`), Vector.NP, sel(X), /segment not present/);
});

test("MOV CS,Ew raises #UD, and so does ModRM.reg 6", () => {
  const m = new PmodeMachine();
  m.load(m.pc, [0x8e, 0xc8]); // mov %ax, %cs
  assertFault(m.run({ maxSteps: 1 }), Vector.UD, undefined, /CS cannot be the destination of MOV/);
  const m2 = new PmodeMachine();
  m2.load(m2.pc, [0x8e, 0xf0]); // reg = 6
  assertFault(m2.run({ maxSteps: 1 }), Vector.UD, undefined, /ModRM.reg 6 names no segment register/);
});

test("a segment load sets the accessed bit of the descriptor in the GDT", () => {
  const m = new PmodeMachine();
  m.setGdt(X, dataSegment());
  assert.equal(m.gdt(X).type & 1, 0);
  assertStopped(runAsm(m, `mov $${sel(X)}, %ax\nmov %ax, %es`));
  assert.equal(m.gdt(X).type & 1, 1);
  assert.equal(m.cpu.segAr[SegReg.ES] & 1, 1);
});

test("a faulting segment load leaves the register and the descriptor's accessed bit unchanged", () => {
  const m = new PmodeMachine({ cpl: 3 });
  m.setGdt(X, dataSegment({ dpl: 0 }));
  const before = m.cpu.segSel[SegReg.DS];
  assertFault(runAsm(m, `mov $${sel(X, 3)}, %ax\nmov %ax, %ds`), Vector.GP, sel(X));
  assert.equal(m.cpu.segSel[SegReg.DS], before);
  assert.equal(m.gdt(X).type & 1, 0);
});

test("MOV SS inhibits external interrupts until the next instruction has executed", () => {
  const m = new PmodeMachine();
  const start = m.pc;
  const end = m.asm(start, "mov $0x10, %ax\nmov %ax, %ss\nnop\nnop");
  m.cpu.setEflags(EFLAGS.RESERVED1 | EFLAGS.IF);
  assertStopped(m.run({ stopAt: [start + 4] })); // after mov $0x10, %ax
  m.cpu.run(1); // MOV SS
  m.bus.pending.push(0x20);
  const ev = m.run({ stopAt: [end] });
  assert.equal(ev.kind, "interrupt");
  assert.equal(ev.kind === "interrupt" && ev.vector, 0x20);
  // the NOP after MOV SS ran first: the pushed EIP is that of the second NOP
  assert.equal(m.stack(3)[0], start + 7);
});

// ---- LDS/LES/LSS/LFS/LGS (SDM Vol. 2A) ----

test("LDS with a null selector loads a null DS; using it raises #GP(0)", () => {
  const m = new PmodeMachine();
  m.write32(0x5000, 0x12345678);
  m.write16(0x5004, 0x0003);
  assertStopped(runAsm(m, "lds (0x5000), %esi"));
  assert.equal(m.cpu.r32[Reg.ESI], 0x12345678);
  assert.equal(m.cpu.segSel[SegReg.DS], 3);
  assertFault(runAsm(m, "lodsb"), Vector.GP, 0, /DS holds a null selector \(0x3\)/);
});

test("LDS with a register operand raises #UD", () => {
  const m = new PmodeMachine();
  m.load(m.pc, [0xc5, 0xc0]);
  assertFault(m.run({ maxSteps: 1 }), Vector.UD, undefined, /LDS does not take a register operand/);
});

test("LSS loads SS:ESP from an m16:32 far pointer", () => {
  const m = new PmodeMachine();
  m.setGdt(X, dataSegment({ base: 0x20000, limit: 0xffff, g: false }));
  m.write32(0x5000, 0x8000);
  m.write16(0x5004, sel(X));
  assertStopped(runAsm(m, "lss (0x5000), %esp"));
  assert.equal(m.cpu.r32[Reg.ESP], 0x8000);
  assert.equal(m.cpu.segSel[SegReg.SS], sel(X));
  assert.equal(m.cpu.segBase[SegReg.SS], 0x20000);
});

test("LES with a 16-bit operand size reads an m16:16 far pointer and writes only the low word", () => {
  const m = new PmodeMachine();
  m.write16(0x5000, 0xbeef);
  m.write16(0x5002, SEL.KDATA);
  m.cpu.r32[Reg.EDI] = 0x11110000;
  assertStopped(runAsm(m, "les (0x5000), %di"));
  assert.equal(m.cpu.r32[Reg.EDI] >>> 0, 0x1111beef);
  assert.equal(m.cpu.segSel[SegReg.ES], SEL.KDATA);
});

test("LFS and LGS load FS and GS", () => {
  const m = new PmodeMachine();
  m.write32(0x5000, 1); m.write16(0x5004, SEL.KDATA);
  m.write32(0x5008, 2); m.write16(0x500c, 0);
  assertStopped(runAsm(m, "lfs (0x5000), %eax\nlgs (0x5008), %ebx"));
  assert.equal(m.cpu.segSel[SegReg.FS], SEL.KDATA);
  assert.equal(m.cpu.segSel[SegReg.GS], 0);
  assert.deepEqual([m.cpu.r32[Reg.EAX], m.cpu.r32[Reg.EBX]], [1, 2]);
});

test("LDS whose selector faults leaves the destination register unchanged (restart)", () => {
  const m = new PmodeMachine({ cpl: 3 });
  m.write32(0x5000, 0x12345678);
  m.write16(0x5004, SEL.KDATA | 3);
  m.cpu.r32[Reg.ESI] = 7;
  assertFault(runAsm(m, "lds (0x5000), %esi"), Vector.GP, SEL.KDATA);
  assert.equal(m.cpu.r32[Reg.ESI], 7);
  assert.equal(m.cpu.segSel[SegReg.DS], SEL.UDATA);
});

// ---- Limit and type checks on every access (SDM Vol. 3A §5.3, §5.4) ----

test("a read beyond a byte-granular data segment limit raises #GP(0); the last byte is readable", () => {
  const m = new PmodeMachine();
  m.setGdt(X, dataSegment({ base: 0x5000, limit: 0xff, g: false }));
  assertStopped(runAsm(m, `mov $${sel(X)}, %ax\nmov %ax, %ds\nmovb (0xff), %al\nmov (0xfc), %eax`));
  assertFault(runAsm(m, "mov (0xfd), %eax"), Vector.GP, 0, /read of 4 bytes at DS:0xfd: beyond the DS limit 0xff/);
});

test("4 KiB granularity: limit field 0 allows offsets 0 to 0xFFF", () => {
  const m = new PmodeMachine();
  m.setGdt(X, dataSegment({ base: 0x5000, limit: 0, g: true }));
  assertStopped(runAsm(m, `mov $${sel(X)}, %ax\nmov %ax, %ds\nmov (0xffc), %eax`));
  assert.equal(m.cpu.segLimit[SegReg.DS], 0xfff);
  assertFault(runAsm(m, "movb (0x1000), %al"), Vector.GP, 0, /beyond the DS limit 0xfff/);
});

test("a 4-GiB expand-up segment lets an access wrap past offset FFFFFFFFH to offset 0 (SDM §5.3 implementation-specific; as Bochs)", () => {
  const m = new PmodeMachine();
  // base 0x5000: offsets FFFFFFFEH..1 are linear 0x4ffe..0x5001
  m.setGdt(X, dataSegment({ base: 0x5000, limit: 0xfffff, g: true }));
  m.write32(0x4ffc, 0x44332211);
  m.write32(0x5000, 0x88776655);
  assertStopped(runAsm(m, `mov $${sel(X)}, %ax\nmov %ax, %ds\nmov (0xfffffffd), %ebx\nmovw (0xffffffff), %cx\nmovl $0xa1b2c3d4, (0xfffffffe)`));
  assert.equal(m.cpu.r32[Reg.EBX] >>> 0, 0x55443322);
  assert.equal(m.cpu.r16[Reg.ECX * 2], 0x5544);
  assert.equal(m.read32(0x4ffc) >>> 0, 0xc3d42211);
  assert.equal(m.read32(0x5000) >>> 0, 0x8877a1b2);
  // a read-modify-write and a stack push wrap the same way
  assertStopped(runAsm(m, `addl $1, (0xfffffffe)`));
  assert.equal(m.read32(0x4ffe) >>> 0, 0xa1b2c3d5);
  assertStopped(runAsm(m, `mov %ds, %ax\nmov %ax, %ss\nmov $2, %esp\npushl $0x01020304`));
  assert.equal(m.cpu.r32[Reg.ESP] >>> 0, 0xfffffffe);
  assert.equal(m.read32(0x4ffe) >>> 0, 0x01020304);
});

test("expand-down segments keep their limit check at the top: B = 1 still faults past offset FFFFFFFFH", () => {
  const m = new PmodeMachine();
  m.setGdt(X, dataSegment({ expandDown: true, limit: 0xfff, g: false, b: true }));
  assertStopped(runAsm(m, `mov $${sel(X)}, %ax\nmov %ax, %ds\nmov (0xfffffffc), %eax`));
  assertFault(runAsm(m, "mov (0xfffffffd), %eax"), Vector.GP, 0, /outside the expand-down segment's valid offsets/);
});

test("expand-down data segment: offset below limit+1 raises #GP(0)", () => {
  const m = new PmodeMachine();
  m.setGdt(X, dataSegment({ expandDown: true, limit: 0xfff, g: false, b: true }));
  assertStopped(runAsm(m, `mov $${sel(X)}, %ax\nmov %ax, %ds\nmov (0x1000), %eax\nmov %eax, (0x7ffffffc)`));
  assertFault(runAsm(m, "mov (0xffe), %eax"), Vector.GP, 0, /outside the expand-down segment's valid offsets 0x1000–0xFFFFFFFF/);
});

test("expand-down data segment with B = 0: offsets above 0xFFFF raise #GP(0)", () => {
  const m = new PmodeMachine();
  m.setGdt(X, dataSegment({ expandDown: true, limit: 0xfff, g: false, b: false }));
  assertStopped(runAsm(m, `mov $${sel(X)}, %ax\nmov %ax, %ds\nmov (0xfffc), %eax`));
  assertFault(runAsm(m, "mov (0xfffe), %eax"), Vector.GP, 0, /0x1000–0xFFFF/);
});

test("stack access beyond SS limit raises #SS(0)", () => {
  const m = new PmodeMachine({ cpl: 3 });
  m.setGdt(X, dataSegment({ base: 0x20000, limit: 0xfff, g: false, dpl: 3 }));
  assertStopped(runAsm(m, `mov $${sel(X, 3)}, %ax\nmov %ax, %ss\nmov $0x2000, %esp`));
  assertFault(runAsm(m, "push %eax"), Vector.SS, 0, /write of 4 bytes at SS:0x1ffc: beyond the SS limit 0xfff/);
  // the handler runs on the ring-0 stack; the user's SS:ESP in the frame are unchanged
  assert.equal(m.cpu.segSel[SegReg.SS], SEL.KDATA);
  assert.deepEqual(m.stack(6).slice(4), [0x2000, sel(X, 3)]);
});

test("a stack fault whose handler must push on the same full stack ends in a triple fault", () => {
  const m = new PmodeMachine();
  m.setGdt(X, dataSegment({ base: 0x20000, limit: 0xfff, g: false }));
  assertStopped(runAsm(m, `mov $${sel(X)}, %ax\nmov %ax, %ss\nmov $0x2000, %esp`));
  const ev = runAsm(m, "push %eax");
  assert.equal(ev.kind, "shutdown");
  if (ev.kind !== "shutdown") return;
  assert.match(ev.info.chain[0], /^#SS\(0x0\) at 0x8:0x[0-9a-f]+ \(CPL 0\) `push eax`: write of 4 bytes at SS:0x1ffc/);
  assert.match(ev.info.chain[1], /^#SS\(0x1\) while delivering #SS\(0x0\): .*current stack: no room for 16 bytes below ESP 0x2000/);
  assert.match(ev.info.chain[2], /→ #DF\(0\): contributory exception during delivery of a contributory one/);
  assert.match(ev.info.chain[3], /^#SS\(0x1\) while delivering #DF\(0x0\)/);
  assert.match(ev.info.reason, /^triple fault: #SS\(0x1\) while delivering #DF/);
});

test("an EBP-based access defaults to SS and raises #SS(0) beyond its limit; a DS override raises #GP(0)", () => {
  const m = new PmodeMachine();
  m.setGdt(X, dataSegment({ base: 0, limit: 0xfffff, g: false }));
  m.setGdt(X + 1, dataSegment({ base: 0, limit: 0x7ffff, g: false }));
  m.enterRing(0, LAYOUT.KCODE_ADDR, 0x7f000);
  m.loadSeg(SegReg.SS, sel(X + 1));
  m.cpu.r32[Reg.EBP] = 0x90000;
  assertFault(runAsm(m, "mov (%ebp), %eax"), Vector.SS, 0, /SS:0x90000/);
  const m2 = new PmodeMachine();
  m2.setGdt(X, dataSegment({ base: 0, limit: 0x7ffff, g: false }));
  m2.loadSeg(SegReg.DS, sel(X));
  m2.cpu.r32[Reg.EBP] = 0x90000;
  assertFault(runAsm(m2, "mov %ds:(%ebp), %eax"), Vector.GP, 0, /DS:0x90000/);
});

test("a write to a read-only data segment raises #GP(0) and leaves memory unchanged", () => {
  const m = new PmodeMachine();
  m.setGdt(X, dataSegment({ writable: false }));
  m.write32(0x5000, 0x11111111);
  assertStopped(runAsm(m, `mov $${sel(X)}, %ax\nmov %ax, %ds\nmov (0x5000), %eax`));
  assertFault(runAsm(m, "addl $1, (0x5000)"), Vector.GP, 0, /write of 4 bytes at DS:0x5000: DS \(0x58\) is not a writable data segment/);
  assert.equal(m.read32(0x5000), 0x11111111);
});

test("a write through a CS override raises #GP(0); a read through an execute-only CS raises #GP(0)", () => {
  const m = new PmodeMachine();
  assertFault(runAsm(m, "mov %eax, %cs:(0x5000)"), Vector.GP, 0, /CS \(0x8\) is not a writable data segment/);
  const m2 = new PmodeMachine();
  m2.setGdt(X, codeSegment({ readable: false }));
  m2.loadSeg(SegReg.CS, sel(X));
  assertFault(runAsm(m2, "mov %cs:(0x5000), %eax"), Vector.GP, 0, /execute-only code segment/);
});

test("an instruction that extends beyond the CS limit raises #GP(0)", () => {
  const m = new PmodeMachine();
  m.setGdt(X, codeSegment({ limit: 0x10002, g: false }));
  m.loadSeg(SegReg.CS, sel(X));
  m.load(0x10000, [0x90, 0xb8, 0, 0, 0, 0]); // nop; mov $0, %eax (ends at 0x10005)
  m.cpu.eip = 0x10000;
  const ev = m.run({ maxSteps: 3 });
  assertFault(ev, Vector.GP, 0, /exceeds the CS limit/);
  assert.equal(m.stack(2)[1], 0x10001, "the faulting instruction's EIP is pushed");
});

// ---- Real mode and the switch to protected mode ----

test("real-mode segment load: base = selector × 16, limit and attributes kept", () => {
  const cpu = realModeCpu();
  cpu.ram.set(assemble("mov $0x1234, %ax\nmov %ax, %ds\nmov %ax, %ss", { code16: true }), 0x1000);
  cpu.run(3);
  assert.equal(cpu.segBase[SegReg.DS], 0x12340);
  assert.equal(cpu.segSel[SegReg.DS], 0x1234);
  assert.equal(cpu.segLimit[SegReg.DS], 0xffff);
  assert.equal(cpu.segBase[SegReg.SS], 0x12340);
  assert.equal(cpu.cpl, 0);
});

test("LDS with 16-bit addressing: a far pointer at offset 0xFFFE takes its selector from offset 0 (address-size wrap)", () => {
  const cpu = realModeCpu();
  cpu.loadSegmentReal(SegReg.DS, 0x1000);
  cpu.ram.set([0x34, 0x12], 0x1fffe);
  cpu.ram.set([0x00, 0x20], 0x10000);
  cpu.ram.set(assemble("lds 0xfffe, %si", { code16: true }), 0x1000);
  cpu.run(1);
  assert.equal(cpu.r16[Reg.ESI * 2], 0x1234);
  assert.equal(cpu.segSel[SegReg.DS], 0x2000);
  assert.equal(cpu.segBase[SegReg.DS], 0x20000);
});

test("after setting CR0.PE, CS keeps its real-mode cache until a far jump loads a 32-bit descriptor", () => {
  const m = new PmodeMachine();
  const cpu = m.cpu;
  // back to real mode with CS = 0x0100 (base 0x1000), 16-bit, then run the classic switch
  cpu.setCr0(cpu.cr0 & ~1);
  for (const s of [SegReg.CS, SegReg.DS, SegReg.ES, SegReg.SS, SegReg.FS, SegReg.GS]) {
    cpu.segAr[s] = s === SegReg.CS ? 0x9b : 0x93; cpu.segLimit[s] = 0xffff; cpu.loadSegmentReal(s, s === SegReg.CS ? 0x100 : 0);
  }
  cpu.eip = 0x100;
  cpu.r32[Reg.ESP] = 0x7000;
  const code = assemble(`
    mov %cr0, %eax
    or $1, %al
    mov %eax, %cr0
    mov %cs, %bx          # still 0x0100: the real-mode cache
    mov $0x11, %cx        # 16-bit code still
    ljmpl $0x08, $0x20000
  `, { code16: true, org: 0x1100 });
  m.load(0x1100, code);
  m.load(0x20000, assemble("mov $0x10, %eax\nmov %eax, %ds", { org: 0x20000 }));
  const ev = m.run({ stopAt: [0x1100 + code.length - 8, 0x20000] });
  assert.equal(ev.kind, "stop");
  assert.equal(cpu.protectedMode, true);
  assert.equal(cpu.segSel[SegReg.CS], 0x100, "CS selector unchanged after MOV CR0");
  assert.equal(cpu.segBase[SegReg.CS], 0x1000);
  assert.equal(cpu.cs32, false, "still 16-bit code");
  assert.equal(cpu.cpl, 0);
  assertStopped(m.run({ stopAt: [0x20000] }));
  assert.equal(cpu.segSel[SegReg.CS], 0x08);
  assert.equal(cpu.cs32, true);
  assert.equal(cpu.r16[Reg.EBX * 2], 0x100);
  assertStopped(m.run({ stopAt: [0x20000 + 7] }));
  assert.equal(cpu.segSel[SegReg.DS], 0x10);
});

test("a TSS descriptor helper: busy 32-bit TSS type decodes as such", () => {
  const m = new PmodeMachine();
  m.setGdt(X, tssDescriptor({ base: 0x3000, limit: 0x67 }));
  assert.equal(m.gdt(X).typeName, "available 32-bit TSS");
  assert.equal(m.gdt(SEL.TSS >> 3).typeName, "busy 32-bit TSS");
});

test("a flat segment load for the fast system calls gives the same cache and bounds as the general load", async () => {
  const { setFlatSegmentCache, setSegmentCache } = await import("./segmentation.js");
  for (const ar of [0xc09b, 0xc093, 0xc0fb, 0xc0f3, 0xc099]) {
    const a = new PmodeMachine({ cpl: 0 }).cpu, b = new PmodeMachine({ cpl: 0 }).cpu;
    setSegmentCache(a, SegReg.SS, 0x10, 0, 0xffffffff, ar);
    setFlatSegmentCache(b, SegReg.SS, 0x10, ar);
    for (const k of ["segSel", "segBase", "segLimit", "segAr", "segMin", "segAccessMin", "segReadMax", "segWriteMax"] as const)
      assert.equal(b[k][SegReg.SS], a[k][SegReg.SS], `${k} for access rights 0x${ar.toString(16)}`);
  }
});
