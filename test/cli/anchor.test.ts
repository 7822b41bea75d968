/**
 * The anchor benchmark kernel (../shared/bench/anchor-kernel, next to the repository) on
 * `trapgate boot`: a ring-0 loop, int 0x80 + IRET and SYSENTER/SYSEXIT round trips from ring 3
 * with paging on, each phase ending with a MARK line on COM1, then isa-debug-exit with 0.
 *
 * The sources are read-only; `make -C test/kernels anchor` compiles them into build/anchor/ with
 * the flags of their build.sh (and does nothing when the ELF is up to date).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { REPO_ROOT, assertBuilt, runTrapgate } from "../support/cli.js";

const ANCHOR_SOURCES = path.resolve(REPO_ROOT, "../shared/bench/anchor-kernel");
const ANCHOR_KERNEL = path.join(REPO_ROOT, "build/anchor/anchor-kernel.elf");

async function buildAnchorKernel(): Promise<void> {
  assert.ok(
    existsSync(path.join(ANCHOR_SOURCES, "kmain.c")),
    `the anchor kernel's sources are missing: expected ../shared/bench/anchor-kernel next to the repository (${ANCHOR_SOURCES})`,
  );
  await promisify(execFile)("make", ["-s", "-C", path.join(REPO_ROOT, "test/kernels"), "anchor"]);
  assertBuilt(ANCHOR_KERNEL);
}

describe("the anchor kernel", () => {
  it("trapgate boot anchor-kernel.elf --append 'a=1000000 b=100000 c=100000' prints MARK C1 100000 and exits 0", async () => {
    await buildAnchorKernel();
    const r = await runTrapgate(["boot", path.relative(REPO_ROOT, ANCHOR_KERNEL), "--append", "a=1000000 b=100000 c=100000"]);
    assert.equal(r.stderr, "");
    const lines = r.stdout.split("\n");
    assert.ok(lines.includes("MARK A0"), r.stdout);
    assert.ok(lines.some((l) => l.startsWith("MARK A1 1000000 ")), r.stdout);
    assert.ok(lines.includes("MARK B1 100000"), r.stdout);
    assert.ok(lines.includes("MARK C1 100000"), r.stdout);
    assert.equal(r.status, 0);
  });

  it("--debugcon stdio shows what the kernel writes to port 0xE9 (the anchor kernel mirrors COM1 there)", async () => {
    await buildAnchorKernel();
    const r = await runTrapgate(["boot", path.relative(REPO_ROOT, ANCHOR_KERNEL), "--append", "a=1000 b=100 c=100",
      "--serial", "none", "--debugcon", "stdio"]);
    assert.equal(r.status, 0);
    assert.ok(r.stdout.split("\n").includes("MARK C1 100"), r.stdout);
  });
});
