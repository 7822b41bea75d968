/**
 * Differential templates for BT BTS BTR BTC, BSF BSR, SETcc, CMOVcc, BSWAP, XADD, CMPXCHG and
 * CMPXCHG8B (src/cpu/ops/bit.ts). Flags per SDM Vol. 2 "Flags Affected": BT* define CF (ZF is
 * unaffected; OF SF AF PF undefined); BSF/BSR define ZF only; SETcc, CMOVcc, BSWAP change none;
 * XADD and CMPXCHG set all six as ADD and CMP; CMPXCHG8B changes ZF only.
 */
import { CF, ZF, type CaseInputs, type Template } from "../generator.js";

const BTF = CF | ZF;

/**
 * Keeps a register bit offset (placeholder k) within ±256 bits, so the addressed word/doubleword
 * of a memory bit string stays within the 64-byte guard areas around the scratch memory.
 */
function nearOffset(k: number): (c: CaseInputs) => void {
  return (c) => {
    const v = c.get(k) & 0x1ff;
    c.set(k, v >= 0x100 ? (v - 0x200) >>> 0 : v);
  };
}
/** Now and then makes the source of a bit scan (placeholder k) zero: ZF = 1, destination unchanged. */
function sometimesZero(k: number): (c: CaseInputs) => void {
  return (c) => { if ((c.flags & 0x44) === 0x44) c.set(k, 0); };
}
/** Half the time makes the accumulator (AL/AX/EAX) equal to the destination (placeholder `dest`). */
function sometimesEqual(dest: number, size: 8 | 16 | 32): (c: CaseInputs) => void {
  return (c) => {
    if ((c.flags & 1) === 0) return;
    const mask = size === 32 ? 0xffffffff : (1 << size) - 1;
    c.regs[0] = ((c.regs[0] & ~mask) | (c.get(dest) & mask)) >>> 0;
  };
}
/**
 * Half the time makes the accumulator (AL/AX/EAX; EDX:EAX for CMPXCHG8B) equal to the scratch
 * bytes at `off`. Memory operands here are absolute (`scratch+off`): with a random addressing form
 * EAX or EDX could be its base or index, which this must not change.
 */
function sometimesEqualMem(off: number, bytes: 1 | 2 | 4 | 8): (c: CaseInputs) => void {
  return (c) => {
    if ((c.flags & 1) === 0) return;
    const dword = (o: number) => (c.mem[o] | (c.mem[o + 1] << 8) | (c.mem[o + 2] << 16) | (c.mem[o + 3] << 24)) >>> 0;
    const v = dword(off);
    if (bytes === 8) { c.regs[0] = v; c.regs[2] = dword(off + 4); return; }
    const mask = bytes === 4 ? 0xffffffff : bytes === 2 ? 0xffff : 0xff;
    c.regs[0] = ((c.regs[0] & ~mask) | (v & mask)) >>> 0;
  };
}

function btTemplates(): Template[] {
  const t: Template[] = [];
  for (const m of ["bt", "bts", "btr", "btc"]) {
    t.push(
      { asm: `${m}l {r32}, {r32}`, defined: BTF },
      { asm: `${m}w {r16}, {r16}`, defined: BTF },
      { asm: `${m}l {r32}, {m32}`, defined: BTF, prepare: nearOffset(0) },
      { asm: `${m}w {r16}, {m16}`, defined: BTF, prepare: nearOffset(0) },
      { asm: `${m}l {imm8}, {r32}`, defined: BTF },
      { asm: `${m}w {imm8}, {r16}`, defined: BTF },
      { asm: `${m}l {imm8}, {m32}`, defined: BTF },
      { asm: `${m}w {imm8}, {m16}`, defined: BTF },
    );
    if (m !== "bt") t.push({ asm: `lock ${m}l {r32}, {m32}`, defined: BTF, prepare: nearOffset(0) }, { asm: `lock ${m}w {imm8}, {m16}`, defined: BTF });
  }
  return t;
}

function conditionTemplates(): Template[] {
  const t: Template[] = [];
  for (const cc of ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"]) {
    t.push(
      { asm: `set${cc} {r8}` }, { asm: `set${cc} {m8}` },
      { asm: `cmov${cc}l {r32}, {r32}` }, { asm: `cmov${cc}w {r16}, {r16}` },
      { asm: `cmov${cc}l {m32}, {r32}` }, { asm: `cmov${cc}w {m16}, {r16}` },
    );
  }
  return t;
}

function bswapTemplates(): Template[] {
  const t: Template[] = [{ asm: "bswap {r32}" }, { asm: "bswap %esp\nbswap %esp # 0F CC, restored" }];
  // With a 16-bit operand the result is undefined; Intel and AMD processors clear the low word.
  for (const r of [0, 1, 2, 3, 5, 6, 7]) t.push({ asm: `.byte 0x66, 0x0f, 0x${(0xc8 + r).toString(16)} # bswap r16` });
  return t;
}

export const TEMPLATES: readonly Template[] = [
  ...btTemplates(),
  ...["bsf", "bsr"].flatMap((m): Template[] => [
    { asm: `${m}l {r32}, {r32}`, defined: ZF, prepare: sometimesZero(0) },
    { asm: `${m}w {r16}, {r16}`, defined: ZF, prepare: sometimesZero(0) },
    { asm: `${m}l {m32}, {r32}`, defined: ZF, prepare: sometimesZero(0) },
    { asm: `${m}w {m16}, {r16}`, defined: ZF, prepare: sometimesZero(0) },
  ]),
  ...conditionTemplates(),
  ...bswapTemplates(),
  { asm: "xaddb {r8}, {r8}" }, { asm: "xaddw {r16}, {r16}" }, { asm: "xaddl {r32}, {r32}" },
  { asm: "xaddb {r8}, {m8}" }, { asm: "xaddw {r16}, {m16}" }, { asm: "xaddl {r32}, {m32}" },
  { asm: "lock xaddl {r32}, {m32}" },
  { asm: "cmpxchgb {r8}, {r8}", prepare: sometimesEqual(1, 8) },
  { asm: "cmpxchgw {r16}, {r16}", prepare: sometimesEqual(1, 16) },
  { asm: "cmpxchgl {r32}, {r32}", prepare: sometimesEqual(1, 32) },
  { asm: "cmpxchgb {r8}, scratch+3", prepare: sometimesEqualMem(3, 1) },
  { asm: "cmpxchgw {r16}, scratch+9", prepare: sometimesEqualMem(9, 2) },
  { asm: "cmpxchgl {r32}, scratch+16", prepare: sometimesEqualMem(16, 4) },
  { asm: "lock cmpxchgl {r32}, scratch+22", prepare: sometimesEqualMem(22, 4) },
  { asm: "cmpxchgl {r32}, {m32}" }, { asm: "cmpxchgw {r16}, {m16}" }, { asm: "cmpxchgb {r8}, {m8}" },
  { asm: "cmpxchg8b scratch+8", prepare: sometimesEqualMem(8, 8) },
  { asm: "lock cmpxchg8b scratch+13", prepare: sometimesEqualMem(13, 8) },
  { asm: "cmpxchg8b {m64}" },
];
