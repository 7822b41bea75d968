/**
 * EFLAGS bits (Intel SDM Vol. 1 §3.4.3, Vol. 3A §2.3).
 */
export const enum EFLAGS {
  CF = 1 << 0,
  /** Bit 1 is reserved and always reads 1. */
  RESERVED1 = 1 << 1,
  PF = 1 << 2,
  AF = 1 << 4,
  ZF = 1 << 6,
  SF = 1 << 7,
  TF = 1 << 8,
  IF = 1 << 9,
  DF = 1 << 10,
  OF = 1 << 11,
  IOPL = 3 << 12,
  NT = 1 << 14,
  RF = 1 << 16,
  VM = 1 << 17,
  AC = 1 << 18,
  VIF = 1 << 19,
  VIP = 1 << 20,
  ID = 1 << 21,
}

/** The six arithmetic status flags (SDM Vol. 1 §3.4.3.1). */
export const STATUS_FLAGS = EFLAGS.CF | EFLAGS.PF | EFLAGS.AF | EFLAGS.ZF | EFLAGS.SF | EFLAGS.OF;

/** Bits software can ever change on a P6-class processor (bit 1 reads 1; bits 3, 5, 15, 22–31 read 0). */
export const EFLAGS_IMPLEMENTED =
  STATUS_FLAGS | EFLAGS.TF | EFLAGS.IF | EFLAGS.DF | EFLAGS.IOPL | EFLAGS.NT | EFLAGS.RF | EFLAGS.VM |
  EFLAGS.AC | EFLAGS.VIF | EFLAGS.VIP | EFLAGS.ID;

/** Parity of each byte value: 1 when the number of set bits is even (EFLAGS.PF). */
export const PARITY_EVEN: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    let b = i, n = 0;
    while (b) { n += b & 1; b >>= 1; }
    t[i] = n & 1 ? 0 : 1;
  }
  return t;
})();

/** Names of the flags, for traces and fault reasons. */
export function formatEflags(v: number): string {
  const names: Array<[number, string]> = [
    [EFLAGS.ID, "ID"], [EFLAGS.AC, "AC"], [EFLAGS.VM, "VM"], [EFLAGS.RF, "RF"], [EFLAGS.NT, "NT"],
    [EFLAGS.OF, "OF"], [EFLAGS.DF, "DF"], [EFLAGS.IF, "IF"], [EFLAGS.TF, "TF"], [EFLAGS.SF, "SF"],
    [EFLAGS.ZF, "ZF"], [EFLAGS.AF, "AF"], [EFLAGS.PF, "PF"], [EFLAGS.CF, "CF"],
  ];
  const set = names.filter(([b]) => v & b).map(([, n]) => n);
  return `${(v >>> 0).toString(16).padStart(8, "0")} [${set.join(" ")} IOPL=${(v >> 12) & 3}]`;
}
