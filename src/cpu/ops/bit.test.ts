import { test } from "node:test";
import assert from "node:assert/strict";
import { Reg } from "../cpu.js";
import { EFLAGS } from "../flags.js";
import { LAYOUT, PmodeMachine } from "../../../test/support/pmode.js";

const CODE = LAYOUT.KCODE_ADDR;
const DATA = 0x20000;
const STATUS = EFLAGS.CF | EFLAGS.PF | EFLAGS.AF | EFLAGS.ZF | EFLAGS.SF | EFLAGS.OF;
const { CF, ZF, SF, OF, PF } = { CF: EFLAGS.CF, ZF: EFLAGS.ZF, SF: EFLAGS.SF, OF: EFLAGS.OF, PF: EFLAGS.PF };

interface Setup { eax?: number; ecx?: number; edx?: number; ebx?: number; esi?: number; flags?: number; mem?: number[]; paging?: (m: PmodeMachine) => void }

/** Runs `source` (ring 0, flat) from the given registers, flags and DATA dwords until its end or an exception. */
function run(source: string, s: Setup = {}) {
  const m = new PmodeMachine();
  const end = m.asm(CODE, source);
  const cpu = m.cpu;
  cpu.r32[Reg.EAX] = s.eax ?? 0; cpu.r32[Reg.ECX] = s.ecx ?? 0; cpu.r32[Reg.EDX] = s.edx ?? 0;
  cpu.r32[Reg.EBX] = s.ebx ?? 0; cpu.r32[Reg.ESI] = s.esi ?? 0;
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
/** Present, read-only PTE for DATA's page and CR0.WP, so supervisor writes fault. */
const readOnlyData = (m: PmodeMachine) => { m.setPte(DATA, DATA | 5); m.cpu.setCr0(m.cpu.cr0 | 0x10000); };

// ---- BT BTS BTR BTC ----

test("BT m32 with a register offset addresses the bit string: offset 35 is bit 3 of the next doubleword", () => {
  const a = run(`btl %ecx, ${DATA}`, { ecx: 35, mem: [0, 0x8] });
  assert.equal(a.flags & CF, CF);
  const b = run(`btl %ecx, ${DATA}`, { ecx: 35, mem: [0x8, 0] });
  assert.equal(b.flags & CF, 0);
});

test("BTS m32 with a negative register offset addresses below the effective address (−1: bit 31 of the previous doubleword)", () => {
  const a = run(`btsl %ecx, ${DATA + 4}`, { ecx: 0xffffffff, mem: [0, 0] });
  assert.equal(a.m.read32(DATA), 0x80000000);
  assert.equal(a.m.read32(DATA + 4), 0);
  assert.equal(a.flags & CF, 0);
});

test("BTC m16 with a register offset uses the signed word: 0xFFF0 is −16, bit 0 of the word before", () => {
  const a = run(`btcw %cx, ${DATA + 2}`, { ecx: 0x1234fff0, mem: [0xffff0001] });
  assert.equal(a.m.read32(DATA), 0xffff0000);
  assert.equal(a.flags & CF, CF);
});

test("with a 16-bit address size the bit-string address wraps at 64 KiB", () => {
  // addr16 bts [bx], ecx with BX = FFFCH and ECX = 32: the doubleword at (FFFCH + 4) AND FFFFH = 0
  const a = run(".byte 0x67, 0x0f, 0xab, 0x0f # bts [bx], ecx", { ebx: 0xfffc, ecx: 33 });
  assert.equal(vector(a.ev), -1);
  assert.equal(a.m.read32(0), 2);
});

test("BT with a register destination takes the offset modulo the operand size", () => {
  assert.equal(run("btl %ecx, %ebx", { ebx: 0x4, ecx: 34 }).flags & CF, CF);
  assert.equal(run("btw %cx, %bx", { ebx: 0x4, ecx: 18 }).flags & CF, CF);
});

test("BT Ev,Ib masks the immediate to the operand size and adds no displacement", () => {
  assert.equal(run(`btl $33, ${DATA}`, { mem: [0x2, 0] }).flags & CF, CF);
  assert.equal(run(`btw $17, ${DATA}`, { mem: [0x2, 0] }).flags & CF, CF);
  const a = run(`btrl $63, ${DATA}`, { mem: [0xffffffff, 0] });
  assert.equal(a.m.read32(DATA), 0x7fffffff);
  assert.equal(a.m.read32(DATA + 4), 0);
});

test("BTS/BTR/BTC put the old bit in CF, change the bit and leave the other flags (ZF included)", () => {
  const s = run("btsl $4, %ebx", { ebx: 0, flags: ZF | SF | OF });
  assert.equal(s.r(Reg.EBX), 0x10);
  assert.equal(s.flags, ZF | SF | OF);
  const r = run("btrw $15, %bx", { ebx: 0xffff8000 });
  assert.equal(r.r(Reg.EBX), 0xffff0000);
  assert.equal(r.flags, CF);
  const c = run("btcl %ecx, %ebx", { ebx: 1, ecx: 0, flags: PF });
  assert.equal(c.r(Reg.EBX), 0);
  assert.equal(c.flags, CF | PF);
});

test("BTS m32 on a read-only page raises #PF and leaves CF and the memory as they were", () => {
  const a = run(`btsl $1, ${DATA}`, { mem: [0], paging: readOnlyData });
  assert.equal(vector(a.ev), 14);
  assert.equal(a.m.read32(DATA), 0);
  const b = run(`btl $1, ${DATA}`, { mem: [2], paging: readOnlyData });
  assert.equal(vector(b.ev), -1, "BT only reads");
  assert.equal(b.flags & CF, CF);
});

test("LOCK is allowed with BTS/BTR/BTC on memory, not with BT or a register destination", () => {
  assert.equal(run(`lock btsl $0, ${DATA}`).m.read32(DATA), 1);
  assert.equal(vector(run(`.byte 0xf0\nbtl $0, ${DATA}`).ev), 6);
  assert.equal(vector(run(".byte 0xf0\nbtsl $0, %ebx").ev), 6);
});

test("0F BA /0–/3 are undefined (#UD)", () => {
  assert.equal(vector(run(".byte 0x0f, 0xba, 0xc3, 0x01 # 0F BA /0").ev), 6);
});

// ---- BSF / BSR ----

test("BSF and BSR find the lowest and the highest set bit and clear ZF", () => {
  const f = run("bsfl %ebx, %eax", { ebx: 0x80001000, flags: ZF });
  assert.equal(f.r(Reg.EAX), 12);
  assert.equal(f.flags & ZF, 0);
  assert.equal(run("bsrl %ebx, %eax", { ebx: 0x80001000 }).r(Reg.EAX), 31);
  assert.equal(run("bsrw %bx, %ax", { eax: 0xaaaa0000, ebx: 0x0001 }).r(Reg.EAX), 0xaaaa0000);
  assert.equal(run(`bsfw ${DATA}, %ax`, { eax: 0xaaaa5555, mem: [0x8000] }).r(Reg.EAX), 0xaaaa000f);
});

test("BSF/BSR of zero set ZF and leave the destination unchanged", () => {
  for (const src of ["bsfl %ebx, %eax", "bsrl %ebx, %eax", "bsfw %bx, %ax", "bsrw %bx, %ax"]) {
    const a = run(src, { eax: 0x12345678, ebx: src.includes("w ") ? 0xffff0000 : 0 });
    assert.equal(a.r(Reg.EAX), 0x12345678, src);
    assert.equal(a.flags & ZF, ZF, src);
  }
});

// ---- SETcc / CMOVcc ----

const CONDITIONS: ReadonlyArray<readonly [string, (f: number) => boolean]> = [
  ["o", (f) => (f & OF) !== 0], ["no", (f) => (f & OF) === 0], ["b", (f) => (f & CF) !== 0], ["ae", (f) => (f & CF) === 0],
  ["e", (f) => (f & ZF) !== 0], ["ne", (f) => (f & ZF) === 0], ["be", (f) => (f & (CF | ZF)) !== 0], ["a", (f) => (f & (CF | ZF)) === 0],
  ["s", (f) => (f & SF) !== 0], ["ns", (f) => (f & SF) === 0], ["p", (f) => (f & PF) !== 0], ["np", (f) => (f & PF) === 0],
  ["l", (f) => ((f & SF) !== 0) !== ((f & OF) !== 0)], ["ge", (f) => ((f & SF) !== 0) === ((f & OF) !== 0)],
  ["le", (f) => (f & ZF) !== 0 || ((f & SF) !== 0) !== ((f & OF) !== 0)], ["g", (f) => (f & ZF) === 0 && ((f & SF) !== 0) === ((f & OF) !== 0)],
];

test("SETcc writes 1 when the condition holds and 0 otherwise, for all 16 conditions", () => {
  for (const flags of [0, CF, ZF, SF, OF, PF, SF | OF, ZF | CF, SF | ZF, OF | PF | CF]) {
    for (const [cc, holds] of CONDITIONS) {
      const a = run(`set${cc} %bh`, { ebx: 0x5555, flags });
      assert.equal(a.r(Reg.EBX), holds(flags) ? 0x0155 : 0x0055, `set${cc} with flags ${flags.toString(16)}`);
      assert.equal(a.flags, flags);
    }
  }
  assert.equal(run(`setne ${DATA + 1}`, { mem: [0xffffffff] }).m.read32(DATA), 0xffff01ff);
});

test("CMOVcc moves when the condition holds; a 16-bit move keeps the upper half", () => {
  for (const [cc, holds] of CONDITIONS) {
    const a = run(`cmov${cc}l %ecx, %eax`, { eax: 0x11111111, ecx: 0x22222222, flags: SF | CF });
    assert.equal(a.r(Reg.EAX), holds(SF | CF) ? 0x22222222 : 0x11111111, `cmov${cc}`);
  }
  assert.equal(run("cmovzw %cx, %ax", { eax: 0x11111111, ecx: 0x22222222, flags: ZF }).r(Reg.EAX), 0x11112222);
});

test("CMOVcc with a false condition writes nothing but still reads its memory operand (#PF)", () => {
  const a = run(`cmovzl ${DATA}, %eax`, { eax: 0x1234, flags: 0, paging: (m) => m.unmapPage(DATA) });
  assert.equal(vector(a.ev), 14);
  assert.equal(a.r(Reg.EAX), 0x1234);
  assert.equal(run(`cmovzl ${DATA}, %eax`, { eax: 0x1234, flags: 0, mem: [5] }).r(Reg.EAX), 0x1234);
});

// ---- BSWAP ----

test("BSWAP reverses the bytes of a doubleword; with a 16-bit operand it clears the low word", () => {
  assert.equal(run("bswap %edx", { edx: 0x12345678 }).r(Reg.EDX), 0x78563412);
  assert.equal(run(".byte 0x66, 0x0f, 0xca # bswap dx", { edx: 0x12345678 }).r(Reg.EDX), 0x12340000);
});

// ---- XADD ----

test("XADD stores the sum in the destination and the old destination in the source; flags as ADD", () => {
  const a = run("xaddl %ecx, %ebx", { ebx: 0xffffffff, ecx: 1 });
  assert.equal(a.r(Reg.EBX), 0);
  assert.equal(a.r(Reg.ECX), 0xffffffff);
  assert.equal(a.flags & (CF | ZF | EFLAGS.AF), CF | ZF | EFLAGS.AF);
  const b = run(`lock xaddw %cx, ${DATA}`, { ecx: 0x7fff, mem: [0x55550001] });
  assert.equal(b.m.read32(DATA), 0x55558000);
  assert.equal(b.r(Reg.ECX), 0x0001);
  assert.equal(b.flags & (OF | SF), OF | SF);
  assert.equal(run("xaddb %ah, %ah", { eax: 0x0300 }).r(Reg.EAX), 0x0600, "same register: the sum is written last");
});

// ---- CMPXCHG / CMPXCHG8B ----

test("CMPXCHG with an equal accumulator stores the source and sets ZF", () => {
  const a = run("cmpxchgl %ecx, %ebx", { eax: 5, ebx: 5, ecx: 9 });
  assert.equal(a.r(Reg.EBX), 9);
  assert.equal(a.r(Reg.EAX), 5);
  assert.equal(a.flags & ZF, ZF);
  const b = run(`lock cmpxchgb %cl, ${DATA + 2}`, { eax: 0x77, ecx: 0x99, mem: [0x11773344] });
  assert.equal(b.m.read32(DATA), 0x11993344);
});

test("CMPXCHG with a different accumulator loads it from the destination; flags as CMP accumulator, destination", () => {
  const a = run("cmpxchgw %cx, %bx", { eax: 0xffff0001, ebx: 0x00000002, ecx: 9 });
  assert.equal(a.r(Reg.EAX), 0xffff0002);
  assert.equal(a.r(Reg.EBX), 2);
  assert.equal(a.flags & (ZF | CF | SF), CF | SF, "1 − 2 borrows");
});

test("CMPXCHG always writes its memory destination: a read-only page faults even when unequal", () => {
  const a = run(`cmpxchgl %ecx, ${DATA}`, { eax: 1, ecx: 2, mem: [3], paging: readOnlyData });
  assert.equal(vector(a.ev), 14);
  assert.equal(a.r(Reg.EAX), 1);
});

test("CMPXCHG8B stores ECX:EBX when EDX:EAX equals m64, else loads EDX:EAX; only ZF changes", () => {
  const a = run(`cmpxchg8b ${DATA}`, { eax: 1, edx: 2, ebx: 3, ecx: 4, mem: [1, 2], flags: CF | SF });
  assert.deepEqual([a.m.read32(DATA), a.m.read32(DATA + 4)], [3, 4]);
  assert.equal(a.flags, ZF | CF | SF);
  const b = run(`lock cmpxchg8b ${DATA}`, { eax: 1, edx: 5, ebx: 3, ecx: 4, mem: [1, 2], flags: ZF | OF });
  assert.deepEqual([b.r(Reg.EAX), b.r(Reg.EDX)], [1, 2]);
  assert.deepEqual([b.m.read32(DATA), b.m.read32(DATA + 4)], [1, 2]);
  assert.equal(b.flags, OF);
});

test("CMPXCHG8B with a register operand raises #UD", () => {
  assert.equal(vector(run(".byte 0x0f, 0xc7, 0xc8 # cmpxchg8b eax").ev), 6);
});

test("CMPXCHG8B checks both doublewords before writing: a fault on the second page leaves the first unchanged", () => {
  const at = DATA + 0x1000 - 4; // the high doubleword is on the next page
  const a = run(`cmpxchg8b ${at}`, { eax: 0, edx: 0, ebx: 0xaaaa, ecx: 0xbbbb, paging: (m) => m.unmapPage(DATA + 0x1000) });
  assert.equal(vector(a.ev), 14);
  assert.equal(a.m.read32(at), 0);
  assert.equal(a.cpu.cr2 >>> 0, DATA + 0x1000);
});
