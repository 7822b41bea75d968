/**
 * Parsing of command-line values, each failing with a `UsageError` that names the option and the
 * problem in one line.
 */

/** A malformed option or argument: reported as one line, exit status 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/**
 * A memory size as QEMU writes it: a number of bytes with an optional K, M or G suffix
 * (binary multiples; a bare number means MiB, as QEMU's -m). Returns bytes.
 */
export function parseMemorySize(text: string, option = "--memory"): number {
  const m = /^(\d+)([KMG]?)i?B?$/i.exec(text.trim());
  if (!m) throw new UsageError(`${option}: '${text}' is not a size (e.g. 64M, 1G)`);
  const n = Number(m[1]);
  const unit = m[2].toUpperCase();
  const bytes = unit === "K" ? n * 1024 : unit === "G" ? n * 1024 ** 3 : n * 1024 ** 2;
  if (bytes % 4096 !== 0) throw new UsageError(`${option}: ${text} is not a multiple of 4 KiB`);
  if (bytes < 2 * 1024 ** 2 || bytes > 3 * 1024 ** 3) throw new UsageError(`${option}: ${text} is outside 2M..3G`);
  return bytes;
}

/** A positive whole number of guest instructions. */
export function parseCount(text: string, option: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) <= 0) throw new UsageError(`${option}: '${text}' is not a positive whole number`);
  return Number(text);
}

/** A positive number of seconds (fractions allowed). */
export function parseSeconds(text: string, option: string): number {
  const v = Number(text);
  if (text.trim() === "" || !Number.isFinite(v) || v <= 0) throw new UsageError(`${option}: '${text}' is not a positive number of seconds`);
  return v;
}

/** One of the listed words. */
export function parseChoice<T extends string>(text: string, choices: readonly T[], option: string): T {
  if (!(choices as readonly string[]).includes(text)) throw new UsageError(`${option}: '${text}' is not one of ${choices.join(", ")}`);
  return text as T;
}
