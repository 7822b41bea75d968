/**
 * Differential templates for the stack instruction group (src/cpu/ops/stack.ts). Every template
 * leaves ESP where it found it (pushes are popped again), and what was pushed is brought back into
 * registers or the scratch area so the record compares it. See ../generator.ts.
 */
import type { Template, CaseInputs } from "../generator.js";

/** POPF must not set TF (a host SIGTRAP), AC (alignment checks on the scratch accesses) or NT. */
const safeFlags = (k: number) => (c: CaseInputs) => { c.set(k, c.get(k) & ~(0x100 | 0x4000 | 0x40000)); };

const R32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"];

export const TEMPLATES: readonly Template[] = [
  // Every register's one-byte PUSH and POP (50–57, 58–5F); ESP's are below
  ...R32.filter((r) => r !== "esp").map((r): Template => ({ asm: `pushl %${r}\npopl %${r === "eax" ? "edi" : "eax"}\npushl {imm32}\npopl %${r}` })),
  // 50–5F, FF /6, 8F /0, 68, 6A
  { asm: "pushl {r32}\npopl {r32}" }, { asm: "pushw {r16}\npopw {r16}" },
  { asm: "pushl {m32}\npopl {m32}" }, { asm: "pushw {m16}\npopw {m16}" },
  { asm: "pushl {imm32}\npopl {r32}" }, { asm: "pushw {imm16}\npopw {r16}" },
  { asm: "pushl {simm8}\npopl {m32}" }, { asm: "pushw {simm8}\npopw {m16}" },
  { asm: ".byte 0xff, 0xf1 # push ecx via FF /6\n.byte 0x8f, 0xc2 # pop edx via 8F /0" },
  { asm: ".byte 0x66, 0xff, 0xf3 # push bx via FF /6\n.byte 0x66, 0x8f, 0xc6 # pop si via 8F /0" },
  // PUSH ESP pushes the old ESP; POP ESP loads the popped value; POP m with an ESP base uses the new ESP
  { asm: "push %esp\npopl {r32}" }, { asm: "pushw %sp\npopw {r16}" }, { asm: "push %esp\npop %esp" },
  { asm: "pushl (%esp)\npopl {r32}" },
  { asm: "pushl $0x11111111\npushl $0x22222222\npushl {imm32}\npopl 4(%esp)\npopl {r32}\npopl {r32}" },
  { asm: "pushl $0x11111111\npushl {imm32}\npopl (%esp)\npopl {r32}" },
  { asm: "pushl $0x33333333\npushw {imm16}\npopw 2(%esp)\npopl {r32}" },
  // Segment registers: with a 32-bit operand size the slot is written zero-extended (host CPU)
  { asm: "pushl $-1\npopl %eax\npush %ds\npopl {r32}" }, { asm: "pushl $-1\npopl %eax\npush %cs\npopl {r32}" },
  { asm: "pushl $-1\npopl %eax\npush %ss\npopl {r32}" }, { asm: "pushl $-1\npopl %eax\npush %es\npopl {r32}" },
  { asm: "pushl $-1\npopl %eax\npush %fs\npopl {r32}" }, { asm: "pushl $-1\npopl %eax\npush %gs\npopl {r32}" },
  { asm: "pushl $-1\npopl %eax\npushw %ds\npushw $0x5555\npopl {r32}" },
  // POP Sreg with the host's selectors (the harness's GDT holds the host's flat user descriptors)
  { asm: "push %ds\npop %ds" }, { asm: "push %es\npop %es" }, { asm: "push %ss\npop %ss" },
  { asm: "pushw %ds\npopw %es" }, { asm: "push %ss\npop %ds\nmovl %ds, {r32}" },
  { asm: "push %fs\npop %fs" }, { asm: "push %gs\npop %gs" }, { asm: "pushw %fs\npopw %gs" },
  // PUSHA / POPA (POPA skips the ESP slot)
  { asm: "pushal\npopal" },
  { asm: "pushal\nmovl {imm32}, 12(%esp)\nmovl {imm32}, (%esp)\npopal" },
  { asm: "pushal\npopl {r32}\npopl {r32}\naddl $24, %esp" },
  { asm: "pushaw\nmovw {imm16}, 6(%esp)\nmovw {imm16}, 14(%esp)\npopaw" },
  { asm: "pushaw\npopl {r32}\naddl $12, %esp" },
  // PUSHF / POPF (CPL 3, IOPL 0: IF and IOPL do not change)
  { asm: "pushfl\npopl {r32}" }, { asm: "pushfw\npopw {r16}" },
  { asm: "pushl {imm32}\npopfl", prepare: safeFlags(0) },
  { asm: "pushw {imm16}\npopfw", prepare: safeFlags(0) },
  { asm: "pushl {imm32}\npopfl\npushfl\npopl {r32}", prepare: safeFlags(0) },
  { asm: "pushl $0x3200\npopfl\npushfl\npopl {r32}" },
  // ENTER / LEAVE
  { asm: "enter $0, $0\nleave" },
  { asm: "movl %ebp, %esi\nenter $0x40, $0\nmovl %ebp, %eax\nsubl %esp, %eax\nleave\nmovl %esi, %ebp" },
  { asm: "movl $scratch+16, %ebp\nenter $8, $3\nmovl 8(%esp), %eax\nmovl 12(%esp), %ecx\nmovl 16(%esp), %edx\nmovl %ebp, %ebx\nsubl %esp, %ebx\nleave" },
  { asm: "movl $scratch+28, %ebp\nenter $4, $1\nmovl 4(%esp), %eax\nmovl %ebp, %edx\nsubl 4(%esp), %edx\nleave" },
  { asm: "movl $scratch+24, %ebp\nenter $0, $35\nmovl %esp, %eax\nsubl %ebp, %eax\nmovl (%esp), %ecx\nleave" },
  { asm: "movl %esp, %esi\nmovl $scratch+16, %ebp\n.byte 0x66, 0xc8, 0x06, 0x00, 0x03 # enterw $6, $3\nmovl (%esp), %eax\nmovl 4(%esp), %ecx\nmovl 8(%esp), %edx\nmovl 12(%esp), %ebx\nmovl %esi, %esp" },
  { asm: "pushl %ebp\nmovl %esp, %ebp\npushl {imm32}\npushl {imm32}\nleave" },
  { asm: "movl %ebp, %esi\npushw {imm16}\nmovl %esp, %ebp\n.byte 0x66, 0xc9 # leavew\nmovl %ebp, %eax\nmovl %esi, %ebp" },
];
