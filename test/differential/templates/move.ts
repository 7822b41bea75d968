/**
 * Differential templates for the move instruction group (see ../generator.ts for the notation).
 */
import type { Template } from "../generator.js";

export const TEMPLATES: readonly Template[] = [];
