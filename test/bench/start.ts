/**
 * `npm run bench:start`: how fast `trapgate run` gets a program going — the time from the command
 * to the program's first user-mode instruction. A benchmark, not a test: run it on a quiet machine
 * and record the figures in docs/benchmarks.md.
 *
 * Each sample spawns `node dist/src/cli/trapgate.mjs run --stats PROGRAM` (the bin) afresh (Node's start, module
 * loading, the machine, the kernel's boot: all of it counts) and reads two figures:
 *
 * - first user-mode instruction: what --stats reports, ms from the start of the trapgate process
 *   (its performance.timeOrigin) to the first instruction the processor decodes at CPL 3 — the
 *   program's entry point, right after the kernel's IRET;
 *   and the CPU time (user + system) the process had used by then, which a busy host inflates
 *   less than it inflates wall time;
 * - whole command: ms from spawn() to the exit of the process, as a shell would time it.
 *
 * Programs: build/user/exitcode (a few hundred instructions of its own) and, when
 * .cache/busybox/ holds it (test/busybox fetches it), busybox true. Reported: median, minimum and
 * 90th percentile of N samples (default 21; `npm run bench:start -- 41`). When NODE_EXTRA_CA_CERTS
 * is set (Node then reads a certificate file at every start), the samples are taken with and
 * without it.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { cpus } from "node:os";
import path from "node:path";
import { REPO_ROOT, TRAPGATE_MAIN } from "../support/cli.js";

interface Sample {
  firstUserMs: number;
  firstUserCpuMs: number;
  wallMs: number;
  bootInstructions: number;
}

function sampleOnce(args: string[], env: NodeJS.ProcessEnv): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [TRAPGATE_MAIN, "run", "--stats", ...args], { cwd: REPO_ROOT, env, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.setEncoding("utf8").on("data", (s: string) => (err += s));
    child.on("error", reject);
    child.on("close", () => {
      const wallMs = performance.now() - t0;
      const first = /first user-mode instruction after ([\d.]+) ms \(([\d.]+) ms of CPU\)/.exec(err);
      const boot = /\(([\d,]+) in the kernel before the program's first\)/.exec(err);
      if (!first || !boot) return reject(new Error(`no --stats figures from trapgate run ${args.join(" ")}:\n${err}`));
      resolve({ firstUserMs: Number(first[1]), firstUserCpuMs: Number(first[2]), wallMs, bootInstructions: Number(boot[1].replace(/,/g, "")) });
    });
  });
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1) + 0.5))];
}

function summary(values: number[]): string {
  const s = [...values].sort((a, b) => a - b);
  return `median ${quantile(s, 0.5).toFixed(1)} ms (min ${s[0].toFixed(1)}, p90 ${quantile(s, 0.9).toFixed(1)})`;
}

async function bench(label: string, args: string[], env: NodeJS.ProcessEnv, n: number): Promise<void> {
  await sampleOnce(args, env); // the first spawn warms the file cache
  const samples: Sample[] = [];
  for (let i = 0; i < n; i++) samples.push(await sampleOnce(args, env));
  console.log(`${label}`);
  console.log(`  first user-mode instruction  ${summary(samples.map((s) => s.firstUserMs))}`);
  console.log(`    of it CPU time             ${summary(samples.map((s) => s.firstUserCpuMs))}`);
  console.log(`  whole command                ${summary(samples.map((s) => s.wallMs))}`);
  console.log(`  kernel boot                  ${samples[0].bootInstructions.toLocaleString("en-US")} guest instructions`);
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 21);
  const programs: [string, string[]][] = [["exitcode", [path.join(REPO_ROOT, "build/user/exitcode"), "0"]]];
  const busybox = path.join(REPO_ROOT, ".cache/busybox/root/bin/busybox");
  if (existsSync(busybox)) programs.push(["busybox true", [busybox, "true"]]);
  const envs: [string, NodeJS.ProcessEnv][] = [["", process.env]];
  if (process.env.NODE_EXTRA_CA_CERTS !== undefined) {
    const { NODE_EXTRA_CA_CERTS: _, ...rest } = process.env;
    envs[0][0] = " (NODE_EXTRA_CA_CERTS set)";
    envs.push([" (without NODE_EXTRA_CA_CERTS)", rest]);
  }
  console.log(`trapgate run: start-up, ${n} samples each; Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "?"}`);
  for (const [name, args] of programs) for (const [what, env] of envs) await bench(`${name}${what}`, args, env, n);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
