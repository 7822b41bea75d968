/**
 * A scripted stand-in for the processor, for testing the machine's run loop without x86 code.
 * Each "instruction" is a call of the test's `step` function; interrupts are taken between steps
 * when `interruptsEnabled`, through the same `pendingInterrupt()` handshake the real processor uses.
 */
import type { CpuBus } from "../../cpu/bus.js";
import type { Processor } from "../machine.js";

export class FakeCpu implements Processor {
  instructionCount = 0;
  halted = false;
  shutdown: { reason: string; chain: string[] } | null = null;
  interruptsEnabled = false;
  /** Vectors taken, with the instruction count at delivery. */
  readonly taken: Array<{ vector: number; at: number }> = [];
  multiboot: { entry: number; ebx: number } | null = null;
  private stopRequested = false;

  constructor(
    readonly bus: CpuBus,
    /** One guest instruction. */
    readonly step: (cpu: FakeCpu) => void,
    /** Interrupt handler, run at delivery (does not count as an instruction). */
    readonly onInterrupt: (cpu: FakeCpu, vector: number) => void = () => {},
  ) {}

  run(max: number): number {
    const start = this.instructionCount;
    this.stopRequested = false;
    while (this.instructionCount - start < max && !this.stopRequested && this.shutdown === null) {
      if (this.interruptsEnabled) {
        const vector = this.bus.pendingInterrupt();
        if (vector >= 0) {
          this.halted = false;
          this.taken.push({ vector, at: this.instructionCount });
          this.onInterrupt(this, vector);
          continue;
        }
      }
      if (this.halted) break;
      this.step(this);
      this.instructionCount++;
    }
    return this.instructionCount - start;
  }

  hlt(): void {
    this.halted = true;
  }
  out(port: number, value: number, size: 1 | 2 | 4 = 1): void {
    this.bus.ioWrite(port, size, value);
  }
  in(port: number, size: 1 | 2 | 4 = 1): number {
    return this.bus.ioRead(port, size);
  }
  getEflags(): number {
    return 0x2 | (this.interruptsEnabled ? 0x200 : 0);
  }
  setupMultibootState(entry: number, ebx: number): void {
    this.multiboot = { entry, ebx };
  }
  requestInterruptCheck(): void {}
  requestStop(): void {
    this.stopRequested = true;
  }
}
