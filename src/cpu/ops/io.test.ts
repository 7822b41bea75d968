import { test } from "node:test";
import assert from "node:assert/strict";
import { Reg, SegReg } from "../cpu.js";
import { EFLAGS } from "../flags.js";
import type { CpuFault } from "../fault.js";
import { GDT_FREE, LAYOUT, PmodeMachine, TSS32, dataSegment, realModeCpu, type RunEvent } from "../../../test/support/pmode.js";

const KCODE = LAYOUT.KCODE_ADDR, UCODE = LAYOUT.UCODE_ADDR;
const MAP = TSS32.SIZE; // I/O map right after the 104-byte TSS

function expectFault(ev: RunEvent, vector: number, errorCode: number | undefined, reason?: RegExp): CpuFault {
  assert.equal(ev.kind, "interrupt", `expected an exception, got ${JSON.stringify(ev)}`);
  if (ev.kind !== "interrupt") throw new Error("unreachable");
  assert.equal(ev.vector, vector, ev.fault?.reason);
  assert.ok(ev.fault);
  assert.equal(ev.fault.errorCode, errorCode);
  if (reason) assert.match(ev.fault.reason, reason);
  return ev.fault;
}

/** A bus whose ports read as (port + 0x11) per byte and which logs reads and writes. */
function instrument(m: PmodeMachine): { reads: number[]; writes: Array<[number, number, number]> } {
  const reads: number[] = [];
  m.bus.ioRead = (port: number, size: 1 | 2 | 4): number => {
    reads.push(port);
    let v = 0;
    for (let k = 0; k < size; k++) v |= ((port + 0x11 + k) & 0xff) << (8 * k);
    return v;
  };
  return { reads, writes: m.bus.ioLog };
}

/**
 * Gives the TSS a full I/O permission bit map (8 KiB for 65536 ports plus the trailing 0xFF byte),
 * every port denied except `allowed`; `limit` overrides the TSS limit.
 */
function ioMap(m: PmodeMachine, allowed: number[], limit = MAP + 0x2000): void {
  m.write16(LAYOUT.TSS + TSS32.IOMAP, MAP);
  m.cpu.ram.fill(0xff, LAYOUT.TSS + MAP, LAYOUT.TSS + MAP + 0x2001);
  for (const p of allowed) m.cpu.ram[LAYOUT.TSS + MAP + (p >> 3)] &= ~(1 << (p & 7));
  m.setTssLimit(limit);
}

/** Ring 3 with IOPL `iopl`. */
function user(iopl = 0): PmodeMachine {
  const m = new PmodeMachine({ cpl: 3 });
  m.cpu.setEflags(EFLAGS.RESERVED1 | (iopl << 12));
  return m;
}

// ---- IN / OUT at CPL 0 ----

test("OUT at CPL 0 reaches the bus and asks the loop to look for interrupts", () => {
  const m = new PmodeMachine();
  const { writes } = instrument(m);
  const end = m.asm(KCODE, "movw $0x3f8, %dx; movb $0x41, %al; outb %al, %dx; outw %ax, $0x80; movl $0x12345678, %eax; outl %eax, %dx");
  m.cpu.r32[Reg.EAX] = 0x4241;
  assert.deepEqual(m.run({ stopAt: [end] }), { kind: "stop", eip: end });
  assert.deepEqual(writes, [[0x3f8, 1, 0x41], [0x80, 2, 0x4241], [0x3f8, 4, 0x12345678]]);
  m.cpu.attention = 0;
  const m2 = new PmodeMachine();
  instrument(m2);
  m2.asm(KCODE, "outb %al, $0x80");
  m2.cpu.stepOne();
  assert.equal(m2.cpu.attention, 1);
});

test("IN reads the port into AL, AX or EAX and leaves the rest of EAX", () => {
  const m = new PmodeMachine();
  instrument(m);
  m.cpu.r32[Reg.EAX] = 0xaabbccdd | 0;
  m.asm(KCODE, "inb $0x60, %al");
  m.cpu.stepOne();
  assert.equal(m.cpu.r32[Reg.EAX] >>> 0, 0xaabbcc71);
  m.asm(KCODE, "movw $0x1f0, %dx; inw %dx, %ax");
  m.cpu.eip = KCODE; m.cpu.stepOne(); m.cpu.stepOne();
  assert.equal(m.cpu.r32[Reg.EAX] >>> 0, 0xaabb0201);
  m.asm(KCODE, "inl $0x10, %eax");
  m.cpu.eip = KCODE; m.cpu.stepOne();
  assert.equal(m.cpu.r32[Reg.EAX] >>> 0, 0x24232221);
});

// ---- The I/O permission bit map (SDM Vol. 1 §19.5) ----

test("OUT at CPL 3 with IOPL 3 needs no bit map", () => {
  const m = user(3);
  const { writes } = instrument(m);
  const end = m.asm(UCODE, "outb %al, $0x80");
  assert.deepEqual(m.run({ stopAt: [end] }), { kind: "stop", eip: end });
  assert.equal(writes.length, 1);
});

test("OUT to a port whose bitmap bit is set at CPL 3 with IOPL 0 raises #GP(0)", () => {
  const m = user(0);
  const { writes } = instrument(m);
  ioMap(m, [0x3f9]);
  const end = m.asm(UCODE, "movw $0x3f8, %dx; outb %al, %dx");
  expectFault(m.run({ stopAt: [end] }), 13, 0, /OUT port 0x3f8 \(1 byte\) at CPL 3 with IOPL 0: its I\/O permission bit map bit is set/);
  assert.equal(writes.length, 0);
});

test("OUT to a port whose bitmap bit is clear at CPL 3 with IOPL 0 is allowed", () => {
  const m = user(0);
  const { writes } = instrument(m);
  ioMap(m, [0x3f8]);
  const end = m.asm(UCODE, "movw $0x3f8, %dx; outb %al, %dx");
  assert.deepEqual(m.run({ stopAt: [end] }), { kind: "stop", eip: end });
  assert.deepEqual(writes, [[0x3f8, 1, m.cpu.r8[0]]]);
});

test("a word OUT needs the bits of both ports clear, across a bit-map byte boundary", () => {
  const m = user(0);
  instrument(m);
  ioMap(m, [0x3ff]); // 0x3ff allowed, 0x400 (next byte) denied
  const end = m.asm(UCODE, "movw $0x3ff, %dx; outw %ax, %dx");
  expectFault(m.run({ stopAt: [end] }), 13, 0, /port 0x3ff \(2 bytes\)/);
  const m2 = user(0);
  const { writes } = instrument(m2);
  ioMap(m2, [0x3ff, 0x400]);
  const end2 = m2.asm(UCODE, "movw $0x3ff, %dx; outw %ax, %dx");
  assert.deepEqual(m2.run({ stopAt: [end2] }), { kind: "stop", eip: end2 });
  assert.equal(writes.length, 1);
});

test("IN at CPL 3 with IOPL 0 and no I/O map (map base beyond the TSS limit) raises #GP(0)", () => {
  const m = user(0);
  const { reads } = instrument(m);
  const end = m.asm(UCODE, "inb $0x60, %al");
  expectFault(m.run({ stopAt: [end] }), 13, 0, /beyond the TSS limit/);
  assert.equal(reads.length, 0);
});

test("bit-map bytes beyond the TSS limit count as set: the processor reads two bytes per check", () => {
  // Map covers ports 0–0x7f exactly (16 bytes), all allowed, without the trailing 0xFF byte.
  const m = user(0);
  ioMap(m, Array.from({ length: 0x80 }, (_, p) => p), MAP + 16 - 1);
  instrument(m);
  // port 0x70: bytes 14 and 15 are within the limit
  let end = m.asm(UCODE, "inb $0x70, %al");
  assert.deepEqual(m.run({ stopAt: [end] }), { kind: "stop", eip: end });
  // port 0x78: byte 15 is the last one inside; byte 16 is beyond the limit
  m.enterRing(3, UCODE);
  end = m.asm(UCODE, "inb $0x78, %al");
  expectFault(m.run({ stopAt: [end] }), 13, 0, /TSS offset 0x77 .* beyond the TSS limit 0x77/);
});

test("without a 32-bit TSS there is no bit map: IN at CPL 3 with IOPL 0 raises #GP(0)", () => {
  const m = user(0);
  m.cpu.trType = 0x3; // a busy 16-bit TSS (the fixture's TSS cannot then deliver the fault: look at the first one)
  const end = m.asm(UCODE, "inb $0x60, %al");
  m.run({ stopAt: [end] });
  assert.equal(m.faults[0]?.vector, 13);
  assert.equal(m.faults[0]?.errorCode, 0);
  assert.match(m.faults[0].reason, /TR does not hold a 32-bit TSS/);
});

test("at CPL 1 with IOPL 1 I/O is allowed without consulting the bit map; IOPL 0 consults it", () => {
  const m = new PmodeMachine({ cpl: 1, eip: KCODE });
  instrument(m);
  m.cpu.setEflags(EFLAGS.RESERVED1 | (1 << 12));
  let end = m.asm(KCODE, "inb $0x60, %al");
  assert.deepEqual(m.run({ stopAt: [end] }), { kind: "stop", eip: end });
  m.cpu.setEflags(EFLAGS.RESERVED1);
  m.enterRing(1, KCODE);
  end = m.asm(KCODE, "inb $0x60, %al");
  expectFault(m.run({ stopAt: [end] }), 13, 0, /at CPL 1 with IOPL 0/);
});

test("in virtual-8086 mode the bit map is consulted even with IOPL 3", () => {
  const m = new PmodeMachine();
  const c = m.cpu;
  const { writes } = instrument(m);
  ioMap(m, [0x80]);
  m.load(0x20000, [0xe6, 0x80, 0xe6, 0x81]); // out %al, $0x80; out %al, $0x81
  c.setEflags(EFLAGS.RESERVED1 | EFLAGS.VM | (3 << 12));
  for (const s of [SegReg.CS, SegReg.SS, SegReg.DS, SegReg.ES, SegReg.FS, SegReg.GS]) c.loadSegmentReal(s, 0x2000);
  c.cpl = 3; c.updatePrivilege();
  c.eip = 0; c.r32[Reg.ESP] = 0x1000;
  expectFault(m.run({ stopAt: [0x20004] }), 13, 0, /OUT port 0x81 \(1 byte\) in virtual-8086 mode/);
  assert.deepEqual(writes.map((w) => w[0]), [0x80]);
});

test("in real-address mode I/O is always allowed", () => {
  const c = realModeCpu(0x1000);
  c.ram.set([0xe6, 0x80], 0x1000);
  c.run(1);
  assert.deepEqual((c.bus as unknown as { ioLog: unknown[] }).ioLog, [[0x80, 1, 0]]);
});

// ---- INS / OUTS ----

test("REP OUTSB writes ECX bytes from DS:ESI in order and advances ESI", () => {
  const m = new PmodeMachine();
  const { writes } = instrument(m);
  m.load(0x90000, [1, 2, 3, 4]);
  const end = m.asm(KCODE, "movl $0x90000, %esi; movl $4, %ecx; movw $0xe9, %dx; rep outsb");
  assert.deepEqual(m.run({ stopAt: [end] }), { kind: "stop", eip: end });
  assert.deepEqual(writes, [[0xe9, 1, 1], [0xe9, 1, 2], [0xe9, 1, 3], [0xe9, 1, 4]]);
  assert.equal(m.cpu.r32[Reg.ESI], 0x90004);
  assert.equal(m.cpu.r32[Reg.ECX], 0);
});

test("OUTS honours a segment override; INS always stores through ES", () => {
  const m = new PmodeMachine();
  const { writes } = instrument(m);
  m.setGdt(GDT_FREE, dataSegment({ base: 0x90000, dpl: 0 }));
  m.loadSeg(SegReg.FS, GDT_FREE << 3);
  m.load(0x90010, [0x5a]);
  m.load(0x10, [0x00]);
  const end = m.asm(KCODE, "movl $0x10, %esi; movl $0x10, %edi; movw $0x60, %dx; outsb %fs:(%esi), (%dx); insb (%dx), %es:(%edi)");
  assert.deepEqual(m.run({ stopAt: [end] }), { kind: "stop", eip: end });
  assert.deepEqual(writes, [[0x60, 1, 0x5a]]);
  assert.equal(m.read8(0x10), 0x71, "INS wrote to ES:EDI (ES base 0)");
  assert.equal(m.read8(0x90010), 0x5a);
});

test("REP INSW with DF = 1 stores downward at ES:EDI", () => {
  const m = new PmodeMachine();
  instrument(m);
  const end = m.asm(KCODE, "std; movl $0x90010, %edi; movl $3, %ecx; movw $0x1f0, %dx; rep insw");
  assert.deepEqual(m.run({ stopAt: [end] }), { kind: "stop", eip: end });
  assert.equal(m.cpu.r32[Reg.EDI], 0x90010 - 6);
  for (const a of [0x90010, 0x9000e, 0x9000c]) assert.equal(m.read16(a), 0x0201, `word at ${a.toString(16)}`);
  assert.equal(m.read16(0x9000a), 0);
});

test("INSD with a 16-bit address size uses DI and CX, wrapping DI at 64 KiB", () => {
  const m = new PmodeMachine();
  instrument(m);
  m.cpu.r32[Reg.EDI] = 0x1234fffc | 0;
  m.cpu.r32[Reg.ECX] = 0x55550002;
  const end = m.asm(KCODE, "movw $0x10, %dx; addr16 rep insl");
  assert.deepEqual(m.run({ stopAt: [end] }), { kind: "stop", eip: end });
  assert.equal(m.cpu.r32[Reg.EDI] >>> 0, 0x12340004, "DI wrapped, upper EDI kept");
  assert.equal(m.cpu.r32[Reg.ECX], 0x55550000, "CX counted, upper ECX kept");
  assert.equal(m.read32(0xfffc), 0x24232221);
  assert.equal(m.read32(0x0000), 0x24232221);
});

test("INS into a read-only segment faults before reading the port", () => {
  const m = new PmodeMachine();
  const { reads } = instrument(m);
  m.setGdt(GDT_FREE, dataSegment({ writable: false }));
  m.loadSeg(SegReg.ES, GDT_FREE << 3);
  const end = m.asm(KCODE, "movl $0x90000, %edi; insb (%dx), %es:(%edi)");
  expectFault(m.run({ stopAt: [end] }), 13, 0, /not a writable data segment/);
  assert.equal(reads.length, 0, "device data not consumed");
});

test("a fault in the middle of REP INSB leaves ECX and EDI at the faulting element", () => {
  const m = new PmodeMachine();
  const { reads } = instrument(m);
  m.setGdt(GDT_FREE, dataSegment({ limit: 0x1003, g: false }));
  m.loadSeg(SegReg.ES, GDT_FREE << 3);
  const end = m.asm(KCODE, "movl $0x1000, %edi; movl $8, %ecx; movw $0x60, %dx; rep insb");
  expectFault(m.run({ stopAt: [end] }), 13, 0, /ES limit 0x1003/);
  assert.equal(m.cpu.r32[Reg.ECX], 4);
  assert.equal(m.cpu.r32[Reg.EDI], 0x1004);
  assert.equal(reads.length, 4);
  // the frame's EIP is the REP INSB itself: the restart resumes with element 4
  assert.equal(m.stack(2)[1], end - 2);
});

test("REP OUTSB at CPL 3 with a denied port raises #GP(0) before any element, even with ECX = 0", () => {
  const m = user(0);
  const { writes } = instrument(m);
  ioMap(m, []);
  m.cpu.r32[Reg.ECX] = 0;
  const end = m.asm(UCODE, "movw $0x80, %dx; rep outsb");
  expectFault(m.run({ stopAt: [end] }), 13, 0, /OUTS port 0x80/);
  assert.equal(writes.length, 0);
});
