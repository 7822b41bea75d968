/**
 * `trapgate boot --memory`: RAM sizes up to the largest accepted (3G), where physical addresses
 * above 2 GiB no longer fit a signed 32-bit integer, and unbacked addresses above the RAM.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { buildKernel } from "../../src/boot/testing/gcc.js";
import { assertBuilt, runTrapgate } from "../support/cli.js";

/** Writes dword, word and byte above 2.5 GiB and a REP STOSD there, reads them back: exit 0, or 9 on a mismatch. */
const HIGH_MEMORY = `
.set MAGIC, 0x1BADB002
.text
.align 4
.long MAGIC, 3, -(MAGIC+3)
.globl _start
_start:
    movl $0x12345678, 0xA0000000
    movw $0xBEEF, 0xA0000010
    movb $0x5A, 0xBFFFFFFF          /* the last byte of 3 GiB */
    cmpl $0x12345678, 0xA0000000
    jne mismatch
    cmpw $0xBEEF, 0xA0000010
    jne mismatch
    cmpb $0x5A, 0xBFFFFFFF
    jne mismatch
    mov $0xA0000100, %edi
    mov $0x77777777, %eax
    mov $16, %ecx
    rep stosl
    cmpl $0x77777777, 0xA000013C
    jne mismatch
    mov $0, %al
    out %al, $0xF4
mismatch:
    mov $9, %al
    out %al, $0xF4
`;

describe("trapgate boot --memory", () => {
  let dir = "";
  const kernel = () => path.join(dir, "high-memory.elf");
  before(async () => {
    assertBuilt();
    dir = await mkdtemp(path.join(tmpdir(), "trapgate-memory-"));
    await writeFile(kernel(), await buildKernel(HIGH_MEMORY));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("--memory 3G: RAM above 2 GiB holds what the guest writes there", async () => {
    const r = await runTrapgate(["boot", kernel(), "--memory", "3G"]);
    assert.deepEqual([r.status, r.stderr], [0, ""]);
  });

  it("--memory 64M: physical addresses above the RAM read as all ones, so the check fails with 9", async () => {
    const r = await runTrapgate(["boot", kernel(), "--memory", "64M"]);
    assert.deepEqual([r.status, r.stderr], [9, ""]);
  });
});
