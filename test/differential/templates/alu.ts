/**
 * Differential templates for ADD OR ADC SBB AND SUB XOR CMP, INC DEC, TEST NOT NEG
 * (src/cpu/ops/alu.ts). Flags per SDM Vol. 2 "Flags Affected": AF is undefined after the
 * logical operations (AND OR XOR TEST).
 */
import { CF, OF, PF, SF, STATUS, ZF, type Template } from "../generator.js";

const LOGIC = CF | OF | PF | SF | ZF;
const ALU = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"];

function forms(m: string): Template[] {
  const defined = m === "and" || m === "or" || m === "xor" ? LOGIC : STATUS;
  const t: Template[] = [];
  for (const [sfx, r, mem, imm] of [["b", "{r8}", "{m8}", "{imm8}"], ["w", "{r16}", "{m16}", "{imm16}"], ["l", "{r32}", "{m32}", "{imm32}"]]) {
    t.push(
      { asm: `${m}${sfx} ${r}, ${r}`, defined },             // Gx,Ex reg form (00/01 encoding chosen by gas)
      { asm: `${m}${sfx} ${r}, ${mem}`, defined },           // Ex,Gx memory destination
      { asm: `${m}${sfx} ${mem}, ${r}`, defined },           // Gx,Ex memory source
      { asm: `${m}${sfx} ${imm}, ${r}`, defined },           // group 1 / accumulator forms
      { asm: `${m}${sfx} ${imm}, ${mem}`, defined },
    );
  }
  // Explicit encodings gas would not choose by itself.
  const n = ALU.indexOf(m);
  t.push(
    { asm: `.byte 0x${((n << 3) + 2).toString(16)}, 0xc1 # ${m} Gb,Eb reg`, defined },
    { asm: `.byte 0x${((n << 3) + 3).toString(16)}, 0xca # ${m} Gv,Ev reg`, defined },
    { asm: `.byte 0x66, 0x${((n << 3) + 3).toString(16)}, 0xd3 # ${m} Gw,Ew reg`, defined },
    { asm: `.byte 0x${((n << 3) + 4).toString(16)}, {imm8} # ${m} AL,Ib`.replace("{imm8}", "0x5a"), defined },
    { asm: `${m}b {imm8}, %al`, defined },
    { asm: `${m}w {imm16}, %ax`, defined },
    { asm: `${m}l {imm32}, %eax`, defined },
    { asm: `${m}w {simm8}, {r16}`, defined },
    { asm: `${m}l {simm8}, {r32}`, defined },
    { asm: `${m}l {simm8}, {m32}`, defined },
    { asm: `.byte 0x82, 0x${(0xc0 + (n << 3) + 1).toString(16)}, 0x81 # ${m} Eb,Ib via 82`, defined },
    { asm: `.byte 0x66, 0x81, 0x${(0xc0 + (n << 3) + 3).toString(16)}, 0x34, 0x12 # ${m} Ew,Iw via 81`, defined },
  );
  return t;
}

export const TEMPLATES: readonly Template[] = [
  ...ALU.flatMap(forms),
  // INC/DEC leave CF; all other status flags defined.
  { asm: "incl {r32}" }, { asm: "decl {r32}" }, { asm: "incw {r16}" }, { asm: "decw {r16}" },
  { asm: "incb {r8}" }, { asm: "decb {r8}" }, { asm: "incl {m32}" }, { asm: "decw {m16}" }, { asm: "incb {m8}" },
  { asm: ".byte 0x40 # inc eax (short form)" }, { asm: ".byte 0x4f # dec edi (short form)" },
  { asm: ".byte 0x66, 0x43 # inc bx" }, { asm: ".byte 0x66, 0x4e # dec si" },
  // INC/DEC ESP (44, 4C) in pairs, so the stack pointer ends where it began; the second sets the flags.
  { asm: ".byte 0x44, 0x4c # inc esp; dec esp" }, { asm: ".byte 0x4c, 0x44 # dec esp; inc esp" },
  { asm: ".byte 0x66, 0x44, 0x66, 0x4c # inc sp; dec sp" },
  { asm: ".byte 0xff, 0xc1 # inc ecx via FF /0" }, { asm: ".byte 0xff, 0xca # dec edx via FF /1" },
  { asm: "testb {r8}, {r8}", defined: LOGIC }, { asm: "testw {r16}, {r16}", defined: LOGIC }, { asm: "testl {r32}, {m32}", defined: LOGIC },
  { asm: "testb {imm8}, %al", defined: LOGIC }, { asm: "testw {imm16}, %ax", defined: LOGIC }, { asm: "testl {imm32}, %eax", defined: LOGIC },
  { asm: "testb {imm8}, {m8}", defined: LOGIC }, { asm: "testw {imm16}, {r16}", defined: LOGIC }, { asm: "testl {imm32}, {r32}", defined: LOGIC },
  { asm: ".byte 0xf6, 0xc9, 0x33 # test cl, 0x33 via F6 /1", defined: LOGIC },
  { asm: ".byte 0xf7, 0xca, 0x33, 0x00, 0x00, 0x80 # test edx via F7 /1", defined: LOGIC },
  { asm: "notb {r8}" }, { asm: "notw {m16}" }, { asm: "notl {r32}" },
  { asm: "negb {m8}" }, { asm: "negw {r16}" }, { asm: "negl {r32}" }, { asm: "negl {m32}" },
];
