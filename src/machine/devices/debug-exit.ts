/**
 * QEMU's isa-debug-exit device at port 0xF4: a write of value v ends the run with exit status
 * (v << 1) | 1, so a guest can report success or failure to the host (QEMU
 * `-device isa-debug-exit,iobase=0xf4,iosize=0x04`; hw/misc/debugexit.c). Byte, word and dword
 * writes are accepted; reads return all ones. A process exit code keeps only the low 8 bits.
 */
import { Emitter } from "../events.js";
import type { IoBus } from "../io-bus.js";

export const DEBUG_EXIT_PORT = 0xf4;

export interface DebugExitEvents {
  /** The guest asked to exit with `status` = (value << 1) | 1. */
  exit: [status: number];
}

export class DebugExit {
  readonly events = new Emitter<DebugExitEvents>();

  /** Claims ports 0xF4–0xF7 (iosize 4). */
  attach(io: IoBus, port: number = DEBUG_EXIT_PORT): void {
    io.register(port, 4, {
      name: "isa-debug-exit",
      sizes: [1, 2, 4],
      write: (_port, _size, value) => this.events.emit("exit", ((value << 1) | 1) >>> 0),
    });
  }
}
