/**
 * Which opcode-table forms the differential suite must reach, and the ones it cannot test
 * against the host CPU in ring 3 (each with the reason; those are covered by the system tests).
 */
import type { OpForm } from "../../src/cpu/opmap.js";

/** Mnemonics the host cannot execute (or not comparably) in a ring-3 Linux process. */
export const NOT_DIFFERENTIAL: Readonly<Record<string, string>> = {
  HLT: "privileged (#GP at CPL 3): src/cpu/ops tests",
  CLI: "IOPL-sensitive: #GP at CPL 3 under Linux", STI: "IOPL-sensitive: #GP at CPL 3 under Linux",
  IN: "I/O permission: #GP under Linux", OUT: "I/O permission", INS: "I/O permission", OUTS: "I/O permission",
  INSB: "I/O permission", INSW: "I/O permission", INSD: "I/O permission", OUTSB: "I/O permission", OUTSW: "I/O permission", OUTSD: "I/O permission",
  INT: "delivery goes through the host kernel", INT3: "signal on the host", INTO: "signal on the host when OF = 1", INT1: "signal on the host",
  IRET: "system test (privilege transitions)", IRETD: "system test",
  LGDT: "privileged", LIDT: "privileged", LLDT: "privileged", LTR: "privileged", LMSW: "privileged", CLTS: "privileged",
  SGDT: "UMIP: the host kernel emulates it", SIDT: "UMIP", SLDT: "UMIP", STR: "UMIP", SMSW: "UMIP",
  LAR: "depends on the host's GDT", LSL: "depends on the host's GDT", VERR: "depends on the host's GDT", VERW: "depends on the host's GDT",
  MOV_CR: "privileged", MOV_DR: "privileged", INVD: "privileged", WBINVD: "privileged", INVLPG: "privileged",
  RDMSR: "privileged", WRMSR: "privileged", RDTSC: "time differs", CPUID: "reports a different processor",
  SYSENTER: "system test", SYSEXIT: "privileged", SYSCALL: "system test", SYSRET: "privileged",
  UD2: "#UD by definition: system test", BOUND: "#BR is a host signal; in-range cases are tested",
  JMPF: "far transfer: system test", CALLF: "far transfer: system test", RETF: "far transfer: system test",
  LDS: "loads a selector: system test", LES: "system test", LFS: "system test", LGS: "system test", LSS: "system test",
  ARPL: "#UD… differs by mode: system test",
  ESC: "x87: the host has an FPU, trapgate has none (#NM/#UD by CR0.EM/TS): system test", WAIT: "#NM by CR0.MP/TS: system test",
};

/** Key under which a form is excluded (mnemonic, with MOV to/from control/debug registers distinguished). */
export function exclusionKey(f: OpForm): string {
  if (f.mnemonic === "MOV" && /[CD]d/.test(f.operands)) return f.operands.includes("C") ? "MOV_CR" : "MOV_DR";
  if ((f.mnemonic === "JMP" || f.mnemonic === "CALL") && f.operands === "Ap") return `${f.mnemonic}F`;
  return f.mnemonic;
}

/** Human-readable name of a form: mnemonic, operands, opcode and group. */
export function formName(f: OpForm): string {
  const op = f.op >= 0x100 ? `0F ${(f.op & 0xff).toString(16).padStart(2, "0")}` : f.op.toString(16).padStart(2, "0");
  return `${f.mnemonic} ${f.operands} (${op.toUpperCase()}${f.reg !== undefined ? ` /${f.reg}` : ""}${f.mod ? ` ${f.mod}` : ""})`;
}
