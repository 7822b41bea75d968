/**
 * Differential templates for ROL ROR RCL RCR SHL/SAL SHR SAR (C0 C1 D0 D1 D2 D3) and SHLD/SHRD
 * (0F A4 A5 AC AD), src/cpu/ops/shift.ts. Flags per SDM Vol. 2B "Flags Affected":
 * - shifts: CF is the last bit shifted out (undefined for SHL/SHR when the count is at least the
 *   operand size), OF is defined for 1-bit shifts only, SF ZF PF from the result, AF undefined;
 * - rotates: CF defined, OF for 1-bit rotates only, the other flags unchanged;
 * - SHLD/SHRD: CF SF ZF PF defined for counts up to the operand size, OF for 1-bit shifts; a word
 *   shifted by more than 16 has an undefined result, so those counts are kept to 0–16 here;
 * - a count of 0 changes nothing (every flag is then compared).
 */
import { AF, CF, OF, PF, SF, STATUS, ZF, type CaseInputs, type Template } from "../generator.js";

const SHIFTS = ["shl", "shr", "sar", "sal"];
const ROTATES = ["rol", "ror", "rcl", "rcr"];
/** ModRM.reg of group 2 (SDM Vol. 2D Table A-6); SAL is /4 (gas) and the /6 alias. */
const GROUP2 = ["rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"];

/** Keeps placeholder k (an immediate count) below `limit`. */
function countBelow(k: number, limit: number): (c: CaseInputs) => void {
  return (c) => { c.set(k, c.get(k) % limit); };
}
/** Keeps CL (the count of D2/D3 and SHLD/SHRD ..,CL) in 0..limit−1 after masking to 5 bits. */
function clBelow(limit: number): (c: CaseInputs) => void {
  return (c) => { c.regs[1] = (c.regs[1] & ~0x1f) | ((c.regs[1] & 0x1f) % limit); };
}

function group2(m: string): Template[] {
  const shift = SHIFTS.includes(m);
  const one = shift ? STATUS & ~AF : STATUS;            // 1-bit forms: OF defined; rotates leave AF
  const many = shift ? CF | SF | ZF | PF : STATUS & ~OF; // OF undefined for other counts
  const t: Template[] = [];
  for (const [s, r, mem, size] of [["b", "{r8}", "{m8}", 8], ["w", "{r16}", "{m16}", 16], ["l", "{r32}", "{m32}", 32]] as const) {
    // SHL/SHR by at least the operand size leave CF undefined: keep those counts for the SF ZF PF-only forms.
    const cfLimit = (m === "shl" || m === "sal" || m === "shr") && size < 32;
    t.push(
      { asm: `${m}${s} ${r}`, defined: one },                 // D0/D1: by 1
      { asm: `${m}${s} ${mem}`, defined: one },
      { asm: `${m}${s} {cnt}, ${r}`, defined: many, prepare: cfLimit ? countBelow(0, size) : undefined }, // C0/C1
      { asm: `${m}${s} {cnt}, ${mem}`, defined: many, prepare: cfLimit ? countBelow(0, size) : undefined },
      { asm: `${m}${s} %cl, ${r}`, defined: cfLimit ? SF | ZF | PF : many },                  // D2/D3
      { asm: `${m}${s} %cl, ${mem}`, defined: cfLimit ? SF | ZF | PF : many },
    );
    if (cfLimit) t.push({ asm: `${m}${s} {cnt}, ${r}`, defined: SF | ZF | PF }); // counts up to 31
  }
  return t;
}

/** Explicit encodings: C0/C1 with an immediate 1 (gas picks D0/D1) and the /6 alias of SAL. */
function encodings(): Template[] {
  const t: Template[] = [];
  GROUP2.forEach((m, reg) => {
    const shift = SHIFTS.includes(m);
    const one = shift ? STATUS & ~AF : STATUS;
    const modrm = (0xc0 | (reg << 3) | 3).toString(16); // r/m = EBX / BL / BX
    t.push(
      { asm: `.byte 0xc1, 0x${modrm}, 0x01 # ${m} ebx, 1 via C1`, defined: one },
      { asm: `.byte 0xc0, 0x${modrm}, 0x01 # ${m} bl, 1 via C0`, defined: one },
      { asm: `.byte 0x66, 0xd1, 0x${modrm} # ${m} bx, 1`, defined: one },
    );
  });
  const many = CF | SF | ZF | PF;
  t.push(
    { asm: ".byte 0xc0, 0xf1, 0x03 # sal cl, 3 via /6", defined: many },
    { asm: ".byte 0xd0, 0xf2 # sal dl, 1 via /6", defined: STATUS & ~AF },
    { asm: ".byte 0xd2, 0xf3 # sal bl, cl via /6", defined: SF | ZF | PF },
    { asm: ".byte 0xd3, 0xf6 # sal esi, cl via /6", defined: many },
    { asm: ".byte 0xc1, 0xf7, 0x1f # sal edi, 31 via /6", defined: many },
    { asm: ".byte 0x66, 0xd1, 0xf0 # sal ax, 1 via /6", defined: STATUS & ~AF },
  );
  return t;
}

function doubleShifts(): Template[] {
  const defined = CF | SF | ZF | PF;
  const t: Template[] = [];
  for (const m of ["shld", "shrd"]) {
    t.push(
      { asm: `${m}l {cnt}, {r32}, {r32}`, defined },
      { asm: `${m}l {cnt}, {r32}, {m32}`, defined },
      { asm: `${m}l %cl, {r32}, {r32}`, defined },
      { asm: `${m}l %cl, {r32}, scratch+8`, defined },
      { asm: `${m}w {cnt}, {r16}, {r16}`, defined, prepare: countBelow(0, 17) },
      { asm: `${m}w {cnt}, {r16}, {m16}`, defined, prepare: countBelow(0, 17) },
      { asm: `${m}w %cl, {r16}, {r16}`, defined, prepare: clBelow(17) },
      { asm: `${m}w %cl, {r16}, scratch+6`, defined, prepare: clBelow(17) },
      { asm: `${m}l $1, {r32}, {r32}`, defined: STATUS & ~AF },
      { asm: `${m}w $1, {r16}, {m16}`, defined: STATUS & ~AF },
    );
  }
  return t;
}

export const TEMPLATES: readonly Template[] = [
  ...[...SHIFTS, ...ROTATES].flatMap(group2),
  ...encodings(),
  ...doubleShifts(),
];
