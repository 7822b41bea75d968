import { test } from "node:test";
import assert from "node:assert/strict";
import { Reg } from "../cpu.js";
import { EFLAGS } from "../flags.js";
import { LAYOUT, PmodeMachine } from "../../../test/support/pmode.js";

const CODE = LAYOUT.KCODE_ADDR;
const DATA = 0x20000;
const STATUS = EFLAGS.CF | EFLAGS.PF | EFLAGS.AF | EFLAGS.ZF | EFLAGS.SF | EFLAGS.OF;
const { CF, OF, ZF, SF, PF } = { CF: EFLAGS.CF, OF: EFLAGS.OF, ZF: EFLAGS.ZF, SF: EFLAGS.SF, PF: EFLAGS.PF };

interface Setup { eax?: number; ecx?: number; edx?: number; ebx?: number; flags?: number; mem?: number[]; paging?: (m: PmodeMachine) => void }

/** Runs `source` (ring 0, flat) from the given registers, flags and DATA dwords until its end or an exception. */
function run(source: string, s: Setup = {}) {
  const m = new PmodeMachine();
  const end = m.asm(CODE, source);
  const cpu = m.cpu;
  cpu.r32[Reg.EAX] = s.eax ?? 0; cpu.r32[Reg.ECX] = s.ecx ?? 0; cpu.r32[Reg.EDX] = s.edx ?? 0; cpu.r32[Reg.EBX] = s.ebx ?? 0;
  (s.mem ?? []).forEach((v, k) => m.write32(DATA + 4 * k, v));
  if (s.paging) { m.enablePaging(); s.paging(m); }
  cpu.setEflags((s.flags ?? 0) | EFLAGS.RESERVED1);
  const ev = m.run({ stopAt: [end] });
  const r = (n: number) => cpu.r32[n] >>> 0;
  return { m, cpu, ev, r, flags: cpu.getEflags() & STATUS };
}
function vector(ev: ReturnType<typeof run>["ev"]): number {
  return ev.kind === "interrupt" ? ev.vector : -1;
}

// ---- The count ----

test("SHL by 0 leaves the destination and every flag unchanged (register, immediate and CL counts)", () => {
  for (const src of ["shll $0, %ebx", "shll %cl, %ebx", "rcll %cl, %ebx", "sarb $0, %bl", "shldl $0, %eax, %ebx", "shrdw %cl, %ax, %bx"]) {
    const a = run(src, { ebx: 0x80000001, eax: 0xffffffff, ecx: 0x100, flags: STATUS });
    assert.equal(a.r(Reg.EBX), 0x80000001, src);
    assert.equal(a.flags, STATUS, src);
  }
});

test("the count is masked to 5 bits: SHL by 33 shifts by 1, by 32 not at all", () => {
  assert.equal(run("shll %cl, %ebx", { ebx: 3, ecx: 33 }).r(Reg.EBX), 6);
  const b = run("shll %cl, %ebx", { ebx: 3, ecx: 32, flags: ZF });
  assert.equal(b.r(Reg.EBX), 3);
  assert.equal(b.flags, ZF);
});

test("D2/D3 take the count from CL, not AH (CL is byte 4 of the register file)", () => {
  assert.equal(run("shlb %cl, %dl", { eax: 0x0700, ecx: 2, edx: 1 }).r(Reg.EDX), 4);
});

test("a zero count still checks a memory destination for writing: #PF on a read-only page, nothing written", () => {
  const ro = (m: PmodeMachine) => { m.setPte(DATA, DATA | 5); m.cpu.setCr0(m.cpu.cr0 | 0x10000); }; // present, user, read-only; CR0.WP
  const a = run(`shll $0, ${DATA}`, { mem: [0x1234], paging: ro, flags: CF });
  assert.equal(vector(a.ev), 14);
  assert.equal(a.m.stack(1)[0] & 2, 2, "#PF error code: a write");
  assert.equal(a.m.read32(DATA), 0x1234);
  assert.equal(a.flags, CF);
  // The same count on a writable page does nothing at all.
  const b = run(`shll $0, ${DATA}`, { mem: [0x1234], flags: CF });
  assert.equal(vector(b.ev), -1);
  assert.equal(b.m.read32(DATA), 0x1234);
});

test("a shift of m32 on a not-present page raises #PF and changes neither memory nor flags", () => {
  const a = run(`sarl $3, ${DATA}`, { paging: (m) => m.unmapPage(DATA), flags: ZF | OF });
  assert.equal(vector(a.ev), 14);
  assert.equal(a.flags, ZF | OF);
});

// ---- SHL / SHR / SAR ----

test("SHL by 1 sets CF to the bit shifted out and OF = MSB(result) XOR CF", () => {
  const a = run("shlb %bl", { ebx: 0x80 });
  assert.equal(a.r(Reg.EBX), 0);
  assert.equal(a.flags & (CF | OF | ZF | PF), CF | OF | ZF | PF);
  const b = run("shlb %bl", { ebx: 0xc0 });
  assert.equal(b.r(Reg.EBX), 0x80);
  assert.equal(b.flags & (CF | OF | SF), CF | SF, "1 XOR 1: no overflow");
  const c = run("shll %ebx", { ebx: 0x40000000 });
  assert.equal(c.flags & (CF | OF | SF), OF | SF);
});

test("SHR by 1 sets OF to the original MSB; SAR by 1 clears OF and keeps the sign", () => {
  const a = run("shrw %bx", { ebx: 0x8001 });
  assert.equal(a.r(Reg.EBX), 0x4000);
  assert.equal(a.flags & (CF | OF), CF | OF);
  const b = run("sarw %bx", { ebx: 0x8001, flags: OF });
  assert.equal(b.r(Reg.EBX), 0xc000);
  assert.equal(b.flags & (CF | OF | SF), CF | SF);
});

test("SHL and SHR of a byte by 9–31 give 0 with CF = 0; by 8 CF is the last bit out", () => {
  const a = run("shlb $9, %bl", { ebx: 0xff, flags: CF });
  assert.equal(a.r(Reg.EBX), 0);
  assert.equal(a.flags & (CF | ZF), ZF);
  const b = run("shlb $8, %bl", { ebx: 0x01 });
  assert.equal(b.flags & CF, CF);
  const c = run("shrw $20, %bx", { ebx: 0xffff });
  assert.equal(c.r(Reg.EBX), 0);
  assert.equal(c.flags & CF, 0);
});

test("SAR by more than the operand size fills with the sign bit, which is also CF", () => {
  const a = run("sarb $20, %bl", { ebx: 0x80 });
  assert.equal(a.r(Reg.EBX), 0xff);
  assert.equal(a.flags & (CF | SF), CF | SF);
  const b = run("sarl $31, %ebx", { ebx: 0x7fffffff });
  assert.equal(b.r(Reg.EBX), 0);
  assert.equal(b.flags & (CF | ZF), CF | ZF, "bit 30 is the last one out");
});

test("SAL /6 is an alias of SHL /4", () => {
  const a = run(".byte 0xc1, 0xf3, 0x04 # sal ebx, 4 via /6", { ebx: 0x1000000f });
  assert.equal(a.r(Reg.EBX), 0xf0);
  assert.equal(a.flags & CF, CF);
});

test("shifts of memory operands read and write the operand size only", () => {
  const a = run(`shlw $4, ${DATA + 1}`, { mem: [0x44332211] });
  assert.equal(a.m.read32(DATA), 0x44322011);
});

// ---- Rotates ----

test("ROL and ROR change only CF and OF: SF ZF PF AF keep their values", () => {
  const a = run("roll $4, %ebx", { ebx: 0x80000000, flags: ZF | PF | EFLAGS.AF });
  assert.equal(a.r(Reg.EBX), 0x8);
  assert.equal(a.flags & ~(CF | OF), ZF | PF | EFLAGS.AF);
  const b = run("rorb %bl", { ebx: 0x01, flags: ZF });
  assert.equal(b.r(Reg.EBX), 0x80);
  assert.equal(b.flags, ZF | CF | OF, "CF = MSB; OF = MSB XOR next bit");
});

test("ROL r/m8 by 8 leaves the value but sets CF to its LSB", () => {
  const a = run("rolb $8, %bl", { ebx: 0x81 });
  assert.equal(a.r(Reg.EBX), 0x81);
  assert.equal(a.flags & CF, CF);
});

test("RCL r/m32 by 1 rotates CF into bit 0 and the MSB into CF", () => {
  const a = run("rcll %ebx", { ebx: 0x80000000, flags: CF });
  assert.equal(a.r(Reg.EBX), 1);
  assert.equal(a.flags & (CF | OF), CF | OF);
  const b = run("rcrl %ebx", { ebx: 1, flags: CF });
  assert.equal(b.r(Reg.EBX), 0x80000000);
  assert.equal(b.flags & (CF | OF), CF | OF);
});

test("RCL/RCR of bytes take the masked count modulo 9, of words modulo 17", () => {
  const a = run("rclb $9, %bl", { ebx: 0x80, flags: 0 });
  assert.equal(a.r(Reg.EBX), 0x80, "by 9: CF:AL rotates by 0");
  assert.equal(a.flags & CF, 0);
  const b = run("rclb $10, %bl", { ebx: 0x80, flags: 0 });
  assert.equal(b.r(Reg.EBX), 0x00, "by 10 = by 1");
  assert.equal(b.flags & CF, CF);
  const c = run("rcrw $18, %bx", { ebx: 0x0001, flags: CF });
  assert.equal(c.r(Reg.EBX), 0x8000, "by 18 = by 1: CF into bit 15");
  assert.equal(c.flags & CF, CF);
  const d = run("rcrb $8, %bl", { ebx: 0x01, flags: CF });
  assert.equal(d.r(Reg.EBX), 0x03, "9-bit rotate right by 8 = left by 1");
  assert.equal(d.flags & CF, 0);
});

test("RCL r/m32 by 31 moves CF to bit 30 and bit 1 of the operand into CF", () => {
  const a = run("rcll $31, %ebx", { ebx: 0x00000002, flags: CF });
  assert.equal(a.r(Reg.EBX), 0x40000000);
  assert.equal(a.flags & CF, CF);
});

// ---- SHLD / SHRD ----

test("SHLD and SHRD shift bits in from the source register, which is unchanged", () => {
  const a = run("shldl $8, %eax, %ebx", { ebx: 0x11223344, eax: 0xaabbccdd });
  assert.equal(a.r(Reg.EBX), 0x223344aa);
  assert.equal(a.r(Reg.EAX), 0xaabbccdd);
  assert.equal(a.flags & CF, CF, "bit 24 of the destination is the last one out");
  const b = run("shrdl %cl, %eax, %ebx", { ebx: 0x11223344, eax: 0xaabbccdd, ecx: 4 });
  assert.equal(b.r(Reg.EBX), 0xd1122334);
  assert.equal(b.flags & (CF | SF), SF);
});

test("SHLD by 1 sets OF when the sign changes", () => {
  const a = run("shldl $1, %eax, %ebx", { ebx: 0x40000000, eax: 0 });
  assert.equal(a.r(Reg.EBX), 0x80000000);
  assert.equal(a.flags & (OF | SF | CF), OF | SF);
});

test("SHLD/SHRD of words by 16 give the source; by 17–31 the source rotated, as the host does", () => {
  assert.equal(run("shldw $16, %ax, %bx", { ebx: 0x1234, eax: 0xabcd }).r(Reg.EBX), 0xabcd);
  assert.equal(run("shldw $20, %ax, %bx", { ebx: 0x1234, eax: 0xabcd }).r(Reg.EBX), 0xbcda);
  assert.equal(run("shrdw $20, %ax, %bx", { ebx: 0x1234, eax: 0xabcd }).r(Reg.EBX), 0xdabc);
});

test("SHRD m16 keeps the upper word of memory and the other bytes", () => {
  const a = run(`shrdw $8, %ax, ${DATA}`, { eax: 0x55aa, mem: [0x77661234] });
  assert.equal(a.m.read32(DATA), 0x7766aa12);
});
