/**
 * The 8254 programmable interval timer: three 16-bit down-counters clocked at 1.193182 MHz.
 *
 * Source: Intel 8254 Programmable Interval Timer datasheet (order 231164): "Control Word Format",
 * "Read Operations" (counter latch, read-back command), "Mode Definitions". On the PC, counter 0's
 * OUT drives IRQ0, counter 1 once refreshed DRAM, and counter 2 feeds the speaker with its GATE on
 * port 0x61 bit 0 (see system-control.ts). Ports 0x40–0x42 are the counters, 0x43 the control word.
 *
 * The counters are computed from machine time rather than ticked: a counter records the clock
 * tick at which its count was loaded, and its value and OUT level follow from the ticks elapsed.
 * Modes 0–5 are modelled, binary and BCD, LSB/MSB/LSB-then-MSB access, counter latch and
 * read-back (count and status). A written count is loaded into the counting element on the next
 * CLK pulse, as the datasheet describes (so mode 0 OUT rises N + 1 pulses after the write).
 * Simplification: a new count written in modes 2 and 3 takes effect at that next pulse rather
 * than at the end of the current period.
 */
import type { DeviceClock, TimedDevice } from "../clock.js";
import type { IoBus } from "../io-bus.js";
import type { IrqLine } from "../irq.js";

/** Input clock of all three counters, Hz. */
export const PIT_HZ = 1_193_182;
/** Ports: counters 0–2 at 0x40–0x42, control word at 0x43. */
export const PIT_PORT = 0x40;
export const PIT_CONTROL_PORT = 0x43;

/** Control word fields (datasheet "Control Word Format"). */
export const enum PitControl {
  /** Binary (0) or BCD (1) counting. */
  BCD = 0x01,
  /** Mode M2–M0, bits 3:1. */
  MODE_SHIFT = 1,
  MODE_MASK = 0x0e,
  /** Read/write access RW1–RW0, bits 5:4. */
  RW_SHIFT = 4,
  RW_MASK = 0x30,
  /** Select counter SC1–SC0, bits 7:6; 3 = read-back command. */
  SC_SHIFT = 6,
}

/** RW field values. */
export const enum PitAccess {
  /** Counter latch command. */
  Latch = 0,
  Lsb = 1,
  Msb = 2,
  LsbMsb = 3,
}

/** Read-back command bits (SC = 11). */
export const enum PitReadBack {
  /** Bit 1–3: select counter 0, 1, 2. */
  CNT0 = 0x02,
  CNT1 = 0x04,
  CNT2 = 0x08,
  /** Active low: latch status. */
  NOT_STATUS = 0x10,
  /** Active low: latch count. */
  NOT_COUNT = 0x20,
}

/** Status byte returned after a read-back with STATUS latched. */
export const enum PitStatus {
  OUTPUT = 0x80,
  NULL_COUNT = 0x40,
}

/** Machine-time tick number (CLK pulses since time 0) at `ns`. */
export function pitTickAt(ns: number): number {
  return Math.floor((ns * PIT_HZ) / 1e9);
}

/** Earliest machine time, ns, at which `pitTickAt` reaches `tick` (one ns of margin for rounding). */
export function pitTickTimeNs(tick: number): number {
  return Math.ceil((tick * 1e9) / PIT_HZ) + 1;
}

function toBcd(n: number): number {
  return (n % 10) | (Math.floor(n / 10) % 10) << 4 | (Math.floor(n / 100) % 10) << 8 | (Math.floor(n / 1000) % 10) << 12;
}
function fromBcd(v: number): number {
  return (v & 0xf) + ((v >> 4) & 0xf) * 10 + ((v >> 8) & 0xf) * 100 + ((v >> 12) & 0xf) * 1000;
}

/** Saved state of one counter. */
export interface PitCounterState {
  mode: number;
  access: number;
  bcd: boolean;
  reload: number;
  counting: boolean;
  loadTick: number;
  gate: boolean;
  suspended: boolean;
  frozen: number;
  writeTick: number;
  writeLsbNext: boolean;
  pendingLsb: number;
  readLsbNext: boolean;
  latchedCount: number;
  latchedBytes: number;
  latchedStatus: number;
}

/** One counter of the 8254. Ticks are absolute CLK pulse numbers (see `pitTickAt`). */
export class PitCounter {
  /** Mode 0–5. */
  mode = 0;
  access: PitAccess = PitAccess.LsbMsb;
  bcd = false;
  /** The count N in effect, 1–0x10000 (binary) or 1–10000 (BCD); a written 0 means the maximum. */
  reload = 0x10000;
  /** A count has been loaded (modes 1 and 5: and triggered by GATE). */
  counting = false;
  /** Tick at which the count is loaded into the counting element (the pulse after the write). */
  loadTick = 0;
  /** GATE input level. Counters 0 and 1 have GATE tied high on the PC. */
  gate = true;
  /** Counting suspended by GATE low (modes 0, 2, 3, 4); `frozen` holds the ticks elapsed then. */
  suspended = false;
  frozen = 0;
  /** Tick of the last count write (NULL COUNT until the next tick); -1 = none since the control word. */
  writeTick = -1;
  writeLsbNext = true;
  pendingLsb = 0;
  readLsbNext = true;
  /** Output latch of the counter latch command; valid while latchedBytes > 0. */
  latchedCount = 0;
  latchedBytes = 0;
  /** Status latched by read-back; -1 = none. */
  latchedStatus = -1;

  /** Ticks elapsed since the count was loaded, or -1 when not counting. */
  elapsed(tick: number): number {
    if (!this.counting) return -1;
    if (this.suspended) return this.frozen;
    return Math.max(0, tick - this.loadTick);
  }

  /** OUT level at `tick` (datasheet "Mode Definitions"). */
  out(tick: number): boolean {
    const d = this.elapsed(tick);
    const n = this.reload;
    if (d < 0) return this.mode !== 0; // control word written, no count yet: mode 0 low, others high
    switch (this.mode) {
      case 0: return d >= n;
      case 1: return d >= n;
      case 2: return this.suspended || n === 1 || d % n !== n - 1;
      case 3: return this.suspended || d % n < (n + 1) >> 1;
      default: return d !== n; // modes 4 and 5: a one-clock low strobe at terminal count
    }
  }

  /** Rising edges of OUT in the tick interval (tick0, tick1], given no reprogramming between. */
  risingEdges(tick0: number, tick1: number): number {
    if (!this.counting || this.suspended || tick1 <= tick0) return 0;
    const d1 = tick1 - this.loadTick;
    const d0 = Math.max(-1, tick0 - this.loadTick);
    const n = this.reload;
    switch (this.mode) {
      case 0:
      case 1:
        return d0 < n && n <= d1 ? 1 : 0;
      case 2:
      case 3:
        return d1 < 0 ? 0 : Math.floor(d1 / n) - Math.floor(Math.max(0, d0) / n);
      default:
        return d0 < n + 1 && n + 1 <= d1 ? 1 : 0;
    }
  }

  /** The next tick after `tick` with a rising edge of OUT, or Infinity. */
  nextRisingTick(tick: number): number {
    if (!this.counting || this.suspended) return Infinity;
    const d = tick - this.loadTick;
    const n = this.reload;
    switch (this.mode) {
      case 0:
      case 1:
        return d < n ? this.loadTick + n : Infinity;
      case 2:
      case 3:
        return this.loadTick + (Math.floor(Math.max(d, 0) / n) + 1) * n;
      default:
        return d < n + 1 ? this.loadTick + n + 1 : Infinity;
    }
  }

  /** The counting element's value at `tick`, binary. */
  count(tick: number): number {
    const d = this.elapsed(tick);
    const n = this.reload;
    const modulus = this.bcd ? 10000 : 0x10000;
    if (d < 0) return n % modulus;
    switch (this.mode) {
      case 2:
        return (n - (d % n)) % modulus;
      case 3: {
        // Counts down by two through each half period (datasheet "Mode 3").
        const half = (n + 1) >> 1;
        const phase = d % n;
        const inHalf = phase < half ? phase : phase - half;
        return ((n & ~1) - 2 * inHalf) % modulus;
      }
      default: // modes 0, 1, 4, 5 count down through zero and wrap
        return (((n - d) % modulus) + modulus) % modulus;
    }
  }

  /** Control word for this counter (SC = 0–2, RW ≠ 0): resets the control logic. */
  program(control: number): void {
    const mode = (control & PitControl.MODE_MASK) >> PitControl.MODE_SHIFT;
    this.mode = mode > 5 ? mode & 3 : mode; // 110 = mode 2, 111 = mode 3
    this.access = ((control & PitControl.RW_MASK) >> PitControl.RW_SHIFT) as PitAccess;
    this.bcd = (control & PitControl.BCD) !== 0;
    this.counting = false;
    this.suspended = false;
    this.writeTick = -1;
    this.writeLsbNext = true;
    this.readLsbNext = true;
    this.latchedBytes = 0;
    this.latchedStatus = -1;
  }

  /** Counter latch command: freezes the count for reading (ignored while a latch is unread). */
  latch(tick: number): void {
    if (this.latchedBytes > 0) return;
    this.latchedCount = this.externalCount(tick);
    this.latchedBytes = this.access === PitAccess.LsbMsb ? 2 : 1;
    this.readLsbNext = true;
  }

  /** Read-back status latch (ignored while a status is unread). */
  latchStatus(tick: number): void {
    if (this.latchedStatus >= 0) return;
    this.latchedStatus =
      (this.out(tick) ? PitStatus.OUTPUT : 0) |
      (this.writeTick < 0 || tick <= this.writeTick ? PitStatus.NULL_COUNT : 0) |
      (this.access << PitControl.RW_SHIFT) |
      (this.mode << PitControl.MODE_SHIFT) |
      (this.bcd ? PitControl.BCD : 0);
  }

  /** Byte read from the counter's port: latched status, latched count, or the live count. */
  read(tick: number): number {
    if (this.latchedStatus >= 0) {
      const s = this.latchedStatus;
      this.latchedStatus = -1;
      return s;
    }
    const value = this.latchedBytes > 0 ? this.latchedCount : this.externalCount(tick);
    let byte: number;
    switch (this.access) {
      case PitAccess.Msb:
        byte = value >> 8;
        if (this.latchedBytes > 0) this.latchedBytes = 0;
        break;
      case PitAccess.Lsb:
        byte = value & 0xff;
        if (this.latchedBytes > 0) this.latchedBytes = 0;
        break;
      default:
        byte = this.readLsbNext ? value & 0xff : value >> 8;
        this.readLsbNext = !this.readLsbNext;
        if (this.latchedBytes > 0) this.latchedBytes--;
    }
    return byte & 0xff;
  }

  /** Byte written to the counter's port: a count per the RW field. */
  write(tick: number, value: number): void {
    switch (this.access) {
      case PitAccess.Lsb:
        this.load(tick, value);
        return;
      case PitAccess.Msb:
        this.load(tick, value << 8);
        return;
      default:
        if (this.writeLsbNext) {
          this.pendingLsb = value;
          this.writeLsbNext = false;
          // Mode 0: "writing the first byte disables counting; OUT is set low immediately".
          if (this.mode === 0) this.counting = false;
        } else {
          this.writeLsbNext = true;
          this.load(tick, this.pendingLsb | (value << 8));
        }
    }
  }

  /** GATE input change (counter 2 only on the PC). */
  setGate(tick: number, level: boolean): void {
    if (level === this.gate) return;
    this.gate = level;
    if (!level) {
      if (this.counting && this.mode !== 1 && this.mode !== 5) {
        this.frozen = this.elapsed(tick);
        this.suspended = true;
      }
      return;
    }
    // Rising edge: modes 0 and 4 resume; 1, 2, 3 and 5 (re)start from the initial count.
    if (this.suspended && (this.mode === 0 || this.mode === 4)) {
      this.loadTick = tick - this.frozen;
      this.suspended = false;
    } else if (this.writeTick >= 0 && (this.counting || this.mode === 1 || this.mode === 5)) {
      this.suspended = false;
      this.counting = true;
      this.loadTick = tick + 1; // the count is loaded on the next CLK pulse
    }
  }

  private load(tick: number, raw: number): void {
    const n = this.bcd ? fromBcd(raw) : raw & 0xffff;
    this.reload = n === 0 ? (this.bcd ? 10000 : 0x10000) : n;
    this.writeTick = tick;
    this.loadTick = tick + 1; // "on the next CLK pulse the count is transferred to the CE"
    // Modes 1 and 5 wait for a GATE rising edge; the others count while GATE is high.
    const gated = this.mode === 1 || this.mode === 5;
    this.counting = !gated;
    this.suspended = !gated && !this.gate;
    this.frozen = 0;
  }

  private externalCount(tick: number): number {
    const c = this.count(tick);
    return this.bcd ? toBcd(c) : c;
  }

  saveState(): PitCounterState {
    const { mode, access, bcd, reload, counting, loadTick, gate, suspended, frozen, writeTick } = this;
    const { writeLsbNext, pendingLsb, readLsbNext, latchedCount, latchedBytes, latchedStatus } = this;
    return {
      mode, access, bcd, reload, counting, loadTick, gate, suspended, frozen, writeTick,
      writeLsbNext, pendingLsb, readLsbNext, latchedCount, latchedBytes, latchedStatus,
    };
  }

  restoreState(s: PitCounterState): void {
    Object.assign(this, s);
  }
}

/** Saved state of the timer. */
export interface PitState {
  counters: PitCounterState[];
  lastTick: number;
}

/** The 8254 with counter 0 wired to IRQ0. */
export class Pit implements TimedDevice {
  readonly counters = [new PitCounter(), new PitCounter(), new PitCounter()] as const;
  /** Tick up to which counter 0's edges have been delivered to IRQ0. */
  private lastTick = 0;

  /**
   * @param clock machine time
   * @param irq0  the line counter 0's OUT drives
   */
  constructor(
    private readonly clock: DeviceClock,
    private readonly irq0: IrqLine,
  ) {
    this.counters[2].gate = false;
  }

  /** Claims ports 0x40–0x43. */
  attach(io: IoBus): void {
    io.register(PIT_PORT, 4, {
      name: "8254 PIT",
      read: (port) => this.readPort(port),
      write: (port, _size, value) => this.writePort(port, value),
    });
  }

  /**
   * The state a PC BIOS leaves: counter 0 in mode 3 with count 0 (65536, 18.2 Hz), LSB then MSB,
   * binary; counter 2's GATE low.
   */
  initializeAsBios(): void {
    this.writePort(PIT_CONTROL_PORT, (0 << PitControl.SC_SHIFT) | (PitAccess.LsbMsb << PitControl.RW_SHIFT) | (3 << PitControl.MODE_SHIFT));
    this.writePort(PIT_PORT, 0);
    this.writePort(PIT_PORT, 0);
  }

  /** Current tick of the 1.193182 MHz input clock. */
  tick(): number {
    return pitTickAt(this.clock.nowNs());
  }

  advance(nowNs: number): void {
    const tick = pitTickAt(nowNs);
    if (tick <= this.lastTick) return;
    const c0 = this.counters[0];
    if (c0.risingEdges(this.lastTick, tick) > 0) this.irq0.pulse();
    this.irq0.set(c0.out(tick));
    this.lastTick = tick;
  }

  nextEventNs(): number {
    const t = this.counters[0].nextRisingTick(this.lastTick);
    return t === Infinity ? Infinity : pitTickTimeNs(t);
  }

  /** OUT of counter 2 now (port 0x61 bit 5). */
  counter2Out(): boolean {
    return this.counters[2].out(this.tick());
  }

  /** Sets counter 2's GATE (port 0x61 bit 0). */
  setCounter2Gate(level: boolean): void {
    this.counters[2].setGate(this.tick(), level);
  }

  readPort(port: number): number {
    const tick = this.tick();
    this.advance(this.clock.nowNs());
    const index = port - PIT_PORT;
    if (index === 3) return 0xff; // the control word register cannot be read
    return this.counters[index].read(tick);
  }

  writePort(port: number, value: number): void {
    const now = this.clock.nowNs();
    const tick = pitTickAt(now);
    this.advance(now);
    const index = port - PIT_PORT;
    if (index < 3) {
      this.counters[index].write(tick, value);
    } else {
      const sc = value >> PitControl.SC_SHIFT;
      if (sc === 3) {
        for (let i = 0; i < 3; i++) {
          if ((value & (PitReadBack.CNT0 << i)) === 0) continue;
          if ((value & PitReadBack.NOT_COUNT) === 0) this.counters[i].latch(tick);
          if ((value & PitReadBack.NOT_STATUS) === 0) this.counters[i].latchStatus(tick);
        }
      } else if (((value & PitControl.RW_MASK) >> PitControl.RW_SHIFT) === PitAccess.Latch) {
        this.counters[sc].latch(tick);
      } else {
        this.counters[sc].program(value);
      }
    }
    // Deliver any OUT change the write caused (e.g. mode 0 OUT low, mode 2 OUT high).
    this.lastTick = tick;
    this.irq0.set(this.counters[0].out(tick));
    this.clock.scheduleChanged();
  }

  saveState(): PitState {
    return { counters: this.counters.map((c) => c.saveState()), lastTick: this.lastTick };
  }

  restoreState(s: PitState): void {
    s.counters.forEach((c, i) => this.counters[i].restoreState(c));
    this.lastTick = s.lastTick;
    this.irq0.restoreLevel(this.counters[0].out(this.lastTick));
  }
}
