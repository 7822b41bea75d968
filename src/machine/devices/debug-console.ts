/**
 * The port-0xE9 debug console of Bochs and QEMU (`-debugcon`): every byte written is passed to
 * the host as is. Reading the port returns 0xE9, which guests use to detect it.
 */
import { Emitter } from "../events.js";
import type { IoBus } from "../io-bus.js";

export const DEBUG_CONSOLE_PORT = 0xe9;

export interface DebugConsoleEvents {
  /** The guest wrote `byte`. */
  output: [byte: number];
}

export class DebugConsole {
  readonly events = new Emitter<DebugConsoleEvents>();

  /** Claims port 0xE9. */
  attach(io: IoBus, port: number = DEBUG_CONSOLE_PORT): void {
    io.register(port, 1, {
      name: "debug console (port 0xE9)",
      read: () => DEBUG_CONSOLE_PORT,
      write: (_port, _size, value) => this.events.emit("output", value),
    });
  }
}
