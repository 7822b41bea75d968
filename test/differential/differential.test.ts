/**
 * The differential suite: every instruction-group template, instantiated with edge values and
 * at random, runs natively on the host CPU and on trapgate; registers, EFLAGS (undefined flags
 * masked per SDM "Flags Affected") and memory must agree. Then every opcode-table form must have
 * been reached by at least one case, unless it is listed in coverage.ts with the reason.
 *
 * Every program runs twice on trapgate: interpreted, and with every block translated at its first run.
 * TRAPGATE_SEED reproduces a run; TRAPGATE_DIFF_CASES changes the randomized count (default 24,000).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { OPCODE_FORMS } from "../../src/cpu/optable.js";
import type { OpForm } from "../../src/cpu/opmap.js";
import type { Insn } from "../../src/cpu/decoder.js";
import { Rng, buildProgram, type Template } from "./generator.js";
import { buildExecutable, chooseSeed, compareRecords, hostRuns32Bit, hostSelectors, runNative } from "./harness.js";
import { runUserProgram, type HostSelectors } from "./user-machine.js";
import { NOT_DIFFERENTIAL, exclusionKey, formName } from "./coverage.js";
import { TEMPLATES as ALU } from "./templates/alu.js";
import { TEMPLATES as MULDIV } from "./templates/muldiv.js";
import { TEMPLATES as SHIFT } from "./templates/shift.js";
import { TEMPLATES as BIT } from "./templates/bit.js";
import { TEMPLATES as MOVE } from "./templates/move.js";
import { TEMPLATES as STACK } from "./templates/stack.js";
import { TEMPLATES as STRING } from "./templates/string.js";
import { TEMPLATES as CONTROL } from "./templates/control.js";
import { TEMPLATES as FAR } from "./templates/far.js";

const GROUPS: Record<string, readonly Template[]> = {
  alu: ALU, muldiv: MULDIV, shift: SHIFT, bit: BIT, move: MOVE, stack: STACK, string: STRING, control: CONTROL, far: FAR,
};
const ALL = Object.values(GROUPS).flat();
const RANDOM_CASES = Number(process.env.TRAPGATE_DIFF_CASES ?? 24_000);
const PER_PROGRAM = 2_000;

const host = hostRuns32Bit();
const seed = chooseSeed();
const reached = new Set<OpForm>();
const onDecode = (i: Insn) => { if (i.form) reached.add(i.form); };
let selectors: HostSelectors | undefined;

/** Runs one generated program both ways; returns mismatch lines. */
function differ(templates: readonly Template[], count: number, rng: Rng, edgeFirst: boolean): string[] {
  const { source, cases } = buildProgram(templates, count, rng, edgeFirst);
  const exe = buildExecutable(source);
  const native = runNative(exe);
  if (native.status !== 0) return [`native run ended with ${native.status ?? native.signal} after ${native.stdout.length} bytes: a template faults on the host`];
  selectors ??= hostSelectors();
  const bad: string[] = [];
  // Both execution engines: the interpreter, and blocks translated to JavaScript at first run.
  for (const [engine, threshold] of [["interpreter", Infinity], ["translated blocks", 1]] as const) {
    const emu = runUserProgram(exe, selectors, 50_000_000, onDecode, threshold);
    bad.push(...compareRecords(native.stdout, emu.stdout, cases).map((l) => `${engine}: ${l}`));
    if (emu.status !== native.status) bad.push(`${engine}: exit status: native ${native.status}, trapgate ${emu.status} (${emu.error ?? ""})`);
  }
  return bad;
}

test("the oracle: this host runs static 32-bit Linux executables", () => {
  assert.ok(host.ok, host.ok ? "" : host.reason);
});

for (const [name, templates] of Object.entries(GROUPS)) {
  test(`${name}: every template with edge values agrees with the host CPU`, { skip: templates.length === 0 ? "no templates yet" : false }, () => {
    assert.ok(host.ok, host.ok ? "" : host.reason);
    const bad = differ(templates, templates.length * 3, new Rng(seed ^ name.length * 0x1234567), true);
    assert.deepEqual(bad, [], bad.join("\n"));
  });
}

test(`randomized instruction cases agree with the host CPU`, (t) => {
  assert.ok(host.ok, host.ok ? "" : host.reason);
  const rng = new Rng(seed);
  let done = 0;
  const bad: string[] = [];
  while (done < RANDOM_CASES && bad.length === 0) {
    const n = Math.min(PER_PROGRAM, RANDOM_CASES - done);
    bad.push(...differ(ALL, n, rng, false));
    done += n;
  }
  const line = `differential: ${done} randomized instruction cases run natively and on trapgate (seed ${seed}, TRAPGATE_SEED=${seed} reproduces)`;
  t.diagnostic(line);
  console.log(line);
  assert.deepEqual(bad, [], `seed ${seed}\n${bad.join("\n")}`);
});

test("coverage: every opcode-table form is reached by a differential case or listed with its reason", (t) => {
  assert.ok(host.ok, host.ok ? "" : host.reason);
  const missing = OPCODE_FORMS.filter((f) => !reached.has(f) && !(exclusionKey(f) in NOT_DIFFERENTIAL));
  const excluded = OPCODE_FORMS.filter((f) => exclusionKey(f) in NOT_DIFFERENTIAL).length;
  const line = `coverage: ${OPCODE_FORMS.length - missing.length - excluded} of ${OPCODE_FORMS.length} forms reached differentially, ${excluded} system forms covered by system tests, ${missing.length} missing`;
  t.diagnostic(line);
  console.log(line);
  assert.deepEqual(missing.map(formName), []);
});
