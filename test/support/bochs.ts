/**
 * Bochs as a reference machine: boots a multiboot kernel on Bochs (Debian's `bochs` 2.7) the way a
 * PC boots it — BIOS, then GRUB from a `grub-mkrescue` CD image — without a display or a human,
 * and returns what the kernel wrote to port 0xE9.
 *
 * The configuration that runs headless (Debian bochs 2.7, built with the debugger and without
 * `nogui`):
 *
 *   display_library: rfb, options="timeout=0"   the VNC display; timeout=0: don't wait for a viewer
 *   sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
 *                                                 without this the sound mixer thread aborts with
 *                                                 "*** buffer overflow detected ***" at start-up
 *                                                 (whatever the display library)
 *   port_e9_hack: enabled=1                       port 0xE9 bytes go to Bochs's stdout
 *   clock: sync=none                              guest time from the instruction count: deterministic
 *   cpu: model=p2_klamath                         a Pentium II, the family-6 model trapgate's CPUID names
 *
 * The debugger stops before the first instruction; "c" on stdin continues. The guest ends the run
 * by writing "Shutdown" to port 0x8900 (Bochs exits with status 1, "Shutdown port: shutdown
 * requested"). Needs the Debian packages bochs, bochsbios, vgabios (plus any bochs GUI package,
 * e.g. bochs-term, to satisfy bochs's dependency), grub-pc-bin, xorriso and mtools.
 */
import { spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** The files Bochs needs besides its binary (Debian paths). */
const BIOS = "/usr/share/bochs/BIOS-bochs-latest";
const VGA_BIOS = "/usr/share/bochs/VGABIOS-lgpl-latest";

/** The Bochs binary: $BOCHS or `bochs` on the PATH. */
export const BOCHS = process.env.BOCHS ?? "bochs";

const onPath = (cmd: string): boolean => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;

/**
 * Why Bochs cannot run here, or null when it can: a missing program (bochs, grub-mkrescue,
 * xorriso) or ROM image, each with the package that provides it.
 */
export function bochsMissing(): string | null {
  const missing: string[] = [];
  if (!onPath(BOCHS)) missing.push(`${BOCHS} (package bochs)`);
  if (!onPath("grub-mkrescue") || !existsSync("/usr/lib/grub/i386-pc")) missing.push("grub-mkrescue with i386-pc modules (grub-pc-bin)");
  if (!onPath("xorriso")) missing.push("xorriso (xorriso)");
  if (!existsSync(BIOS)) missing.push(`${BIOS} (bochsbios)`);
  if (!existsSync(VGA_BIOS)) missing.push(`${VGA_BIOS} (vgabios)`);
  return missing.length ? `not installed: ${missing.join(", ")}` : null;
}

/** The bochsrc for one run: boot from the CD image `iso`, log to `log`. */
export function bochsConfig(iso: string, log: string, memoryMiB = 32): string {
  return [
    `megs: ${memoryMiB}`,
    "cpu: model=p2_klamath, ips=4000000",
    `romimage: file=${BIOS}`,
    `vgaromimage: file=${VGA_BIOS}`,
    `ata0-master: type=cdrom, path=${iso}, status=inserted`,
    "boot: cdrom",
    'display_library: rfb, options="timeout=0"',
    "sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy",
    "speaker: enabled=0",
    "com1: enabled=0",
    `log: ${log}`,
    "panic: action=fatal",
    "error: action=report",
    "info: action=report",
    "clock: sync=none",
    "port_e9_hack: enabled=1",
    "",
  ].join("\n");
}

/** A GRUB rescue CD (`grub-mkrescue`) that boots `kernel` as multiboot with no menu delay. */
export function makeMultibootIso(kernel: string, dir: string, cmdline = ""): string {
  const root = path.join(dir, "iso");
  mkdirSync(path.join(root, "boot/grub"), { recursive: true });
  copyFileSync(kernel, path.join(root, "boot/kernel.elf"));
  writeFileSync(path.join(root, "boot/grub/grub.cfg"),
    `set timeout=0\nset default=0\nmenuentry "kernel" {\n  multiboot /boot/kernel.elf ${cmdline}\n  boot\n}\n`);
  const iso = path.join(dir, "boot.iso");
  const r = spawnSync("grub-mkrescue", ["-o", iso, root], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`grub-mkrescue failed (status ${r.status}): ${r.stderr}`);
  return iso;
}

export interface BochsRun {
  /** Everything Bochs wrote to stdout: its debugger's lines and the guest's port-0xE9 bytes. */
  stdout: string;
  /** Bochs's exit status (1 after the guest's "Shutdown"), or null when killed. */
  status: number | null;
  /** Wall time of the Bochs process, ms. */
  ms: number;
  /** The last lines of Bochs's log, for failure messages. */
  logTail: string;
}

/**
 * Boots `kernel` on Bochs and waits for Bochs to exit (the guest must shut it down; after
 * `timeoutMs` Bochs is killed). Stdout goes to a file, not a pipe, so a slow reader never stalls
 * the guest. The temporary directory is removed unless $KEEP_BOCHS_DIR is set.
 * @throws Error when the CD image cannot be made or Bochs cannot be started
 */
export async function bootOnBochs(kernel: string, options: { timeoutMs?: number; cmdline?: string } = {}): Promise<BochsRun> {
  const dir = mkdtempSync(path.join(tmpdir(), "trapgate-bochs-"));
  try {
    const iso = makeMultibootIso(kernel, dir, options.cmdline);
    const rc = path.join(dir, "bochsrc");
    const log = path.join(dir, "bochs.log");
    writeFileSync(rc, bochsConfig(iso, log));
    const inPath = path.join(dir, "stdin");
    const outPath = path.join(dir, "stdout");
    writeFileSync(inPath, "c\n");   // the debugger's first prompt: continue
    const inFd = openSync(inPath, "r");
    const outFd = openSync(outPath, "w");
    const t0 = performance.now();
    const status = await new Promise<number | null>((resolve, reject) => {
      const p = spawn(BOCHS, ["-q", "-f", rc], { cwd: dir, stdio: [inFd, outFd, "ignore"] });
      closeSync(inFd);
      closeSync(outFd);
      const timer = setTimeout(() => p.kill("SIGKILL"), options.timeoutMs ?? 60_000);
      p.on("error", (e) => { clearTimeout(timer); reject(e); });
      p.on("exit", (code) => { clearTimeout(timer); resolve(code); });
    });
    const ms = performance.now() - t0;
    const logText = existsSync(log) ? readFileSync(log, "latin1") : "";
    return {
      stdout: readFileSync(outPath, "latin1"),
      status,
      ms,
      logTail: logText.split("\n").slice(-15).join("\n"),
    };
  } finally {
    if (!process.env.KEEP_BOCHS_DIR) rmSync(dir, { recursive: true, force: true });
  }
}
