/**
 * `trapgate run` end to end with the reference kernel's own programs (build/user): the streams
 * (stdout and stderr apart, binary-safe stdin with its end), argv and the environment, exit
 * statuses, the options, and bad input refused before booting.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { REPO_ROOT, TRAPGATE_MAIN, assertBuilt, runTrapgate } from "../support/cli.js";

const USER = (p: string) => path.join(REPO_ROOT, "build/user", p);

/** Runs trapgate with binary stdin and environment `env`; stdout and stderr as bytes. */
function runBytes(args: string[], input: Buffer, env: NodeJS.ProcessEnv = { PATH: "/usr/bin:/bin" }): Promise<{ stdout: Buffer; stderr: string; status: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TRAPGATE_MAIN, ...args], { cwd: REPO_ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let err = "";
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (err += s));
    child.stdin.on("error", () => {});
    child.stdin.end(input);
    child.on("error", reject);
    child.on("close", (status) => resolve({ stdout: Buffer.concat(out), stderr: err, status }));
  });
}

/** Exactly one line on stderr matching `problem`, nothing on stdout, status 2. */
function assertRefused(r: { stdout: string; stderr: string; status: number | null }, problem: RegExp): void {
  assert.match(r.stderr, /^trapgate: [^\n]+\n$/, `one line on stderr, got:\n${r.stderr}`);
  assert.match(r.stderr, problem);
  assert.equal(r.stdout, "");
  assert.equal(r.status, 2);
}

describe("trapgate run", { concurrency: 2 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), "trapgate-run-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("passes argv exactly (spaces, empty strings, options after PROGRAM) and the environment", async () => {
    assertBuilt(USER("hello"));
    const r = await runBytes(["run", USER("hello"), "a b", "", "--stats"], Buffer.alloc(0), { FOO: "bar baz", EMPTY: "" });
    const out = r.stdout.toString();
    assert.match(out, new RegExp(`^hello, world\\nargc=4 argv\\[0\\]="${USER("hello")}" argv\\[1\\]="a b" argv\\[2\\]="" argv\\[3\\]="--stats"\\n`));
    assert.match(out, /^env FOO=bar baz\nenv EMPTY=\n/m);
    assert.equal(r.stderr, "");
    assert.equal(r.status, 0);
  });

  it("stdin is binary-safe: Ctrl-D and NUL are data, and its end is end of file", async () => {
    assertBuilt(USER("cat"));
    const r = await runBytes(["run", USER("cat")], Buffer.from("a\x04b\0c\nlast"));
    assert.equal(r.stdout.toString("latin1"), "cat: read 10: a\\x04b\\x00c\\nlast\ncat: EOF after 1 reads, 10 bytes\n");
    assert.equal(r.status, 0);
  });

  it("stdout and stderr stay apart, and LF is not turned into CR LF in a pipe", async () => {
    assertBuilt(USER("print"));
    const r = await runBytes(["run", USER("print")], Buffer.alloc(0));
    const out = r.stdout.toString();
    assert.doesNotMatch(out, /\r/);
    assert.match(out, /^print: write\(1, msg, len\) from ring 3\n/);
    assert.doesNotMatch(out, /stderr is the console too/);
    assert.match(r.stderr, /^print: write to fd 2 \(stderr is the console too\)\n$/);
    assert.equal(r.status, 0);
  });

  it("the exit status is the program's, and 128 + signal when a fault kills it, with the kernel's line on stderr", async () => {
    assertBuilt(USER("exitcode"), USER("bad"));
    assert.equal((await runTrapgate(["run", USER("exitcode"), "42"])).status, 42);
    const r = await runTrapgate(["run", USER("bad"), "div0"]);
    assert.equal(r.status, 136);
    assert.match(r.stderr, /^trapgate: pid 1 \(bad\): trap divide error ip 0x[0-9a-f]{8} error 0\n$/m);
  });

  for (const entry of ["int80", "sysenter", "syscall"]) {
    it(`--entry ${entry} --stats: the calls through __kernel_vsyscall are counted on that path`, async () => {
      assertBuilt(USER("hello"));
      const r = await runTrapgate(["run", "--entry", entry, "--stats", USER("hello")]);
      assert.equal(r.status, 0);
      const m = /trapgate: stats: kernel entries: (\d+) system calls — int80 (\d+), sysenter (\d+), syscall (\d+)/.exec(r.stderr);
      assert.ok(m, r.stderr);
      const counts: Record<string, number> = { int80: Number(m[2]), sysenter: Number(m[3]), syscall: Number(m[4]) };
      assert.ok(counts[entry] > 0, `${entry} counted: ${m[0]}`);
      for (const other of Object.keys(counts)) if (other !== entry) assert.equal(counts[other], 0, m[0]);
      assert.match(r.stderr, /guest instructions: [\d,]+ \([\d,]+ in the kernel before the program's first\)/);
      assert.match(r.stderr, /first user-mode instruction after [\d.]+ ms/);
    });
  }

  it("--strace prints each call as strace does, on stderr", async () => {
    assertBuilt(USER("exitcode"));
    const r = await runTrapgate(["run", "--strace", USER("exitcode"), "3"]);
    assert.equal(r.status, 3);
    assert.match(r.stderr, /^write\(1, "exitcode: exit\(3\)\\n", 18\) = 18$/m);
    assert.match(r.stderr, /^exit_group\(3\) = \?\n\+\+\+ exited with 3 \+\+\+\n$/m);
  });

  it("--file: an existing host file boots with the program (busybox cat reads it: test/busybox), a missing one is refused", async () => {
    assertBuilt(USER("hello"));
    const f = path.join(dir, "data.txt");
    writeFileSync(f, "x");
    const r = await runTrapgate(["run", "--file", f, USER("hello")]);
    assert.equal(r.status, 0, r.stderr);
    const missing = await runTrapgate(["run", "--file", path.join(dir, "nope"), USER("hello")]);
    assertRefused(missing, /--file .*nope: not found/);
  });

  it("bad input is refused before booting: one line, status 2", async () => {
    assertRefused(await runTrapgate(["run", path.join(dir, "missing")]), /program .*missing: not found/);
    const text = path.join(dir, "text");
    writeFileSync(text, "just text\n");
    assertRefused(await runTrapgate(["run", text]), /text: not an ELF executable/);
    assertRefused(await runTrapgate(["run", process.execPath]), /a 64-bit ELF \(ELFCLASS64\)/);
    assertRefused(await runTrapgate(["run", "--entry", "int81", USER("hello")]), /--entry: 'int81' is not one of int80, sysenter, syscall/);
    assertRefused(await runTrapgate(["run", "--memory", "2M", USER("hello")]), /too large for 2 MiB of memory/);
  });
});
