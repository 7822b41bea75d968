/**
 * Writes docs/opcodes.md: the coverage listing of every instruction form the processor
 * implements, generated from the opcode table (`npm run docs`).
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { OPCODE_FORMS } from "../../src/cpu/optable.js";
import { opcodeListing } from "../../src/cpu/disasm.js";

export const OPCODES_DOC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../docs/opcodes.md");

/** The document's text, from the table. */
export function opcodesDoc(): string {
  return [
    "# Instruction forms trapgate implements",
    "",
    "Generated from the opcode table (`src/cpu/optable.ts`) by `npm run docs`; a test fails when it",
    "is out of date. Operands are in the Intel SDM's Appendix A notation (Vol. 2D §A.2). One-byte",
    "opcodes are written `XX`, two-byte ones `0F XX`; `/n` is a group's ModRM.reg. Every form is",
    "exercised by the differential suite against the host CPU (`test/differential/`) or, for forms",
    "that cannot run comparably in ring 3, by the system tests (listed in",
    "`test/differential/coverage.ts` with the reason).",
    "",
    `${OPCODE_FORMS.length} forms.`,
    "",
    opcodeListing(OPCODE_FORMS),
    "",
  ].join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  fs.writeFileSync(OPCODES_DOC, opcodesDoc());
  console.log(`wrote ${OPCODES_DOC}`);
}
