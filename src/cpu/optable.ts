/**
 * The opcode table: every instruction form the processor implements, gathered from the
 * instruction-group modules in src/cpu/ops/, compiled once into the map the decoder indexes.
 * Each group module exports its forms in the SDM's Appendix A notation (see opmap.ts).
 */
import { OpcodeMap, type OpForm } from "./opmap.js";
import { ALU_FORMS } from "./ops/alu.js";
import { MULDIV_FORMS } from "./ops/muldiv.js";
import { SHIFT_FORMS } from "./ops/shift.js";
import { BIT_FORMS } from "./ops/bit.js";
import { MOVE_FORMS } from "./ops/move.js";
import { STACK_FORMS } from "./ops/stack.js";
import { STRING_FORMS } from "./ops/string.js";
import { CONTROL_FORMS } from "./ops/control.js";
import { SYSTEM_FORMS } from "./ops/system.js";
import { FAR_FORMS } from "./ops/far.js";
import { SEGLOAD_FORMS } from "./ops/segload.js";

/** All forms, in group order. */
export const OPCODE_FORMS: readonly OpForm[] = [
  ...ALU_FORMS, ...MULDIV_FORMS, ...SHIFT_FORMS, ...BIT_FORMS, ...MOVE_FORMS, ...STACK_FORMS,
  ...STRING_FORMS, ...CONTROL_FORMS, ...SYSTEM_FORMS, ...FAR_FORMS, ...SEGLOAD_FORMS,
];

/** The compiled map (immutable after construction). */
export const OPCODE_MAP = new OpcodeMap(OPCODE_FORMS);
