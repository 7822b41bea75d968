/**
 * Differential templates for the control instruction group (src/cpu/ops/control.ts): Jcc rel8 and
 * rel32, JMP rel and indirect, CALL rel and indirect, RET and RET Iw, LOOP/LOOPE/LOOPNE and
 * JECXZ/JCXZ. A branch skips an instruction that would change a register, so the record shows
 * whether it was taken. INT/INT3/INTO/INT1 and HLT cannot run comparably in ring 3 (coverage.ts).
 * See ../generator.ts.
 */
import type { CaseInputs, Template } from "../generator.js";

/** Placeholder k becomes a loop count 1–8, keeping the upper half for 16-bit-address forms. */
const smallCount = (k: number, keepUpper = false) => (c: CaseInputs) => {
  const v = c.get(k);
  c.set(k, ((keepUpper ? v & 0xffff0000 : 0) | (1 + (v & 7))) >>> 0);
};
/** Placeholder k is zero half the time. */
const oftenZero = (k: number, mask = 0xffffffff) => (c: CaseInputs) => {
  const v = c.get(k);
  if (v & 1) c.set(k, (v & ~mask) >>> 0);
};

const CC = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"];

export const TEMPLATES: readonly Template[] = [
  // Every condition in both encodings (70–7F rel8, 0F 80–8F rel32)
  ...CC.flatMap((cc): Template[] => [
    { asm: `j${cc} 1f\nmovl {imm32}, {r32}\n1:` },
    { asm: `{disp32} j${cc} 1f\nmovl {imm32}, {r32}\n1:` },
  ]),
  // Jcc rel8 / rel32 (70–7F, 0F 80–8F), on random flags
  { asm: "j{cc} 1f\nmovl {imm32}, {r32}\n1:" },
  { asm: "{disp32} j{cc} 1f\nmovl {imm32}, {r32}\n1:" },
  { asm: "cmpl {r32}, {r32}\nj{cc} 1f\nmovl {imm32}, {r32}\n1:" },
  { asm: "cmpb {imm8}, {r8}\n{disp32} j{cc} 1f\nmovl {imm32}, {r32}\n1:" },
  { asm: "j{cc} 2f\n1: movl {imm32}, {r32}\njmp 3f\n2: j{cc} 1b\n3:" },
  // JMP rel8 / rel32 / Ev
  { asm: "jmp 1f\nmovl {imm32}, {r32}\n1:" },
  { asm: "{disp32} jmp 1f\nmovl {imm32}, {r32}\n1:" },
  { asm: "movl $1f, %eax\njmp *%eax\nmovl {imm32}, {r32}\n1:" },
  { asm: "movl $1f, scratch+4\njmp *scratch+4\nmovl {imm32}, {r32}\n1:" },
  { asm: "movl $1f, %ebx\nmovl %ebx, scratch+12\nmovl $scratch+8, %esi\njmp *4(%esi)\nmovl {imm32}, {r32}\n1:" },
  // CALL rel / Ev, RET, RET Iw
  { asm: "call 1f\n1: popl {r32}" },
  { asm: "call 1f\njmp 2f\n1: movl {imm32}, {r32}\nret\n2:" },
  { asm: "pushl {imm32}\npushl {imm32}\ncall 1f\njmp 2f\n1: ret $8\n2:" },
  { asm: "pushl {imm32}\ncall 1f\njmp 2f\n1: movl 4(%esp), {r32}\nret $4\n2:" },
  { asm: "movl $1f, %eax\ncall *%eax\njmp 2f\n1: movl (%esp), {r32}\nret\n2:" },
  { asm: "movl $1f, scratch+8\ncall *scratch+8\njmp 2f\n1: movl {imm32}, {r32}\nret\n2:" },
  { asm: "movl $1f, %ecx\npushl %ecx\ncall *(%esp)\naddl $4, %esp\njmp 2f\n1: popl %edx\npushl %edx\nret\n2:" },
  // LOOP family (E0–E2) and JECXZ/JCXZ (E3); the counter is ECX, or CX with the 67 prefix
  { asm: "movl {imm32}, %ecx\nxorl %eax, %eax\n1: incl %eax\nloop 1b", prepare: smallCount(0) },
  { asm: "movl {imm32}, %ecx\nmovl {imm32}, %edx\n1: addl $0x40000000, %edx\nloope 1b", prepare: smallCount(0) },
  { asm: "movl {imm32}, %ecx\nmovl {imm32}, %edx\n1: addl $0x40000000, %edx\nloopne 1b", prepare: smallCount(0) },
  { asm: "movl {imm32}, %ecx\nxorl %eax, %eax\n1: incl %eax\n.byte 0x67 # addr16: CX\nloop 1b", prepare: smallCount(0, true) },
  { asm: "movl {imm32}, %ecx\nmovl {imm32}, %edx\n1: addl $0x40000000, %edx\n.byte 0x67\nloopne 1b", prepare: smallCount(0, true) },
  { asm: "movl {imm32}, %ecx\njecxz 1f\nmovl {imm32}, {r32}\n1:", prepare: oftenZero(0) },
  { asm: "movl {imm32}, %ecx\njcxz 1f\nmovl {imm32}, {r32}\n1:", prepare: oftenZero(0, 0xffff) },
];
