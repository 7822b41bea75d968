/**
 * Why a kernel could not be booted. Every `BootError` message is one line that names the file and
 * the problem, fit to print as is ("trapgate: <message>").
 */

/** The kinds of boot failure. */
export type BootErrorCode =
  /** A kernel or module file does not exist or cannot be read. */
  | "missing-file"
  /** The file does not start with the ELF magic (and has no a.out-kludge multiboot header). */
  | "not-elf"
  /** The file ends before a structure it declares. */
  | "truncated"
  /** A 64-bit ELF (ELFCLASS64). */
  | "elf64"
  /** An ELF for another processor than the i386 (EM_386). */
  | "wrong-machine"
  /** An ELF that is not an executable (ET_EXEC): a relocatable object or shared object. */
  | "not-executable"
  /** Any other malformed ELF: big-endian, bad header sizes, no loadable segment... */
  | "bad-elf"
  /** No multiboot header in the first 8192 bytes. */
  | "not-multiboot"
  /** A multiboot header with inconsistent fields (bad checksum, a.out-kludge addresses). */
  | "bad-multiboot-header"
  /** The header requires features (flag bits 0–15) the loader does not provide. */
  | "unsupported-flags"
  /** A kernel segment lies beyond the end of RAM. */
  | "kernel-too-big"
  /** A boot module does not fit in RAM after the kernel. */
  | "module-too-big"
  /** The kernel overlaps the boot information area below 1 MiB, or it does not fit there. */
  | "info-overlap";

export class BootError extends Error {
  override readonly name = "BootError";
  /**
   * @param code    the kind of failure
   * @param message one line naming the file and the problem
   */
  constructor(
    readonly code: BootErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** `0x…` hex for addresses in messages. */
export function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}
