/**
 * Kernel parity: the reference kernel and its user programs boot on trapgate with every suite of
 * test/golden/kernel/suites.json — the same image, modules, command lines and stdin as the QEMU
 * transcript test (test/kernel-qemu.test.mjs) — and the COM1 transcript must equal the golden one
 * QEMU produced, with the same debug-exit status, through each of the three entry paths.
 *
 * Builds nothing: `npm run build` (make -C kernel) makes build/kernel and build/user.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Cpu } from "../src/cpu/cpu.js";
import { Machine } from "../src/machine/index.js";
import { bootMultibootFiles } from "../src/boot/files.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const KERNEL = path.join(ROOT, "build/kernel/trapgate-kernel.elf");
const GOLDEN_DIR = path.join(ROOT, "test/golden/kernel");
const OUT_DIR = path.join(ROOT, "build/test-output/kernel-trapgate");

interface Suite {
  name: string; cmdline: string; modules: string[]; stdin: string; golden: string;
  exit_status: number; cpu?: string; mask: Array<[string, string]>;
}
const { suites } = JSON.parse(readFileSync(path.join(GOLDEN_DIR, "suites.json"), "utf8")) as { suites: Suite[] };

function normalize(text: string, masks: Array<[string, string]>): string {
  return text.split("\n").map((line) => {
    if (line.startsWith("# ")) return "# *";
    for (const [re, rep] of masks) line = line.replace(new RegExp(re), rep);
    return line;
  }).join("\n");
}

/** Boots one suite on trapgate (virtual clock: deterministic); returns the transcript and exit status. */
async function boot(suite: Suite): Promise<{ out: string; status: number | null; how: string }> {
  const chunks: Uint8Array[] = [];
  const machine = new Machine({
    memoryBytes: 128 << 20,
    clock: "virtual",
    serial: (b) => { chunks.push(b.slice()); },
    maxInstructions: 2_000_000_000,
    createProcessor: (bus) => {
      const cpu = new Cpu(bus);
      // QEMU's "qemu32,-sep" is an i686 without SYSENTER (and, being Intel-like, without SYSCALL).
      if (suite.cpu?.includes("-sep")) { cpu.features.sep = false; cpu.features.syscall = false; }
      return cpu;
    },
  });
  await bootMultibootFiles(machine, KERNEL, {
    cmdline: `${KERNEL} ${suite.cmdline}`.trim(),
    modules: suite.modules.map((m) => {
      const [file] = m.split(" ");
      return { path: path.join(ROOT, file), string: m };
    }),
  });
  if (suite.stdin) machine.serialInput(suite.stdin);
  const r = await machine.run();
  const out = Buffer.concat(chunks).toString("latin1").replace(/\r\n/g, "\n");
  const how = r.kind === "triple-fault" ? `triple fault: ${r.reason}\n${r.chain.join("\n")}` : r.kind;
  return { out, status: r.kind === "exit" ? r.status >>> 1 : null, how };
}

for (const suite of suites) {
  test(`trapgate runs kernel suite ${suite.name}${suite.cmdline ? ` (${suite.cmdline})` : ""} with QEMU's transcript ${suite.golden}, exit status ${suite.exit_status}`, async () => {
    assert.ok(existsSync(KERNEL), `${KERNEL} is missing: run npm run build`);
    const { out, status, how } = await boot(suite);
    mkdirSync(OUT_DIR, { recursive: true });
    writeFileSync(path.join(OUT_DIR, suite.golden), out);
    const golden = readFileSync(path.join(GOLDEN_DIR, suite.golden), "latin1");
    assert.equal(normalize(out, suite.mask), normalize(golden, suite.mask),
      `transcript differs from QEMU's ${suite.golden} (trapgate's output in ${OUT_DIR}; run ended: ${how})`);
    assert.equal(status, suite.exit_status, `exit status (run ended: ${how})`);
  });
}
