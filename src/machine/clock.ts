/**
 * Machine time.
 *
 * Devices measure time in nanoseconds since the machine was created ("machine time"), read from a
 * `DeviceClock`. The machine offers two clocks:
 *
 * - `virtual`: time is derived from the guest instruction count at a nominal 100 MIPS
 *   (`NS_PER_INSTRUCTION` = 10 ns per retired instruction), plus the time skipped while the
 *   processor idles in HLT (the machine jumps straight to the next timer deadline). Runs are
 *   deterministic: the same program and input give the same interrupts at the same instructions.
 * - `host`: time follows the host's monotonic clock (`performance.now()`), so a guest's timer
 *   ticks at wall-clock rate whatever the emulation speed.
 */

/** Which clock drives machine time. */
export type ClockMode = "virtual" | "host";

/** Nominal guest speed of the virtual clock: 10 ns per instruction = 100 MIPS. */
export const NS_PER_INSTRUCTION = 10;

/** What a timed device needs from the machine's clock. */
export interface DeviceClock {
  /** Machine time, ns (a non-negative number, not necessarily an integer). */
  nowNs(): number;
  /**
   * Tells the machine that a guest access changed this device's next event time, so the run
   * loop can shorten the current slice.
   */
  scheduleChanged(): void;
}

/** A device with events in time (timers, the RTC's periodic interrupt). */
export interface TimedDevice {
  /** Brings the device's state up to `nowNs`, raising IRQ lines for events that are due. */
  advance(nowNs: number): void;
  /** Machine time of the device's next event, ns; `Infinity` when none is scheduled. */
  nextEventNs(): number;
}

/** The machine's clock: virtual or host time, as described in the module comment. */
export class Clock implements DeviceClock {
  private idleNs = 0;
  private readonly originMs: number;
  /** Set by the machine: called when a device reports a changed schedule. */
  onScheduleChange: (() => void) | null = null;

  /**
   * @param mode          `virtual` or `host`
   * @param instructions  the processor's retired-instruction count (read by the virtual clock)
   */
  constructor(
    readonly mode: ClockMode,
    private readonly instructions: () => number,
  ) {
    this.originMs = performance.now();
  }

  nowNs(): number {
    if (this.mode === "virtual") return this.instructions() * NS_PER_INSTRUCTION + this.idleNs;
    return (performance.now() - this.originMs) * 1e6;
  }

  scheduleChanged(): void {
    this.onScheduleChange?.();
  }

  /**
   * Virtual clock only: lets time pass without instructions (the processor idles in HLT) so that
   * `nowNs()` is at least `ns`. No effect on the host clock or when `ns` is in the past.
   */
  idleUntil(ns: number): void {
    if (this.mode !== "virtual") return;
    const now = this.nowNs();
    if (ns > now) this.idleNs += ns - now;
  }

  /**
   * Virtual clock only: guest instructions from now until machine time `ns` (at least 1,
   * rounded up); `Infinity` for an infinite deadline.
   */
  instructionsUntil(ns: number): number {
    if (ns === Infinity) return Infinity;
    return Math.max(1, Math.ceil((ns - this.nowNs()) / NS_PER_INSTRUCTION));
  }

  /** Time skipped while idle (virtual clock), ns; for saving state. */
  get idleTimeNs(): number {
    return this.idleNs;
  }
  set idleTimeNs(ns: number) {
    this.idleNs = ns;
  }
}
