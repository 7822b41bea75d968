/**
 * Booting from files on the host (Node only): reads the kernel and module files and hands them
 * to the multiboot loader. Kept apart from multiboot.ts so the loader itself runs in a browser.
 */
import { readFile } from "node:fs/promises";
import { BootError } from "./errors.js";
import { type MultibootLoad, type MultibootTarget, bootMultiboot } from "./multiboot.js";

/** A module file and its string (default: the path, as GRUB's `module` line gives it). */
export interface ModuleFile {
  path: string;
  string?: string;
}

/**
 * The contents of `path`.
 * @param what "kernel" or "module", for the message
 * @throws BootError `missing-file` when the file does not exist, is a directory or cannot be read
 */
export async function readBootFile(path: string, what: string): Promise<Uint8Array> {
  try {
    const buf = await readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "not found" : code === "EISDIR" ? "is a directory" : code === "EACCES" ? "permission denied" : (e as Error).message;
    throw new BootError("missing-file", `${what} file ${path}: ${why}`);
  }
}

/**
 * Reads the kernel and modules and boots them (see `bootMultiboot`).
 * @param options.cmdline the kernel command line (default: the kernel path, as GRUB passes it)
 * @throws BootError `missing-file` or any error of `loadMultiboot`
 */
export async function bootMultibootFiles(
  target: MultibootTarget,
  kernelPath: string,
  options: { cmdline?: string; modules?: ModuleFile[] } = {},
): Promise<MultibootLoad> {
  const kernel = await readBootFile(kernelPath, "kernel");
  const modules = [];
  for (const m of options.modules ?? []) modules.push({ bytes: await readBootFile(m.path, "module"), string: m.string ?? m.path });
  return bootMultiboot(target, kernel, { cmdline: options.cmdline ?? kernelPath, modules, kernelName: kernelPath });
}
