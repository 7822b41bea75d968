/**
 * Builds small multiboot test kernels from GNU as source with the host's gcc and ld
 * (`gcc -m32 -c`, `ld -m elf_i386`), in a fresh directory under os.tmpdir().
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** True when gcc can assemble 32-bit objects and ld can link them. */
export async function haveToolchain(): Promise<boolean> {
  try {
    await run("gcc", ["--version"]);
    await run("ld", ["--version"]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Assembles `source` (AT&T syntax, preprocessed) and links it at `textAddress` with entry `_start`.
 * @returns the ELF file's bytes
 * @throws Error with the tool's output when assembling or linking fails
 */
export async function buildKernel(source: string, textAddress = 0x100000): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), "trapgate-kernel-"));
  try {
    await writeFile(join(dir, "k.S"), source);
    await run("gcc", ["-m32", "-c", "-o", join(dir, "k.o"), join(dir, "k.S")]);
    await run("ld", ["-m", "elf_i386", `-Ttext=0x${textAddress.toString(16)}`, "-e", "_start", "-z", "max-page-size=4096", "-o", join(dir, "k.elf"), join(dir, "k.o")]);
    return new Uint8Array(await readFile(join(dir, "k.elf")));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
