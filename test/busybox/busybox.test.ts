/**
 * Real programs no one here wrote: Debian's static i386 busybox, run natively on the host and
 * under `trapgate run` through each system-call entry path; stdout, stderr and the exit status
 * must be byte for byte the same.
 *
 * Both runs get the same argv (the busybox path, then the applet and its arguments), the same
 * small environment, the same working directory (a temporary one holding the input files) and
 * the same stdin, a pipe. Files named on the command line reach trapgate's kernel with --file, at
 * the same absolute paths. Output that depends on the host kernel (uname) is normalised.
 *
 * busybox is fetched into .cache/busybox/ on first use (fetch.ts). Without it — or on a host that
 * cannot run i386 binaries — the suite fails when CI=true and is skipped otherwise, saying why.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { TRAPGATE_MAIN, assertBuilt } from "../support/cli.js";
import { obtainBusybox } from "./fetch.js";

const ENTRY_PATHS = ["int80", "sysenter", "syscall"] as const;
/** The environment of both runs (trapgate passes its own environment on to the program). */
const ENV = { PATH: "/usr/bin:/bin", LC_ALL: "C" };
const TIMEOUT_MS = 60_000;

interface Output {
  stdout: Buffer;
  stderr: Buffer;
  status: number | null;
}

interface Case {
  /** Test name: the command line as a shell would show it. */
  name: string;
  /** busybox's arguments: the applet and its own; FILE(x) marks an input file (see files). */
  args: string[];
  stdin?: string | Buffer;
  /** Names in the working directory that the arguments use (passed with --file). */
  files?: string[];
  /** Applied to both outputs before comparing (host-dependent parts). */
  normalize?: (s: string) => string;
}

const LINES = "pear 3\napple 10\nfig 2\napple 10\nbanana 7\nfig 2\ncherry 1\n";
const PASSWD = "root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nbin:x:2:2:bin:/bin:/usr/sbin/nologin\n";
/** Every byte value, Ctrl-D and NUL included, four times over. */
const BINARY = Buffer.from(Array.from({ length: 1024 }, (_, i) => (i * 7 + (i >> 8)) & 0xff));
/** Larger than the kernel's input ring and the UART's pacing: 200 KB. */
const BIG = Buffer.from(Array.from({ length: 4000 }, (_, i) => `line ${i} ${"x".repeat(i % 40)}\n`).join(""));

const FILES: Record<string, string | Buffer> = { "lines.txt": LINES, "passwd": PASSWD, "data.bin": BINARY };

const sh = (script: string, stdin?: string): Case => ({ name: `sh -c '${script}'`, args: ["sh", "-c", script], stdin });

const CASES: Case[] = [
  { name: "echo hello world", args: ["echo", "hello", "world"] },
  { name: "echo -n -e", args: ["echo", "-n", "-e", "tab\\there\\nnewline\\\\"] },
  { name: "true", args: ["true"] },
  { name: "false", args: ["false"] },
  { name: "printf integers", args: ["printf", "%d %i %x %X %o %u|%5d|%-5d|%05d|%+d\\n", "42", "-7", "255", "255", "8", "3000000000", "3", "3", "-3", "9"] },
  { name: "printf bad number", args: ["printf", "%d\\n", "12abc"] },
  { name: "expr arithmetic", args: ["expr", "6", "*", "7", "+", "100", "/", "3"] },
  { name: "expr comparison false", args: ["expr", "5", "<", "3"] },
  { name: "expr length and match", args: ["expr", "length", "hello", "+", "abcde", ":", "ab*"] },
  { name: "expr division by zero", args: ["expr", "1", "/", "0"] },
  { name: "basename", args: ["basename", "/usr/lib/libc.so", ".so"] },
  { name: "dirname", args: ["dirname", "/usr/lib/libc.so"] },
  { name: "cat stdin", args: ["cat"], stdin: LINES },
  { name: "cat FILE", args: ["cat", "lines.txt", "passwd"], files: ["lines.txt", "passwd"] },
  { name: "cat missing file", args: ["cat", "nope.txt"] },
  { name: "wc stdin", args: ["wc"], stdin: LINES },
  { name: "wc -l FILE", args: ["wc", "-l", "lines.txt"], files: ["lines.txt"] },
  { name: "wc -c binary stdin", args: ["wc", "-c"], stdin: BINARY },
  { name: "wc big stdin", args: ["wc"], stdin: BIG },
  { name: "head -n 3", args: ["head", "-n", "3"], stdin: LINES },
  { name: "head -c 10 FILE", args: ["head", "-c", "10", "lines.txt"], files: ["lines.txt"] },
  { name: "tail -n 2", args: ["tail", "-n", "2"], stdin: LINES },
  { name: "tail FILE", args: ["tail", "-n", "3", "lines.txt"], files: ["lines.txt"] },
  { name: "tr a-z A-Z", args: ["tr", "a-z", "A-Z"], stdin: LINES },
  { name: "tr -d", args: ["tr", "-d", "aeiou\\n"], stdin: LINES },
  { name: "cut -d: -f1,3", args: ["cut", "-d:", "-f1,3"], stdin: PASSWD },
  { name: "cut -c FILE", args: ["cut", "-c", "1-4", "passwd"], files: ["passwd"] },
  { name: "sort", args: ["sort"], stdin: LINES },
  { name: "sort -k2 -r", args: ["sort", "-k2", "-r"], stdin: LINES },
  { name: "sort -t: -k3", args: ["sort", "-t:", "-k3,3", "-k1"], stdin: PASSWD },
  { name: "sort -u", args: ["sort", "-u"], stdin: LINES },
  { name: "uniq -c", args: ["uniq", "-c"], stdin: "a\na\nb\nc\nc\nc\na\n" },
  { name: "sha256sum stdin", args: ["sha256sum"], stdin: LINES },
  { name: "sha256sum binary", args: ["sha256sum"], stdin: BINARY },
  { name: "sha256sum FILE", args: ["sha256sum", "data.bin", "lines.txt"], files: ["data.bin", "lines.txt"] },
  { name: "sha256sum big stdin", args: ["sha256sum"], stdin: BIG },
  { name: "md5sum stdin", args: ["md5sum"], stdin: LINES },
  { name: "md5sum binary", args: ["md5sum"], stdin: BINARY },
  { name: "od -c", args: ["od", "-c"], stdin: LINES },
  { name: "od -A x -t x1z binary", args: ["od", "-A", "x", "-t", "x1z"], stdin: BINARY.subarray(0, 96) },
  { name: "od -t d2 FILE", args: ["od", "-t", "d2", "data.bin"], files: ["data.bin"] },
  { name: "uname -s", args: ["uname", "-s"] },
  {
    name: "uname -a (normalised)", args: ["uname", "-a"],
    normalize: (s) => s.replace(/^Linux \S+ .* (\S+) GNU\/Linux\n$/, "Linux HOST RELEASE VERSION MACHINE GNU/Linux\n"),
  },
  sh("x=3; y=$((x * 2 + 1)); echo $x $y; z=$((y % 4)); echo $((z << 3)) $((0x10)) $((-7 / 2))"),
  sh("for i in 1 2 3; do echo \"i=$i\"; done; n=0; while [ $n -lt 10 ]; do n=$((n + 1)); done; echo $n"),
  sh("f() { echo \"f:$1:$#\"; return 4; }; f a b; echo rc=$?; case abc in a*c) echo match;; *) echo no;; esac"),
  sh("set -- a b c; echo $# \"$@\"; shift; echo $*; v=${UNSET:-default}; echo $v ${#v} ${v%ult} ${v#de}"),
  sh("test 3 -gt 2 && echo yes; [ -z \"\" ] || echo never; ! false; echo not=$?; true && false; echo and=$?"),
  sh("echo to-stdout; echo to-stderr >&2; printf '%s\\n' x y; exit 3"),
  sh("read a b; echo \"a=$a b=$b\"; read c; echo \"c=$c\"; read d || echo eof=$?", "one two three\nsecond\n"),
  sh("echo $((1 / 0))"),
  sh("unknown_command_xyz; echo status=$?"),
  sh("exit 255"),
  sh("i=0; s=; while [ $i -lt 200 ]; do s=\"$s$i,\"; i=$((i + 1)); done; echo ${#s}"),
];

/** Runs a command with stdin piped (then closed), collecting stdout and stderr as bytes. */
function runCollect(cmd: string, args: string[], o: { cwd: string; input?: string | Buffer }): Promise<Output> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: o.cwd, env: ENV, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.stdin.on("error", () => {}); // it may exit before reading everything
    child.stdin.end(o.input ?? "");
    const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
    child.on("error", (e) => { clearTimeout(timer); reject(e); });
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err), status });
    });
  });
}

/** Why busybox cannot be compared here, or null. */
function unavailable(busybox: { path: string } | { error: string }): string | null {
  if ("error" in busybox) return busybox.error;
  const r = spawnSync(busybox.path, ["true"], { encoding: "utf8" });
  if (r.error || r.status !== 0) {
    return `this host cannot run the i386 busybox natively (${r.error?.message ?? `status ${r.status}: ${r.stderr}`}); ` +
      "the comparison needs an x86 Linux host that runs 32-bit binaries";
  }
  return null;
}

const busybox = obtainBusybox();
const reason = unavailable(busybox);
const inCi = process.env.CI === "true";
const BUSYBOX = "path" in busybox ? busybox.path : "";

describe("busybox (Debian busybox-static, i386) under trapgate run: byte-identical to native", { concurrency: 3 }, () => {
  let dir = "";
  before(() => {
    if (reason !== null) return;
    dir = mkdtempSync(path.join(tmpdir(), "trapgate-busybox-"));
    for (const [name, contents] of Object.entries(FILES)) writeFileSync(path.join(dir, name), contents);
  });
  after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  if (reason !== null) {
    it("busybox can be obtained and run natively", { skip: inCi ? false : `skipped (CI is not true): ${reason}` }, () => {
      assert.fail(reason);
    });
    return;
  }

  for (const entry of ENTRY_PATHS) {
    for (const c of CASES) {
      it(`--entry ${entry}: busybox ${c.name}`, async () => {
        assertBuilt();
        const files = (c.files ?? []).flatMap((f) => ["--file", path.join(dir, f)]);
        const [native, emulated] = await Promise.all([
          runCollect(BUSYBOX, c.args, { cwd: dir, input: c.stdin }),
          runCollect(process.execPath, [TRAPGATE_MAIN, "run", "--entry", entry, ...files, BUSYBOX, ...c.args], { cwd: dir, input: c.stdin }),
        ]);
        const norm = (b: Buffer) => (c.normalize ? c.normalize(b.toString("latin1")) : b.toString("latin1"));
        assert.equal(norm(emulated.stderr), norm(native.stderr), "stderr");
        assert.equal(norm(emulated.stdout), norm(native.stdout), "stdout");
        assert.equal(emulated.status, native.status, "exit status");
      });
    }
  }

  // A known limit, checked so that it is noticed when it changes: the processor has no x87, the
  // kernel sets CR0.EM, so an x87 instruction raises #NM and ends the program with SIGILL.
  // busybox's sort -n parses keys with glibc's strtod, whose first x87 instruction for a number
  // is `fnstcw 0x20(%esp)` (d9 7c 24 20) at 0x08054897, reading the rounding mode (for a key that
  // is no number it is `fldz` at 0x0805538b, returning 0.0); the comparison of the two doubles
  // after it (fld/fucomip) would need the FPU too.
  it("sort -k2 -n ends with SIGILL: x87 fnstcw at 0x08054897 in glibc's strtod (no FPU; CR0.EM = 1)", async () => {
    assertBuilt();
    const r = await runCollect(process.execPath, [TRAPGATE_MAIN, "run", BUSYBOX, "sort", "-k2", "-n"], { cwd: dir, input: LINES });
    assert.equal(r.stdout.length, 0);
    assert.match(r.stderr.toString(), /^trapgate: pid 1 \(busybox\): trap device not available ip 0x08054897 error 0\n$/);
    assert.equal(r.status, 128 + 4, "SIGILL");
  });
});
