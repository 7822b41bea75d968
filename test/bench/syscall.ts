/**
 * A benchmark, not a test: the anchor kernel's phase B (an int 0x80 + iret null system call from
 * ring 3, 7 guest instructions per round trip) on the protected-mode fixture, in ns per round trip.
 * usage: node dist/test/bench/syscall.js [round trips]
 */
import { Reg } from "../../src/cpu/cpu.js";
import { GateType, LAYOUT, PmodeMachine, SEL, gate } from "../support/pmode.js";

function runOnce(n: number): number {
  const m = new PmodeMachine({ cpl: 3 });
  m.cpu.onException = null;
  m.setGate(0x80, gate({ type: GateType.INT32, selector: SEL.KCODE, offset: 0x12000, dpl: 3 }));
  m.asm(0x12000, "inc %eax\niret");
  m.asm(LAYOUT.UCODE_ADDR, "1:\nmov $20, %eax\nint $0x80\ndec %ecx\njnz 1b\nmov %eax, %ebx\n2: jmp 2b");
  m.cpu.r32[Reg.ECX] = n;
  const t0 = performance.now();
  m.cpu.run(n * 6);
  const ms = performance.now() - t0;
  if (m.cpu.r32[Reg.ECX] !== 0) throw new Error(`stopped early: ECX = ${m.cpu.r32[Reg.ECX]}`);
  return (ms * 1e6) / n;
}

const n = Number(process.argv[2] ?? 1_000_000);
runOnce(50_000);
for (let k = 0; k < 3; k++) console.log(`int 0x80 + iret round trip: ${runOnce(n).toFixed(0)} ns`);
