/**
 * Assertions shared by the system-architecture tests that run on the protected-mode fixture.
 */
import assert from "node:assert/strict";
import type { CpuFault } from "../../src/cpu/fault.js";
import { LAYOUT, PmodeMachine, type RunEvent } from "./pmode.js";

/**
 * Assembles `source` at the current CS:EIP (linear = offset for the fixture's flat segments) and
 * runs until an event; a program that runs off its end stops there with kind "stop".
 */
export function runAsm(m: PmodeMachine, source: string, opts: { code16?: boolean; maxSteps?: number; at?: number } = {}): RunEvent {
  const at = opts.at ?? m.pc;
  const end = m.asm(at, source, { code16: opts.code16 });
  return m.run({ stopAt: [end], maxSteps: opts.maxSteps });
}

/**
 * Asserts that the run stopped at the handler stub of `vector` after the fault `vector`(`errorCode`)
 * (errorCode undefined: none), with a reason matching `reason` when given. Returns the fault.
 */
export function assertFault(ev: RunEvent, vector: number, errorCode: number | undefined, reason?: RegExp): CpuFault {
  assert.equal(ev.kind, "interrupt", `expected delivery of vector ${vector}, got ${JSON.stringify(ev)}`);
  if (ev.kind !== "interrupt") throw new Error("unreachable");
  assert.ok(ev.fault, `expected a fault before vector ${vector}`);
  const f = ev.fault as CpuFault;
  assert.equal(ev.vector, vector, `delivered vector (fault: ${f.message})`);
  assert.equal(f.vector, vector, `fault vector (${f.message})`);
  assert.equal(f.errorCode, errorCode, `error code of ${f.message}`);
  if (reason) assert.match(f.reason, reason);
  return f;
}

/** Asserts that the run reached the end of the program (or another stop address) without an event. */
export function assertStopped(ev: RunEvent): void {
  assert.equal(ev.kind, "stop", `expected the program to complete, got ${ev.kind === "interrupt" ? `vector ${ev.vector}: ${ev.fault?.message ?? "(no fault)"}` : ev.kind}`);
}

/**
 * A new fixture machine at ring `cpl` running `source` (assembled at the ring's code address) until
 * it runs off its end, reaches an address of `stopAt`, or an event; `setup` runs before the first
 * instruction. Returns the machine, the event and where the program ends.
 */
export function runProgram(source: string, setup?: (m: PmodeMachine) => void, cpl: 0 | 3 = 0, stopAt?: number[],
  maxSteps?: number): { m: PmodeMachine; ev: RunEvent; cpu: PmodeMachine["cpu"]; end: number } {
  const m = new PmodeMachine({ cpl });
  const end = m.asm(cpl === 0 ? LAYOUT.KCODE_ADDR : LAYOUT.UCODE_ADDR, source);
  setup?.(m);
  const ev = m.run({ stopAt: stopAt ?? [end], maxSteps });
  return { m, ev, cpu: m.cpu, end };
}

/** The vector an event delivered, or -1 when it was not an interrupt. */
export function vectorOf(ev: RunEvent): number {
  return ev.kind === "interrupt" ? ev.vector : -1;
}
