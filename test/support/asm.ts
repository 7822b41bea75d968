/**
 * Assembles GNU as source (AT&T syntax) into flat machine code for tests, with the machine's own
 * binutils (`as --32`, `ld -m elf_i386 --oformat binary`). Results are cached by content hash in
 * the OS temporary directory, so a test suite assembles each snippet once per machine.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const cacheDir = path.join(os.tmpdir(), "trapgate-asm-cache");

export interface AssembleOptions {
  /** Address the code is linked at (bytes). Default 0. */
  org?: number;
  /** Start in 16-bit mode (`.code16`). Default false (`.code32`). */
  code16?: boolean;
}

/**
 * Returns the flat binary image of `source` linked at `org`.
 * Throws an Error with the assembler's message when the source does not assemble.
 */
export function assemble(source: string, opts: AssembleOptions = {}): Uint8Array {
  const org = opts.org ?? 0;
  const full = `${opts.code16 ? ".code16" : ".code32"}\n.text\n${source}\n`;
  const key = createHash("sha256").update(`${org}\n${full}`).digest("hex").slice(0, 24);
  const out = path.join(cacheDir, `${key}.bin`);
  if (fs.existsSync(out)) return new Uint8Array(fs.readFileSync(out));
  fs.mkdirSync(cacheDir, { recursive: true });
  const dir = fs.mkdtempSync(path.join(cacheDir, "w-"));
  try {
    fs.writeFileSync(path.join(dir, "a.S"), full);
    execFileSync("as", ["--32", "-o", path.join(dir, "a.o"), path.join(dir, "a.S")], { stdio: ["ignore", "ignore", "pipe"] });
    execFileSync("ld", ["-m", "elf_i386", "-Ttext", `0x${org.toString(16)}`, "--oformat", "binary", "-o", path.join(dir, "a.bin"), path.join(dir, "a.o")],
      { stdio: ["ignore", "ignore", "pipe"] });
    fs.renameSync(path.join(dir, "a.bin"), out);
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`assemble failed: ${err.stderr?.toString() ?? err.message}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return new Uint8Array(fs.readFileSync(out));
}
