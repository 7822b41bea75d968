/**
 * Running the trapgate command as a user does: `node dist/src/cli/trapgate.mjs ARGS` (the bin: the
 * CLI bundled into one file, so Node loads one module instead of ~70) in a child
 * process, from the repository root, with input piped to its stdin.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (this file runs as dist/test/support/cli.js). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** The command's entry point, as package.json's `bin` names it. */
export const TRAPGATE_MAIN = path.join(REPO_ROOT, "dist/src/cli/trapgate.mjs");

/** The devices test kernel (test/kernels/devices), built by `npm run build`. */
export const DEVICES_KERNEL = path.join(REPO_ROOT, "build/test-kernels/devices.elf");

export interface CliRun {
  /** Exit status, or null when killed by a signal. */
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Bytes for stdin, which is then closed. Default: stdin is /dev/null. */
  input?: string;
  /** Kill the process (SIGKILL) after this many ms of host time. Default 60 000. */
  timeoutMs?: number;
  /** Working directory. Default: the repository root. */
  cwd?: string;
}

/**
 * Runs `trapgate ARGS`; resolves when the process has exited and its output is closed.
 * @throws Error when the process cannot be started or outlives `timeoutMs`
 */
export function runTrapgate(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TRAPGATE_MAIN, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout!.setEncoding("latin1").on("data", (s: string) => (stdout += s));
    child.stderr!.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    if (options.input !== undefined) {
      child.stdin!.on("error", () => {}); // the command may exit before reading all of it
      child.stdin!.end(options.input);
    }
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      if (timedOut) reject(new Error(`trapgate ${args.join(" ")} still running after ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
      else resolve({ status, signal, stdout, stderr });
    });
  });
}

/** Fails, saying what to run, unless `npm run build` has produced the command and `file`. */
export function assertBuilt(...files: string[]): void {
  const missing = [TRAPGATE_MAIN, ...files].filter((f) => !existsSync(f)).map((f) => path.relative(REPO_ROOT, f));
  if (missing.length > 0) throw new Error(`${missing.join(", ")} not built: run \`npm run build\` first`);
}
