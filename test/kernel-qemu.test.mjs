// Kernel transcripts on QEMU: boot build/kernel/trapgate-kernel.elf with the multiboot modules of
// each suite in test/golden/kernel/suites.json, once per system-call entry path, and compare the
// COM1 transcript with the golden one. The same suites and golden files are the parity target for
// trapgate itself.
//
// Builds nothing: run `make -C kernel` first (it builds kernel/ and user/ into build/).
// UPDATE_GOLDEN=1 node --test test/kernel-qemu.test.mjs rewrites the golden files from QEMU.
//
// QEMU binary and CPU: qemu-system-x86_64 -cpu qemu32,vendor=AuthenticAMD,+syscall — an i686-class
// processor (family 6) that also offers SYSCALL/SYSRET in legacy mode, as AMD's do. The
// qemu-system-i386 binary's TCG cannot offer SYSCALL at all ("TCG doesn't support requested
// feature: CPUID.80000001H:EDX.syscall"), so the 64-bit binary runs the 32-bit kernel; the kernel
// never enters long mode. The same CPU is used for all three paths so the transcripts differ only
// where the path shows. One suite (int80-only) overrides the CPU with one that offers neither
// SYSENTER nor SYSCALL, to show the kernel falling back to int $0x80.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const KERNEL = 'build/kernel/trapgate-kernel.elf';
const GOLDEN_DIR = path.join(ROOT, 'test/golden/kernel');
const OUT_DIR = path.join(ROOT, 'build/test-output/kernel');
const QEMU = process.env.QEMU ?? 'qemu-system-x86_64';
const CPU = 'qemu32,vendor=AuthenticAMD,+syscall';
const BOOT_TIMEOUT_MS = 15000;
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const { suites } = JSON.parse(readFileSync(path.join(GOLDEN_DIR, 'suites.json'), 'utf8'));

/** Fails, saying what to do, unless the kernel and every module of every suite are built. */
function assertBuilt() {
  const files = new Set([KERNEL]);
  for (const s of suites) for (const m of s.modules) files.add(m.split(' ')[0]);
  const missing = [...files].filter((f) => !existsSync(path.join(ROOT, f)));
  assert.deepEqual(missing, [], `build/ is missing ${missing.join(', ')}: run \`make -C kernel\` first`);
}

function assertQemu() {
  const r = spawnSync(QEMU, ['--version'], { encoding: 'utf8' });
  assert.ok(!r.error && r.status === 0, `${QEMU} is not runnable (${r.error?.message ?? r.stderr}); ` +
    'install it with `apt-get install qemu-system-x86`');
}

/**
 * Boots one suite; resolves to { out, code, stderr }: the COM1 transcript (LF line ends), QEMU's
 * exit code, and its stderr. Kills QEMU and rejects after BOOT_TIMEOUT_MS.
 *
 * QEMU's stdin and stdout are regular files, not pipes: when a pipe's reader falls behind, QEMU's
 * serial port retries a blocked write only four times and then drops the byte (hw/char/serial.c,
 * MAX_XMIT_RETRY), which would turn a busy test runner into a corrupt transcript.
 */
function boot(suite) {
  const args = [
    '-cpu', suite.cpu ?? CPU, '-m', '128', '-kernel', KERNEL, '-append', suite.cmdline,
    '-serial', 'stdio', '-display', 'none', '-monitor', 'none', '-no-reboot',
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04',
  ];
  if (suite.modules.length > 0) args.push('-initrd', suite.modules.join(','));
  const dir = mkdtempSync(path.join(tmpdir(), 'trapgate-kernel-'));   // private to this boot
  const inPath = path.join(dir, 'stdin');
  const outPath = path.join(dir, 'com1');
  writeFileSync(inPath, suite.stdin, 'latin1');
  const inFd = openSync(inPath, 'r');
  const outFd = openSync(outPath, 'w');
  return new Promise((resolve, reject) => {
    const qemu = spawn(QEMU, args, { cwd: ROOT, stdio: [inFd, outFd, 'pipe'] });
    closeSync(inFd);
    closeSync(outFd);
    const err = [];
    qemu.stderr.on('data', (d) => err.push(d));
    const output = () => readFileSync(outPath, 'latin1').replace(/\r\n/g, '\n');
    const timer = setTimeout(() => {
      qemu.kill('SIGKILL');
      reject(new Error(`QEMU did not finish within ${BOOT_TIMEOUT_MS} ms; output so far:\n${output()}`));
    }, BOOT_TIMEOUT_MS);
    qemu.on('error', (e) => { clearTimeout(timer); reject(e); });
    qemu.on('close', (code) => {
      clearTimeout(timer);
      const out = output();
      rmSync(dir, { recursive: true, force: true });
      resolve({ out, code, stderr: Buffer.concat(err).toString('latin1') });
    });
  });
}

/** The comparable form of a transcript: masks applied line by line. */
function normalize(text, masks) {
  return text.split('\n').map((line) => {
    if (line.startsWith('# ')) return '# *';
    for (const [re, rep] of masks) line = line.replace(new RegExp(re), rep);
    return line;
  }).join('\n');
}

for (const suite of suites) {
  const what = suite.cmdline ? ` (${suite.cmdline})` : '';
  test(`kernel suite ${suite.name}${what}: COM1 transcript matches ${suite.golden}, ` +
       `debug-exit status ${suite.exit_status}`, async () => {
    assertBuilt();
    assertQemu();
    const { out, code, stderr } = await boot(suite);
    mkdirSync(OUT_DIR, { recursive: true });
    writeFileSync(path.join(OUT_DIR, suite.golden), out);        // for a look after a failure
    const goldenPath = path.join(GOLDEN_DIR, suite.golden);
    if (UPDATE) writeFileSync(goldenPath, out);
    assert.ok(existsSync(goldenPath),
      `no golden transcript ${goldenPath}; record one with UPDATE_GOLDEN=1`);
    const golden = readFileSync(goldenPath, 'latin1');
    assert.equal(normalize(out, suite.mask), normalize(golden, suite.mask),
      `transcript differs from ${suite.golden} (actual output in ${OUT_DIR})`);
    // isa-debug-exit: QEMU exits with (value << 1) | 1.
    assert.equal(code, ((suite.exit_status << 1) | 1) & 0xff,
      `QEMU exit code ${code}, expected status ${suite.exit_status}; stderr: ${stderr}`);
  });
}

test('kernel transcripts differ between entry paths only where the path shows', () => {
  const read = (n) => readFileSync(path.join(GOLDEN_DIR, `main-${n}.txt`), 'latin1').split('\n');
  const [a, b, c] = ['int80', 'sysenter', 'syscall'].map(read);
  assert.equal(a.length, b.length);
  assert.equal(a.length, c.length);
  const differing = a.map((line, i) => [line, b[i], c[i]])
    .filter(([x, y, z]) => !(x === y && y === z) && !x.startsWith('# '))
    .map(([x]) => x.replace(/ (int80|sysenter|syscall|\d+|0x).*$/, ''));
  // The vDSO selection, and the per-path totals in kinfo.
  assert.deepEqual(differing, [
    'trapgate: system calls through __kernel_vsyscall use',
    'kinfo: __kernel_vsyscall uses',
    'kinfo: system calls so far:',
    'kinfo: vDSO __kernel_vsyscall',
  ]);
});
