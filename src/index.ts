/**
 * trapgate as a library for Node: the PC (`Machine`), the multiboot loader, and the processor.
 *
 * ```ts
 * import { Machine, bootMultibootFiles } from "trapgate";
 * const machine = new Machine({ memoryBytes: 64 << 20, clock: "virtual" });
 * machine.pipeSerial(process.stdout);
 * await bootMultibootFiles(machine, "kernel.elf", { cmdline: "kernel.elf console=ttyS0" });
 * const result = await machine.run(); // { kind: "exit", status } | { kind: "triple-fault", … } | …
 * ```
 *
 * The `trapgate boot` command (src/cli/boot.ts) is built on exactly these exports. A web page
 * imports `dist/src/machine/index.js` and `dist/src/boot/index.js` instead: they do not use Node.
 */

// The board: Machine, its options, run results and events, and its devices.
export * from "./machine/index.js";

// Booting: the ELF reader and the multiboot loader (browser-safe), and loading from files (Node).
export * from "./boot/index.js";
export { bootMultibootFiles, readBootFile } from "./boot/files.js";
export type { ModuleFile } from "./boot/files.js";

// The processor, for advanced users: a Cpu on a bus of your own (RAM, ports, interrupts).
export { Cpu } from "./cpu/cpu.js";
export type { ShutdownInfo, SoftwareInterruptHook } from "./cpu/cpu.js";
export type { CpuBus } from "./cpu/bus.js";
export { RamBus } from "./cpu/bus.js";
export { CpuFault, faultName } from "./cpu/fault.js";
