import { test } from "node:test";
import assert from "node:assert/strict";
import { CR0, Reg, SegReg } from "../cpu.js";
import { EFLAGS } from "../flags.js";
import { GDT_FREE, LAYOUT, PmodeMachine, dataSegment, realModeCpu } from "../../../test/support/pmode.js";
import { runProgram, vectorOf } from "../../../test/support/pmode-assert.js";

const run = (source: string, setup?: (m: PmodeMachine) => void, cpl: 0 | 3 = 0) => runProgram(source, setup, cpl, undefined, 100_000);
import { assemble } from "../../../test/support/asm.js";

const CODE = LAYOUT.KCODE_ADDR;
const SRC = 0x20000, DST = 0x30000;

function machine(source: string, cpl: 0 | 3 = 0) {
  const m = new PmodeMachine({ cpl });
  const end = m.asm(cpl === 0 ? CODE : LAYOUT.UCODE_ADDR, source);
  return { m, cpu: m.cpu, end };
}
function fillPattern(m: PmodeMachine, at: number, n: number): void {
  for (let k = 0; k < n; k++) m.cpu.ram[at + k] = (k * 7 + 3) & 0xff;
}
/** Identity-maps the first 4 MiB (user, writable) with the listed pages not present, and turns paging on. */
function enablePaging(m: PmodeMachine, notPresent: readonly number[] = []): void {
  const pd = LAYOUT.FREE, pt = LAYOUT.FREE + 0x1000;
  m.write32(pd, pt | 7);
  for (let p = 0; p < 1024; p++) m.write32(pt + p * 4, notPresent.includes(p << 12) ? 0 : (p << 12) | 7);
  m.cpu.setCr3(pd);
  m.cpu.setCr0(m.cpu.cr0 | CR0.PG);
}

test("REP MOVSB with ECX = 0 changes nothing", () => {
  const { cpu, m } = run(`mov $${SRC}, %esi\nmov $${DST}, %edi\nxor %ecx, %ecx\nrep movsb`, (mm) => fillPattern(mm, SRC, 16));
  assert.equal(cpu.r32[Reg.ESI], SRC);
  assert.equal(cpu.r32[Reg.EDI], DST);
  assert.equal(m.read32(DST), 0);
});

test("MOVSB without REP moves one byte and steps ESI and EDI by 1 (down when DF = 1)", () => {
  const { cpu, m } = run(`mov $${SRC + 1}, %esi\nmov $${DST + 1}, %edi\nmov $5, %ecx\nmovsb\nstd\nmovsb`, (mm) => fillPattern(mm, SRC, 4));
  assert.equal(cpu.r32[Reg.ECX], 5, "ECX is not used without REP");
  assert.equal(cpu.r32[Reg.ESI], SRC + 1);
  assert.equal(cpu.r32[Reg.EDI], DST + 1);
  assert.equal(m.read8(DST + 1), m.read8(SRC + 1));
  assert.equal(m.read8(DST + 2), m.read8(SRC + 2));
});

test("REP MOVSD copies forward and leaves ESI/EDI past the end and ECX = 0", () => {
  const { cpu, m } = run(`mov $${SRC}, %esi\nmov $${DST}, %edi\nmov $100, %ecx\nrep movsl`, (mm) => fillPattern(mm, SRC, 404));
  assert.equal(cpu.r32[Reg.ECX], 0);
  assert.equal(cpu.r32[Reg.ESI], SRC + 400);
  assert.equal(cpu.r32[Reg.EDI], DST + 400);
  for (let k = 0; k < 400; k++) assert.equal(m.read8(DST + k), m.read8(SRC + k));
  assert.equal(m.read8(DST + 400), 0);
});

test("REP MOVSB with DF = 1 copies backwards from the last byte", () => {
  const { cpu, m } = run(`std\nmov $${SRC + 99}, %esi\nmov $${DST + 99}, %edi\nmov $100, %ecx\nrep movsb`, (mm) => fillPattern(mm, SRC, 100));
  assert.equal(cpu.r32[Reg.ESI], SRC - 1);
  assert.equal(cpu.r32[Reg.EDI], DST - 1);
  for (let k = 0; k < 100; k++) assert.equal(m.read8(DST + k), m.read8(SRC + k));
});

test("REP MOVSB with overlapping ranges (EDI = ESI + 1) replicates the first byte, element by element", () => {
  const { m } = run(`mov $${SRC}, %esi\nmov $${SRC + 1}, %edi\nmov $50, %ecx\nrep movsb`, (mm) => fillPattern(mm, SRC, 64));
  const first = m.read8(SRC);
  for (let k = 0; k <= 50; k++) assert.equal(m.read8(SRC + k), first);
  assert.notEqual(m.read8(SRC + 51), first);
});

test("REP MOVSD with DF = 1 and overlapping ranges (EDI = ESI - 4) moves elements in descending order", () => {
  // Reference: element-by-element semantics computed here.
  const { m } = run(`std\nmov $${SRC + 40}, %esi\nmov $${SRC + 36}, %edi\nmov $8, %ecx\nrep movsl`, (mm) => fillPattern(mm, SRC, 64));
  const ref = new Uint8Array(64);
  for (let k = 0; k < 64; k++) ref[k] = (k * 7 + 3) & 0xff;
  for (let e = 0; e < 8; e++) { const s = 40 - 4 * e, d = 36 - 4 * e; ref.copyWithin(d, s, s + 4); }
  for (let k = 0; k < 64; k++) assert.equal(m.read8(SRC + k), ref[k], `byte ${k}`);
});

test("REP MOVSW crosses pages and runs beyond the per-step budget, ending with the full copy", () => {
  const n = 10_000; // words: 20,000 bytes, five pages, more than one step
  const { cpu, m } = run(`mov $${SRC + 3}, %esi\nmov $${DST + 1}, %edi\nmov $${n}, %ecx\nrep movsw`, (mm) => fillPattern(mm, SRC, 2 * n + 8));
  assert.equal(cpu.r32[Reg.ECX], 0);
  for (let k = 0; k < 2 * n; k++) if (m.read8(DST + 1 + k) !== m.read8(SRC + 3 + k)) assert.fail(`byte ${k} differs`);
  assert.equal(m.read8(DST + 1 + 2 * n), 0);
});

test("a REP string instruction with more elements than one step rewinds EIP to itself and finishes on later steps", () => {
  const { m, cpu, end } = machine(`mov $${DST}, %edi\nmov $10000, %ecx\nrep stosb`);
  m.run({ stopAt: [end - 2] });
  cpu.run(1);
  assert.equal(cpu.eip, end - 2, "EIP back at REP STOSB");
  assert.ok(cpu.r32[Reg.ECX] > 0 && cpu.r32[Reg.ECX] < 10000);
  assert.equal(cpu.r32[Reg.EDI], DST + 10000 - cpu.r32[Reg.ECX]);
  const ev = m.run({ stopAt: [end] });
  assert.equal(ev.kind, "stop");
  assert.equal(cpu.r32[Reg.ECX], 0);
});

test("a page fault in the middle of REP STOSD leaves ECX counting the remaining elements", () => {
  // 0x31000 is not present: the copy stops after the 1024 dwords of page 0x30000.
  const { m, cpu, end } = machine(`mov $${DST}, %edi\nmov $0x12345678, %eax\nmov $2000, %ecx\nrep stosl`, 3);
  enablePaging(m, [0x31000]);
  const ev = m.run({ stopAt: [end] });
  assert.equal(vectorOf(ev), 14);
  assert.equal(cpu.cr2 >>> 0, 0x31000);
  assert.equal(cpu.r32[Reg.ECX], 2000 - 1024);
  assert.equal(cpu.r32[Reg.EDI], 0x31000);
  assert.equal(m.read32(0x30ffc), 0x12345678);
  assert.equal(m.read32(m.cpu.r32[Reg.ESP] + 4), end - 2, "the faulting EIP is the REP STOSD");
});

test("a page fault in the middle of REP MOVSB (source side) leaves ESI/EDI/ECX after the last completed byte", () => {
  const { m, cpu, end } = machine(`mov $${SRC + 0xff0}, %esi\nmov $${DST}, %edi\nmov $100, %ecx\nrep movsb`, 3);
  fillPattern(m, SRC, 0x1000);
  enablePaging(m, [SRC + 0x1000]);
  const ev = m.run({ stopAt: [end] });
  assert.equal(vectorOf(ev), 14);
  assert.equal(cpu.r32[Reg.ECX], 100 - 16);
  assert.equal(cpu.r32[Reg.ESI], SRC + 0x1000);
  assert.equal(cpu.r32[Reg.EDI], DST + 16);
  assert.equal(m.read8(DST + 15), m.read8(SRC + 0xfff));
  assert.equal(m.read8(DST + 16), 0);
});

test("a segment-limit fault in the middle of REP MOVSD stops at the element beyond the limit", () => {
  // ES limit 0x3000f (byte granular): the element at 0x3000c fits, the one at 0x30010 does not.
  const { m, cpu } = run(`mov $${SRC}, %esi\nmov $${DST}, %edi\nmov $10, %ecx\nrep movsl`, (mm) => {
    fillPattern(mm, SRC, 64);
    mm.setGdt(GDT_FREE, dataSegment({ limit: 0x3000f, g: false }));
    mm.loadSeg(SegReg.ES, GDT_FREE << 3);
  });
  assert.equal(m.faults[0]?.vector, 13);
  assert.equal(cpu.r32[Reg.ECX], 6);
  assert.equal(cpu.r32[Reg.EDI], DST + 16);
  assert.equal(m.read32(DST + 12), m.read32(SRC + 12));
});

test("REP STOSB over a code page drops the decoded instructions it overwrote", () => {
  // First pass: ECX = 0, so `mov $5, %ebx` runs (and is cached). Second pass: REP STOSB fills it
  // with NOPs, so EBX stays 0.
  const src = `
    xor %edx, %edx
    xor %ecx, %ecx
  again:
    rep stosb
  target:
    mov $5, %ebx
    test %edx, %edx
    jnz done
    inc %edx
    xor %ebx, %ebx
    mov $target, %edi
    mov $5, %ecx
    mov $0x90, %al
    jmp again
  done:`;
  const { cpu } = run(src);
  assert.equal(cpu.r32[Reg.EBX], 0);
});

test("REP MOVSD into a code page drops the decoded instructions it overwrote", () => {
  const src = `
    xor %edx, %edx
    xor %ecx, %ecx
  again:
    rep movsl
  target:
    mov $5, %ebx
    test %edx, %edx
    jnz done
    inc %edx
    xor %ebx, %ebx
    mov $target, %edi
    mov $nops, %esi
    mov $2, %ecx
    jmp again
  nops:
    .byte 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90
  done:`;
  const { cpu } = run(src);
  assert.equal(cpu.r32[Reg.EBX], 0);
});

test("REPE CMPSB stops at the first difference with ZF = 0 and counts the differing element", () => {
  const { cpu } = run(`mov $${SRC}, %esi\nmov $${DST}, %edi\nmov $20, %ecx\nrepe cmpsb`, (mm) => {
    for (let k = 0; k < 20; k++) { mm.cpu.ram[SRC + k] = k; mm.cpu.ram[DST + k] = k; }
    mm.cpu.ram[DST + 7] = 0xff;
  });
  assert.equal(cpu.r32[Reg.ECX], 12);
  assert.equal(cpu.r32[Reg.ESI], SRC + 8);
  assert.equal(cpu.getZF(), 0);
  assert.equal(cpu.getCF(), 1, "7 - 0xff borrows");
});

test("REPE CMPSD over equal ranges ends with ECX = 0 and ZF = 1", () => {
  const { cpu } = run(`mov $${SRC}, %esi\nmov $${DST}, %edi\nmov $5, %ecx\nrepe cmpsl`);
  assert.equal(cpu.r32[Reg.ECX], 0);
  assert.equal(cpu.getZF(), 1);
});

test("REPNE SCASB finds the byte and leaves EDI past it", () => {
  const { cpu } = run(`mov $${DST}, %edi\nmov $0x42, %al\nmov $-1, %ecx\nrepne scasb`, (mm) => { mm.cpu.ram[DST + 30] = 0x42; });
  assert.equal(cpu.r32[Reg.EDI], DST + 31);
  assert.equal(cpu.r32[Reg.ECX] >>> 0, 0xffffffff - 31);
  assert.equal(cpu.getZF(), 1);
});

test("SCASW compares AX with ES:[EDI] (AX − [EDI]) and sets the flags of the subtraction", () => {
  const { cpu } = run(`mov $${DST}, %edi\nmov $0x8000, %eax\nscasw`, (mm) => mm.write16(DST, 1));
  assert.equal(cpu.getOF(), 1);
  assert.equal(cpu.getZF(), 0);
  assert.equal(cpu.r32[Reg.EDI], DST + 2);
});

test("REP LODSB leaves the last element in AL", () => {
  const { cpu } = run(`mov $${SRC}, %esi\nmov $4, %ecx\nmov $-1, %eax\nrep lodsb`, (mm) => fillPattern(mm, SRC, 8));
  assert.equal(cpu.r32[Reg.EAX] >>> 0, (0xffffff00 | ((3 * 7 + 3) & 0xff)) >>> 0);
  assert.equal(cpu.r32[Reg.ESI], SRC + 4);
});

test("a segment override applies to the source; the destination is always ES", () => {
  const { m } = run(`mov $0x10, %esi\nmov $${DST}, %edi\nmov $4, %ecx\nrep movsb %fs:(%esi), %es:(%edi)`, (mm) => {
    mm.setGdt(GDT_FREE, dataSegment({ base: SRC }));
    mm.loadSeg(SegReg.FS, GDT_FREE << 3);
    fillPattern(mm, SRC, 32);
  });
  for (let k = 0; k < 4; k++) assert.equal(m.read8(DST + k), m.read8(SRC + 0x10 + k));
});

test("a 16-bit address size uses SI, DI and CX and wraps them at 64 KiB", () => {
  const cpu = realModeCpu(0x1000);
  cpu.loadSegmentReal(SegReg.DS, 0x2000);
  cpu.loadSegmentReal(SegReg.ES, 0x3000);
  cpu.ram.set(assemble("rep movsb", { code16: true }), 0x1000);
  for (let k = 0; k < 4; k++) cpu.ram[0x20000 + ((0xfffe + k) & 0xffff)] = 0x10 + k;
  cpu.r32[Reg.ESI] = 0x1234fffe;
  cpu.r32[Reg.EDI] = 0x5678fffe;
  cpu.r32[Reg.ECX] = 0xabcd0004 | 0;
  cpu.run(1);
  assert.equal(cpu.r32[Reg.ECX] >>> 0, 0xabcd0000);
  assert.equal(cpu.r32[Reg.ESI] >>> 0, 0x12340002);
  assert.equal(cpu.r32[Reg.EDI] >>> 0, 0x56780002);
  assert.deepEqual([...cpu.ram.subarray(0x3fffe, 0x40000), ...cpu.ram.subarray(0x30000, 0x30002)], [0x10, 0x11, 0x12, 0x13]);
});

test("with EFLAGS.TF = 1 a single-step trap follows every REP iteration, at the REP instruction", () => {
  const { m, cpu, end } = machine(`mov $${DST}, %edi\nmov $3, %ecx\nrep stosb`);
  m.run({ stopAt: [end - 2] });
  cpu.setEflags(cpu.getEflags() | EFLAGS.TF);
  const ev = m.run({ stopAt: [end] });
  assert.equal(vectorOf(ev), 1);
  assert.equal(cpu.r32[Reg.ECX], 2);
  assert.equal(m.stack(1)[0], end - 2);
});

test("REPNE SCASB runs across a page boundary and stops at the match in the next page", () => {
  const { cpu } = run(`mov $${DST + 0xf00}, %edi\nmov $0x42, %al\nmov $0x400, %ecx\nrepne scasb`, (mm) => { mm.cpu.ram[DST + 0x1010] = 0x42; });
  assert.equal(cpu.r32[Reg.EDI], DST + 0x1011);
  assert.equal(cpu.r32[Reg.ECX], 0x400 - 0x111);
  assert.equal(cpu.getZF(), 1);
});

test("REPE SCASW with DF = 1 stops at the first different word, with the flags of that comparison", () => {
  const { cpu } = run(`std\nmov $${DST + 0x1004}, %edi\nmov $0x7777, %eax\nmov $100, %ecx\nrepe scasw`, (mm) => {
    for (let k = 0; k < 200; k += 2) mm.write16(DST + 0x1004 - k, 0x7777);
    mm.write16(DST + 0x1004 - 20, 0x7778);
  });
  assert.equal(cpu.r32[Reg.ECX], 100 - 11);
  assert.equal(cpu.r32[Reg.EDI], DST + 0x1004 - 22);
  assert.equal(cpu.getZF(), 0);
  assert.equal(cpu.getCF(), 1, "0x7777 - 0x7778 borrows");
});

test("a page fault in the middle of REPNE SCASB leaves EDI and ECX at the element in the missing page", () => {
  const { m, cpu, end } = machine(`mov $${DST + 0xff0}, %edi\nmov $0x42, %al\nmov $100, %ecx\nrepne scasb`, 3);
  enablePaging(m, [DST + 0x1000]);
  const ev = m.run({ stopAt: [end] });
  assert.equal(vectorOf(ev), 14);
  assert.equal(cpu.r32[Reg.EDI], DST + 0x1000);
  assert.equal(cpu.r32[Reg.ECX], 100 - 16);
});

test("REPE CMPSD across pages counts the elements up to and including the first difference", () => {
  const { cpu } = run(`mov $${SRC + 0xff8}, %esi\nmov $${DST + 0x7fc}, %edi\nmov $50, %ecx\nrepe cmpsl`, (mm) => {
    for (let k = 0; k < 200; k++) { mm.cpu.ram[SRC + 0xff8 + k] = k; mm.cpu.ram[DST + 0x7fc + k] = k; }
    mm.cpu.ram[DST + 0x7fc + 4 * 30 + 3] = 0xee;
  });
  assert.equal(cpu.r32[Reg.ECX], 50 - 31);
  assert.equal(cpu.r32[Reg.ESI], SRC + 0xff8 + 4 * 31);
  assert.equal(cpu.getZF(), 0);
});
