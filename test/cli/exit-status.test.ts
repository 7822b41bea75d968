/**
 * How `trapgate boot` ends: the exit status for each way a run ends, and what it prints on stderr.
 * The guest's value written to isa-debug-exit is the status itself (QEMU's would be (v << 1) | 1);
 * 3 after a triple fault with the chain of faults, 4 when the processor halts with IF = 0,
 * 124 at --timeout, 125 at --max-instructions.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { buildKernel } from "../../src/boot/testing/gcc.js";
import { DEVICES_KERNEL, REPO_ROOT, assertBuilt, runTrapgate } from "../support/cli.js";

const HEADER = `
.set MAGIC, 0x1BADB002
.set FLAGS, 0x3
.text
.align 4
.long MAGIC, FLAGS, -(MAGIC+FLAGS)
.globl _start
`;

/** LIDT with limit 0: INT3 cannot be delivered, nor the #GP, nor the #DF. */
const TRIPLE_FAULT = `${HEADER}
_start:
    lidt idt_desc
    int3
.data
idt_desc: .word 0
          .long 0
`;

/** CLI; HLT: nothing can wake the processor. */
const HALT = `${HEADER}
_start:
    cli
    hlt
`;

/** Writes 0xFF to isa-debug-exit: the largest status, not 0xFF << 1 | 1 truncated. */
const EXIT_255 = `${HEADER}
_start:
    mov $0xFF, %al
    out %al, $0xF4
    hlt
`;

describe("trapgate boot: exit statuses", () => {
  let dir = "";
  const kernel = (name: string) => path.join(dir, `${name}.elf`);

  before(async () => {
    assertBuilt(DEVICES_KERNEL);
    dir = await mkdtemp(path.join(tmpdir(), "trapgate-exit-"));
    for (const [name, source] of Object.entries({ TRIPLE_FAULT, HALT, EXIT_255 })) await writeFile(kernel(name), await buildKernel(source));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("the value written to port 0xF4 is the exit status (255 stays 255)", async () => {
    const r = await runTrapgate(["boot", kernel("EXIT_255")]);
    assert.deepEqual([r.status, r.stdout, r.stderr], [255, "", ""]);
  });

  it("a triple fault exits 3 and prints the chain of faults that led to it", async () => {
    const r = await runTrapgate(["boot", kernel("TRIPLE_FAULT")]);
    assert.equal(r.status, 3);
    assert.equal(r.stdout, "");
    const [first, ...chain] = r.stderr.trimEnd().split("\n");
    assert.match(first, /^trapgate: triple fault: /);
    assert.doesNotMatch(first, /triple fault: triple fault/);
    assert.ok(chain.length >= 2, r.stderr);
    assert.match(chain[0], /INT3/, "the chain starts at the instruction");
    assert.match(chain.join("\n"), /#DF/);
    assert.match(chain.at(-1)!, /triple fault/);
  });

  it("HLT with interrupts disabled exits 4", async () => {
    const r = await runTrapgate(["boot", kernel("HALT")]);
    assert.equal(r.status, 4);
    assert.match(r.stderr, /^trapgate: the processor halted with interrupts disabled .*\n$/);
  });

  it("--timeout exits 124 once that much machine time has passed (virtual clock: at once in host time)", async () => {
    const started = performance.now();
    const r = await runTrapgate(["boot", path.relative(REPO_ROOT, DEVICES_KERNEL), "--clock", "virtual", "--timeout", "30"]);
    assert.equal(r.status, 124);
    assert.equal(r.stderr, "trapgate: timeout: --timeout reached before the guest exited\n");
    assert.ok(performance.now() - started < 20_000, "30 s of virtual time idle in HLT take little host time");
  });

  it("--max-instructions exits 125", async () => {
    const r = await runTrapgate(["boot", path.relative(REPO_ROOT, DEVICES_KERNEL), "--clock", "virtual", "--max-instructions", "20000"]);
    assert.equal(r.status, 125);
    assert.equal(r.stderr, "trapgate: instruction limit: --max-instructions reached before the guest exited\n");
    assert.match(r.stdout, /^BOOT trapgate/);
  });
});
