/**
 * Differential templates for the far transfers and segment-register loads that a ring-3 Linux
 * process can run (src/cpu/ops/far.ts, src/cpu/ops/segload.ts), with the host's own selectors:
 * JMP/CALL far through a memory pointer (FF /5, FF /3), RETF and RETF Iw (CB, CA), MOV Sreg,Ew (8E)
 * and LDS/LES/LFS/LGS/LSS. The pointer operands take CS and DS from the running program, so the
 * cases mean the same on the host and on trapgate (whose test GDT copies the host's selectors).
 * JMP/CALL Ap (EA, 9A) encode the selector in the instruction and IRET changes privilege: those are
 * system tests (coverage.ts). See ../generator.ts.
 */
import type { Template } from "../generator.js";

/** Stores a far pointer {label, CS} at scratch+8 (offset) and scratch+12 (selector). */
const farPointer = (label: string) => `movl $${label}, scratch+8\nmovw %cs, scratch+12\n`;

export const TEMPLATES: readonly Template[] = [
  // JMP m16:32 (FF /5): skips the instruction between
  { asm: `${farPointer("1f")}ljmp *scratch+8\nmovl {imm32}, {r32}\n1:` },
  { asm: `${farPointer("1f")}movl $scratch, %esi\nljmp *8(%esi)\nmovl {imm32}, {r32}\n1:` },
  // CALL m16:32 (FF /3) and RETF (CB): the callee sees CS:EIP on the stack
  { asm: `${farPointer("1f")}lcall *scratch+8\njmp 2f\n1: movl {imm32}, {r32}\nmovl 4(%esp), %eax\nlret\n2:` },
  { asm: `${farPointer("1f")}lcall *scratch+8\njmp 2f\n1: movl (%esp), {r32}\nlret\n2:` },
  // RETF Iw (CA): releases the parameters
  { asm: `pushl {imm32}\npushl {imm32}\n${farPointer("1f")}lcall *scratch+8\njmp 2f\n1: movl 8(%esp), {r32}\nlret $8\n2:` },
  // RETF to a CS:EIP pushed by hand
  { asm: "pushl %cs\npushl $1f\nlret\nmovl {imm32}, {r32}\n1:" },
  // MOV Sreg,Ew (8E), register and memory sources (each placeholder is drawn anew, so the
  // selector travels through fixed registers and a fixed scratch word)
  { asm: "movl %ds, %eax\nmovl %eax, %es\nmovl %es, {r32}" },
  { asm: "movw %ds, scratch+24\nmovw scratch+24, %es\nmovw %es, {r16}" },
  { asm: "movl %ss, %eax\nmovl %eax, %ss\nmovl {imm32}, {r32}" },
  { asm: "movl %ds, %eax\nmovl %eax, %fs\nmovl %eax, %gs\nmovl %fs, {r32}" },
  // LDS/LES/LFS/LGS (C5, C4, 0F B4, 0F B5) with m16:32 and m16:16, LSS (0F B2) keeping ESP
  { asm: "movl {imm32}, scratch+16\nmovw %ds, scratch+20\nlds scratch+16, {r32}" },
  { asm: "movl {imm32}, scratch+16\nmovw %ds, scratch+20\nles scratch+16, {r32}" },
  { asm: "movl {imm32}, scratch+16\nmovw %ds, scratch+20\nlfs scratch+16, {r32}" },
  { asm: "movl {imm32}, scratch+16\nmovw %ds, scratch+20\nlgs scratch+16, {r32}" },
  { asm: "movw {imm16}, scratch+16\nmovw %ds, scratch+18\nldsw scratch+16, {r16}" },
  { asm: "movw {imm16}, scratch+16\nmovw %ds, scratch+18\nlesw scratch+16, {r16}" },
  { asm: "movl %esp, scratch+16\nmovw %ss, scratch+20\nlss scratch+16, %esp" },
];
