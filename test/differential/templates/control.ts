/**
 * Differential templates for the control instruction group (see ../generator.ts for the notation).
 */
import type { Template } from "../generator.js";

export const TEMPLATES: readonly Template[] = [];
