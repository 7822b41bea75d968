/**
 * The i8042 keyboard controller with a PS/2 keyboard attached: data port 0x60, status/command
 * port 0x64, IRQ1.
 *
 * Sources: IBM PC AT Technical Reference, "Keyboard Controller" (status register, command byte,
 * controller commands) and "Keyboard" (keyboard commands, responses); the OSDev "8042 PS/2
 * Controller" summary for the commands later controllers added (0xA7–0xA9, 0xD2–0xD4).
 *
 * Host keys become scan code set 1 make/break bytes (scancodes.ts), i.e. what the controller
 * delivers with translation on; the guest always receives set 1 whatever set it selects. The
 * controller processes every write at once (IBF never reads 1). Responses to commands come before
 * queued keystrokes. There is no mouse: the auxiliary port tests good but nothing answers on it.
 * A pulse of the reset line (command 0xFE, or output port bit 0 written as 0) is reported as a
 * `reset` event; the A20 gate bit of the output port is kept but A20 is always enabled.
 */
import { Emitter } from "../events.js";
import type { IoBus } from "../io-bus.js";
import type { IrqLine } from "../irq.js";
import { keystrokeFor, set1Bytes } from "./scancodes.js";

export const I8042_DATA_PORT = 0x60;
export const I8042_STATUS_PORT = 0x64;
export const KEYBOARD_IRQ = 1;

/** Status register bits (port 0x64 read). */
export const enum I8042Status {
  /** Output buffer full: a byte waits at port 0x60. */
  OBF = 0x01,
  /** Input buffer full (never set: writes are processed at once). */
  IBF = 0x02,
  /** System flag, from the command byte (set after a successful self-test). */
  SYS = 0x04,
  /** The last write was to port 0x64 (a command), not 0x60. */
  A2 = 0x08,
  /** Keyboard not inhibited (key lock off). */
  INH = 0x10,
  /** The output buffer holds auxiliary-device (mouse) data. */
  AUXB = 0x20,
  TIMEOUT = 0x40,
  PARITY_ERROR = 0x80,
}

/** Controller command byte bits (read with 0x20, written with 0x60). */
export const enum I8042Config {
  /** Raise IRQ1 when keyboard data is in the output buffer. */
  KEYBOARD_INT = 0x01,
  /** Raise IRQ12 for auxiliary data. */
  AUX_INT = 0x02,
  SYS = 0x04,
  /** Keyboard interface disabled (clock held low). */
  KEYBOARD_DISABLE = 0x10,
  AUX_DISABLE = 0x20,
  /** Translate set 2 to set 1. */
  TRANSLATE = 0x40,
}

/** Controller commands (port 0x64 write). */
export const enum I8042Command {
  READ_CONFIG = 0x20,
  WRITE_CONFIG = 0x60,
  DISABLE_AUX = 0xa7,
  ENABLE_AUX = 0xa8,
  TEST_AUX = 0xa9,
  SELF_TEST = 0xaa,
  TEST_KEYBOARD = 0xab,
  DISABLE_KEYBOARD = 0xad,
  ENABLE_KEYBOARD = 0xae,
  READ_INPUT_PORT = 0xc0,
  READ_OUTPUT_PORT = 0xd0,
  WRITE_OUTPUT_PORT = 0xd1,
  WRITE_KEYBOARD_OUTPUT = 0xd2,
  WRITE_AUX_OUTPUT = 0xd3,
  WRITE_AUX = 0xd4,
  READ_TEST_INPUTS = 0xe0,
  /** 0xF0–0xFF: pulse output port lines whose bit in 3:0 is 0; 0xFE pulses the reset line. */
  PULSE_OUTPUT = 0xf0,
}

/** Keyboard commands (port 0x60 write) and responses. */
export const enum KeyboardCommand {
  SET_LEDS = 0xed,
  ECHO = 0xee,
  SCAN_CODE_SET = 0xf0,
  IDENTIFY = 0xf2,
  TYPEMATIC = 0xf3,
  ENABLE_SCANNING = 0xf4,
  DISABLE_SCANNING = 0xf5,
  SET_DEFAULTS = 0xf6,
  RESEND = 0xfe,
  RESET = 0xff,
}
export const enum KeyboardResponse {
  SELF_TEST_PASSED = 0xaa,
  ECHO = 0xee,
  ACK = 0xfa,
  RESEND = 0xfe,
}

/** Output port bits (0xD0/0xD1). */
export const enum I8042OutputPort {
  /** System reset, active low. */
  RESET_N = 0x01,
  A20_GATE = 0x02,
}

/** Controller self-test passed (0xAA). */
export const I8042_SELF_TEST_OK = 0x55;

export interface I8042Events {
  /** The guest pulsed the processor's reset line. */
  reset: [];
}

/** Saved state. */
export interface I8042State {
  config: number;
  outputPort: number;
  lastWasCommand: boolean;
  pendingCommand: number;
  pendingKeyboardCommand: number;
  scanning: boolean;
  outputByte: number;
  outputAux: boolean;
  lastByte: number;
  responses: number[];
  keys: number[];
}

export class I8042 {
  readonly events = new Emitter<I8042Events>();
  private config = I8042Config.KEYBOARD_INT | I8042Config.SYS | I8042Config.TRANSLATE;
  private outputPort = I8042OutputPort.RESET_N | I8042OutputPort.A20_GATE;
  private lastWasCommand = false;
  /** Controller command waiting for its data byte, or -1. */
  private pendingCommand = -1;
  /** Keyboard command waiting for its argument, or -1. */
  private pendingKeyboardCommand = -1;
  private scanning = true;
  /** The output buffer: the byte at port 0x60, or -1 when empty. */
  private outputByte = -1;
  private outputAux = false;
  /** Last byte read (port 0x60 reads it again while the buffer is empty). */
  private lastByte = 0;
  /** Controller and keyboard responses, ahead of keystrokes. */
  private responses: number[] = [];
  /** Scan codes from host keys. */
  private keys: number[] = [];

  /** @param irq1 the keyboard interrupt line */
  constructor(private readonly irq1: IrqLine) {}

  /** Claims ports 0x60 and 0x64. */
  attach(io: IoBus): void {
    io.register(I8042_DATA_PORT, 1, {
      name: "i8042 keyboard controller (data)",
      read: () => this.readData(),
      write: (_port, _size, value) => this.writeData(value),
    });
    io.register(I8042_STATUS_PORT, 1, {
      name: "i8042 keyboard controller (status/command)",
      read: () => this.readStatus(),
      write: (_port, _size, value) => this.writeCommand(value),
    });
  }

  /** Host key pressed: queues its set-1 make code. `code` is a KeyboardEvent.code ("KeyA"). */
  keyDown(code: string): void {
    this.keys.push(...set1Bytes(code, true));
    this.refill();
  }

  /** Host key released: queues its set-1 break code. */
  keyUp(code: string): void {
    this.keys.push(...set1Bytes(code, false));
    this.refill();
  }

  /** Presses and releases `code`, holding Shift/Ctrl/Alt around it as asked. */
  pressKey(code: string, modifiers: { shift?: boolean; ctrl?: boolean; alt?: boolean } = {}): void {
    const mods = [modifiers.ctrl && "ControlLeft", modifiers.shift && "ShiftLeft", modifiers.alt && "AltLeft"].filter(
      (m): m is string => typeof m === "string",
    );
    for (const m of mods) this.keys.push(...set1Bytes(m, true));
    this.keys.push(...set1Bytes(code, true), ...set1Bytes(code, false));
    for (const m of mods.reverse()) this.keys.push(...set1Bytes(m, false));
    this.refill();
  }

  /**
   * Types host text on a US keyboard: each character becomes make/break codes (with Shift or
   * Ctrl held as needed). Characters no key types are skipped.
   * @returns the number of characters typed
   */
  typeText(text: string): number {
    let typed = 0;
    for (const ch of text) {
      const ks = keystrokeFor(ch);
      if (ks === undefined) continue;
      this.pressKey(ks.code, { shift: ks.shift, ctrl: ks.ctrl });
      typed++;
    }
    return typed;
  }

  /** Bytes waiting for the guest (output buffer, responses, keystrokes). */
  get pendingBytes(): number {
    return (this.outputByte >= 0 ? 1 : 0) + this.responses.length + this.keys.length;
  }

  readStatus(): number {
    return (
      (this.outputByte >= 0 ? I8042Status.OBF : 0) |
      (this.config & I8042Config.SYS ? I8042Status.SYS : 0) |
      (this.lastWasCommand ? I8042Status.A2 : 0) |
      I8042Status.INH |
      (this.outputByte >= 0 && this.outputAux ? I8042Status.AUXB : 0)
    );
  }

  readData(): number {
    if (this.outputByte >= 0) {
      this.lastByte = this.outputByte;
      this.outputByte = -1;
      this.irq1.lower();
      this.refill();
    }
    return this.lastByte;
  }

  writeCommand(cmd: number): void {
    this.lastWasCommand = true;
    this.pendingCommand = -1;
    if (cmd >= I8042Command.READ_CONFIG && cmd < I8042Command.READ_CONFIG + 0x20) {
      // 0x20–0x3F read controller RAM; only byte 0, the command byte, is modelled.
      this.respond(cmd === I8042Command.READ_CONFIG ? this.config : 0);
      return;
    }
    if (cmd >= I8042Command.WRITE_CONFIG && cmd < I8042Command.WRITE_CONFIG + 0x20) {
      this.pendingCommand = cmd;
      return;
    }
    switch (cmd) {
      case I8042Command.DISABLE_AUX: this.config |= I8042Config.AUX_DISABLE; return;
      case I8042Command.ENABLE_AUX: this.config &= ~I8042Config.AUX_DISABLE; return;
      case I8042Command.TEST_AUX: this.respond(0x00); return;
      case I8042Command.SELF_TEST:
        this.config |= I8042Config.SYS;
        this.respond(I8042_SELF_TEST_OK);
        return;
      case I8042Command.TEST_KEYBOARD: this.respond(0x00); return;
      case I8042Command.DISABLE_KEYBOARD: this.config |= I8042Config.KEYBOARD_DISABLE; this.update(); return;
      case I8042Command.ENABLE_KEYBOARD: this.config &= ~I8042Config.KEYBOARD_DISABLE; this.refill(); return;
      case I8042Command.READ_INPUT_PORT: this.respond(0x00); return;
      case I8042Command.READ_OUTPUT_PORT: this.respond(this.outputPort); return;
      case I8042Command.READ_TEST_INPUTS: this.respond(0x00); return;
      case I8042Command.WRITE_OUTPUT_PORT:
      case I8042Command.WRITE_KEYBOARD_OUTPUT:
      case I8042Command.WRITE_AUX_OUTPUT:
      case I8042Command.WRITE_AUX:
        this.pendingCommand = cmd;
        return;
      default:
        if (cmd >= I8042Command.PULSE_OUTPUT && (cmd & I8042OutputPort.RESET_N) === 0) this.events.emit("reset");
    }
  }

  writeData(value: number): void {
    this.lastWasCommand = false;
    const cmd = this.pendingCommand;
    this.pendingCommand = -1;
    switch (cmd) {
      case I8042Command.WRITE_CONFIG:
        this.config = value & 0x77;
        this.refill();
        this.update();
        return;
      case I8042Command.WRITE_OUTPUT_PORT:
        this.outputPort = value;
        if ((value & I8042OutputPort.RESET_N) === 0) this.events.emit("reset");
        return;
      case I8042Command.WRITE_KEYBOARD_OUTPUT:
        this.respond(value);
        return;
      case I8042Command.WRITE_AUX_OUTPUT:
        this.respond(value, true);
        return;
      case I8042Command.WRITE_AUX:
        return; // no auxiliary device
      default:
        if (cmd >= I8042Command.WRITE_CONFIG) return; // other controller RAM bytes: ignored
        this.keyboardCommand(value);
    }
  }

  /** A byte sent to the keyboard (datasheet "Commands to the keyboard"). */
  private keyboardCommand(value: number): void {
    const pending = this.pendingKeyboardCommand;
    if (pending >= 0) {
      this.pendingKeyboardCommand = -1;
      this.respond(KeyboardResponse.ACK);
      if (pending === KeyboardCommand.SCAN_CODE_SET && value === 0) {
        this.respond(this.config & I8042Config.TRANSLATE ? 0x41 : 0x02); // set 2, translated
      }
      return;
    }
    switch (value) {
      case KeyboardCommand.SET_LEDS:
      case KeyboardCommand.SCAN_CODE_SET:
      case KeyboardCommand.TYPEMATIC:
        this.pendingKeyboardCommand = value;
        this.respond(KeyboardResponse.ACK);
        return;
      case KeyboardCommand.ECHO:
        this.respond(KeyboardResponse.ECHO);
        return;
      case KeyboardCommand.IDENTIFY:
        this.respond(KeyboardResponse.ACK);
        this.respond(0xab);
        this.respond(this.config & I8042Config.TRANSLATE ? 0x41 : 0x83);
        return;
      case KeyboardCommand.ENABLE_SCANNING:
        this.scanning = true;
        this.respond(KeyboardResponse.ACK);
        return;
      case KeyboardCommand.DISABLE_SCANNING:
        this.scanning = false;
        this.respond(KeyboardResponse.ACK);
        return;
      case KeyboardCommand.SET_DEFAULTS:
        this.respond(KeyboardResponse.ACK);
        return;
      case KeyboardCommand.RESEND:
        this.respond(this.lastByte);
        return;
      case KeyboardCommand.RESET:
        this.keys.length = 0;
        this.scanning = true;
        this.respond(KeyboardResponse.ACK);
        this.respond(KeyboardResponse.SELF_TEST_PASSED);
        return;
      default:
        this.respond(KeyboardResponse.RESEND);
    }
  }

  private respond(byte: number, aux = false): void {
    this.responses.push(aux ? byte | 0x100 : byte);
    this.refill();
  }

  /** Moves the next byte into the empty output buffer: responses first, then keystrokes. */
  private refill(): void {
    if (this.outputByte >= 0) return;
    let next: number | undefined = this.responses.shift();
    if (next === undefined && this.scanning && (this.config & I8042Config.KEYBOARD_DISABLE) === 0) next = this.keys.shift();
    if (next === undefined) return;
    this.outputByte = next & 0xff;
    this.outputAux = next > 0xff;
    this.update();
  }

  private update(): void {
    this.irq1.set(this.outputByte >= 0 && !this.outputAux && (this.config & I8042Config.KEYBOARD_INT) !== 0);
  }

  saveState(): I8042State {
    const { config, outputPort, lastWasCommand, pendingCommand, pendingKeyboardCommand, scanning, outputByte, outputAux, lastByte } = this;
    return {
      config, outputPort, lastWasCommand, pendingCommand, pendingKeyboardCommand, scanning, outputByte, outputAux, lastByte,
      responses: [...this.responses], keys: [...this.keys],
    };
  }

  restoreState(s: I8042State): void {
    Object.assign(this, { ...s, responses: [...s.responses], keys: [...s.keys] });
    this.irq1.restoreLevel(this.outputByte >= 0 && !this.outputAux && (this.config & I8042Config.KEYBOARD_INT) !== 0);
  }
}
