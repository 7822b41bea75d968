/**
 * Bad input to `trapgate boot`: each case gets exactly one line on stderr, "trapgate: …", naming
 * the file or option and the problem; nothing on stdout; exit status 2; never a stack trace.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { buildKernel } from "../../src/boot/testing/gcc.js";
import { type CliRun, DEVICES_KERNEL, assertBuilt, runTrapgate } from "../support/cli.js";

const run = promisify(execFile);

const HEADER = `
.set MAGIC, 0x1BADB002
.set FLAGS, 0x3
.text
.align 4
.long MAGIC, FLAGS, -(MAGIC+FLAGS)
.globl _start
`;

/** A valid i386 executable with no multiboot header. */
const NO_HEADER = `
.text
.globl _start
_start:
    hlt
`;

/** A multiboot kernel whose bss (4 MiB) does not fit in 2 MiB of RAM. */
const BIG_BSS = `${HEADER}
_start:
    hlt
.bss
.space 4 * 1024 * 1024
`;

/** Exactly one line on stderr matching `problem`, nothing on stdout, status 2, no stack trace. */
function assertBadInput(r: CliRun, problem: RegExp): void {
  assert.match(r.stderr, /^trapgate: [^\n]+\n$/, `one line on stderr, got:\n${r.stderr}`);
  assert.match(r.stderr, problem);
  assert.doesNotMatch(r.stderr, /\n\s+at |internal error/);
  assert.equal(r.stdout, "");
  assert.equal(r.status, 2);
}

/** A copy of the devices kernel with `edit` applied to its bytes. */
async function editedCopy(to: string, edit: (bytes: Buffer, view: DataView) => Buffer | void): Promise<string> {
  const bytes = await readFile(DEVICES_KERNEL);
  const edited = edit(bytes, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)) ?? bytes;
  await writeFile(to, edited);
  return to;
}

describe("trapgate boot: bad input", () => {
  let dir = "";
  const file = (name: string) => path.join(dir, name);
  const kernel = DEVICES_KERNEL;

  before(async () => {
    assertBuilt(DEVICES_KERNEL);
    dir = await mkdtemp(path.join(tmpdir(), "trapgate-bad-input-"));
    await writeFile(file("notes.txt"), "This is not a kernel.\n".repeat(20));
    await writeFile(file("empty"), "");
    await writeFile(file("no-header.elf"), await buildKernel(NO_HEADER));
    await writeFile(file("big-bss.elf"), await buildKernel(BIG_BSS));
    // A 64-bit ELF with a valid multiboot header: a kernel built without -m32.
    await writeFile(file("k64.S"), `${HEADER}_start:\n    hlt\n`);
    await run("gcc", ["-c", "-o", file("k64.o"), file("k64.S")]);
    await run("ld", ["-m", "elf_x86_64", "-Ttext=0x100000", "-e", "_start", "-o", file("k64.elf"), file("k64.o")]);
    await run("gcc", ["-m32", "-c", "-o", file("k32.o"), file("k64.S")]);
    // ELF32 header: e_phoff at 28; program header 0 at 52: p_filesz at +16, p_memsz at +20.
    await editedCopy(file("cut-headers.elf"), (b) => b.subarray(0, 100));
    await editedCopy(file("cut-segment.elf"), (b) => b.subarray(0, 5000));
    await editedCopy(file("phoff.elf"), (_, v) => v.setUint32(28, 0x7fff0000, true));
    await editedCopy(file("filesz.elf"), (_, v) => v.setUint32(52 + 20, 16, true));
    await editedCopy(file("checksum.elf"), (b) => {
      const at = b.indexOf(Buffer.from([0x02, 0xb0, 0xad, 0x1b])); // the multiboot magic, little-endian
      b.writeUInt32LE((b.readUInt32LE(at + 8) + 1) >>> 0, at + 8);
    });
    await copyFile(DEVICES_KERNEL, file("good.elf"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const cases: Array<[title: string, args: () => string[], problem: RegExp]> = [
    // The kernel file
    ["a kernel file that does not exist", () => ["boot", file("missing.elf")], /^trapgate: kernel file .*missing\.elf: not found$/m],
    ["a directory for the kernel", () => ["boot", dir], /: is a directory$/m],
    ["a text file", () => ["boot", file("notes.txt")], /notes\.txt: not a multiboot kernel: no multiboot header/],
    ["an empty file", () => ["boot", file("empty")], /empty: not a multiboot kernel/],
    ["an i386 executable without a multiboot header", () => ["boot", file("no-header.elf")], /no-header\.elf: not a multiboot kernel: no multiboot header/],
    ["a relocatable object, not linked", () => ["boot", file("k32.o")], /k32\.o: not an executable: .*ET_REL/],
    ["an ELF cut off inside its program headers", () => ["boot", file("cut-headers.elf")], /cut-headers\.elf: truncated ELF: the program header table ends at byte/],
    ["an ELF cut off inside a segment", () => ["boot", file("cut-segment.elf")], /cut-segment\.elf: truncated ELF: segment \d+ .* the file has 5000/],
    ["an ELF whose program headers lie beyond its end", () => ["boot", file("phoff.elf")], /phoff\.elf: truncated ELF: the program header table ends at byte \d+, the file has/],
    ["an ELF segment with more file bytes than memory bytes", () => ["boot", file("filesz.elf")], /filesz\.elf: ELF segment 0 has more file bytes .* than memory bytes \(16\)/],
    ["a multiboot header with a bad checksum", () => ["boot", file("checksum.elf")], /checksum\.elf: the multiboot header at offset \d+ has a bad checksum/],
    ["a 64-bit ELF", () => ["boot", file("k64.elf")], /k64\.elf: a 64-bit ELF \(ELFCLASS64\); trapgate boots 32-bit i386 kernels/],
    ["a kernel that does not fit in --memory", () => ["boot", file("big-bss.elf"), "--memory", "2M"], /big-bss\.elf: the kernel does not fit in memory: .*RAM ends at 0x1fffff \(2 MiB\)/],
    // Options
    ["--memory lots", () => ["boot", kernel, "--memory", "lots"], /^trapgate: --memory: 'lots' is not a size/],
    ["--memory below 2M", () => ["boot", kernel, "--memory", "1M"], /^trapgate: --memory: 1M is outside 2M\.\.3G$/m],
    ["--clock fast", () => ["boot", kernel, "--clock", "fast"], /^trapgate: --clock: 'fast' is not one of virtual, host$/m],
    ["--max-instructions that is not a number", () => ["boot", kernel, "--max-instructions", "many"], /^trapgate: --max-instructions: 'many' is not a positive whole number$/m],
    ["--timeout 0", () => ["boot", kernel, "--timeout", "0"], /^trapgate: --timeout: '0' is not a positive number of seconds$/m],
    ["an option without its value", () => ["boot", kernel, "--memory"], /^trapgate: option '--memory <size>' argument missing$/m],
    ["an unknown option", () => ["boot", kernel, "--turbo"], /^trapgate: unknown option '--turbo'$/m],
    ["a misspelt option, with the suggestion on the same line", () => ["boot", kernel, "--apend", "x"], /^trapgate: unknown option '--apend' \(Did you mean --append\?\)$/m],
    ["no kernel argument", () => ["boot"], /^trapgate: missing required argument 'kernel'$/m],
    ["a second kernel argument", () => ["boot", kernel, file("good.elf")], /^trapgate: too many arguments for 'boot'/],
    ["an unknown command", () => ["bot", kernel], /^trapgate: unknown command 'bot' \(Did you mean boot\?\)$/m],
    ["--module of a file that does not exist", () => ["boot", kernel, "--module", `${file("initrd.img")},initrd`], /^trapgate: module file .*initrd\.img: not found$/m],
    ["--serial into a directory that does not exist", () => ["boot", kernel, "--serial", file("no/such/dir/com1.txt")], /^trapgate: --serial: cannot open .*com1\.txt: ENOENT/],
  ];

  for (const [title, args, problem] of cases) {
    it(`${title}: one line naming the problem, exit status 2`, async () => {
      assertBadInput(await runTrapgate(args()), problem);
    });
  }

  it("trapgate with no command prints the usage on stderr and exits 2", async () => {
    const r = await runTrapgate([]);
    assert.match(r.stderr, /^Usage: trapgate /);
    assert.match(r.stderr, /boot \[options\] <kernel>/);
    assert.equal(r.stdout, "");
    assert.equal(r.status, 2);
  });

  it("--help and --version print on stdout and exit 0", async () => {
    const help = await runTrapgate(["boot", "--help"]);
    assert.deepEqual([help.status, help.stderr], [0, ""]);
    assert.match(help.stdout, /^Usage: trapgate boot \[options\] <kernel>/);
    const version = await runTrapgate(["--version"]);
    assert.deepEqual([version.status, version.stderr], [0, ""]);
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  });
});
