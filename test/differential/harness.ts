/**
 * The host-CPU oracle: builds static 32-bit test programs with the machine's gcc (no libc, no
 * multilib needed), runs them natively and on trapgate, and compares what they print.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { RECORD_BYTES, type Case } from "./generator.js";
import type { HostSelectors } from "./user-machine.js";

const cacheDir = path.join(os.tmpdir(), "trapgate-diff-cache");

/**
 * Builds a static i386 executable from GNU as source (cached by content hash).
 * Throws with gcc's message when it does not assemble or link.
 */
export function buildExecutable(source: string): string {
  const key = createHash("sha256").update(source).digest("hex").slice(0, 24);
  const exe = path.join(cacheDir, `${key}.elf`);
  if (fs.existsSync(exe)) return exe;
  fs.mkdirSync(cacheDir, { recursive: true });
  const dir = fs.mkdtempSync(path.join(cacheDir, "w-"));
  try {
    const src = path.join(dir, "p.S");
    fs.writeFileSync(src, source);
    const r = spawnSync("gcc", ["-m32", "-nostdlib", "-static", "-no-pie", "-Wl,--build-id=none", "-o", path.join(dir, "p.elf"), src], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`gcc failed: ${r.stderr || r.error?.message}`);
    fs.renameSync(path.join(dir, "p.elf"), exe);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return exe;
}

export interface NativeResult { stdout: Buffer; status: number | null; signal: string | null }

/** Runs an executable natively. */
export function runNative(exe: string, input?: Buffer): NativeResult {
  const r = spawnSync(exe, [], { input, maxBuffer: 256 << 20 });
  if (r.error) throw r.error;
  return { stdout: r.stdout, status: r.status, signal: r.signal };
}

/**
 * Whether this host runs 32-bit Linux executables; the reason when it does not. The suite fails
 * with that reason instead of passing quietly.
 */
export function hostRuns32Bit(): { ok: true } | { ok: false; reason: string } {
  try {
    const exe = buildExecutable(".globl _start\n_start:\n mov $1,%eax\n mov $42,%ebx\n int $0x80\n");
    const r = runNative(exe);
    if (r.status === 42) return { ok: true };
    return { ok: false, reason: `a static 32-bit test program exited with ${r.status ?? r.signal} instead of 42: this host cannot run i386 executables` };
  } catch (e) {
    return { ok: false, reason: `cannot build or run a 32-bit test program: ${(e as Error).message}` };
  }
}

/** The segment selectors the host kernel gives a 32-bit process (CS, DS, ES, SS, FS, GS). */
export function hostSelectors(): HostSelectors {
  const exe = buildExecutable(`
.globl _start
_start:
  mov %cs, sel+0
  mov %ds, sel+2
  mov %es, sel+4
  mov %ss, sel+6
  mov %fs, sel+8
  mov %gs, sel+10
  mov $4, %eax
  mov $1, %ebx
  mov $sel, %ecx
  mov $12, %edx
  int $0x80
  mov $1, %eax
  xor %ebx, %ebx
  int $0x80
.data
sel: .fill 12, 1, 0
`);
  const b = runNative(exe).stdout;
  if (b.length !== 12) throw new Error("selector probe printed nothing");
  const w = (o: number) => b.readUInt16LE(o);
  return { cs: w(0), ds: w(2), es: w(4), ss: w(6), fs: w(8), gs: w(10) };
}

const REG_NAMES = ["EDI", "ESI", "EBP", "ESP", "EBX", "EDX", "ECX", "EAX"];

/**
 * Compares the per-case records of a native and an emulated run. Returns one line per mismatch
 * (at most `limit`), naming the case, the instruction, its inputs and the differing values.
 */
export function compareRecords(native: Buffer, emulated: Buffer, cases: readonly Case[], limit = 20): string[] {
  const bad: string[] = [];
  const n = Math.min(native.length, emulated.length) / RECORD_BYTES;
  for (let k = 0; k < n && bad.length < limit; k++) {
    const a = native.subarray(k * RECORD_BYTES, (k + 1) * RECORD_BYTES);
    const b = emulated.subarray(k * RECORD_BYTES, (k + 1) * RECORD_BYTES);
    const c = cases[k];
    const diffs: string[] = [];
    for (let r = 0; r < 8; r++) {
      const x = a.readUInt32LE(r * 4), y = b.readUInt32LE(r * 4);
      if (x !== y) diffs.push(`${REG_NAMES[r]} native ${hex(x)} trapgate ${hex(y)}`);
    }
    const mask = ~(0x8d5 & ~c.defined) >>> 0;
    const fx = a.readUInt32LE(32), fy = b.readUInt32LE(32);
    if (((fx ^ fy) & mask) !== 0) diffs.push(`EFLAGS native ${hex(fx)} trapgate ${hex(fy)} (compared bits ${hex(mask & 0x3fffff)})`);
    for (let o = 36; o < RECORD_BYTES; o += 4) {
      const x = a.readUInt32LE(o), y = b.readUInt32LE(o);
      if (x !== y) diffs.push(`scratch+${o - 36} native ${hex(x)} trapgate ${hex(y)}`);
    }
    if (diffs.length) bad.push(`case ${k} \`${c?.text.replace(/\n/g, "; ")}\` (${c?.inputs}): ${diffs.join(", ")}`);
  }
  if (native.length !== emulated.length && bad.length < limit)
    bad.push(`output length differs: native ${native.length} bytes (${native.length / RECORD_BYTES} cases), trapgate ${emulated.length} bytes`);
  return bad;
}

function hex(v: number): string {
  return `0x${(v >>> 0).toString(16).padStart(8, "0")}`;
}

/** Seed for the randomized cases: TRAPGATE_SEED, or derived from the clock (printed by the suite). */
export function chooseSeed(): number {
  const env = process.env.TRAPGATE_SEED;
  if (env !== undefined && env !== "") return Number(env) >>> 0;
  return (Date.now() ^ (process.pid << 16)) >>> 0;
}

