/**
 * CPUID (SDM Vol. 2A "CPUID—CPU Identification"): the processor trapgate says it is.
 *
 * The model is a P6-family i686, "GenuineIntel" family 6 model 3 stepping 3 (a Pentium II, the
 * value RESET leaves in EDX), advertising only what is implemented:
 *
 * | leaf        | EAX          | EBX / ECX / EDX                                             |
 * |-------------|--------------|-------------------------------------------------------------|
 * | 0           | 2 (max leaf) | "Genu" "ntel" "ineI"                                        |
 * | 1           | 0x00000633   | EBX = ECX = 0; EDX = DE PSE TSC MSR CX8 SEP PGE CMOV        |
 * | 2           | cache and TLB descriptors a Pentium II (Klamath) reports    |
 * | 0x80000000  | 0x80000004   | 0                                                           |
 * | 0x80000001  | 0            | EDX bit 11 SYSCALL when `features.syscall`                  |
 * | 0x80000002–4| brand string "trapgate i686", NUL-padded                     |
 *
 * Not advertised (not implemented): FPU (bit 0, no x87 yet), VME, MCE, APIC, MTRR, PAE, PAT,
 * PSE-36, MCA, MMX, FXSR. A leaf above the maximum basic or extended leaf returns the data of the
 * highest basic leaf (2), as the SDM documents for Intel processors.
 *
 * Documented deviations from a real Pentium II: it has no extended leaves at all (0x80000000 and
 * up), and Intel processors never execute SYSCALL outside 64-bit mode. trapgate implements
 * SYSCALL/SYSRET in 32-bit legacy mode as AMD's APM Vol. 3 specifies, so that a kernel can
 * choose between SYSENTER and SYSCALL, and advertises it in CPUID.80000001H:EDX[11]; set
 * `cpu.features.syscall = false` for the Intel behaviour (#UD, EFER and STAR absent).
 */
import type { Cpu } from "./cpu.js";

/** Optional behaviours of the model, settable per processor instance. */
export interface CpuFeatures {
  /**
   * SYSCALL/SYSRET in legacy mode (AMD), EFER (MSR C000_0080H) and STAR (C000_0081H), advertised
   * in CPUID.80000001H:EDX[11]. Default true. When false they raise #UD / #GP as on Intel.
   */
  syscall: boolean;
  /**
   * SYSENTER/SYSEXIT and the IA32_SYSENTER_CS/ESP/EIP MSRs, advertised in CPUID.01H:EDX.SEP[11].
   * Default true. When false (an i686 without them, as QEMU's `qemu32,-sep`) they raise #UD / #GP.
   */
  sep: boolean;
}

/** The feature set a new processor gets. */
export function defaultFeatures(): CpuFeatures {
  return { syscall: true, sep: true };
}

/** CPUID.01H:EDX feature flags (SDM Vol. 2A Table 3-11). */
export const enum CpuidEdx {
  FPU = 1 << 0, VME = 1 << 1, DE = 1 << 2, PSE = 1 << 3, TSC = 1 << 4, MSR = 1 << 5, PAE = 1 << 6,
  MCE = 1 << 7, CX8 = 1 << 8, APIC = 1 << 9, SEP = 1 << 11, MTRR = 1 << 12, PGE = 1 << 13,
  MCA = 1 << 14, CMOV = 1 << 15, PAT = 1 << 16, PSE36 = 1 << 17, MMX = 1 << 23, FXSR = 1 << 24,
}
/** CPUID.80000001H:EDX: SYSCALL/SYSRET available (AMD APM Vol. 3 Appendix E). */
export const CPUID_EXT_SYSCALL = 1 << 11;

/** Leaf 1 EAX: stepping 3, model 3, family 6, type 0 (SDM Vol. 2A Figure 3-6). Equals EDX after RESET. */
export const CPUID_SIGNATURE = 0x00000633;
/** Leaf 1 EDX: the features implemented. */
export const CPUID_FEATURES =
  CpuidEdx.DE | CpuidEdx.PSE | CpuidEdx.TSC | CpuidEdx.MSR | CpuidEdx.CX8 | CpuidEdx.SEP | CpuidEdx.PGE | CpuidEdx.CMOV;

const MAX_BASIC_LEAF = 2;
const MAX_EXTENDED_LEAF = 0x80000004;

/** Four ASCII bytes as a little-endian doubleword (register order of vendor and brand strings). */
function chars(s: string, at: number): number {
  let v = 0;
  for (let k = 0; k < 4; k++) v |= (s.charCodeAt(at + k) & 0xff) << (8 * k);
  return v;
}
const VENDOR = "GenuineIntel";
/** 48 bytes: leaves 0x80000002–4, each EAX EBX ECX EDX. */
const BRAND = "trapgate i686".padEnd(48, "\0");
const BRAND_DWORDS: Int32Array = (() => {
  const t = new Int32Array(12);
  for (let k = 0; k < 12; k++) t[k] = chars(BRAND, 4 * k);
  return t;
})();

/**
 * Executes CPUID for leaf EAX (ECX is not used by any implemented leaf): writes EAX, EBX, ECX
 * and EDX. Never faults.
 */
export function cpuid(cpu: Cpu): void {
  const r = cpu.r32;
  let leaf = r[0] >>> 0;
  // Above the highest basic or extended leaf: the highest basic leaf's data (SDM Vol. 2A CPUID).
  if ((leaf < 0x80000000 && leaf > MAX_BASIC_LEAF) || leaf > MAX_EXTENDED_LEAF) leaf = MAX_BASIC_LEAF;
  let a = 0, b = 0, c = 0, d = 0;
  switch (leaf) {
    case 0:
      a = MAX_BASIC_LEAF;
      b = chars(VENDOR, 0); d = chars(VENDOR, 4); c = chars(VENDOR, 8);
      break;
    case 1:
      a = CPUID_SIGNATURE;
      d = cpu.features.sep ? CPUID_FEATURES : CPUID_FEATURES & ~CpuidEdx.SEP;
      break;
    case 2:
      // One iteration (AL = 1). Descriptors (SDM Vol. 2A Table 3-12): 01 ITLB 4K, 02 ITLB 4M,
      // 03 DTLB 4K, 43 L2 512K, 08 L1I 16K, 04 DTLB 4M, 0C L1D 16K.
      a = 0x03020101;
      d = 0x0c040843;
      break;
    case 0x80000000:
      a = MAX_EXTENDED_LEAF;
      break;
    case 0x80000001:
      if (cpu.features.syscall) d = CPUID_EXT_SYSCALL;
      break;
    case 0x80000002: case 0x80000003: case 0x80000004: {
      const k = (leaf - 0x80000002) * 4;
      a = BRAND_DWORDS[k]; b = BRAND_DWORDS[k + 1]; c = BRAND_DWORDS[k + 2]; d = BRAND_DWORDS[k + 3];
      break;
    }
  }
  r[0] = a; r[3] = b; r[1] = c; r[2] = d;
}
