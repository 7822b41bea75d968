/**
 * Differential templates for the string instruction group (src/cpu/ops/string.ts): MOVS CMPS SCAS
 * LODS STOS in every size, without and with REP/REPE/REPNE, DF = 0 or 1 (randomDf), source
 * segment overrides, and long runs on the stack that take the typed-array fast paths across pages.
 * ESI/EDI start inside the scratch area and counts stay small, so every access lands in the
 * scratch area or its 64-byte margins. See ../generator.ts.
 */
import type { CaseInputs, Template } from "../generator.js";

/** Placeholders 0–2 are the ESI offset, the EDI offset and the count. */
function prepare(c: CaseInputs): void {
  const si = c.get(0) % 32;
  c.set(0, si);
  // Now and then EDI = ESI, so CMPS compares equal runs and REPE runs to the end.
  c.set(1, (c.get(1) & 0x80) !== 0 && (c.get(1) & 0x40) !== 0 ? si : c.get(1) % 32);
  c.set(2, c.get(2) % 9);
}
function str(op: string): Template {
  return {
    asm: `movl {imm8}, %esi\nmovl {imm8}, %edi\nmovl {imm8}, %ecx\nleal scratch(%esi), %esi\nleal scratch(%edi), %edi\n${op}`,
    prepare, randomDf: true,
  };
}

const SIZES = ["b", "w", "l"];
const ACC = ["%al", "%ax", "%eax"];

function forms(): Template[] {
  const t: Template[] = [];
  SIZES.forEach((s, n) => {
    for (const p of ["", "rep ", ".byte 0xf2 # REPNE acts as REP\n"]) {
      t.push(str(`${p}movs${s}`), str(`${p}stos${s}`), str(`${p}lods${s}`));
    }
    for (const p of ["", "repe ", "repne "]) t.push(str(`${p}cmps${s}`), str(`${p}scas${s}`));
    // Source segment overrides (ES, SS, CS are flat on the host); the destination stays ES.
    t.push(str(`rep movs${s} %es:(%esi), %es:(%edi)`), str(`repe cmps${s} %es:(%edi), %ss:(%esi)`), str(`lods${s} %cs:(%esi), ${ACC[n]}`));
  });
  return t;
}

export const TEMPLATES: readonly Template[] = [
  ...forms(),
  // Long runs below ESP (8 KiB of stack): STOS then SCAS, MOVS then CMPS; pages are crossed.
  { asm: "cld\nleal -3000(%esp), %edi\nmovl $700, %ecx\nmovl {imm32}, %eax\nrep stosl\nleal -3000(%esp), %edi\nmovl $700, %ecx\nrepe scasl\nleal -3000(%esp), %ebx\nsubl %ebx, %edi" },
  { asm: "cld\nleal -4001(%esp), %edi\nmovl $3001, %ecx\nmovb {imm8}, %al\nrep stosb\nleal -4001(%esp), %edi\nmovl $3001, %ecx\nrepe scasb\nleal -4001(%esp), %ebx\nsubl %ebx, %edi" },
  { asm: "cld\nleal -3333(%esp), %edi\nmovl $1500, %ecx\nmovw {imm16}, %ax\nrep stosw\nmovw $0x1111, -3333+1400(%esp)\nleal -3333(%esp), %edi\nmovl $1500, %ecx\nrepe scasw\nleal -3333(%esp), %ebx\nsubl %ebx, %edi" },
  { asm: "std\nleal -1000(%esp), %edi\nmovl $900, %ecx\nmovl {imm32}, %eax\nrep stosl\ncld\nleal -4596(%esp), %edi\nmovl $900, %ecx\nrepe scasl\nleal -4596(%esp), %ebx\nsubl %ebx, %edi" },
  { asm: "cld\nleal -5000(%esp), %edi\nmovl %edi, %edx\nmovl $scratch-64, %esi\nmovl $160, %ecx\nrep movsb\nmovl %edx, %esi\nmovl $scratch-64, %edi\nmovl $160, %ecx\nrepe cmpsb\nsubl %edx, %esi" },
  { asm: "cld\nleal -6000(%esp), %edi\nmovl %edi, %edx\nmovl $scratch-64, %esi\nmovl $40, %ecx\nrep movsl\nleal -2000(%esp), %edi\nmovl %edx, %esi\nmovl $40, %ecx\nrep movsl\nleal -2000(%esp), %esi\nmovl $scratch-64, %edi\nmovl $40, %ecx\nrepe cmpsl\nsubl %edx, %edi" },
  // Overlapping MOVS: EDI = ESI + 1 replicates a byte; EDI = ESI - 2 with DF = 1 shifts down.
  { asm: "cld\nmovl $scratch+2, %esi\nmovl $scratch+3, %edi\nmovl {imm8}, %ecx\nandl $15, %ecx\nrep movsb" },
  { asm: "std\nmovl $scratch+28, %esi\nmovl $scratch+26, %edi\nmovl $6, %ecx\nrep movsl\ncld" },
  { asm: "cld\nmovl $scratch+1, %esi\nmovl $scratch+4, %edi\nmovl $6, %ecx\nrep movsl" },
];
