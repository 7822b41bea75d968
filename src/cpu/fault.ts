/**
 * Exceptions and interrupts: vector numbers, their classes and error codes (Intel SDM Vol. 3A
 * §6.3.1 Table 6-1, §6.13 error code, §6.15 exception reference), and the typed `CpuFault` every
 * protection rule throws with a reason in the manual's terms.
 */
export const enum Vector {
  DE = 0, DB = 1, NMI = 2, BP = 3, OF = 4, BR = 5, UD = 6, NM = 7, DF = 8, CSO = 9,
  TS = 10, NP = 11, SS = 12, GP = 13, PF = 14, MF = 16, AC = 17, MC = 18, XM = 19,
}

export const enum ExceptionClass { Fault, Trap, Abort, Interrupt }

/** Benign / contributory / page-fault classes for the double-fault rules (SDM Vol. 3A Table 6-4/6-5). */
export const enum DoubleFaultClass { Benign, Contributory, PageFault }

export interface VectorInfo {
  readonly mnemonic: string;
  readonly name: string;
  readonly kind: ExceptionClass;
  readonly hasErrorCode: boolean;
  readonly dfClass: DoubleFaultClass;
}

const v = (mnemonic: string, name: string, kind: ExceptionClass, hasErrorCode: boolean,
  dfClass: DoubleFaultClass = DoubleFaultClass.Benign): VectorInfo => ({ mnemonic, name, kind, hasErrorCode, dfClass });

/** Per-vector facts, SDM Vol. 3A Table 6-1 and Table 6-4. */
export const VECTORS: readonly VectorInfo[] = [
  v("#DE", "divide error", ExceptionClass.Fault, false, DoubleFaultClass.Contributory),
  v("#DB", "debug exception", ExceptionClass.Trap, false),
  v("NMI", "non-maskable interrupt", ExceptionClass.Interrupt, false),
  v("#BP", "breakpoint", ExceptionClass.Trap, false),
  v("#OF", "overflow", ExceptionClass.Trap, false),
  v("#BR", "BOUND range exceeded", ExceptionClass.Fault, false),
  v("#UD", "invalid opcode", ExceptionClass.Fault, false),
  v("#NM", "device not available", ExceptionClass.Fault, false),
  v("#DF", "double fault", ExceptionClass.Abort, true),
  v("CSO", "coprocessor segment overrun", ExceptionClass.Abort, false),
  v("#TS", "invalid TSS", ExceptionClass.Fault, true, DoubleFaultClass.Contributory),
  v("#NP", "segment not present", ExceptionClass.Fault, true, DoubleFaultClass.Contributory),
  v("#SS", "stack-segment fault", ExceptionClass.Fault, true, DoubleFaultClass.Contributory),
  v("#GP", "general protection", ExceptionClass.Fault, true, DoubleFaultClass.Contributory),
  v("#PF", "page fault", ExceptionClass.Fault, true, DoubleFaultClass.PageFault),
  v("#15", "reserved", ExceptionClass.Fault, false),
  v("#MF", "x87 floating-point error", ExceptionClass.Fault, false),
  v("#AC", "alignment check", ExceptionClass.Fault, true),
  v("#MC", "machine check", ExceptionClass.Abort, false),
  v("#XM", "SIMD floating-point exception", ExceptionClass.Fault, false),
];

export function vectorInfo(vector: number): VectorInfo | undefined {
  return VECTORS[vector];
}

/** "#GP(0x1b)"-style short name of a fault. */
export function faultName(vector: number, errorCode?: number): string {
  const m = VECTORS[vector]?.mnemonic ?? `INT ${vector}`;
  return errorCode === undefined ? m : `${m}(0x${(errorCode >>> 0).toString(16)})`;
}

/**
 * A processor exception raised by an instruction or a protection check. Thrown from wherever the
 * rule is checked and caught only by the execution loop, which restores the instruction's start
 * state (for faults) and delivers it through the IDT/IVT.
 *
 * `reason` states the rule in SDM terms, e.g. `IRET: return CS RPL 0 < CPL 3`.
 */
export class CpuFault extends Error {
  constructor(
    /** Vector 0–31. */
    readonly vector: number,
    /** Error code pushed for vectors that have one (SDM §6.13); undefined otherwise. */
    readonly errorCode: number | undefined,
    /** The violated rule, in the manual's terms. */
    readonly reason: string,
  ) {
    super(`${faultName(vector, errorCode)}: ${reason}`);
    this.name = "CpuFault";
  }
}

/** Error-code helpers (SDM Vol. 3A §6.13, Figure 6-6). */
export const enum ErrorCodeBit { EXT = 1, IDT = 2, TI = 4 }

/** Selector error code: the selector's index and TI bit, EXT as given. */
export function selectorErrorCode(selector: number, ext = false): number {
  return (selector & 0xfffc) | (ext ? ErrorCodeBit.EXT : 0);
}
/** IDT error code for vector `n`: n·8 + 2 (+1 when external). */
export function idtErrorCode(n: number, ext = false): number {
  return (n << 3) | ErrorCodeBit.IDT | (ext ? ErrorCodeBit.EXT : 0);
}

export const gp = (errorCode: number, reason: string) => new CpuFault(Vector.GP, errorCode, reason);
export const ud = (reason: string) => new CpuFault(Vector.UD, undefined, reason);
export const ss = (errorCode: number, reason: string) => new CpuFault(Vector.SS, errorCode, reason);
export const np = (errorCode: number, reason: string) => new CpuFault(Vector.NP, errorCode, reason);
export const ts = (errorCode: number, reason: string) => new CpuFault(Vector.TS, errorCode, reason);
export const de = (reason: string) => new CpuFault(Vector.DE, undefined, reason);
