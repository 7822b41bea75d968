/**
 * Model-specific registers: RDMSR (0F 32), WRMSR (0F 30) and the time-stamp counter, RDTSC (0F 31).
 * SDM Vol. 2B RDMSR/WRMSR/RDTSC, Vol. 3A §17.17 (time-stamp counter), Vol. 4 (MSR addresses).
 *
 * The MSRs this P6-class model has:
 *
 * | address     | name                 | held in                 | notes                             |
 * |-------------|----------------------|-------------------------|-----------------------------------|
 * | 0x10        | IA32_TIME_STAMP_COUNTER | instructionCount + tscOffset | a write sets bits 31:0 and clears 63:32 (P6) |
 * | 0x8B        | IA32_BIOS_SIGN_ID    | —                       | microcode revision 0; writes ignored |
 * | 0x174       | IA32_SYSENTER_CS     | Cpu.sysenterCs          |                                   |
 * | 0x175       | IA32_SYSENTER_ESP    | Cpu.sysenterEsp         |                                   |
 * | 0x176       | IA32_SYSENTER_EIP    | Cpu.sysenterEip         |                                   |
 * | 0xC0000080  | EFER                 | Cpu.efer                | only SCE (bit 0); with features.syscall |
 * | 0xC0000081  | STAR                 | Cpu.star, Cpu.starHigh  | with features.syscall             |
 *
 * Any other address raises #GP(0), as a reserved or unimplemented MSR does (IA32_APIC_BASE
 * included: CPUID does not advertise an APIC).
 */
import { CR4, type Cpu, Reg } from "../cpu.js";
import { gp } from "../fault.js";
import type { Handler, OpForm } from "../opmap.js";
import { EFER } from "./fastcall.js";

/** MSR addresses (SDM Vol. 4 Table 2-2; AMD APM Vol. 2 for EFER and STAR). */
export const enum Msr {
  TSC = 0x10,
  BIOS_SIGN_ID = 0x8b,
  SYSENTER_CS = 0x174,
  SYSENTER_ESP = 0x175,
  SYSENTER_EIP = 0x176,
  EFER = 0xc0000080,
  STAR = 0xc0000081,
}

const TWO_32 = 4294967296;

/** The time-stamp counter: one tick per retired guest instruction, plus the offset WRMSR set. */
export function readTsc(c: Cpu): number {
  return c.instructionCount + c.tscOffset;
}

function hex(v: number): string {
  return `0x${(v >>> 0).toString(16).toUpperCase()}`;
}

function unknownMsr(c: Cpu, what: string, index: number): never {
  const hint = (index === Msr.EFER || index === Msr.STAR) && !c.features.syscall ? " (SYSCALL support is disabled in Cpu.features)" : "";
  throw gp(0, `${what} ECX = ${hex(index)}: not a model-specific register of this processor${hint} → #GP(0) (SDM Vol. 2B ${what})`);
}

/** RDMSR: EDX:EAX = MSR[ECX]. #GP(0) at CPL > 0 or for an unimplemented MSR. */
const RDMSR: Handler = (c) => {
  if (c.cpl !== 0) throw gp(0, `RDMSR at CPL ${c.cpl}: privileged instruction (SDM Vol. 3A §5.9)`);
  const index = c.r32[Reg.ECX] >>> 0;
  let lo = 0, hi = 0;
  switch (index) {
    case Msr.TSC: {
      const t = readTsc(c);
      lo = t >>> 0; hi = Math.floor(t / TWO_32) | 0;
      break;
    }
    case Msr.BIOS_SIGN_ID: break; // no microcode update loaded: revision 0 in EDX
    case Msr.SYSENTER_CS: lo = c.sysenterCs; break;
    case Msr.SYSENTER_ESP: lo = c.sysenterEsp; break;
    case Msr.SYSENTER_EIP: lo = c.sysenterEip; break;
    case Msr.EFER:
      if (!c.features.syscall) unknownMsr(c, "RDMSR", index);
      lo = c.efer;
      break;
    case Msr.STAR:
      if (!c.features.syscall) unknownMsr(c, "RDMSR", index);
      lo = c.star; hi = c.starHigh;
      break;
    default: unknownMsr(c, "RDMSR", index);
  }
  c.r32[Reg.EAX] = lo;
  c.r32[Reg.EDX] = hi;
};

/** WRMSR: MSR[ECX] = EDX:EAX. #GP(0) at CPL > 0, for an unimplemented MSR, or for reserved bits set. */
const WRMSR: Handler = (c) => {
  if (c.cpl !== 0) throw gp(0, `WRMSR at CPL ${c.cpl}: privileged instruction (SDM Vol. 3A §5.9)`);
  const index = c.r32[Reg.ECX] >>> 0;
  const lo = c.r32[Reg.EAX], hi = c.r32[Reg.EDX];
  switch (index) {
    case Msr.TSC:
      // P6 family: only bits 31:0 can be written, bits 63:32 are cleared (SDM Vol. 3A §17.17).
      c.tscOffset = (lo >>> 0) - c.instructionCount;
      break;
    case Msr.BIOS_SIGN_ID: break; // writing 0 before CPUID is how software asks for the revision
    case Msr.SYSENTER_CS: c.sysenterCs = lo >>> 0; break;
    case Msr.SYSENTER_ESP: c.sysenterEsp = lo >>> 0; break;
    case Msr.SYSENTER_EIP: c.sysenterEip = lo >>> 0; break;
    case Msr.EFER:
      if (!c.features.syscall) unknownMsr(c, "WRMSR", index);
      // reserved bits (all but SCE: no long mode, no NX here) must be 0
      if (hi !== 0 || (lo & ~EFER.SCE) !== 0)
        throw gp(0, `WRMSR EFER = ${hex(hi)}:${hex(lo)}: only EFER.SCE (bit 0) is implemented; reserved bits set → #GP(0) (AMD APM Vol. 2 §3.1.7)`);
      c.efer = lo;
      break;
    case Msr.STAR:
      if (!c.features.syscall) unknownMsr(c, "WRMSR", index);
      c.star = lo >>> 0; c.starHigh = hi >>> 0;
      break;
    default: unknownMsr(c, "WRMSR", index);
  }
};

/**
 * RDTSC: EDX:EAX = the time-stamp counter. #GP(0) when CR4.TSD = 1 and CPL > 0 (in protected and
 * virtual-8086 mode; CPL is 0 in real mode).
 */
const RDTSC: Handler = (c) => {
  if ((c.cr4 & CR4.TSD) !== 0 && c.cpl !== 0)
    throw gp(0, `RDTSC at CPL ${c.cpl} with CR4.TSD = 1: time-stamp counter reads are restricted to CPL 0 (SDM Vol. 2B RDTSC)`);
  const t = readTsc(c);
  c.r32[Reg.EAX] = t >>> 0;
  c.r32[Reg.EDX] = Math.floor(t / TWO_32) | 0;
};

/** Opcode-table forms of this group. */
export const MSR_FORMS: readonly OpForm[] = [
  { op: 0x130, mnemonic: "WRMSR", operands: "", exec: WRMSR },
  { op: 0x131, mnemonic: "RDTSC", operands: "", exec: RDTSC },
  { op: 0x132, mnemonic: "RDMSR", operands: "", exec: RDMSR },
];
