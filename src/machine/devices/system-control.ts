/**
 * The PC/AT system control ports:
 *
 * - port 0x61, "system control port B" (IBM PC AT Technical Reference, "Port 61"): bit 0 drives
 *   the 8254 counter 2 GATE, bit 1 enables the speaker data; reading gives bit 4, the refresh
 *   request toggle (flips every 15.085 µs), and bit 5, counter 2's OUT;
 * - port 0x92, "system control port A" (PS/2 fast A20 and reset): bit 1 reads as 1 (A20 is always
 *   enabled on this board), and writing bit 0 = 1 pulses the processor's reset line.
 */
import type { DeviceClock } from "../clock.js";
import { Emitter } from "../events.js";
import type { IoBus } from "../io-bus.js";
import type { Pit } from "./pit.js";

export const SYSTEM_CONTROL_B_PORT = 0x61;
export const SYSTEM_CONTROL_A_PORT = 0x92;

/** Port 0x61 bits. */
export const enum SystemControlB {
  TIMER2_GATE = 0x01,
  SPEAKER_DATA = 0x02,
  /** Read: DRAM refresh request toggle. */
  REFRESH_TOGGLE = 0x10,
  /** Read: counter 2 OUT. */
  TIMER2_OUT = 0x20,
  /** Writable bits. */
  WRITABLE = 0x0f,
}

/** Port 0x92 bits. */
export const enum SystemControlA {
  /** Write 1: reset the processor. */
  FAST_RESET = 0x01,
  /** A20 enable. */
  A20 = 0x02,
}

/** Refresh toggle half period, ns. */
const REFRESH_NS = 15_085;

export interface SystemControlEvents {
  /** The guest pulsed the reset line through port 0x92. */
  reset: [];
}

/** Saved state. */
export interface SystemControlState {
  portB: number;
  portA: number;
}

export class SystemControl {
  readonly events = new Emitter<SystemControlEvents>();
  private portB = 0;
  private portA = SystemControlA.A20;

  constructor(
    private readonly clock: DeviceClock,
    private readonly pit: Pit,
  ) {}

  /** Claims ports 0x61 and 0x92. */
  attach(io: IoBus): void {
    io.register(SYSTEM_CONTROL_B_PORT, 1, {
      name: "system control port B",
      read: () => this.readPortB(),
      write: (_port, _size, value) => {
        this.portB = value & SystemControlB.WRITABLE;
        this.pit.setCounter2Gate((value & SystemControlB.TIMER2_GATE) !== 0);
      },
    });
    io.register(SYSTEM_CONTROL_A_PORT, 1, {
      name: "system control port A",
      read: () => this.portA | SystemControlA.A20,
      write: (_port, _size, value) => {
        this.portA = value & ~SystemControlA.FAST_RESET;
        if (value & SystemControlA.FAST_RESET) this.events.emit("reset");
      },
    });
  }

  private readPortB(): number {
    const refresh = Math.floor(this.clock.nowNs() / REFRESH_NS) & 1 ? SystemControlB.REFRESH_TOGGLE : 0;
    return this.portB | refresh | (this.pit.counter2Out() ? SystemControlB.TIMER2_OUT : 0);
  }

  saveState(): SystemControlState {
    return { portB: this.portB, portA: this.portA };
  }

  restoreState(s: SystemControlState): void {
    this.portB = s.portB;
    this.portA = s.portA;
  }
}
