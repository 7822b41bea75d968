/**
 * Ways a guest without ACPI can power the emulated PC off:
 *
 * - port 0x8900, Bochs's "Shutdown" port: writing the characters `S h u t d o w n` in sequence,
 *   one byte per write, requests a shutdown (Bochs iodev/unmapped.cc; a wrong character starts the
 *   match again);
 * - the ACPI PM1a control ports QEMU and Bochs expose at fixed addresses, 0x604 (QEMU q35/piix4
 *   with SeaBIOS) and 0xB004 (older Bochs/QEMU): a 16-bit write of 0x2000 (SLP_EN with sleep
 *   type 0, S5) requests a shutdown.
 */
import { Emitter } from "../events.js";
import type { IoBus } from "../io-bus.js";

export const BOCHS_SHUTDOWN_PORT = 0x8900;
export const QEMU_ACPI_PM1A_CONTROL_PORT = 0x604;
export const BOCHS_ACPI_PM1A_CONTROL_PORT = 0xb004;
/** PM1 control: SLP_EN (bit 13) with SLP_TYP = 0, the S5 soft-off state on these machines. */
export const PM1_SLEEP_S5 = 0x2000;

const SHUTDOWN_STRING = "Shutdown";

export interface PowerEvents {
  /** The guest asked to power off; `how` names the mechanism. */
  shutdown: [how: string];
}

/** Saved state. */
export interface PowerState {
  matched: number;
}

export class PowerControl {
  readonly events = new Emitter<PowerEvents>();
  /** Characters of "Shutdown" matched so far. */
  private matched = 0;

  /** Claims 0x8900, 0x604–0x605 and 0xB004–0xB005. */
  attach(io: IoBus): void {
    io.register(BOCHS_SHUTDOWN_PORT, 1, {
      name: "Bochs shutdown port",
      write: (_port, _size, value) => this.shutdownPortWrite(value),
    });
    for (const port of [QEMU_ACPI_PM1A_CONTROL_PORT, BOCHS_ACPI_PM1A_CONTROL_PORT]) {
      io.register(port, 2, {
        name: "ACPI PM1a control (fixed)",
        sizes: [1, 2],
        read: () => 0,
        write: (_p, size, value) => {
          if (size === 2 && value === PM1_SLEEP_S5) this.events.emit("shutdown", `ACPI S5 via port 0x${port.toString(16)}`);
        },
      });
    }
  }

  /** One byte written to port 0x8900. */
  shutdownPortWrite(value: number): void {
    const ch = String.fromCharCode(value);
    if (ch === SHUTDOWN_STRING[this.matched]) this.matched++;
    else this.matched = ch === SHUTDOWN_STRING[0] ? 1 : 0;
    if (this.matched === SHUTDOWN_STRING.length) {
      this.matched = 0;
      this.events.emit("shutdown", '"Shutdown" written to port 0x8900');
    }
  }

  saveState(): PowerState {
    return { matched: this.matched };
  }

  restoreState(s: PowerState): void {
    this.matched = s.matched;
  }
}
