import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readElf32 } from "./elf.js";
import { BootError } from "./errors.js";
import { buildElf32 } from "./testing/images.js";

/** Asserts that `fn` throws a one-line BootError with `code` whose message matches `pattern`. */
function assertBootError(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof BootError, `a BootError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes("\n"), "one line");
    return true;
  });
}

const segment = { vaddr: 0x100000, data: new Uint8Array([0x90, 0x90, 0xf4]), memsz: 0x2000 };

describe("ELF reader", () => {
  it("ELF: reads the header and the PT_LOAD segments of an i386 executable", () => {
    const elf = readElf32(buildElf32({ entry: 0x100000, segments: [segment, { vaddr: 0x200000, data: new Uint8Array(4) }] }), "k");
    assert.equal(elf.header.entry, 0x100000);
    assert.equal(elf.loadSegments.length, 2);
    assert.deepEqual(
      { paddr: elf.loadSegments[0].paddr, filesz: elf.loadSegments[0].filesz, memsz: elf.loadSegments[0].memsz },
      { paddr: 0x100000, filesz: 3, memsz: 0x2000 },
    );
  });

  it("ELF: a 64-bit ELF is refused with one line", () => {
    assertBootError(() => readElf32(buildElf32({ entry: 0, segments: [segment], elfClass: 2, machine: 62 }), "k64"), "elf64", /^k64: a 64-bit ELF/);
  });

  it("ELF: a file without the ELF magic is not an ELF", () => {
    assertBootError(() => readElf32(new TextEncoder().encode("#!/bin/sh\necho hi\n"), "script"), "not-elf", /script: not an ELF file/);
  });

  it("ELF: a file shorter than the ELF32 header is truncated", () => {
    assertBootError(() => readElf32(buildElf32({ entry: 0, segments: [segment] }).subarray(0, 40), "short"), "truncated", /truncated ELF: 40 bytes/);
  });

  it("ELF: an ELF for another machine names it and asks for EM_386", () => {
    assertBootError(() => readElf32(buildElf32({ entry: 0, segments: [segment], machine: 40 }), "arm"), "wrong-machine", /for ARM .*EM_386/);
  });

  it("ELF: a relocatable object is not an executable", () => {
    assertBootError(() => readElf32(buildElf32({ entry: 0, segments: [segment], type: 1 }), "x.o"), "not-executable", /ET_REL/);
  });

  it("ELF: a segment whose bytes run past the end of the file is truncated", () => {
    const bytes = buildElf32({ entry: 0, segments: [{ vaddr: 0x100000, data: new Uint8Array(64) }] });
    assertBootError(() => readElf32(bytes.subarray(0, bytes.length - 16), "cut"), "truncated", /segment 0 .* needs file bytes/);
  });

  it("ELF: a segment with more file bytes than memory bytes is corrupt", () => {
    assertBootError(
      () => readElf32(buildElf32({ entry: 0, segments: [{ vaddr: 0x100000, data: new Uint8Array(64), memsz: 8 }] }), "odd"),
      "bad-elf",
      /more file bytes/,
    );
  });
});
