/**
 * `trapgate boot KERNEL`: boots a multiboot kernel on the PC, as `qemu-system-i386 -kernel` does.
 * Exit status: the value the guest wrote to the isa-debug-exit port (QEMU would exit with
 * (value << 1) | 1; trapgate returns the value itself so that a kernel's 0 is the shell's
 * success), 0 after a Bochs-style or ACPI shutdown, 3 after a triple fault, 4 when the processor
 * halts with interrupts off, 124 on --timeout, 125 on --max-instructions.
 */
import fs from "node:fs";
import { Machine, type RunResult } from "../machine/index.js";
import { Cpu } from "../cpu/cpu.js";
import type { CpuBus } from "../cpu/bus.js";
import { describeFault } from "../cpu/interrupts.js";
import { bootMultibootFiles, type ModuleFile } from "../boot/files.js";
import { UsageError, parseChoice, parseCount, parseMemorySize, parseSeconds } from "./options.js";

export interface BootCommandOptions {
  append?: string;
  module: string[];
  memory?: string;
  serial?: string;
  clock?: string;
  maxInstructions?: string;
  timeout?: string;
  vgaDump?: boolean;
  debugcon?: string;
  traceExceptions?: boolean;
}

/** Exit statuses for run results other than a guest's exit. */
export const EXIT_TRIPLE_FAULT = 3;
export const EXIT_HALTED = 4;
export const EXIT_TIMEOUT = 124;
export const EXIT_INSTRUCTION_LIMIT = 125;
/** The reader of stdout went away: 128 + SIGPIPE, the status of a C program killed by it. */
export const EXIT_BROKEN_PIPE = 141;

/**
 * Where a byte stream of the guest goes, as QEMU's -serial/-debugcon say it: `stdio` (stdout),
 * `none`, or a file (created or truncated).
 * @throws UsageError naming the option when the file cannot be opened
 */
function openSink(where: string, option: string): { sink: ((b: Uint8Array) => void) | undefined; close: () => void } {
  if (where === "none") return { sink: undefined, close: () => {} };
  if (where === "stdio") return { sink: (b) => { process.stdout.write(b); }, close: () => {} };
  let fd: number;
  try { fd = fs.openSync(where, "w"); } catch (e) { throw new UsageError(`${option}: cannot open ${where}: ${(e as Error).message}`); }
  return { sink: (b) => { fs.writeSync(fd, b); }, close: () => fs.closeSync(fd) };
}

/**
 * A processor that prints every exception on stderr as it is raised (as QEMU's `-d int`), with
 * the instruction and the rule it broke (see describeFault).
 */
function tracingProcessor(bus: CpuBus): Cpu {
  const cpu = new Cpu(bus);
  cpu.onException = (fault, eip) => { process.stderr.write(`trapgate: exception ${describeFault(cpu, fault, eip)}\n`); };
  return cpu;
}

/** Parses `FILE[,STRING]` as QEMU's -initrd entries (the string defaults to the file name). */
export function parseModule(spec: string): ModuleFile {
  const comma = spec.indexOf(",");
  if (comma < 0) return { path: spec };
  return { path: spec.slice(0, comma), string: spec.slice(comma + 1) };
}

/** Runs the command; returns the process exit status. Throws UsageError/BootError for bad input. */
export async function bootCommand(kernel: string, o: BootCommandOptions): Promise<number> {
  const memoryBytes = o.memory !== undefined ? parseMemorySize(o.memory) : undefined;
  const clock = o.clock !== undefined ? parseChoice(o.clock, ["virtual", "host"] as const, "--clock") : "host";
  const maxInstructions = o.maxInstructions !== undefined ? parseCount(o.maxInstructions, "--max-instructions") : undefined;
  const timeoutMs = o.timeout !== undefined ? parseSeconds(o.timeout, "--timeout") * 1000 : undefined;
  const serial = o.serial ?? "stdio";
  process.stdout.on("error", onStdoutError);
  const serialOut = openSink(serial, "--serial");
  const debugOut = openSink(o.debugcon ?? "none", "--debugcon");
  const machine = new Machine({
    memoryBytes, clock, maxInstructions, timeoutMs, serial: serialOut.sink, debugConsole: debugOut.sink,
    createProcessor: o.traceExceptions ? tracingProcessor : undefined,
  });
  await bootMultibootFiles(machine, kernel, {
    cmdline: o.append !== undefined ? `${kernel} ${o.append}` : kernel,
    modules: o.module.map(parseModule),
  });
  const detachInput = serial === "stdio" ? attachStdin(machine) : () => {};
  let result: RunResult;
  try {
    result = await machine.run();
  } finally {
    detachInput();
    serialOut.close();
    debugOut.close();
  }
  if (o.vgaDump) process.stdout.write(`${machine.screenText().replace(/\s+$/, "")}\n`);
  return reportResult(result);
}

/** `trapgate boot k | head -1`: when the reader of stdout goes away, end quietly, as SIGPIPE would. */
function onStdoutError(e: NodeJS.ErrnoException): void {
  if (e.code === "EPIPE") process.exit(EXIT_BROKEN_PIPE);
  process.stderr.write(`trapgate: standard output: ${e.message}\n`);
  process.exit(1);
}

/** Host stdin → COM1 receive. In a terminal, raw mode; Ctrl-A x ends the run, as in QEMU. */
function attachStdin(machine: Machine): () => void {
  const stdin = process.stdin;
  const tty = stdin.isTTY === true;
  let sawCtrlA = false;
  const onData = (d: Buffer) => {
    if (tty) {
      for (const byte of d) {
        if (sawCtrlA && byte === 0x78) { machine.stop(); return; }
        sawCtrlA = byte === 0x01;
      }
    }
    machine.serialInput(new Uint8Array(d));
  };
  if (tty) stdin.setRawMode(true);
  stdin.on("data", onData);
  stdin.on("error", () => {});
  return () => {
    stdin.off("data", onData);
    if (tty) stdin.setRawMode(false);
    stdin.pause();
    stdin.unref?.();
  };
}

/** Prints what ended the run (except a plain exit) on stderr and maps it to an exit status. */
export function reportResult(r: RunResult): number {
  switch (r.kind) {
    case "exit": return (r.status >>> 1) & 0xff;
    case "shutdown": return 0;
    case "triple-fault":
      // The processor's reason may already say "triple fault: …".
      process.stderr.write(`trapgate: ${/^triple fault\b/.test(r.reason) ? r.reason : `triple fault: ${r.reason}`}\n${r.chain.map((l) => `  ${l}\n`).join("")}`);
      return EXIT_TRIPLE_FAULT;
    case "halted":
      process.stderr.write("trapgate: the processor halted with interrupts disabled (HLT with EFLAGS.IF = 0): nothing can wake it\n");
      return EXIT_HALTED;
    case "timeout":
      process.stderr.write("trapgate: timeout: --timeout reached before the guest exited\n");
      return EXIT_TIMEOUT;
    case "instruction-limit":
      process.stderr.write("trapgate: instruction limit: --max-instructions reached before the guest exited\n");
      return EXIT_INSTRUCTION_LIMIT;
    case "reset":
      process.stderr.write(`trapgate: the guest reset the machine (${r.how}); there is no BIOS to reboot into\n`);
      return 0;
    case "stopped":
      process.stderr.write("trapgate: stopped\n");
      return 130;
  }
}
