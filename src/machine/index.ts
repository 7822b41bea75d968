/**
 * The PC board: `Machine` and everything it is built from, for the CLI, tests and the browser.
 */
export { Machine } from "./machine.js";
export type { ByteSink, MachineDeviceState, MachineEvents, MachineOptions, Processor, RunResult } from "./machine.js";
export { Clock, NS_PER_INSTRUCTION } from "./clock.js";
export type { ClockMode, DeviceClock, TimedDevice } from "./clock.js";
export { Emitter } from "./events.js";
export { IoBus } from "./io-bus.js";
export type { IoSize, PortHandler, PortRange } from "./io-bus.js";
export { IrqLine } from "./irq.js";
export type { IrqSink } from "./irq.js";
export { DEFAULT_MEMORY_BYTES, MAX_MEMORY_BYTES, MIN_MEMORY_BYTES, PhysicalMemory } from "./memory.js";
export { DualPic, Pic8259 } from "./devices/pic.js";
export { PIT_HZ, Pit, PitCounter } from "./devices/pit.js";
export { COM1_IRQ, COM1_PORT, COM2_IRQ, COM2_PORT, Uart16550 } from "./devices/uart.js";
export { Rtc, VIRTUAL_RTC_EPOCH_MS } from "./devices/rtc.js";
export { I8042 } from "./devices/i8042.js";
export { SET1, keystrokeFor, set1Bytes } from "./devices/scancodes.js";
export { CP437, VGA_COLUMNS, VGA_ROWS, VGA_TEXT_BUFFER, VgaText } from "./devices/vga.js";
export type { TextScreen } from "./devices/vga.js";
export { DebugConsole } from "./devices/debug-console.js";
export { DebugExit } from "./devices/debug-exit.js";
export { PowerControl } from "./devices/power.js";
export { SystemControl } from "./devices/system-control.js";
