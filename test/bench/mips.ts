/**
 * `npm run bench`: a CPU-bound guest loop on a bare trapgate processor, reporting guest MIPS
 * (million guest instructions retired per wall-clock second). A benchmark, not a test.
 *
 * The loop is the anchor kernel's phase A (../shared/bench/anchor-kernel): a linear congruential
 * generator updating a 16 KiB table, 11 instructions per iteration, in flat 32-bit ring 0, run
 * once with paging off and once with paging on (identity-mapped 4 KiB pages).
 */
import { Cpu, CR0, Reg } from "../../src/cpu/cpu.js";
import { RamBus } from "../../src/cpu/bus.js";
import { assemble } from "../support/asm.js";

const LOOP = `
  mov $1, %ebx            # x
  xor %ecx, %ecx          # i
1:
  imul $1103515245, %ebx, %ebx
  add $12345, %ebx
  mov %ebx, %eax
  shr $16, %eax
  and $4095, %eax
  mov %ebx, %edx
  xor %ecx, %edx
  add %edx, 0x100000(,%eax,4)
  inc %ecx
  cmp %esi, %ecx
  jne 1b
  hlt
`;

function runOnce(iterations: number, paging: boolean): { mips: number; instructions: number; ms: number } {
  const bus = new RamBus(8 << 20);
  const cpu = new Cpu(bus);
  cpu.setFlatProtectedMode(0);
  const code = assemble(LOOP, { org: 0x10000 });
  bus.ram.set(code, 0x10000);
  if (paging) {
    const pd = 0x200000, pt = 0x201000;
    const dv = new DataView(bus.ram.buffer);
    for (let t = 0; t < 2; t++) {
      dv.setUint32(pd + t * 4, (pt + t * 0x1000) | 3, true);
      for (let k = 0; k < 1024; k++) dv.setUint32(pt + t * 0x1000 + k * 4, ((t * 1024 + k) << 12) | 3, true);
    }
    cpu.setCr3(pd);
    cpu.setCr0(cpu.cr0 | CR0.PG);
  }
  cpu.eip = 0x10000;
  cpu.r32[Reg.ESI] = iterations;
  const t0 = performance.now();
  while (!cpu.halted) cpu.run(10_000_000);
  const ms = performance.now() - t0;
  const instructions = cpu.instructionCount;
  if (instructions < iterations * 11) throw new Error(`the loop stopped early after ${instructions} instructions`);
  return { mips: instructions / ms / 1000, instructions, ms };
}

const iterations = Number(process.argv[2] ?? 5_000_000);
runOnce(200_000, false); // warm-up
for (const paging of [false, true]) {
  const r = runOnce(iterations, paging);
  console.log(`guest loop, paging ${paging ? "on " : "off"}: ${r.instructions} instructions in ${r.ms.toFixed(0)} ms = ${r.mips.toFixed(0)} MIPS`);
}
