/**
 * `trapgate run PROGRAM [ARGS...]`: runs a static i386 Linux program on the reference kernel on
 * the emulated PC, as `qemu-i386 PROGRAM` runs it on the host's kernel — except that every system
 * call crosses from ring 3 to ring 0 through the entry path chosen with `--entry`.
 *
 * How the host and the guest are connected (kernel/README.md, "Command line" and "Console"):
 *
 * - the kernel (build/kernel/trapgate-kernel.elf, found relative to the package) is booted with
 *   the program as a multiboot module, preceded by a "tg-args" module holding the exact argv
 *   (PROGRAM as given, then ARGS), the environment (the host's, see `buildArgsModule` for the size
 *   rule) and the working directory, and by one "tg-file" module per `--file`;
 * - stdin → COM1 receive; the end of stdin → COM1's carrier drops (DCD), which the kernel reads as
 *   end of input after the bytes before it — binary-safe, no byte value is reserved;
 * - stdout ← COM1, stderr ← COM2: two lines, so the streams stay apart; each is a terminal or a
 *   pipe for the program as the host's descriptor is (`stdin=`, `stdout=`, `stderr=` words; a
 *   host terminal keeps its own line discipline: the kernel neither edits nor translates);
 * - the kernel's own messages (a fault that killed the program, `--strace` lines, the `--stats`
 *   line) ← the port-0xE9 debug console, onto stderr in order with the program's stderr;
 * - the exit status ← the isa-debug-exit port: the program's status, 128 + signal when a fault
 *   killed it.
 *
 * Bad input (a missing file, not an ELF, a 64-bit or dynamically linked program, a program that
 * cannot fit in memory) gets one line naming the problem and exit status 2, before booting.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BootError, bootMultiboot, readElf32 } from "../boot/index.js";
import { Cpu } from "../cpu/cpu.js";
import { Machine, type RunResult } from "../machine/index.js";
import { EXIT_BROKEN_PIPE, reportResult } from "./boot.js";
import { UsageError, parseChoice, parseCount, parseMemorySize, parseSeconds } from "./options.js";

/** The bundled reference kernel. */
export const KERNEL_PATH = fileURLToPath(new URL("../../../build/kernel/trapgate-kernel.elf", import.meta.url));

/** Entry paths for `--entry` (the kernel's `entry=` word). */
export const ENTRY_PATHS = ["int80", "sysenter", "syscall"] as const;
export type EntryPath = (typeof ENTRY_PATHS)[number];

/** Bytes of argv + envp the kernel accepts: strings with their NULs plus 4 per pointer (kernel ARGMAX). */
export const ARGS_LIMIT = 64 * 1024;
/** Pointers the kernel adds to the count: argc, two NULL terminators, 20 auxv pairs. */
const ARGS_FIXED_WORDS = 3 + 2 * 20;

/** The lowest and highest user address a program segment may use (kernel/memlayout.h). */
const USER_BASE = 0x1000;
const USER_MMAP_BASE = 0x4000_0000;
/** RAM the kernel itself needs beyond the program: its image, page tables, stacks, the vDSO. */
const KERNEL_OVERHEAD_BYTES = 4 * 1024 * 1024;
const MiB = 1024 * 1024;
/**
 * RAM for `run` unless --memory says otherwise, bytes: 48 MiB. Not 64: with the processor's
 * 4 MiB TLB that would pass V8's 64 MiB external-memory mark and cost a garbage collection
 * (~10 ms) before the first guest instruction.
 */
export const RUN_DEFAULT_MEMORY_BYTES = 48 * MiB;

export interface RunCommandOptions {
  entry?: string;
  memory?: string;
  clock?: string;
  maxInstructions?: string;
  timeout?: string;
  strace?: boolean;
  stats?: boolean;
  file: string[];
}

// ---------------------------------------------------------------------------------------------
// Checking the program (before booting)
// ---------------------------------------------------------------------------------------------

/** ELF e_ident/e_type/p_type values used here (System V ABI). */
const enum Elf {
  CLASS64 = 2,
  ET_EXEC = 2,
  ET_DYN = 3,
  PT_LOAD = 1,
  PT_INTERP = 3,
}

/** The PT_INTERP string of an ELF32 or ELF64 file, or null; never throws. */
export function elfInterpreter(bytes: Uint8Array): string | null {
  try {
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const is64 = bytes[4] === Elf.CLASS64;
    const phoff = is64 ? Number(v.getBigUint64(32, true)) : v.getUint32(28, true);
    const phentsize = v.getUint16(is64 ? 54 : 42, true);
    const phnum = v.getUint16(is64 ? 56 : 44, true);
    for (let i = 0; i < phnum; i++) {
      const o = phoff + i * phentsize;
      if (v.getUint32(o, true) !== Elf.PT_INTERP) continue;
      const off = is64 ? Number(v.getBigUint64(o + 8, true)) : v.getUint32(o + 4, true);
      const size = is64 ? Number(v.getBigUint64(o + 32, true)) : v.getUint32(o + 16, true);
      const s = bytes.subarray(off, off + size);
      const nul = s.indexOf(0);
      return new TextDecoder().decode(nul >= 0 ? s.subarray(0, nul) : s);
    }
  } catch {
    // a truncated header table: readElf32 says what is wrong
  }
  return null;
}

/**
 * Checks that `bytes` is a program the kernel can run in `memoryBytes` of RAM: a static
 * ELF32 i386 executable (ET_EXEC, no PT_INTERP) whose segments lie in the user range
 * [0x1000, 0x40000000) and which fits in memory with the kernel.
 * @throws UsageError naming the file and the problem in one line
 */
export function checkProgram(bytes: Uint8Array, name: string, memoryBytes: number): void {
  if (bytes.length >= 2 && bytes[0] === 0x23 && bytes[1] === 0x21) {
    const line = new TextDecoder().decode(bytes.subarray(0, Math.min(bytes.length, 80))).split("\n")[0];
    throw new UsageError(`${name}: a script (${line}), not an ELF executable; trapgate runs static i386 programs`);
  }
  const interp = elfInterpreter(bytes);
  let image;
  try {
    image = readElf32(bytes, name);
  } catch (e) {
    if (!(e instanceof BootError)) throw e;
    switch (e.code) {
      case "not-elf":
        throw new UsageError(`${name}: not an ELF executable (it does not start with 0x7f 'E' 'L' 'F')`);
      case "elf64":
        throw new UsageError(`${name}: a 64-bit ELF (ELFCLASS64); trapgate runs 32-bit i386 programs`);
      case "not-executable":
        if (interp !== null) break;
        if (new DataView(bytes.buffer, bytes.byteOffset).getUint16(16, true) === Elf.ET_DYN) {
          throw new UsageError(`${name}: a position-independent executable or shared object (ET_DYN); only static non-PIE programs (ET_EXEC) run`);
        }
        throw new UsageError(e.message.replace("a kernel must be ET_EXEC", "a program must be ET_EXEC"));
      default:
        throw new UsageError(e.message.replace(/i386 kernels/g, "i386 programs"));
    }
  }
  if (interp !== null) {
    throw new UsageError(`${name}: dynamically linked (PT_INTERP ${interp}): only static programs run`);
  }
  let memsz = 0;
  for (const s of image!.loadSegments) {
    if (s.vaddr < USER_BASE || s.vaddr >= USER_MMAP_BASE || s.memsz > USER_MMAP_BASE - s.vaddr) {
      throw new UsageError(
        `${name}: a segment at 0x${s.vaddr.toString(16)} (${s.memsz} bytes) lies outside the user range 0x1000-0x40000000`,
      );
    }
    memsz += s.memsz;
  }
  // The file stays in memory as a module while its segments are copied into the process.
  const need = bytes.length + memsz + KERNEL_OVERHEAD_BYTES;
  if (need > memoryBytes) {
    const mib = Math.ceil(need / MiB);
    throw new UsageError(
      `${name}: too large for ${memoryBytes / MiB} MiB of memory: it needs about ${mib} MiB with the kernel (try --memory ${2 ** Math.ceil(Math.log2(mib))}M)`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Boot modules
// ---------------------------------------------------------------------------------------------

const encoder = new TextEncoder();

/** The 8-byte magic of a module kind ("tg-args", "tg-file"; kernel/uapi/trapgate.h). */
function magic(word: string): Uint8Array {
  const m = new Uint8Array(8);
  m.set(encoder.encode(word));
  return m;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function u32s(...values: number[]): Uint8Array {
  const b = new Uint8Array(4 * values.length);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => v.setUint32(4 * i, x >>> 0, true));
  return b;
}

const cstring = (s: string): Uint8Array => concat([encoder.encode(s), new Uint8Array(1)]);

/** A "tg-args" module and what was left out of the environment to fit. */
export interface ArgsModule {
  bytes: Uint8Array;
  /** Environment entries dropped because argv + envp would pass `ARGS_LIMIT`. */
  droppedEnv: string[];
}

/**
 * The "tg-args" module: header { "tg-args\0", argc, envc } then argv, envp and the working
 * directory as NUL-terminated strings.
 *
 * The size rule (the kernel's ARGMAX, as Linux's execve has one): the strings with their NULs
 * plus 4 bytes per pointer must stay within `ARGS_LIMIT` (64 KiB). argv must fit whole; the
 * environment is passed in order as long as it fits, and the entries that do not are dropped
 * (the caller warns, naming them). A string containing NUL cannot be passed at all.
 * @throws UsageError when argv alone is too long, or a string contains NUL
 */
export function buildArgsModule(argv: readonly string[], env: readonly string[], cwd: string): ArgsModule {
  for (const s of [...argv, ...env]) if (s.includes("\0")) throw new UsageError(`an argument or environment string contains a NUL byte`);
  const argStrings = argv.map(cstring);
  let size = argStrings.reduce((n, s) => n + s.length + 4, ARGS_FIXED_WORDS * 4);
  if (size > ARGS_LIMIT) throw new UsageError(`argument list too long: ${size} bytes, the limit is ${ARGS_LIMIT}`);
  const envStrings: Uint8Array[] = [];
  const droppedEnv: string[] = [];
  for (const e of env) {
    const s = cstring(e);
    if (size + s.length + 4 > ARGS_LIMIT) {
      droppedEnv.push(e.split("=")[0]);
      continue;
    }
    size += s.length + 4;
    envStrings.push(s);
  }
  const bytes = concat([magic("tg-args"), u32s(argv.length, envStrings.length), ...argStrings, ...envStrings, cstring(cwd)]);
  return { bytes, droppedEnv };
}

/**
 * A "tg-file" module: header { "tg-file\0", data_offset, size, mode, mtime } and the absolute
 * guest path, NUL-terminated; the contents from data_offset (4-byte aligned).
 */
export function buildFileModule(guestPath: string, contents: Uint8Array, mode: number, mtimeSeconds: number): Uint8Array {
  const head = concat([magic("tg-file"), u32s(0, contents.length, mode & 0o7777, mtimeSeconds), cstring(guestPath)]);
  const dataOffset = (head.length + 3) & ~3;
  new DataView(head.buffer).setUint32(8, dataOffset, true);
  const out = new Uint8Array(dataOffset + contents.length);
  out.set(head);
  out.set(contents, dataOffset);
  return out;
}

/** The host's environment as NAME=VALUE strings, in its order. */
export function hostEnvironment(env: NodeJS.ProcessEnv = process.env): string[] {
  return Object.entries(env).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
}

/** What each standard descriptor is on the host: a terminal or not. */
export interface StdioKinds {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}

/** The kernel command line for a run (after the kernel's name). */
export function kernelCommandLine(o: { entry?: EntryPath; strace?: boolean; stats?: boolean; tty: StdioKinds }): string {
  // A host terminal is the line discipline itself (it echoes, edits lines, turns LF into CR LF):
  // "term" tells the kernel to pass bytes as they are while the program still sees a terminal.
  const kind = (tty: boolean) => (tty ? "term" : "pipe");
  const words = [
    "quiet", "klog=debugcon",
    `stdin=${kind(o.tty.stdin)}`, `stdout=${kind(o.tty.stdout)},com1`, `stderr=${kind(o.tty.stderr)},com2`,
  ];
  if (o.entry !== undefined) words.push(`entry=${o.entry}`);
  if (o.strace) words.push("strace");
  if (o.stats) words.push("stats");
  return words.join(" ");
}

// ---------------------------------------------------------------------------------------------
// Statistics
// ---------------------------------------------------------------------------------------------

/** What `--stats` reports: the kernel's counts (its `stats` line) and the host's measurements. */
export interface RunStats {
  /** The kernel's counts; null when it printed none (the run ended before the program exited). */
  kernel: KernelStats | null;
  /** Guest instructions retired in all. */
  instructions: number;
  /** Guest instructions before the program's first user-mode instruction (the kernel's boot). */
  bootInstructions: number | null;
  /** Host ms from the start of the trapgate process to the first user-mode instruction. */
  firstUserMs: number | null;
  /** CPU ms (user + system) the trapgate process had used by then: less sensitive to a busy host. */
  firstUserCpuMs: number | null;
  /** Host ms from the start of the trapgate process to the end of the run. */
  wallMs: number;
}

/** The kernel's `stats` line: entries per path, interrupts, exceptions, page faults since boot. */
export interface KernelStats {
  entries: Record<EntryPath, number>;
  interrupts: number;
  exceptions: number;
  pageFaults: number;
}

/** Parses the kernel's `trapgate: stats k=v ...` line; null when `line` is not one. */
export function parseKernelStats(line: string): KernelStats | null {
  if (!line.startsWith("trapgate: stats ")) return null;
  const kv = new Map(line.slice(16).trim().split(/\s+/).map((w) => w.split("=") as [string, string]));
  const n = (k: string) => Number(kv.get(k) ?? 0);
  return {
    entries: { int80: n("int80"), sysenter: n("sysenter"), syscall: n("syscall") },
    interrupts: n("interrupts"),
    exceptions: n("exceptions"),
    pageFaults: n("page-faults"),
  };
}

/** n with thousands separated by commas (toLocaleString would load ICU data: slow at start). */
const num = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/** The `--stats` report, one line per subject, each starting "trapgate: ". */
export function formatStats(s: RunStats): string {
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const k = s.kernel;
  const total = k === null ? 0 : k.entries.int80 + k.entries.sysenter + k.entries.syscall;
  const lines = [
    ...(k === null
      ? ["kernel entries: not reported (the run ended before the program exited)"]
      : [
          `kernel entries: ${num(total)} system calls — int80 ${num(k.entries.int80)}, sysenter ${num(k.entries.sysenter)}, syscall ${num(k.entries.syscall)}`,
          `interrupts ${num(k.interrupts)}, exceptions ${num(k.exceptions)} (page faults ${num(k.pageFaults)})`,
        ]),
    `guest instructions: ${num(s.instructions)}` +
      (s.bootInstructions !== null ? ` (${num(s.bootInstructions)} in the kernel before the program's first)` : ""),
    `wall time: ${ms(s.wallMs)}` +
      (s.firstUserMs !== null ? `; first user-mode instruction after ${ms(s.firstUserMs)}` : "") +
      (s.firstUserCpuMs !== null ? ` (${ms(s.firstUserCpuMs)} of CPU)` : ""),
  ];
  return lines.map((l) => `trapgate: stats: ${l}\n`).join("");
}

// ---------------------------------------------------------------------------------------------
// The command
// ---------------------------------------------------------------------------------------------

/** Reads a host file for the run. @throws UsageError naming it */
function readHostFile(file: string, what: string): Uint8Array {
  try {
    const st = fs.statSync(file);
    if (st.isDirectory()) throw new UsageError(`${what} ${file}: is a directory`);
    const b = fs.readFileSync(file);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "not found" : code === "EACCES" ? "permission denied" : (e as Error).message;
    throw new UsageError(`${what} ${file}: ${why}`);
  }
}

/**
 * Output of the run in the order the guest produced it: stdout (COM1), stderr (COM2) and the
 * kernel log (port 0xE9, line by line, onto stderr). Device events arrive byte by byte inside
 * the processor's slice; they are written out at the next turn of the event loop and at the end.
 */
class OrderedOutput {
  private chunks: { fd: 1 | 2; bytes: number[] }[] = [];
  private scheduled = false;
  private klogLine: number[] = [];
  kernelStats: KernelStats | null = null;
  broken = false;

  constructor(private readonly onBrokenPipe: () => void) {}

  byte(fd: 1 | 2, b: number): void {
    const last = this.chunks[this.chunks.length - 1];
    if (last !== undefined && last.fd === fd) last.bytes.push(b);
    else this.chunks.push({ fd, bytes: [b] });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** A byte of the kernel log: whole lines go to stderr, except the stats line, kept. */
  klog(b: number): void {
    this.klogLine.push(b);
    if (b !== 0x0a) return;
    const bytes = this.klogLine;
    this.klogLine = [];
    const stats = parseKernelStats(Buffer.from(bytes).toString("latin1"));
    if (stats !== null) this.kernelStats = stats;
    else for (const c of bytes) this.byte(2, c);
  }

  flush(): void {
    this.scheduled = false;
    const chunks = this.chunks;
    this.chunks = [];
    for (const c of chunks) {
      if (this.broken) return;
      (c.fd === 1 ? process.stdout : process.stderr).write(Uint8Array.from(c.bytes));
    }
  }

  finish(): void {
    if (this.klogLine.length > 0) for (const c of this.klogLine.splice(0)) this.byte(2, c);
    this.flush();
  }

  /** Called on a stream error: EPIPE on stdout ends the run as SIGPIPE would. */
  streamError(e: NodeJS.ErrnoException): void {
    if (e.code === "EPIPE") {
      this.broken = true;
      this.onBrokenPipe();
    }
  }
}

/** Host stdin → COM1; its end → COM1 hangs up. Returns a function that stops reading. */
function attachStdin(machine: Machine): () => void {
  const stdin = process.stdin;
  const HIGH = 1 << 20;
  const LOW = 1 << 16;
  let timer: NodeJS.Timeout | undefined;
  const onData = (d: Buffer) => {
    machine.serialInput(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    if (machine.uart.pendingInput > HIGH && timer === undefined) {
      stdin.pause();
      timer = setInterval(() => {
        if (machine.uart.pendingInput < LOW) {
          clearInterval(timer);
          timer = undefined;
          stdin.resume();
        }
      }, 5);
    }
  };
  const onEnd = () => machine.serialHangUp();
  stdin.on("data", onData);
  stdin.on("end", onEnd);
  stdin.on("error", onEnd);
  return () => {
    if (timer !== undefined) clearInterval(timer);
    stdin.off("data", onData);
    stdin.off("end", onEnd);
    stdin.pause();
    stdin.destroy();
  };
}

/**
 * Runs the command; returns the exit status: the program's, 128 + signal when a fault killed it,
 * 141 when stdout's reader went away, or the statuses of `trapgate boot` for a run that ended
 * otherwise (124 timeout, 125 instruction limit, 3 triple fault, ...).
 * @throws UsageError for bad options or a program that cannot run (status 2)
 */
export async function runCommand(program: string, args: string[], o: RunCommandOptions): Promise<number> {
  const memoryBytes = o.memory !== undefined ? parseMemorySize(o.memory) : RUN_DEFAULT_MEMORY_BYTES;
  const clock = o.clock !== undefined ? parseChoice(o.clock, ["virtual", "host"] as const, "--clock") : "host";
  const maxInstructions = o.maxInstructions !== undefined ? parseCount(o.maxInstructions, "--max-instructions") : undefined;
  const timeoutMs = o.timeout !== undefined ? parseSeconds(o.timeout, "--timeout") * 1000 : undefined;
  const entry = o.entry !== undefined ? parseChoice(o.entry, ENTRY_PATHS, "--entry") : undefined;

  const image = readHostFile(program, "program");
  checkProgram(image, program, memoryBytes);
  const modules = o.file.map((f) => {
    const contents = readHostFile(f, "--file");
    const st = fs.statSync(f);
    return { bytes: buildFileModule(path.resolve(f), contents, st.mode, Math.floor(st.mtimeMs / 1000)), string: `file ${path.resolve(f)}` };
  });
  const argv = [program, ...args];
  const { bytes: argsModule, droppedEnv } = buildArgsModule(argv, hostEnvironment(), process.cwd());
  if (droppedEnv.length > 0) {
    process.stderr.write(`trapgate: the environment passes ${ARGS_LIMIT / 1024} KiB with the arguments: left out ${droppedEnv.join(", ")}\n`);
  }
  let kernel: Uint8Array;
  try {
    kernel = new Uint8Array(fs.readFileSync(KERNEL_PATH));
  } catch {
    throw new UsageError(`the reference kernel ${KERNEL_PATH} is missing: run \`npm run build\``);
  }
  const tty: StdioKinds = { stdin: process.stdin.isTTY === true, stdout: process.stdout.isTTY === true, stderr: process.stderr.isTTY === true };

  let cpu: Cpu | undefined;
  const machine = new Machine({
    memoryBytes, clock, maxInstructions, timeoutMs,
    createProcessor: (bus) => (cpu = new Cpu(bus)),
  });
  try {
    bootMultiboot(machine, kernel, {
      kernelName: KERNEL_PATH,
      cmdline: `${KERNEL_PATH} ${kernelCommandLine({ entry, strace: o.strace, stats: o.stats, tty })}`,
      modules: [...modules, { bytes: argsModule, string: "tg-args" }, { bytes: image, string: argv.join(" ").slice(0, 255) }],
    });
  } catch (e) {
    if (e instanceof BootError && e.code === "module-too-big") {
      throw new UsageError(`${program}: too large for ${memoryBytes / MiB} MiB of memory (try a larger --memory)`);
    }
    throw e;
  }

  // The first user-mode instruction: the first decode at CPL 3 (decoding happens once per
  // instruction, so the hook costs nothing once it has fired and removed itself).
  let bootInstructions: number | null = null;
  let firstUserMs: number | null = null;
  let firstUserCpuMs: number | null = null;
  const c = cpu!;
  c.decodeHook = () => {
    if (c.cpl !== 3) return;
    firstUserMs = performance.now();
    const u = process.cpuUsage();
    firstUserCpuMs = (u.user + u.system) / 1000;
    bootInstructions = c.instructionCount;
    c.decodeHook = null;
  };

  const out = new OrderedOutput(() => machine.stop());
  const onStreamError = (e: NodeJS.ErrnoException) => out.streamError(e);
  process.stdout.on("error", onStreamError);
  process.stderr.on("error", onStreamError);
  machine.uart.events.on("transmit", (b) => out.byte(1, b));
  machine.uart2.events.on("transmit", (b) => out.byte(2, b));
  machine.debugConsole.events.on("output", (b) => out.klog(b));

  const detachStdin = attachStdin(machine);
  let result: RunResult;
  try {
    result = await machine.run();
  } finally {
    detachStdin();
    out.finish();
  }
  if (out.broken) return EXIT_BROKEN_PIPE;
  if (o.stats) {
    process.stderr.write(formatStats({
      kernel: out.kernelStats,
      instructions: c.instructionCount,
      bootInstructions,
      firstUserMs,
      firstUserCpuMs,
      wallMs: performance.now(),
    }));
  }
  return reportResult(result);
}
