/**
 * A 16550A UART (the PC's COM ports; COM1 = 0x3F8, IRQ4).
 *
 * Source: National Semiconductor / TI PC16550D "UART with FIFOs" datasheet, Table II (register
 * summary), Table IV (interrupt control: IIR priorities), and the sections on FIFO operation and
 * loopback. The registers at offsets 0–7 are RBR/THR (DLL with LCR.DLAB), IER (DLM with DLAB),
 * IIR/FCR, LCR, MCR, LSR, MSR, SCR.
 *
 * Host side: bytes the guest transmits are emitted at once as `transmit` events (the line runs
 * infinitely fast: THR and the shift register are always empty again by the next access); bytes
 * the host sends with `receive()` wait in a host-side queue and move into the 16-byte receive FIFO
 * (1 byte with FIFOs disabled) as the guest reads, so host input is never overrun. The modem lines
 * from the host read as a connected terminal (CTS, DSR, DCD asserted). The character-timeout
 * interrupt is reported as soon as the FIFO holds fewer bytes than the trigger level and nothing
 * more is queued, instead of after four character times. On the PC/AT the interrupt reaches the
 * IRQ line only while MCR.OUT2 is set (OUT2 enables the board's IRQ driver), and not in loopback.
 * `hangUp()` drops the host's DCD and DSR (a modem losing carrier): the bytes already queued stay
 * readable, and a guest can take the carrier loss after them as the end of its input.
 */
import { Emitter } from "../events.js";
import type { IoBus } from "../io-bus.js";
import type { IrqLine } from "../irq.js";

/** Register offsets from the base port. */
export const enum UartReg {
  /** RBR (read), THR (write); DLL when LCR.DLAB = 1. */
  DATA = 0,
  /** IER; DLM when LCR.DLAB = 1. */
  IER = 1,
  /** IIR (read), FCR (write). */
  IIR_FCR = 2,
  LCR = 3,
  MCR = 4,
  LSR = 5,
  MSR = 6,
  SCR = 7,
}

/** Interrupt enable register bits. */
export const enum IER {
  /** Received data available (and character timeout). */
  ERBFI = 0x01,
  /** Transmitter holding register empty. */
  ETBEI = 0x02,
  /** Receiver line status. */
  ELSI = 0x04,
  /** Modem status. */
  EDSSI = 0x08,
}

/** Interrupt identification register values, in priority order (Table IV). */
export const enum IIR {
  /** Bit 0 = 1: no interrupt pending. */
  NO_INTERRUPT = 0x01,
  /** Receiver line status (highest): OE, PE, FE or BI. */
  LINE_STATUS = 0x06,
  /** Received data available (FIFO at or above the trigger level). */
  RECEIVED_DATA = 0x04,
  /** Character timeout (FIFO mode): data below the trigger level. */
  CHARACTER_TIMEOUT = 0x0c,
  /** Transmitter holding register empty. */
  THR_EMPTY = 0x02,
  /** Modem status (lowest). */
  MODEM_STATUS = 0x00,
  /** Bits 7:6 set when the FIFOs are enabled. */
  FIFOS_ENABLED = 0xc0,
}

/** FIFO control register bits. */
export const enum FCR {
  ENABLE = 0x01,
  CLEAR_RX = 0x02,
  CLEAR_TX = 0x04,
  DMA_MODE = 0x08,
  /** Receiver trigger level, bits 7:6: 1, 4, 8, 14 bytes. */
  TRIGGER_SHIFT = 6,
}

/** Line control register bits. */
export const enum LCR {
  WORD_LENGTH_MASK = 0x03,
  STOP_BITS = 0x04,
  PARITY_ENABLE = 0x08,
  EVEN_PARITY = 0x10,
  STICK_PARITY = 0x20,
  BREAK = 0x40,
  /** Divisor latch access. */
  DLAB = 0x80,
}

/** Modem control register bits. */
export const enum MCR {
  DTR = 0x01,
  RTS = 0x02,
  OUT1 = 0x04,
  /** On the PC: enables the IRQ line driver. */
  OUT2 = 0x08,
  LOOP = 0x10,
}

/** Line status register bits. */
export const enum LSR {
  DATA_READY = 0x01,
  OVERRUN_ERROR = 0x02,
  PARITY_ERROR = 0x04,
  FRAMING_ERROR = 0x08,
  BREAK_INTERRUPT = 0x10,
  THR_EMPTY = 0x20,
  TRANSMITTER_EMPTY = 0x40,
  RX_FIFO_ERROR = 0x80,
  ERRORS = 0x1e,
}

/** Modem status register bits. */
export const enum MSR {
  DCTS = 0x01,
  DDSR = 0x02,
  TERI = 0x04,
  DDCD = 0x08,
  CTS = 0x10,
  DSR = 0x20,
  RI = 0x40,
  DCD = 0x80,
  DELTAS = 0x0f,
}

/** COM1's and COM2's base ports and IRQs on the PC. */
export const COM1_PORT = 0x3f8;
export const COM1_IRQ = 4;
export const COM2_PORT = 0x2f8;
export const COM2_IRQ = 3;
/** Receive FIFO depth, bytes. */
export const UART_FIFO_BYTES = 16;
/** Baud rate for divisor 1 (1.8432 MHz crystal / 16), bits per second. */
export const UART_BASE_BAUD = 115200;

const TRIGGER_LEVELS = [1, 4, 8, 14] as const;

/** The UART's events. */
export interface UartEvents {
  /** The guest transmitted `byte` (not in loopback mode). */
  transmit: [byte: number];
}

/** Saved state of the UART. */
export interface UartState {
  ier: number;
  lcr: number;
  mcr: number;
  scr: number;
  divisor: number;
  fifoEnabled: boolean;
  triggerLevel: number;
  rx: number[];
  backlog: number[];
  lineErrors: number;
  msrDeltas: number;
  modemStatus: number;
  thrInterrupt: boolean;
  /** MSR bits 7:4 driven by the host end (absent in states saved before `hangUp` existed). */
  hostLines?: number;
}

export class Uart16550 {
  readonly events = new Emitter<UartEvents>();
  private ier = 0;
  private lcr = 0;
  private mcr = 0;
  private scr = 0;
  private divisor = 1;
  private fifoEnabled = false;
  private triggerLevel = 1;
  /** Receive FIFO (oldest first). */
  private rx: number[] = [];
  /** Host bytes not yet in the FIFO: backlog[backlogHead..] (a queue, so that taking a byte does
   * not move the rest: host input can be megabytes). */
  private backlog: number[] = [];
  private backlogHead = 0;
  /** OE/PE/FE/BI, cleared by reading LSR. */
  private lineErrors = 0;
  private msrDeltas = 0;
  /** MSR bits 7:4 as last seen (for the delta bits). */
  private modemStatus = MSR.CTS | MSR.DSR | MSR.DCD;
  /** The THR-empty interrupt is pending (set when THR empties, cleared by IIR read or THR write). */
  private thrInterrupt = false;
  /** MSR bits 7:4 the host end drives outside loopback: a connected terminal until `hangUp()`. */
  private hostLines = MSR.CTS | MSR.DSR | MSR.DCD;

  /**
   * @param irq  the line the UART's interrupt drives (IRQ4 for COM1)
   * @param base first of the 8 ports (0x3F8 for COM1)
   * @param name device name in the port map
   */
  constructor(
    private readonly irq: IrqLine,
    readonly base: number = COM1_PORT,
    readonly name: string = "COM1",
  ) {}

  /** Claims the 8 ports at `base`. */
  attach(io: IoBus): void {
    io.register(this.base, 8, {
      name: `16550A UART (${this.name})`,
      read: (port) => this.read(port - this.base),
      write: (port, _size, value) => this.write(port - this.base, value),
    });
  }

  /** Line speed the guest programmed, bits per second (115200 / divisor). */
  get baudRate(): number {
    return UART_BASE_BAUD / (this.divisor || 0x10000);
  }

  /** Host input: queues bytes for the guest to receive (strings are sent as UTF-8). */
  receive(data: Uint8Array | readonly number[] | string): void {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    for (const b of bytes) this.backlog.push(b & 0xff);
    this.pump();
    this.update();
  }

  /**
   * The host end hangs up: DCD (carrier detect) and DSR drop, CTS stays. Bytes already queued
   * remain readable; the delta bits DDCD and DDSR are set and the modem-status interrupt is
   * raised if IER.EDSSI enables it.
   */
  hangUp(): void {
    this.hostLines = MSR.CTS;
    this.refreshModemStatus();
    this.update();
  }

  /** Host bytes waiting, in the FIFO and behind it. */
  get pendingInput(): number {
    return this.rx.length + this.backlogLength;
  }

  /** Register read at `offset` 0–7. */
  read(offset: number): number {
    const dlab = (this.lcr & LCR.DLAB) !== 0;
    switch (offset) {
      case UartReg.DATA: {
        if (dlab) return this.divisor & 0xff;
        const byte = this.rx.shift() ?? 0;
        this.pump();
        this.update();
        return byte;
      }
      case UartReg.IER:
        return dlab ? this.divisor >> 8 : this.ier;
      case UartReg.IIR_FCR: {
        const id = this.interruptId();
        // Reading IIR while it reports THR empty clears that interrupt (Table IV).
        if (id === IIR.THR_EMPTY) {
          this.thrInterrupt = false;
          this.update();
        }
        return id | (this.fifoEnabled ? IIR.FIFOS_ENABLED : 0);
      }
      case UartReg.LCR:
        return this.lcr;
      case UartReg.MCR:
        return this.mcr;
      case UartReg.LSR: {
        const value = this.lineStatus();
        this.lineErrors = 0;
        this.update();
        return value;
      }
      case UartReg.MSR: {
        this.refreshModemStatus();
        const value = this.modemStatus | this.msrDeltas;
        this.msrDeltas = 0;
        this.update();
        return value;
      }
      default:
        return this.scr;
    }
  }

  /** Register write at `offset` 0–7. */
  write(offset: number, value: number): void {
    const dlab = (this.lcr & LCR.DLAB) !== 0;
    switch (offset) {
      case UartReg.DATA:
        if (dlab) {
          this.divisor = (this.divisor & 0xff00) | value;
          return;
        }
        this.transmit(value);
        break;
      case UartReg.IER: {
        if (dlab) {
          this.divisor = (this.divisor & 0xff) | (value << 8);
          return;
        }
        const enabling = value & ~this.ier;
        this.ier = value & 0x0f;
        // Enabling ETBEI with THR empty raises the THR-empty interrupt.
        if (enabling & IER.ETBEI) this.thrInterrupt = true;
        break;
      }
      case UartReg.IIR_FCR:
        this.writeFcr(value);
        break;
      case UartReg.LCR:
        this.lcr = value;
        return;
      case UartReg.MCR:
        this.mcr = value & 0x1f;
        this.refreshModemStatus();
        break;
      case UartReg.LSR:
      case UartReg.MSR:
        return; // read-only (factory test registers)
      default:
        this.scr = value;
        return;
    }
    this.update();
  }

  private transmit(byte: number): void {
    // THR is full for a moment: the THR-empty interrupt drops, then rises again once the byte
    // has moved to the (instant) shift register, giving the interrupt controller a fresh edge.
    this.thrInterrupt = false;
    this.update();
    if (this.mcr & MCR.LOOP) {
      // Loopback: the transmitter output is connected to the receiver input.
      if (this.rx.length < this.fifoCapacity) this.rx.push(byte);
      else this.lineErrors |= LSR.OVERRUN_ERROR;
    } else {
      this.events.emit("transmit", byte);
    }
    this.thrInterrupt = true; // THR empty again at once
  }

  private writeFcr(value: number): void {
    const enable = (value & FCR.ENABLE) !== 0;
    if (enable !== this.fifoEnabled) {
      this.rx.length = 0;
      this.fifoEnabled = enable;
    }
    if (!enable) {
      this.pump();
      return;
    }
    if (value & FCR.CLEAR_RX) this.rx.length = 0;
    this.triggerLevel = TRIGGER_LEVELS[value >> FCR.TRIGGER_SHIFT];
    this.pump();
  }

  private get fifoCapacity(): number {
    return this.fifoEnabled ? UART_FIFO_BYTES : 1;
  }

  /** Moves host bytes into the receive FIFO while it has room (not in loopback). */
  private pump(): void {
    if (this.mcr & MCR.LOOP) return;
    const room = this.fifoCapacity - this.rx.length;
    for (let i = 0; i < room && this.backlogHead < this.backlog.length; i++) this.rx.push(this.backlog[this.backlogHead++]);
    if (this.backlogHead > 0 && this.backlogHead === this.backlog.length) {
      this.backlog = [];
      this.backlogHead = 0;
    } else if (this.backlogHead >= 4096 && this.backlogHead * 2 >= this.backlog.length) {
      this.backlog = this.backlog.slice(this.backlogHead); // compact now and then: O(1) per byte
      this.backlogHead = 0;
    }
  }

  private get backlogLength(): number {
    return this.backlog.length - this.backlogHead;
  }

  private lineStatus(): number {
    return (
      (this.rx.length > 0 ? LSR.DATA_READY : 0) |
      this.lineErrors |
      LSR.THR_EMPTY |
      LSR.TRANSMITTER_EMPTY |
      (this.fifoEnabled && this.lineErrors !== 0 ? LSR.RX_FIFO_ERROR : 0)
    );
  }

  /** MSR bits 7:4 from the host's lines or, in loopback, from MCR; accumulates delta bits. */
  private refreshModemStatus(): void {
    const m = this.mcr;
    const status =
      m & MCR.LOOP
        ? (m & MCR.RTS ? MSR.CTS : 0) | (m & MCR.DTR ? MSR.DSR : 0) | (m & MCR.OUT1 ? MSR.RI : 0) | (m & MCR.OUT2 ? MSR.DCD : 0)
        : this.hostLines;
    const changed = status ^ this.modemStatus;
    if (changed & MSR.CTS) this.msrDeltas |= MSR.DCTS;
    if (changed & MSR.DSR) this.msrDeltas |= MSR.DDSR;
    if (changed & MSR.DCD) this.msrDeltas |= MSR.DDCD;
    if (changed & this.modemStatus & MSR.RI) this.msrDeltas |= MSR.TERI; // RI trailing edge
    this.modemStatus = status;
  }

  /** The highest-priority pending interrupt's IIR bits 3:0 (Table IV). */
  interruptId(): number {
    if (this.ier & IER.ELSI && this.lineErrors !== 0) return IIR.LINE_STATUS;
    if (this.ier & IER.ERBFI && this.rx.length > 0) {
      if (!this.fifoEnabled || this.rx.length >= this.triggerLevel) return IIR.RECEIVED_DATA;
      return this.backlogLength > 0 ? IIR.RECEIVED_DATA : IIR.CHARACTER_TIMEOUT;
    }
    if (this.ier & IER.ETBEI && this.thrInterrupt) return IIR.THR_EMPTY;
    if (this.ier & IER.EDSSI && this.msrDeltas !== 0) return IIR.MODEM_STATUS;
    return IIR.NO_INTERRUPT;
  }

  private update(): void {
    const out2 = (this.mcr & (MCR.OUT2 | MCR.LOOP)) === MCR.OUT2;
    this.irq.set(out2 && this.interruptId() !== IIR.NO_INTERRUPT);
  }

  saveState(): UartState {
    const { ier, lcr, mcr, scr, divisor, fifoEnabled, triggerLevel, lineErrors, msrDeltas, modemStatus, thrInterrupt, hostLines } = this;
    return {
      ier, lcr, mcr, scr, divisor, fifoEnabled, triggerLevel, lineErrors, msrDeltas, modemStatus, thrInterrupt, hostLines,
      rx: [...this.rx],
      backlog: this.backlog.slice(this.backlogHead),
    };
  }

  restoreState(s: UartState): void {
    Object.assign(this, { ...s, rx: [...s.rx], backlog: [...s.backlog], backlogHead: 0 });
    const out2 = (this.mcr & (MCR.OUT2 | MCR.LOOP)) === MCR.OUT2;
    this.irq.restoreLevel(out2 && this.interruptId() !== IIR.NO_INTERRUPT);
  }
}
