import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import {
  ARGS_LIMIT, buildArgsModule, buildFileModule, checkProgram, elfInterpreter, formatStats, kernelCommandLine, parseKernelStats,
} from "./run.js";
import { UsageError } from "./options.js";

const MiB = 1024 * 1024;
const HELLO = fileURLToPath(new URL("../../../build/user/hello", import.meta.url));

/** A minimal ELF32 i386 image: the header, `phdrs` program headers, then `tail` bytes. */
function elf32(o: { type?: number; phdrs: { type: number; offset?: number; vaddr?: number; filesz?: number; memsz?: number }[]; tail?: Uint8Array }): Uint8Array {
  const phoff = 52;
  const tailOff = phoff + 32 * o.phdrs.length;
  const bytes = new Uint8Array(tailOff + (o.tail?.length ?? 0));
  const v = new DataView(bytes.buffer);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
  v.setUint16(16, o.type ?? 2, true);
  v.setUint16(18, 3, true);
  v.setUint32(20, 1, true);
  v.setUint32(24, 0x08048000, true);
  v.setUint32(28, phoff, true);
  v.setUint16(40, 52, true);
  v.setUint16(42, 32, true);
  v.setUint16(44, o.phdrs.length, true);
  o.phdrs.forEach((p, i) => {
    const b = phoff + 32 * i;
    v.setUint32(b, p.type, true);
    v.setUint32(b + 4, p.offset ?? 0, true);
    v.setUint32(b + 8, p.vaddr ?? 0x08048000, true);
    v.setUint32(b + 12, p.vaddr ?? 0x08048000, true);
    v.setUint32(b + 16, p.filesz ?? 0, true);
    v.setUint32(b + 20, p.memsz ?? 0x1000, true);
  });
  if (o.tail) bytes.set(o.tail, tailOff);
  return bytes;
}

const LOAD = { type: 1 };
const interp = (s: string) => new TextEncoder().encode(`${s}\0`);

describe("trapgate run: checking the program before booting", () => {
  it("a static ELF32 i386 executable passes", () => {
    checkProgram(new Uint8Array(readFileSync(HELLO)), "hello", 64 * MiB);
  });

  it("a dynamically linked program is named as such, with its PT_INTERP", () => {
    const tail = interp("/lib/ld-linux.so.2");
    const image = elf32({ phdrs: [{ type: 3, offset: 52 + 64, filesz: tail.length }, LOAD], tail });
    assert.equal(elfInterpreter(image), "/lib/ld-linux.so.2");
    assert.throws(() => checkProgram(image, "dyn", 64 * MiB), /^UsageError: dyn: dynamically linked \(PT_INTERP \/lib\/ld-linux\.so\.2\): only static programs run$/);
  });

  it("a dynamically linked PIE (ET_DYN with PT_INTERP) is reported as dynamic too", () => {
    const tail = interp("/lib/ld-linux.so.2");
    const image = elf32({ type: 3, phdrs: [{ type: 3, offset: 52 + 64, filesz: tail.length }, LOAD], tail });
    assert.throws(() => checkProgram(image, "pie", 64 * MiB), /dynamically linked/);
  });

  it("a static PIE (ET_DYN without PT_INTERP) is refused: only ET_EXEC runs", () => {
    assert.throws(() => checkProgram(elf32({ type: 3, phdrs: [LOAD] }), "spie", 64 * MiB), /position-independent .*ET_DYN.*ET_EXEC/);
  });

  it("not an ELF, a script, a 64-bit ELF", () => {
    assert.throws(() => checkProgram(new TextEncoder().encode("hello\n"), "t.txt", 64 * MiB), /t\.txt: not an ELF executable/);
    assert.throws(() => checkProgram(new TextEncoder().encode("#!/bin/sh\necho\n"), "s.sh", 64 * MiB), /s\.sh: a script \(#!\/bin\/sh\)/);
    const e64 = elf32({ phdrs: [LOAD] });
    e64[4] = 2;
    assert.throws(() => checkProgram(e64, "x64", 64 * MiB), /x64: a 64-bit ELF \(ELFCLASS64\); trapgate runs 32-bit i386 programs/);
  });

  it("a segment outside the user range, a program too large for the memory", () => {
    assert.throws(() => checkProgram(elf32({ phdrs: [{ type: 1, vaddr: 0xc0000000 }] }), "k", 64 * MiB), /outside the user range/);
    assert.throws(() => checkProgram(elf32({ phdrs: [{ type: 1, memsz: 3 * MiB }] }), "big", 4 * MiB), /big: too large for 4 MiB of memory: it needs about 8 MiB .*--memory 8M/);
  });
});

describe("trapgate run: boot modules and the kernel command line", () => {
  it("tg-args: magic, argc, envc, then argv, envp and the working directory, NUL-terminated", () => {
    const { bytes, droppedEnv } = buildArgsModule(["prog", "a b", ""], ["X=1"], "/tmp");
    assert.deepEqual(droppedEnv, []);
    const v = new DataView(bytes.buffer);
    assert.equal(new TextDecoder().decode(bytes.subarray(0, 8)), "tg-args\0");
    assert.equal(v.getUint32(8, true), 3);
    assert.equal(v.getUint32(12, true), 1);
    assert.equal(new TextDecoder().decode(bytes.subarray(16)), "prog\0a b\0\0X=1\0/tmp\0");
  });

  it("tg-args: environment entries past the 64 KiB rule are left out, in order, and named", () => {
    const env = ["A=" + "a".repeat(40_000), "B=" + "b".repeat(40_000), "C=c"];
    const { bytes, droppedEnv } = buildArgsModule(["prog"], env, "/");
    assert.deepEqual(droppedEnv, ["B"]);
    assert.equal(new DataView(bytes.buffer).getUint32(12, true), 2);
    assert.ok(bytes.length < ARGS_LIMIT);
  });

  it("tg-args: an argument list past the limit, or a NUL inside a string, is a usage error", () => {
    assert.throws(() => buildArgsModule(["prog", "x".repeat(ARGS_LIMIT)], [], "/"), (e: unknown) => e instanceof UsageError && /argument list too long/.test(e.message));
    assert.throws(() => buildArgsModule(["a\0b"], [], "/"), UsageError);
  });

  it("tg-file: header, path, contents 4-byte aligned at data_offset", () => {
    const m = buildFileModule("/d/f.txt", new TextEncoder().encode("xyz"), 0o100644, 1_700_000_000);
    const v = new DataView(m.buffer);
    assert.equal(new TextDecoder().decode(m.subarray(0, 8)), "tg-file\0");
    const off = v.getUint32(8, true);
    assert.equal(off % 4, 0);
    assert.equal(v.getUint32(12, true), 3);
    assert.equal(v.getUint32(16, true), 0o644);
    assert.equal(v.getUint32(20, true), 1_700_000_000);
    assert.equal(new TextDecoder().decode(m.subarray(24, 24 + 9)), "/d/f.txt\0");
    assert.equal(new TextDecoder().decode(m.subarray(off)), "xyz");
  });

  it("the command line: quiet, kernel log on 0xE9, each descriptor a tty or a pipe, stderr on COM2", () => {
    assert.equal(
      kernelCommandLine({ entry: "sysenter", strace: true, stats: true, tty: { stdin: false, stdout: true, stderr: false } }),
      "quiet klog=debugcon stdin=pipe stdout=term,com1 stderr=pipe,com2 entry=sysenter strace stats",
    );
  });

  it("the kernel's stats line is parsed and reported per entry path", () => {
    const k = parseKernelStats("trapgate: stats int80=6 sysenter=29 syscall=0 interrupts=3 exceptions=1 page-faults=1\n");
    assert.deepEqual(k, { entries: { int80: 6, sysenter: 29, syscall: 0 }, interrupts: 3, exceptions: 1, pageFaults: 1 });
    assert.equal(parseKernelStats("write(1, \"x\", 1) = 1"), null);
    const text = formatStats({ kernel: k, instructions: 1234567, bootInstructions: 70000, firstUserMs: 98.25, firstUserCpuMs: 80, wallMs: 150 });
    assert.match(text, /^trapgate: stats: kernel entries: 35 system calls — int80 6, sysenter 29, syscall 0\n/);
    assert.match(text, /guest instructions: 1,234,567 \(70,000 in the kernel before the program's first\)/);
    assert.match(text, /first user-mode instruction after 98\.3 ms \(80\.0 ms of CPU\)/);
    const unfinished = formatStats({ kernel: null, instructions: 5, bootInstructions: null, firstUserMs: null, firstUserCpuMs: null, wallMs: 9 });
    assert.match(unfinished, /^trapgate: stats: kernel entries: not reported \(the run ended before the program exited\)\n/);
  });
});
