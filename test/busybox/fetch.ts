/**
 * Debian's busybox-static for i386, fetched into .cache/busybox/ (git-ignored) by the machine's
 * own apt-get and dpkg-deb under a private configuration, so the machine's package state is left
 * unchanged:
 *
 *   apt-get -o APT::Architecture=i386 -o APT::Architectures::=i386 \
 *           -o Dir::State::Lists=.cache/busybox/apt/lists -o Dir::Cache=.cache/busybox/apt/cache \
 *           -o Dir::State::Status=/dev/null update          (its failure alone is not fatal:
 *                                                          one stale mirror index is common)
 *   apt-get ... download busybox-static:i386               (into .cache/busybox/)
 *   dpkg-deb -x busybox-static_*.deb .cache/busybox/root
 *
 * About 1 MB and two seconds; done once.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "../support/cli.js";

export const BUSYBOX_DIR = path.join(REPO_ROOT, ".cache/busybox");
export const BUSYBOX = path.join(BUSYBOX_DIR, "root/bin/busybox");

/** What went wrong, in one paragraph, or null. */
function run(cmd: string, args: string[], cwd: string): string | null {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout: 120_000 });
  if (r.error) return `${cmd}: ${r.error.message}`;
  if (r.status !== 0) return `${cmd} ${args.filter((a) => !a.startsWith("-o") && !a.includes("::")).join(" ")} exited with ${r.status}: ${(r.stderr || r.stdout).trim()}`;
  return null;
}

/**
 * The path of the i386 busybox binary, fetching it first if needed.
 * @returns { path } or { error } saying why it could not be obtained
 */
export function obtainBusybox(): { path: string } | { error: string } {
  if (existsSync(BUSYBOX)) return { path: BUSYBOX };
  const lists = path.join(BUSYBOX_DIR, "apt/lists");
  const cache = path.join(BUSYBOX_DIR, "apt/cache");
  mkdirSync(path.join(lists, "partial"), { recursive: true });
  mkdirSync(path.join(cache, "archives/partial"), { recursive: true });
  const apt = [
    "-q=2", "-o", "APT::Architecture=i386", "-o", "APT::Architectures::=i386",
    "-o", `Dir::State::Lists=${lists}`, "-o", `Dir::Cache=${cache}`, "-o", "Dir::State::Status=/dev/null",
  ];
  const updateError = run("apt-get", [...apt, "update"], BUSYBOX_DIR);
  const downloadError = run("apt-get", [...apt, "download", "busybox-static:i386"], BUSYBOX_DIR);
  if (downloadError !== null) {
    return { error: `cannot download busybox-static:i386: ${downloadError}${updateError ? `\n(apt-get update: ${updateError})` : ""}` };
  }
  const deb = readdirSync(BUSYBOX_DIR).find((f) => f.startsWith("busybox-static_") && f.endsWith("_i386.deb"));
  if (deb === undefined) return { error: `apt-get download left no busybox-static_*_i386.deb in ${BUSYBOX_DIR}` };
  const extractError = run("dpkg-deb", ["-x", deb, "root"], BUSYBOX_DIR);
  if (extractError !== null) return { error: `cannot unpack ${deb}: ${extractError}` };
  if (!existsSync(BUSYBOX)) return { error: `${deb} holds no bin/busybox` };
  return { path: BUSYBOX };
}
