/**
 * The PC: RAM, the I/O bus, the devices and the processor, and the loop that runs them.
 *
 * A `Machine` is headless: the CLI, tests and a web page each construct one, give it a kernel
 * (src/boot) and input, and listen to its output. It knows nothing of files, terminals or the DOM.
 *
 * The board (PC/AT layout):
 *
 * | ports         | device                                    | IRQ |
 * |---------------|-------------------------------------------|-----|
 * | 0x20, 0xA0    | 8259A interrupt controllers (cascade IRQ2) |     |
 * | 0x40–0x43     | 8254 timer, counter 0 → IRQ0               | 0   |
 * | 0x60, 0x64    | i8042 keyboard controller                  | 1   |
 * | 0x61, 0x92    | system control ports B and A               |     |
 * | 0x70–0x71     | MC146818 RTC and CMOS RAM                  | 8   |
 * | 0x3F8–0x3FF   | 16550A UART, COM1                          | 4   |
 * | 0x2F8–0x2FF   | 16550A UART, COM2                          | 3   |
 * | 0x3D4, 0x3DA  | VGA CRT controller (text mode 3)           |     |
 * | 0xE9          | debug console                              |     |
 * | 0xF4          | isa-debug-exit                             |     |
 * | 0x604, 0x8900, 0xB004 | power-off ports                    |     |
 *
 * At creation the board is in the state a PC BIOS hands to a boot loader: interrupt controllers
 * at vectors 0x08/0x70 with every IRQ masked but the cascade, timer counter 0 in mode 3 at
 * 18.2 Hz, CMOS memory sizes filled in, VGA text mode with the cursor at 0,0.
 *
 * Running: `run()` executes the processor in slices of guest instructions. Between slices it
 * brings the timers up to the current machine time (raising their IRQs), flushes output, and
 * checks for the end of the run. A slice ends at the next timer deadline (and early if the guest
 * reprograms a timer to an earlier one), so interrupts arrive on time. While the processor waits
 * in HLT the machine does not spin: with the virtual clock it jumps time to the next deadline; with
 * the host clock it sleeps (setTimeout) until then or until host input arrives. Every
 * `hostYieldMs` of host time a running machine yields to the event loop so input, output and
 * `stop()` are serviced; a run shorter than that never yields.
 */
import { Cpu } from "../cpu/cpu.js";
import type { CpuBus } from "../cpu/bus.js";
import { Clock, type ClockMode, NS_PER_INSTRUCTION } from "./clock.js";
import { DebugConsole } from "./devices/debug-console.js";
import { DebugExit } from "./devices/debug-exit.js";
import { I8042, KEYBOARD_IRQ } from "./devices/i8042.js";
import { DualPic } from "./devices/pic.js";
import { Pit } from "./devices/pit.js";
import { PowerControl } from "./devices/power.js";
import { RTC_IRQ, Rtc, VIRTUAL_RTC_EPOCH_MS } from "./devices/rtc.js";
import { SystemControl } from "./devices/system-control.js";
import { COM1_IRQ, COM2_IRQ, COM2_PORT, Uart16550 } from "./devices/uart.js";
import { type TextScreen, VgaText } from "./devices/vga.js";
import { Emitter } from "./events.js";
import { IoBus } from "./io-bus.js";
import { DEFAULT_MEMORY_BYTES, PhysicalMemory } from "./memory.js";
import type { DualPicState } from "./devices/pic.js";
import type { PitState } from "./devices/pit.js";
import type { RtcState } from "./devices/rtc.js";
import type { UartState } from "./devices/uart.js";
import type { I8042State } from "./devices/i8042.js";
import type { VgaState } from "./devices/vga.js";
import type { PowerState } from "./devices/power.js";
import type { SystemControlState } from "./devices/system-control.js";

/** What the machine needs of the processor (the `Cpu` class; a fake in tests). */
export type Processor = Pick<
  Cpu,
  "run" | "halted" | "shutdown" | "instructionCount" | "setupMultibootState" | "requestInterruptCheck" | "requestStop" | "getEflags"
>;

/** EFLAGS.IF (SDM Vol. 1 §3.4.3.3). */
const EFLAGS_IF = 1 << 9;

/** Where output bytes go: a function, or anything with a Node-stream-like `write(chunk)`. */
export type ByteSink = ((bytes: Uint8Array) => void) | { write(chunk: Uint8Array): unknown };

/** How a run ended. */
export type RunResult =
  /** The guest wrote v to the isa-debug-exit port; `status` = (v << 1) | 1 (a process keeps status & 0xFF). */
  | { kind: "exit"; status: number }
  /** The processor shut down after a triple fault; `chain` lists the faults that led there. */
  | { kind: "triple-fault"; reason: string; chain: string[] }
  /** `timeoutMs` of machine time passed. */
  | { kind: "timeout" }
  /** `maxInstructions` guest instructions have been executed since the machine was created. */
  | { kind: "instruction-limit" }
  /** The guest powered the machine off (Bochs "Shutdown" port, ACPI S5); `how` names the way. */
  | { kind: "shutdown"; how: string }
  /** The guest pulsed the reset line (i8042 0xFE, port 0x92); there is no BIOS to reboot into. */
  | { kind: "reset"; how: string }
  /** HLT with EFLAGS.IF = 0: nothing can ever wake the processor (there is no NMI source). */
  | { kind: "halted" }
  /** `stop()` was called. */
  | { kind: "stopped" };

export interface MachineOptions {
  /** RAM size, bytes: a multiple of 4 KiB, 2 MiB to 3 GiB. Default 64 MiB. */
  memoryBytes?: number;
  /** `host` (default): machine time is wall-clock time. `virtual`: 10 ns per instruction, deterministic. */
  clock?: ClockMode;
  /** Receivers of COM1 output (also available as the `serial` event). */
  serial?: ByteSink | ByteSink[];
  /** Receivers of COM2 output (also available as the `serial2` event). */
  serial2?: ByteSink | ByteSink[];
  /** Receivers of port-0xE9 debug console output (also the `debugcon` event). */
  debugConsole?: ByteSink | ByteSink[];
  /** End the run with `instruction-limit` after this many guest instructions in total. Default: no limit. */
  maxInstructions?: number;
  /** End each `run()` with `timeout` after this much machine time, ms. Default: no timeout. */
  timeoutMs?: number;
  /** The RTC's date at machine time 0, ms since 1970 UTC. Default: now (host clock), 2000-01-01 (virtual). */
  rtcEpochMs?: number;
  /** Longest slice, guest instructions. Default 500 000. */
  sliceInstructions?: number;
  /** Host time between yields to the event loop while running, ms. Default 20; Infinity never yields. */
  hostYieldMs?: number;
  /** Builds the processor; default `new Cpu(bus)`. For tests. */
  createProcessor?: (bus: CpuBus) => Processor;
}

/** The machine's events. */
export interface MachineEvents {
  /** Bytes the guest sent out of COM1 (batched: one event per slice at most). */
  serial: [bytes: Uint8Array];
  /** Bytes the guest sent out of COM2 (batched likewise). */
  serial2: [bytes: Uint8Array];
  /** Bytes written to the port-0xE9 debug console (batched likewise). */
  debugcon: [bytes: Uint8Array];
}

/** Saved state of the board's devices (JSON-serialisable). RAM and the processor are saved apart. */
export interface MachineDeviceState {
  clockIdleNs: number;
  pic: DualPicState;
  pit: PitState;
  rtc: RtcState;
  uart: UartState;
  /** COM2 (absent in states saved before the board had it). */
  uart2?: UartState;
  keyboard: I8042State;
  vga: VgaState;
  power: PowerState;
  systemControl: SystemControlState;
}

const DEFAULT_SLICE = 500_000;
/** Shortest slice in host-clock mode, guest instructions (host time is only estimated per slice). */
const MIN_HOST_SLICE = 1_000;
/** Initial estimate of guest speed for host-clock slices, instructions per ns (50 MIPS). */
const INITIAL_RATE = 0.05;

const yieldToHost: () => Promise<void> =
  typeof setImmediate === "function"
    ? () => new Promise((resolve) => setImmediate(resolve))
    : () => new Promise((resolve) => setTimeout(resolve, 0));

function toSinkFunction(sink: ByteSink): (bytes: Uint8Array) => void {
  return typeof sink === "function" ? sink : (bytes) => void sink.write(bytes);
}

export class Machine {
  readonly events = new Emitter<MachineEvents>();
  readonly memory: PhysicalMemory;
  readonly io = new IoBus();
  readonly clock: Clock;
  readonly pic = new DualPic();
  readonly pit: Pit;
  readonly rtc: Rtc;
  readonly uart: Uart16550;
  /** COM2. */
  readonly uart2: Uart16550;
  readonly keyboard: I8042;
  readonly vga: VgaText;
  readonly debugExit = new DebugExit();
  readonly debugConsole = new DebugConsole();
  readonly power = new PowerControl();
  readonly systemControl: SystemControl;
  readonly cpu: Processor;
  /** The processor's view of the board. */
  readonly bus: CpuBus;

  /** Limit on guest instructions since creation (`instruction-limit`); may be raised between runs. */
  maxInstructions: number;
  /** Per-run machine-time limit, ms (`timeout`). */
  timeoutMs: number;
  private readonly sliceMax: number;
  private readonly hostYieldMs: number;

  private serialOut: number[] = [];
  private serial2Out: number[] = [];
  private debugOut: number[] = [];
  /** A device or `stop()` asked to end the run. */
  private endRequest: RunResult | null = null;
  /** Set once the run ended for good (exit, shutdown, reset, triple fault, halted). */
  private finalResult: RunResult | null = null;
  private running = false;
  /** Earliest next event of any timed device, machine ns. */
  private nextDeadlineNs = Infinity;
  /** While a slice runs: the machine time it is planned to end at. */
  private sliceEndNs = -1;
  /** Guest instructions per ns of host time, measured (host clock). */
  private rate = INITIAL_RATE;
  /** Host time of the last yield to the event loop (performance.now(), ms). */
  private lastYield = 0;
  /** Resolves the idle wait when host input arrives or `stop()` is called. */
  private wake: (() => void) | null = null;

  constructor(options: MachineOptions = {}) {
    this.memory = new PhysicalMemory(options.memoryBytes ?? DEFAULT_MEMORY_BYTES);
    const clockMode = options.clock ?? "host";
    this.clock = new Clock(clockMode, () => this.cpu.instructionCount);
    this.clock.onScheduleChange = () => this.onScheduleChange();
    this.maxInstructions = options.maxInstructions ?? Infinity;
    this.timeoutMs = options.timeoutMs ?? Infinity;
    this.sliceMax = options.sliceInstructions ?? DEFAULT_SLICE;
    this.hostYieldMs = options.hostYieldMs ?? 20;

    this.pit = new Pit(this.clock, this.pic.line(0));
    this.rtc = new Rtc(this.clock, this.pic.line(RTC_IRQ), options.rtcEpochMs ?? (clockMode === "virtual" ? VIRTUAL_RTC_EPOCH_MS : Date.now()));
    this.uart = new Uart16550(this.pic.line(COM1_IRQ));
    this.uart2 = new Uart16550(this.pic.line(COM2_IRQ), COM2_PORT, "COM2");
    this.keyboard = new I8042(this.pic.line(KEYBOARD_IRQ));
    this.vga = new VgaText(this.memory.ram, this.clock);
    this.systemControl = new SystemControl(this.clock, this.pit);

    this.pic.attach(this.io);
    this.pit.attach(this.io);
    this.rtc.attach(this.io);
    this.uart.attach(this.io);
    this.uart2.attach(this.io);
    this.keyboard.attach(this.io);
    this.vga.attach(this.io);
    this.systemControl.attach(this.io);
    this.debugExit.attach(this.io);
    this.debugConsole.attach(this.io);
    this.power.attach(this.io);

    const memory = this.memory;
    const io = this.io;
    const pic = this.pic;
    this.bus = {
      ram: memory.ram,
      readPhysSlow: () => 0xff,
      writePhysSlow: () => {},
      ioRead: (port, size) => io.read(port, size),
      ioWrite: (port, size, value) => io.write(port, size, value),
      pendingInterrupt: () => (pic.intr ? pic.acknowledge() : -1),
    };
    this.cpu = (options.createProcessor ?? ((bus) => new Cpu(bus)))(this.bus);
    this.pic.onInterruptRequest = () => this.cpu.requestInterruptCheck();
    // The timer first: the controllers' initialization then clears the edge it latched.
    this.pit.initializeAsBios();
    this.pic.initializeAsBios();
    this.rtc.setMemorySize(this.memory.size);

    this.uart.events.on("transmit", (b) => this.serialOut.push(b));
    this.uart2.events.on("transmit", (b) => this.serial2Out.push(b));
    this.debugConsole.events.on("output", (b) => this.debugOut.push(b));
    this.debugExit.events.on("exit", (status) => this.requestEnd({ kind: "exit", status }));
    this.power.events.on("shutdown", (how) => this.requestEnd({ kind: "shutdown", how }));
    this.keyboard.events.on("reset", () => this.requestEnd({ kind: "reset", how: "i8042 reset line pulsed" }));
    this.systemControl.events.on("reset", () => this.requestEnd({ kind: "reset", how: "port 0x92 fast reset" }));
    for (const sink of [options.serial ?? []].flat()) this.events.on("serial", toSinkFunction(sink));
    for (const sink of [options.serial2 ?? []].flat()) this.events.on("serial2", toSinkFunction(sink));
    for (const sink of [options.debugConsole ?? []].flat()) this.events.on("debugcon", toSinkFunction(sink));

    this.refreshDeadline();
  }

  /** Guest RAM; physical address = index. */
  get ram(): Uint8Array {
    return this.memory.ram;
  }

  /** Machine time, ns. */
  get timeNs(): number {
    return this.clock.nowNs();
  }

  // ------------------------------------------------------------------------------------------
  // Host input and output
  // ------------------------------------------------------------------------------------------

  /** Host input to COM1: bytes (or a string, sent as UTF-8) the guest will receive. */
  serialInput(bytes: Uint8Array | readonly number[] | string): void {
    this.uart.receive(bytes);
    this.hostInput();
  }

  /**
   * The host end of COM1 hangs up (DCD and DSR drop, see `Uart16550.hangUp`) after the input
   * already sent: the reference kernel reads this as the end of its input.
   */
  serialHangUp(): void {
    this.uart.hangUp();
    this.hostInput();
  }

  /** Host text typed on the keyboard (US layout, set-1 scan codes on IRQ1). */
  keyboardInput(text: string): void {
    this.keyboard.typeText(text);
    this.hostInput();
  }

  /** Host key press or release by `KeyboardEvent.code` ("KeyA", "ArrowUp", "Enter"). */
  keyEvent(code: string, down: boolean): void {
    if (down) this.keyboard.keyDown(code);
    else this.keyboard.keyUp(code);
    this.hostInput();
  }

  /** Sends COM1 output to `sink` (a function or a Node Writable); returns a function that stops it. */
  pipeSerial(sink: ByteSink): () => void {
    return this.events.on("serial", toSinkFunction(sink));
  }

  /** The VGA text screen now: 25 lines of 80 characters and the cursor. */
  screen(): TextScreen {
    return this.vga.screen();
  }

  /** The VGA text screen as printable text (trailing spaces trimmed). */
  screenText(): string {
    return this.vga.screenText();
  }

  /** Ends the current run (or the next one) with `{ kind: "stopped" }`. */
  stop(): void {
    this.requestEnd({ kind: "stopped" });
  }

  // ------------------------------------------------------------------------------------------
  // Running
  // ------------------------------------------------------------------------------------------

  /**
   * Runs the guest until something ends the run (see `RunResult`). After `timeout`,
   * `instruction-limit` or `stopped` a later `run()` continues where this one stopped; after the
   * other results the machine is finished and `run()` returns the same result again.
   * @throws Error when called while a run is in progress
   * @throws whatever the processor throws for an internal error (not guest faults)
   */
  async run(): Promise<RunResult> {
    if (this.finalResult !== null) return this.finalResult;
    if (this.running) throw new Error("Machine.run: a run is already in progress");
    this.running = true;
    try {
      return await this.loop();
    } finally {
      this.running = false;
      this.flushOutput();
    }
  }

  private async loop(): Promise<RunResult> {
    const cpu = this.cpu;
    const clock = this.clock;
    const timeoutAt = this.timeoutMs === Infinity ? Infinity : clock.nowNs() + this.timeoutMs * 1e6;
    this.lastYield = performance.now();
    for (;;) {
      this.advanceDevices();
      const end = this.endOfRun(timeoutAt);
      if (end !== null) return end;

      const budget = this.planSlice(timeoutAt);
      const hostStart = performance.now();
      const ran = cpu.run(budget);
      const hostEnd = performance.now();
      this.sliceEndNs = -1;
      if (clock.mode === "host" && ran >= MIN_HOST_SLICE && hostEnd > hostStart) {
        this.rate = 0.8 * this.rate + 0.2 * (ran / ((hostEnd - hostStart) * 1e6));
      }
      this.flushOutput();

      if (ran === 0 && cpu.halted && this.endRequest === null && cpu.shutdown === null) {
        const end = await this.idle(timeoutAt);
        if (end !== null) return end;
      } else if (hostEnd - this.lastYield >= this.hostYieldMs) {
        await yieldToHost();
        this.lastYield = performance.now();
      }
    }
  }

  /** The result that ends the run now, or null to go on. */
  private endOfRun(timeoutAt: number): RunResult | null {
    const cpu = this.cpu;
    if (cpu.shutdown !== null) {
      return this.finish({ kind: "triple-fault", reason: cpu.shutdown.reason, chain: [...cpu.shutdown.chain] }, true);
    }
    const req = this.endRequest;
    if (req !== null) {
      this.endRequest = null;
      return this.finish(req, req.kind !== "stopped");
    }
    if (cpu.instructionCount >= this.maxInstructions) return this.finish({ kind: "instruction-limit" }, false);
    if (this.clock.nowNs() >= timeoutAt) return this.finish({ kind: "timeout" }, false);
    return null;
  }

  private finish(result: RunResult, final: boolean): RunResult {
    if (final) this.finalResult = result;
    return result;
  }

  /** Guest instructions for the next slice: up to the next deadline, the limits, and `sliceMax`. */
  private planSlice(timeoutAt: number): number {
    const clock = this.clock;
    const now = clock.nowNs();
    const until = Math.min(this.nextDeadlineNs, timeoutAt);
    let budget: number;
    if (clock.mode === "virtual") {
      budget = Math.min(this.sliceMax, clock.instructionsUntil(until));
      this.sliceEndNs = now + budget * NS_PER_INSTRUCTION;
    } else {
      budget = until === Infinity ? this.sliceMax : Math.min(this.sliceMax, Math.max(MIN_HOST_SLICE, Math.ceil((until - now) * this.rate)));
      this.sliceEndNs = now + budget / this.rate;
    }
    const left = this.maxInstructions - this.cpu.instructionCount;
    return Math.max(1, Math.min(budget, left));
  }

  /**
   * The processor waits in HLT and nothing pending could wake it. With IF = 0 nothing ever will;
   * otherwise wait for the next deadline of a timer whose IRQ is unmasked, the timeout, or host
   * input: jump the virtual clock there, or sleep on the host clock.
   */
  private async idle(timeoutAt: number): Promise<RunResult | null> {
    if ((this.cpu.getEflags() & EFLAGS_IF) === 0) return this.finish({ kind: "halted" }, true);
    const wakeAt = Math.min(this.wakeDeadline(), timeoutAt);
    if (this.clock.mode === "virtual") {
      if (wakeAt !== Infinity) {
        this.clock.idleUntil(wakeAt);
        // Virtual time jumps ahead without waiting, but host input (stdin, a terminal) only
        // arrives when the event loop runs: still yield every hostYieldMs of host time.
        if (performance.now() - this.lastYield >= this.hostYieldMs) {
          await yieldToHost();
          this.lastYield = performance.now();
        }
        return null;
      }
      await this.waitForHost(Infinity);
      this.lastYield = performance.now();
      return null;
    }
    const ms = (wakeAt - this.clock.nowNs()) / 1e6;
    if (ms < 1) await yieldToHost();
    else await this.waitForHost(ms);
    this.lastYield = performance.now();
    return null;
  }

  /** Earliest event of a timer whose IRQ is unmasked: the only timer events that can end HLT. */
  private wakeDeadline(): number {
    let t = Infinity;
    if (!this.pic.isMasked(0)) t = Math.min(t, this.pit.nextEventNs());
    if (!this.pic.isMasked(RTC_IRQ)) t = Math.min(t, this.rtc.nextEventNs());
    return t;
  }

  /** Resolves after `ms` of host time (Infinity: never) or at host input / `stop()`. */
  private waitForHost(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = ms === Infinity ? undefined : setTimeout(done, ms);
      const self = this;
      function done(): void {
        if (timer !== undefined) clearTimeout(timer);
        self.wake = null;
        resolve();
      }
      this.wake = done;
    });
  }

  private hostInput(): void {
    this.wake?.();
  }

  private requestEnd(result: RunResult): void {
    if (this.endRequest === null || this.endRequest.kind === "stopped") this.endRequest = result;
    this.cpu.requestStop();
    this.wake?.();
  }

  /** Brings the timers to now (raising due IRQs) and recomputes the next deadline. */
  private advanceDevices(): void {
    const now = this.clock.nowNs();
    this.pit.advance(now);
    this.rtc.advance(now);
    this.refreshDeadline();
  }

  private refreshDeadline(): void {
    this.nextDeadlineNs = Math.min(this.pit.nextEventNs(), this.rtc.nextEventNs());
  }

  /** A guest access changed a timer: end the slice early if it now has an earlier deadline. */
  private onScheduleChange(): void {
    this.refreshDeadline();
    if (this.sliceEndNs >= 0 && this.nextDeadlineNs < this.sliceEndNs) {
      this.sliceEndNs = -1;
      this.cpu.requestStop();
    }
  }

  private flushOutput(): void {
    if (this.serialOut.length > 0) {
      const bytes = Uint8Array.from(this.serialOut);
      this.serialOut = [];
      this.events.emit("serial", bytes);
    }
    if (this.serial2Out.length > 0) {
      const bytes = Uint8Array.from(this.serial2Out);
      this.serial2Out = [];
      this.events.emit("serial2", bytes);
    }
    if (this.debugOut.length > 0) {
      const bytes = Uint8Array.from(this.debugOut);
      this.debugOut = [];
      this.events.emit("debugcon", bytes);
    }
  }

  // ------------------------------------------------------------------------------------------
  // State
  // ------------------------------------------------------------------------------------------

  /** The devices' state, as plain data. */
  saveDeviceState(): MachineDeviceState {
    return {
      clockIdleNs: this.clock.idleTimeNs,
      pic: this.pic.saveState(),
      pit: this.pit.saveState(),
      rtc: this.rtc.saveState(),
      uart: this.uart.saveState(),
      uart2: this.uart2.saveState(),
      keyboard: this.keyboard.saveState(),
      vga: this.vga.saveState(),
      power: this.power.saveState(),
      systemControl: this.systemControl.saveState(),
    };
  }

  /** Restores the devices from `saveDeviceState()` output. */
  restoreDeviceState(s: MachineDeviceState): void {
    this.clock.idleTimeNs = s.clockIdleNs;
    this.pic.restoreState(s.pic);
    this.pit.restoreState(s.pit);
    this.rtc.restoreState(s.rtc);
    this.uart.restoreState(s.uart);
    if (s.uart2 !== undefined) this.uart2.restoreState(s.uart2);
    this.keyboard.restoreState(s.keyboard);
    this.vga.restoreState(s.vga);
    this.power.restoreState(s.power);
    this.systemControl.restoreState(s.systemControl);
    this.refreshDeadline();
  }
}
