import { test } from "node:test";
import assert from "node:assert/strict";
import { Reg } from "../cpu.js";
import { EFLAGS } from "../flags.js";
import { LAYOUT, PmodeMachine } from "../../../test/support/pmode.js";

const CODE = LAYOUT.KCODE_ADDR;
const DATA = 0x20000;
const STATUS = EFLAGS.CF | EFLAGS.PF | EFLAGS.AF | EFLAGS.ZF | EFLAGS.SF | EFLAGS.OF;

interface Setup { eax?: number; ecx?: number; edx?: number; ebx?: number; esi?: number; edi?: number; flags?: number; mem?: number[] }

/** Runs `source` (ring 0, flat) from the given registers, flags and DATA dwords until its end or an exception. */
function run(source: string, s: Setup = {}) {
  const m = new PmodeMachine();
  const end = m.asm(CODE, source);
  const cpu = m.cpu;
  cpu.r32[Reg.EAX] = s.eax ?? 0; cpu.r32[Reg.ECX] = s.ecx ?? 0; cpu.r32[Reg.EDX] = s.edx ?? 0;
  cpu.r32[Reg.EBX] = s.ebx ?? 0; cpu.r32[Reg.ESI] = s.esi ?? 0; cpu.r32[Reg.EDI] = s.edi ?? 0;
  (s.mem ?? []).forEach((v, k) => m.write32(DATA + 4 * k, v));
  cpu.setEflags((s.flags ?? 0) | EFLAGS.RESERVED1);
  const ev = m.run({ stopAt: [end] });
  const r = (n: number) => cpu.r32[n] >>> 0;
  return { m, cpu, ev, r, flags: cpu.getEflags() & STATUS };
}
function vector(ev: ReturnType<typeof run>["ev"]): number {
  return ev.kind === "interrupt" ? ev.vector : -1;
}

// ---- MUL / IMUL ----

test("MUL r/m8 writes AL × r/m8 to AX and sets CF = OF when AH is not zero", () => {
  const a = run("mulb %bl", { eax: 0x123400ff, ebx: 0xff });
  assert.equal(a.r(Reg.EAX), 0x1234fe01);
  assert.equal(a.flags & (EFLAGS.CF | EFLAGS.OF), EFLAGS.CF | EFLAGS.OF);
  const b = run("mulb %bl", { eax: 0x0f, ebx: 0x11, flags: EFLAGS.CF | EFLAGS.OF });
  assert.equal(b.r(Reg.EAX), 0xff);
  assert.equal(b.flags & (EFLAGS.CF | EFLAGS.OF), 0);
});

test("MUL r/m32 writes the exact 64-bit product to EDX:EAX (0xFFFFFFFF squared)", () => {
  const a = run("mull %ecx", { eax: 0xffffffff, ecx: 0xffffffff });
  assert.equal(a.r(Reg.EDX), 0xfffffffe);
  assert.equal(a.r(Reg.EAX), 0x00000001);
  assert.equal(a.flags & EFLAGS.CF, EFLAGS.CF);
});

test("MUL m16 writes DX:AX and keeps the upper halves of EAX and EDX", () => {
  const a = run(`mulw ${DATA}`, { eax: 0xaaaa8000, edx: 0x5555ffff, mem: [0x0004] });
  assert.equal(a.r(Reg.EAX), 0xaaaa0000);
  assert.equal(a.r(Reg.EDX), 0x55550002);
  assert.equal(a.flags & EFLAGS.OF, EFLAGS.OF);
});

test("IMUL r/m32 sign-extends: 0x80000000 × −1 = 0x00000000:80000000 with CF = OF = 1", () => {
  const a = run("imull %ebx", { eax: 0x80000000, ebx: 0xffffffff });
  assert.equal(a.r(Reg.EDX), 0);
  assert.equal(a.r(Reg.EAX), 0x80000000);
  assert.equal(a.flags & (EFLAGS.CF | EFLAGS.OF), EFLAGS.CF | EFLAGS.OF);
});

test("IMUL r/m32 with a product that fits its sign extension clears CF and OF (−1 × 0x7FFFFFFF)", () => {
  const a = run("imull %ebx", { eax: 0xffffffff, ebx: 0x7fffffff, flags: EFLAGS.CF | EFLAGS.OF });
  assert.equal(a.r(Reg.EDX), 0xffffffff);
  assert.equal(a.r(Reg.EAX), 0x80000001);
  assert.equal(a.flags & (EFLAGS.CF | EFLAGS.OF), 0);
});

test("IMUL r/m8 and r/m16: −1 × −1 = 1 fits; 0x80 × 0x80 and 0x8000 × 0x8000 do not", () => {
  assert.equal(run("imulb %cl", { eax: 0xff, ecx: 0xff }).r(Reg.EAX), 1);
  const b = run("imulb %cl", { eax: 0x80, ecx: 0x80 });
  assert.equal(b.r(Reg.EAX), 0x4000);
  assert.equal(b.flags & EFLAGS.CF, EFLAGS.CF);
  const w = run("imulw %cx", { eax: 0x8000, ecx: 0x8000 });
  assert.equal(w.r(Reg.EDX) & 0xffff, 0x4000);
  assert.equal(w.r(Reg.EAX) & 0xffff, 0);
  assert.equal(w.flags & EFLAGS.OF, EFLAGS.OF);
});

test("IMUL r32, r/m32 truncates the product; CF = OF = 1 when it differs from the full product", () => {
  const a = run("imull %ebx, %ecx", { ecx: 0x7fffffff, ebx: 2 });
  assert.equal(a.r(Reg.ECX), 0xfffffffe);
  assert.equal(a.flags & (EFLAGS.CF | EFLAGS.OF), EFLAGS.CF | EFLAGS.OF);
  const b = run("imull %ebx, %ecx", { ecx: 0xffff0000, ebx: 0x10000 });
  assert.equal(b.r(Reg.ECX), 0);
  assert.equal(b.flags & EFLAGS.CF, EFLAGS.CF, "−2^32 does not fit although its low half is 0");
});

test("IMUL r16, r/m16 keeps the upper half of the destination register", () => {
  const a = run("imulw %bx, %cx", { ecx: 0x12340003, ebx: 0xffff });
  assert.equal(a.r(Reg.ECX), 0x1234fffd);
  assert.equal(a.flags & EFLAGS.CF, 0);
});

test("IMUL r32, r/m32, imm8 (6B) sign-extends the immediate; 69 takes a full Iz", () => {
  assert.equal(run(".byte 0x6b, 0xcb, 0xff # imul ecx, ebx, -1", { ebx: 5 }).r(Reg.ECX), 0xfffffffb);
  assert.equal(run(".byte 0x66, 0x6b, 0xcb, 0x80 # imul cx, bx, -128", { ebx: 2, ecx: 0xaaaa0000 }).r(Reg.ECX), 0xaaaaff00);
  const a = run("imull $0x10000, %ebx, %ecx", { ebx: 0x12345 });
  assert.equal(a.r(Reg.ECX), 0x23450000);
  assert.equal(a.flags & EFLAGS.OF, EFLAGS.OF);
});

// ---- DIV / IDIV ----

test("DIV r/m32 divides EDX:EAX exactly where the dividend exceeds 2^53", () => {
  const a = run("divl %ecx", { edx: 0xfffffffe, eax: 0xffffffff, ecx: 0xffffffff });
  assert.equal(a.r(Reg.EAX), 0xffffffff);
  assert.equal(a.r(Reg.EDX), 0xfffffffe);
});

test("DIV and IDIV r/m32 agree with exact 64-bit division over many operands", () => {
  let seed = 12345;
  const next = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0);
  for (let n = 0; n < 300; n++) {
    const d = next() >>> (next() & 31) || 3;
    const hi = next() % d, lo = next();
    const x = (BigInt(hi) << 32n) | BigInt(lo);
    const a = run("divl %ebx", { edx: hi, eax: lo, ebx: d });
    assert.equal(a.r(Reg.EAX), Number(x / BigInt(d)), `DIV ${hi.toString(16)}:${lo.toString(16)} / ${d.toString(16)}`);
    assert.equal(a.r(Reg.EDX), Number(x % BigInt(d)));
    // IDIV: dividend = quotient × divisor + remainder, the remainder below |divisor| with the dividend's sign.
    const sd = (next() | 0) >> (next() & 31) || -3;
    const sq = BigInt((next() | 0) >> (next() & 31));
    const p = sq * BigInt(sd), rem = BigInt(next() % Math.abs(sd));
    const sx = p === 0n ? 0n : p + (p < 0n ? -rem : rem);
    const sxu = BigInt.asUintN(64, sx);
    const b = run("idivl %ebx", { edx: Number(sxu >> 32n), eax: Number(sxu & 0xffffffffn), ebx: sd >>> 0 });
    assert.equal(b.cpu.r32[Reg.EAX], Number(sx / BigInt(sd)), `IDIV ${sx} / ${sd}`);
    assert.equal(b.cpu.r32[Reg.EDX], Number(sx % BigInt(sd)));
  }
});

test("IDIV truncates toward zero and the remainder takes the dividend's sign (−7 / 2 = −3 rem −1)", () => {
  const a = run("idivl %ecx", { edx: 0xffffffff, eax: -7 >>> 0, ecx: 2 });
  assert.equal(a.cpu.r32[Reg.EAX], -3);
  assert.equal(a.cpu.r32[Reg.EDX], -1);
  const b = run("idivb %cl", { eax: 7, ecx: 0xfe });
  assert.equal(b.r(Reg.EAX) & 0xffff, 0x01fd, "AL = −3, AH = 1");
});

test("IDIV r/m32 with a 64-bit dividend: a quotient of −2^31 fits, −2^31 − 1 raises #DE", () => {
  // −2^32 / 2 = −2^31
  const a = run("idivl %ecx", { edx: 0xffffffff, eax: 0, ecx: 2 });
  assert.equal(a.r(Reg.EAX), 0x80000000);
  assert.equal(a.r(Reg.EDX), 0);
  // (−2^32 − 2) / 2 = −2^31 − 1
  const b = run("idivl %ecx", { edx: 0xfffffffe, eax: 0xfffffffe, ecx: 2 });
  assert.equal(vector(b.ev), 0);
  // 2^31 / 1 does not fit either
  assert.equal(vector(run("idivl %ecx", { edx: 0, eax: 0x80000000, ecx: 1 }).ev), 0);
});

test("DIV by 0 raises #DE with the registers, the flags and EIP unchanged", () => {
  const flags = EFLAGS.CF | EFLAGS.ZF | EFLAGS.OF;
  const a = run("divl %ecx", { eax: 0x1234, edx: 0x5678, ecx: 0, flags });
  assert.equal(vector(a.ev), 0);
  assert.equal(a.r(Reg.EAX), 0x1234);
  assert.equal(a.r(Reg.EDX), 0x5678);
  assert.equal(a.flags, flags);
  assert.equal(a.m.stack(1)[0], CODE, "the #DE frame points at the DIV");
  assert.match(a.m.faults[0].reason, /divisor is 0/);
});

test("DIV raises #DE when the quotient does not fit: AX / 1 > 0xFF, DX:AX / 1 > 0xFFFF, EDX ≥ divisor", () => {
  assert.equal(vector(run("divb %cl", { eax: 0x100, ecx: 1 }).ev), 0);
  assert.equal(vector(run("divw %cx", { eax: 0, edx: 1, ecx: 1 }).ev), 0);
  const c = run("divl %ecx", { eax: 0, edx: 5, ecx: 5 });
  assert.equal(vector(c.ev), 0);
  assert.equal(c.r(Reg.EDX), 5);
  assert.equal(vector(run("divl %ecx", { eax: 0xffffffff, edx: 4, ecx: 5 }).ev), -1);
});

test("IDIV of the most negative dividend by −1 raises #DE in every operand size", () => {
  assert.equal(vector(run("idivb %cl", { eax: 0xff80, ecx: 0xff }).ev), 0);
  assert.equal(vector(run("idivw %cx", { eax: 0x8000, edx: 0xffff, ecx: 0xffff }).ev), 0);
  const d = run("idivl %ecx", { eax: 0x80000000, edx: 0xffffffff, ecx: 0xffffffff });
  assert.equal(vector(d.ev), 0);
  assert.equal(d.r(Reg.EAX), 0x80000000);
  assert.equal(d.r(Reg.EDX), 0xffffffff);
});

test("IDIV r/m8 and r/m16 raise #DE for quotients outside −128..127 and −32768..32767", () => {
  assert.equal(vector(run("idivb %cl", { eax: 128, ecx: 1 }).ev), 0);
  assert.equal(run("idivb %cl", { eax: 0xff80, ecx: 1 }).r(Reg.EAX) & 0xff, 0x80);
  assert.equal(vector(run("idivw %cx", { eax: 0x8000, edx: 0, ecx: 1 }).ev), 0);
  assert.equal(run("idivw %cx", { eax: 0x8000, edx: 0xffff, ecx: 1 }).r(Reg.EAX) & 0xffff, 0x8000);
});

test("DIV m32 reads its divisor from memory; a #DE leaves that memory unchanged", () => {
  const a = run(`divl ${DATA}`, { eax: 100, edx: 0, mem: [7] });
  assert.equal(a.r(Reg.EAX), 14);
  assert.equal(a.r(Reg.EDX), 2);
  const b = run(`divl ${DATA}`, { eax: 100, edx: 0, mem: [0] });
  assert.equal(vector(b.ev), 0);
  assert.equal(b.m.read32(DATA), 0);
});

// ---- Decimal arithmetic ----

test("DAA after 79 + 35 gives 14 with CF = 1 (SDM DAA example)", () => {
  const a = run("addb %bl, %al\ndaa", { eax: 0x79, ebx: 0x35 });
  assert.equal(a.r(Reg.EAX) & 0xff, 0x14);
  assert.equal(a.flags & (EFLAGS.CF | EFLAGS.AF), EFLAGS.CF | EFLAGS.AF);
});

test("DAS after 35 − 47 gives 88 with CF = 1 (SDM DAS example)", () => {
  const a = run("subb %bl, %al\ndas", { eax: 0x35, ebx: 0x47 });
  assert.equal(a.r(Reg.EAX) & 0xff, 0x88);
  assert.equal(a.flags & EFLAGS.CF, EFLAGS.CF);
});

test("DAS keeps the borrow of AL − 6 in CF when no high-digit adjustment follows", () => {
  const a = run("das", { eax: 0x05, flags: EFLAGS.AF });
  assert.equal(a.r(Reg.EAX) & 0xff, 0xff);
  assert.equal(a.flags & (EFLAGS.CF | EFLAGS.AF), EFLAGS.CF | EFLAGS.AF);
});

test("AAA adds 106H to AX and masks AL when the low digit exceeds 9; AAS subtracts 106H", () => {
  const a = run("aaa", { eax: 0x000b });
  assert.equal(a.r(Reg.EAX) & 0xffff, 0x0101);
  assert.equal(a.flags & (EFLAGS.CF | EFLAGS.AF), EFLAGS.CF | EFLAGS.AF);
  const b = run("aaa", { eax: 0x0509, flags: EFLAGS.CF });
  assert.equal(b.r(Reg.EAX) & 0xffff, 0x0509);
  assert.equal(b.flags & (EFLAGS.CF | EFLAGS.AF), 0);
  const c = run("aas", { eax: 0x0203, flags: EFLAGS.AF });
  assert.equal(c.r(Reg.EAX) & 0xffff, 0x000d);
  assert.equal(c.flags & (EFLAGS.CF | EFLAGS.AF), EFLAGS.CF | EFLAGS.AF);
  const d = run("aas", { eax: 0x0003, flags: EFLAGS.AF });
  assert.equal(d.r(Reg.EAX) & 0xffff, 0xfe0d, "AX − 6 borrows from AH before AH − 1");
});

test("AAM splits AL into digits of its immediate base; AAM 0 raises #DE", () => {
  const a = run("aam", { eax: 0x123f });
  assert.equal(a.r(Reg.EAX) & 0xffff, 0x0603);
  const h = run("aam $16", { eax: 0xab });
  assert.equal(h.r(Reg.EAX) & 0xffff, 0x0a0b);
  const z = run("aam $0", { eax: 0x1234, flags: EFLAGS.SF });
  assert.equal(vector(z.ev), 0);
  assert.equal(z.r(Reg.EAX), 0x1234);
  assert.equal(z.flags, EFLAGS.SF);
});

test("AAD folds AH into AL in its immediate base and clears AH; ZF from AL", () => {
  const a = run("aad", { eax: 0x0603 });
  assert.equal(a.r(Reg.EAX) & 0xffff, 63);
  const b = run("aad $7", { eax: 0x0000 });
  assert.equal(b.flags & EFLAGS.ZF, EFLAGS.ZF);
  assert.equal(run("aad $0xff", { eax: 0x0302 }).r(Reg.EAX) & 0xffff, (2 + 3 * 255) & 0xff);
});

// ---- Sign extension of the accumulator ----

test("CBW, CWDE, CWD and CDQ sign-extend the accumulator and leave the flags", () => {
  assert.equal(run("cbtw", { eax: 0x12345680 }).r(Reg.EAX), 0x1234ff80);
  assert.equal(run("cwtl", { eax: 0x12348000 }).r(Reg.EAX), 0xffff8000);
  const d = run("cwtd", { eax: 0x8000, edx: 0x12345678, flags: EFLAGS.ZF });
  assert.equal(d.r(Reg.EDX), 0x1234ffff);
  assert.equal(d.flags, EFLAGS.ZF);
  assert.equal(run("cltd", { eax: 0x7fffffff, edx: 0xffffffff }).r(Reg.EDX), 0);
  assert.equal(run("cltd", { eax: 0x80000000 }).r(Reg.EDX), 0xffffffff);
});
