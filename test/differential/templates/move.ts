/**
 * Differential templates for the move instruction group (src/cpu/ops/move.ts): MOV in all its
 * encodings (incl. moffs A0–A3, C6/C7 /0 register forms, MOV Ev,Sw), MOVZX/MOVSX, XCHG, NOP
 * (90, PAUSE, 0F 1F /0), LEA, XLAT, LAHF/SAHF and the flag instructions. See ../generator.ts.
 * None of these changes a status flag except SAHF and CLC/STC/CMC, so all six stay compared.
 */
import type { Template } from "../generator.js";

const R8 = ["al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"];
const R32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"];

export const TEMPLATES: readonly Template[] = [
  // B0–B7 and B8–BF for every register (ESP: saved and restored)
  ...R8.map((r): Template => ({ asm: `movb {imm8}, %${r}` })),
  ...R32.filter((r) => r !== "esp").map((r): Template => ({ asm: `movl {imm32}, %${r}` })),
  { asm: "movl %esp, %ebx\nmovl $0x12345678, %esp\nmovl %esp, %eax\nmovl %ebx, %esp" },
  // 88–8B, register and memory forms
  { asm: "movb {r8}, {r8}" }, { asm: "movb {r8}, {m8}" }, { asm: "movb {m8}, {r8}" },
  { asm: "movw {r16}, {r16}" }, { asm: "movw {r16}, {m16}" }, { asm: "movw {m16}, {r16}" },
  { asm: "movl {r32}, {r32}" }, { asm: "movl {r32}, {m32}" }, { asm: "movl {m32}, {r32}" },
  { asm: ".byte 0x8a, 0xc1 # mov al, cl (Gb,Eb reg)" },
  { asm: ".byte 0x8b, 0xca # mov ecx, edx (Gv,Ev reg)" },
  { asm: ".byte 0x66, 0x8b, 0xd3 # mov dx, bx" },
  // B0–BF and C6/C7 /0
  { asm: "movb {imm8}, {r8}" }, { asm: "movw {imm16}, {r16}" }, { asm: "movl {imm32}, {r32}" },
  { asm: "movb {imm8}, {m8}" }, { asm: "movw {imm16}, {m16}" }, { asm: "movl {imm32}, {m32}" },
  { asm: ".byte 0xc6, 0xc1, 0x5a # mov cl, 0x5a via C6 /0" },
  { asm: ".byte 0xc7, 0xc2, 0x78, 0x56, 0x34, 0x12 # mov edx, 0x12345678 via C7 /0" },
  { asm: ".byte 0x66, 0xc7, 0xc3, 0xcd, 0xab # mov bx, 0xabcd via C7 /0" },
  // A0–A3: moffs
  { asm: "movb scratch+3, %al" }, { asm: "movw scratch+6, %ax" }, { asm: "movl scratch+9, %eax" },
  { asm: "movb %al, scratch+31" }, { asm: "movw %ax, scratch+14" }, { asm: "movl %eax, scratch+20" },
  { asm: "movl %es:scratch+12, %eax" }, { asm: "movb %al, %ss:scratch+1" },
  // 8C: MOV Ev,Sw (a 32-bit register destination is zero-extended; 16-bit keeps the upper half)
  { asm: "movl %ds, {r32}" }, { asm: "movl %cs, {r32}" }, { asm: "movl %ss, {r32}" }, { asm: "movl %fs, {r32}" },
  { asm: "movw %es, {r16}" }, { asm: "movw %gs, {r16}" }, { asm: "movw %ds, {m16}" }, { asm: "movw %cs, {m16}" },
  { asm: ".byte 0x8c, 0x1d\n.long scratch+4 # mov %ds, m (no 66: still a 16-bit store)" },
  // MOVZX / MOVSX
  { asm: "movzbl {r8}, {r32}" }, { asm: "movzbl {m8}, {r32}" }, { asm: "movzbw {r8}, {r16}" }, { asm: "movzbw {m8}, {r16}" },
  { asm: "movzwl {r16}, {r32}" }, { asm: "movzwl {m16}, {r32}" },
  { asm: "movsbl {r8}, {r32}" }, { asm: "movsbl {m8}, {r32}" }, { asm: "movsbw {r8}, {r16}" }, { asm: "movsbw {m8}, {r16}" },
  { asm: "movswl {r16}, {r32}" }, { asm: "movswl {m16}, {r32}" },
  { asm: ".byte 0x66, 0x0f, 0xb7, 0xc1 # movzx ax, cx (Gw,Ew)" },
  { asm: ".byte 0x66, 0x0f, 0xbf, 0xd3 # movsx dx, bx (Gw,Ew)" },
  // XCHG
  { asm: "xchgb {r8}, {r8}" }, { asm: "xchgb {r8}, {m8}" }, { asm: "xchgw {r16}, {r16}" }, { asm: "xchgw {r16}, {m16}" },
  { asm: "xchgl {r32}, {r32}" }, { asm: "xchgl {r32}, {m32}" }, { asm: "lock xchgl {r32}, {m32}" },
  { asm: ".byte 0x91 # xchg eax, ecx" }, { asm: ".byte 0x92 # xchg eax, edx" }, { asm: ".byte 0x93 # xchg eax, ebx" },
  { asm: ".byte 0x95 # xchg eax, ebp" }, { asm: ".byte 0x96 # xchg eax, esi" }, { asm: ".byte 0x97 # xchg eax, edi" },
  { asm: ".byte 0x66, 0x93 # xchg ax, bx" },
  { asm: "movl %esp, %eax\nmovl $0x1234, %ebx\n.byte 0x94 # xchg eax, esp\nmovl %eax, %esp # restore" },
  // NOP, PAUSE, 0F 1F /0 (the memory operand is not accessed)
  { asm: "nop" }, { asm: "pause" }, { asm: "nopl {m32}" }, { asm: "nopw {m16}" }, { asm: ".byte 0x0f, 0x1f, 0x00 # nopl (%eax)" },
  { asm: ".byte 0x0f, 0x1f, 0xc8 # 0F 1F /1: NOP on P6 and the host" }, { asm: ".byte 0x0f, 0x1f, 0x3d\n.long 0 # 0F 1F /7 [0]: not accessed" },
  ...[0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e].map((op): Template => ({ asm: `.byte 0x0f, 0x${op.toString(16)}, 0x${(0xc0 + (op & 7) * 9).toString(16)} # hint NOP` })),
  { asm: ".byte 0xf3, 0x0f, 0x1e, 0xfb # ENDBR32: a hint NOP on processors without CET" },
  // LEA: address size 32 (and 16 via 67), operand size 32 or 16
  { asm: "leal {m32}, {r32}" }, { asm: "leaw {m16}, {r16}" },
  { asm: "leal 0x12345678(%eax,%ebx,4), %ecx" }, { asm: "leaw -0x80(%esi,%edi,8), %dx" },
  { asm: ".byte 0x67, 0x8d, 0x40, 0x10 # lea eax, [bx+si+0x10]" },
  { asm: ".byte 0x67, 0x66, 0x8d, 0x8f, 0xfe, 0xff # lea cx, [bx-2]" },
  { asm: ".byte 0x67, 0x8d, 0x1e, 0x34, 0x12 # lea ebx, [0x1234]" },
  // XLAT: AL = [DS:EBX + AL]
  { asm: "movl $scratch, %ebx\nandl $0x1f, %eax\nxlat" },
  { asm: "movl $scratch-0x60, %ebx\nmovb $0x70, %al\nxlat %es:(%ebx)" },
  // LAHF / SAHF and the flag instructions
  { asm: "lahf" }, { asm: "sahf" }, { asm: "lahf\nnotb %ah\nsahf" },
  { asm: "clc" }, { asm: "stc" }, { asm: "cmc" }, { asm: "cld" }, { asm: "std\nnop\ncld" },
];
