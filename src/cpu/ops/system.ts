/**
 * Placeholder: this instruction group is being written (see src/cpu/optable.ts for the layout).
 */
import type { OpForm } from "../opmap.js";

/** Opcode-table forms of this group. */
export const SYSTEM_FORMS: readonly OpForm[] = [];
