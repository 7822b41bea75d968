/**
 * Test doubles for device unit tests: a clock the test moves by hand and an IRQ sink that
 * records levels and rising edges.
 */
import type { DeviceClock } from "../clock.js";
import { IrqLine, type IrqSink } from "../irq.js";

/** A clock whose time is set by the test, ns. */
export class ManualClock implements DeviceClock {
  t = 0;
  scheduleChanges = 0;
  nowNs(): number {
    return this.t;
  }
  scheduleChanged(): void {
    this.scheduleChanges++;
  }
}

/** Records each line's level and counts rising edges. */
export class RecordingIrqSink implements IrqSink {
  readonly levels = new Map<number, boolean>();
  readonly risingEdges = new Map<number, number>();
  setIrqLevel(irq: number, level: boolean): void {
    if (level) this.risingEdges.set(irq, (this.risingEdges.get(irq) ?? 0) + 1);
    this.levels.set(irq, level);
  }
  /** A line wired to this sink. */
  line(irq: number): IrqLine {
    return new IrqLine(irq, this);
  }
  edges(irq: number): number {
    return this.risingEdges.get(irq) ?? 0;
  }
  level(irq: number): boolean {
    return this.levels.get(irq) ?? false;
  }
}
