/**
 * The PC/AT's two cascaded 8259A programmable interrupt controllers.
 *
 * Source: Intel 8259A Programmable Interrupt Controller datasheet (order 231468): "Interrupt
 * Sequence", "Initialization Command Words", "Operation Command Words", "The Special Mask Mode",
 * "Poll Command", "Cascade Mode". The master sits at ports 0x20/0x21 with IR0–7 = IRQ0–7, the
 * slave at 0xA0/0xA1 with IR0–7 = IRQ8–15, and the slave's INT output drives the master's IR2.
 *
 * Modelled: ICW1–ICW4, OCW1–OCW3, non-specific and specific EOI, rotation (on EOI, in automatic
 * EOI mode, set priority), automatic EOI, special mask mode, special fully nested mode on the
 * master, reading IRR/ISR via OCW3, the poll command, edge- and level-triggered inputs (ICW1.LTIM),
 * and spurious interrupts: an INTA with no request left yields the chip's IR7 vector without
 * setting its ISR bit (IRQ7 on the master; IRQ15 on the slave, with the master's IR2 in service).
 * Not modelled: 8080/8085 mode (vectors are always 8086-style, ICW2 & 0xF8 | IR), buffered mode,
 * the EISA edge/level control registers at 0x4D0/0x4D1.
 */
import type { IoBus } from "../io-bus.js";
import { IrqLine, type IrqSink } from "../irq.js";

/** ICW1 bits (written to the even port with bit 4 set). */
export const enum ICW1 {
  /** ICW4 will follow. */
  IC4 = 0x01,
  /** Single 8259A, no ICW3. */
  SNGL = 0x02,
  /** Call address interval 4 (8080 mode only). */
  ADI = 0x04,
  /** Level-triggered inputs instead of edge-triggered. */
  LTIM = 0x08,
  /** Marks the write as ICW1. */
  INIT = 0x10,
}

/** ICW4 bits. */
export const enum ICW4 {
  /** 8086/8088 mode (vectors from ICW2). */
  UPM = 0x01,
  /** Automatic EOI at the end of the INTA sequence. */
  AEOI = 0x02,
  /** Buffered mode: master (1) or slave (0). */
  MS = 0x04,
  /** Buffered mode. */
  BUF = 0x08,
  /** Special fully nested mode. */
  SFNM = 0x10,
}

/** OCW2 fields (even port, bits 4:3 = 00). */
export const enum OCW2 {
  /** Interrupt level L2–L0 for specific commands. */
  LEVEL = 0x07,
  /** End of interrupt. */
  EOI = 0x20,
  /** Specific level: the command names IR `LEVEL`. */
  SL = 0x40,
  /** Rotate priorities. */
  R = 0x80,
}

/** OCW3 bits (even port, bits 4:3 = 01). */
export const enum OCW3 {
  /** Read ISR (1) or IRR (0) on the next read of the even port, when RR = 1. */
  RIS = 0x01,
  /** Act on RIS. */
  RR = 0x02,
  /** Poll command. */
  P = 0x04,
  /** Marks the write as OCW3. */
  SELECT = 0x08,
  /** Special mask mode value, when ESMM = 1. */
  SMM = 0x20,
  /** Act on SMM. */
  ESMM = 0x40,
}

/** Base ports of the two chips. */
export const PIC_MASTER_PORT = 0x20;
export const PIC_SLAVE_PORT = 0xa0;
/** The master input the slave's INT output is wired to. */
export const CASCADE_IRQ = 2;

/** Saved state of one 8259A; every field is a plain number or boolean. */
export interface Pic8259State {
  irr: number;
  isr: number;
  imr: number;
  inputs: number;
  vectorBase: number;
  priorityAdd: number;
  readIsr: boolean;
  poll: boolean;
  specialMask: boolean;
  autoEoi: boolean;
  rotateOnAutoEoi: boolean;
  specialFullyNested: boolean;
  levelTriggered: boolean;
  single: boolean;
  needIcw4: boolean;
  icw3: number;
  initStep: number;
}

/** Priority rank (0 = highest) of the highest-priority set bit of `mask`; 8 when none. */
function priorityOf(mask: number, priorityAdd: number): number {
  if (mask === 0) return 8;
  let p = 0;
  while ((mask & (1 << ((p + priorityAdd) & 7))) === 0) p++;
  return p;
}

/** One 8259A chip. Port-level behaviour; the cascade is wired by `DualPic`. */
export class Pic8259 {
  /** Interrupt request register: inputs latched and waiting for INTA. */
  irr = 0;
  /** In-service register: interrupts acknowledged and not yet ended by EOI. */
  isr = 0;
  /** Interrupt mask register (OCW1). */
  imr = 0;
  /** Current levels of the IR inputs (bit n = IRn high). */
  inputs = 0;
  /** ICW2: vector for IR0; IRn uses vectorBase | n. */
  vectorBase = 0;
  /** Rotation: IR(priorityAdd) has the highest priority, IR(priorityAdd - 1) the lowest. */
  priorityAdd = 0;
  readIsr = false;
  poll = false;
  specialMask = false;
  autoEoi = false;
  rotateOnAutoEoi = false;
  specialFullyNested = false;
  levelTriggered = false;
  single = false;
  needIcw4 = false;
  /** ICW3: on the master, a bit per IR with a slave; on a slave, its identity. */
  icw3 = 0;
  /** 0 = initialized; 2, 3, 4 = the next odd-port write is ICW2, ICW3, ICW4. */
  initStep = 0;

  /** @param isMaster true for the chip whose INT goes to the processor */
  constructor(readonly isMaster: boolean) {}

  /** An IR input changed level. Edge mode latches rising edges; level mode follows the level. */
  setInput(ir: number, level: boolean): void {
    const bit = 1 << ir;
    if (level) {
      if (this.levelTriggered || (this.inputs & bit) === 0) this.irr |= bit;
      this.inputs |= bit;
    } else {
      if (this.levelTriggered) this.irr &= ~bit;
      this.inputs &= ~bit;
    }
  }

  /** Mask of inputs wired to slaves (master in cascade mode only). */
  get slaveMask(): number {
    return this.isMaster && !this.single ? this.icw3 : 0;
  }

  /**
   * The IR this chip would present on INTA, or -1: the highest-priority unmasked request of
   * higher priority than every interrupt in service (datasheet "Fully Nested Mode"). In special
   * mask mode, masked in-service levels do not block; in special fully nested mode the master's
   * in-service slave inputs do not block further requests from that slave.
   */
  highestRequest(): number {
    const p = priorityOf(this.irr & ~this.imr, this.priorityAdd);
    if (p === 8) return -1;
    let inService = this.isr;
    if (this.specialMask) inService &= ~this.imr;
    if (this.specialFullyNested) inService &= ~this.slaveMask;
    return p < priorityOf(inService, this.priorityAdd) ? (p + this.priorityAdd) & 7 : -1;
  }

  /** The INTA sequence for `ir`: IRR bit to ISR (unless automatic EOI), and AEOI rotation. */
  acknowledge(ir: number): void {
    const bit = 1 << ir;
    this.irr &= ~bit;
    if (this.levelTriggered && (this.inputs & bit) !== 0) this.irr |= bit;
    if (this.autoEoi) {
      if (this.rotateOnAutoEoi) this.priorityAdd = (ir + 1) & 7;
    } else {
      this.isr |= bit;
    }
  }

  /** Datasheet "Poll Command": 0x80 | IR of the highest request (acknowledged), or 0. */
  pollRead(): number {
    const ir = this.highestRequest();
    if (ir < 0) return 0;
    this.acknowledge(ir);
    return 0x80 | ir;
  }

  /** Input from the even (A0 = 0) or odd (A0 = 1) port. */
  read(a0: 0 | 1): number {
    if (this.poll) {
      this.poll = false;
      return this.pollRead();
    }
    if (a0 === 1) return this.imr;
    return this.readIsr ? this.isr : this.irr;
  }

  /** Output to the even (A0 = 0) or odd (A0 = 1) port: ICW1–4 and OCW1–3. */
  write(a0: 0 | 1, value: number): void {
    if (a0 === 0) {
      if (value & ICW1.INIT) this.writeIcw1(value);
      else if (value & OCW3.SELECT) this.writeOcw3(value);
      else this.writeOcw2(value);
      return;
    }
    switch (this.initStep) {
      case 2: // ICW2: T7–T3 of the vector
        this.vectorBase = value & 0xf8;
        this.initStep = this.single ? (this.needIcw4 ? 4 : 0) : 3;
        return;
      case 3: // ICW3: slave map (master) or slave identity (slave)
        this.icw3 = value;
        this.initStep = this.needIcw4 ? 4 : 0;
        return;
      case 4: // ICW4
        this.autoEoi = (value & ICW4.AEOI) !== 0;
        this.specialFullyNested = (value & ICW4.SFNM) !== 0;
        this.initStep = 0;
        return;
      default: // OCW1
        this.imr = value;
    }
  }

  /**
   * ICW1 starts initialization: "the edge sense circuit is reset", the IMR is cleared, IR7 gets
   * the lowest priority, special mask mode is cleared, and status read is set to the IRR; ICW4
   * functions are zero until ICW4 is written.
   */
  private writeIcw1(value: number): void {
    this.single = (value & ICW1.SNGL) !== 0;
    this.needIcw4 = (value & ICW1.IC4) !== 0;
    this.levelTriggered = (value & ICW1.LTIM) !== 0;
    this.irr = this.levelTriggered ? this.inputs : 0;
    this.isr = 0;
    this.imr = 0;
    this.priorityAdd = 0;
    this.readIsr = false;
    this.poll = false;
    this.specialMask = false;
    this.autoEoi = false;
    this.rotateOnAutoEoi = false;
    this.specialFullyNested = false;
    this.icw3 = 0;
    this.initStep = 2;
  }

  private writeOcw2(value: number): void {
    const level = value & OCW2.LEVEL;
    switch (value & (OCW2.R | OCW2.SL | OCW2.EOI)) {
      case 0: // rotate in automatic EOI mode (clear)
        this.rotateOnAutoEoi = false;
        return;
      case OCW2.R: // rotate in automatic EOI mode (set)
        this.rotateOnAutoEoi = true;
        return;
      case OCW2.EOI: // non-specific EOI: the highest-priority in-service level
      case OCW2.R | OCW2.EOI: {
        const p = priorityOf(this.isr, this.priorityAdd);
        if (p === 8) return;
        const ir = (p + this.priorityAdd) & 7;
        this.isr &= ~(1 << ir);
        if (value & OCW2.R) this.priorityAdd = (ir + 1) & 7;
        return;
      }
      case OCW2.SL | OCW2.EOI: // specific EOI
        this.isr &= ~(1 << level);
        return;
      case OCW2.R | OCW2.SL | OCW2.EOI: // rotate on specific EOI
        this.isr &= ~(1 << level);
        this.priorityAdd = (level + 1) & 7;
        return;
      case OCW2.R | OCW2.SL: // set priority: IR(level) becomes the lowest
        this.priorityAdd = (level + 1) & 7;
        return;
      default: // SL alone: no operation
        return;
    }
  }

  private writeOcw3(value: number): void {
    if (value & OCW3.P) this.poll = true;
    if (value & OCW3.RR) this.readIsr = (value & OCW3.RIS) !== 0;
    if (value & OCW3.ESMM) this.specialMask = (value & OCW3.SMM) !== 0;
  }

  saveState(): Pic8259State {
    const { irr, isr, imr, inputs, vectorBase, priorityAdd, readIsr, poll, specialMask, autoEoi, rotateOnAutoEoi } = this;
    const { specialFullyNested, levelTriggered, single, needIcw4, icw3, initStep } = this;
    return {
      irr, isr, imr, inputs, vectorBase, priorityAdd, readIsr, poll, specialMask, autoEoi, rotateOnAutoEoi,
      specialFullyNested, levelTriggered, single, needIcw4, icw3, initStep,
    };
  }

  restoreState(s: Pic8259State): void {
    Object.assign(this, s);
  }
}

/** Saved state of the pair. */
export interface DualPicState {
  master: Pic8259State;
  slave: Pic8259State;
}

/**
 * The PC/AT pair of 8259As: IRQ lines 0–15, the processor's INTR output and the INTA cycle.
 *
 * Devices get their wire with `line(irq)`; the processor's bus asks `intr` and, when it takes the
 * interrupt, `acknowledge()` for the vector.
 */
export class DualPic implements IrqSink {
  readonly master = new Pic8259(true);
  readonly slave = new Pic8259(false);
  private readonly lines: IrqLine[] = [];
  private intrLevel = false;
  /** Called when INTR goes from low to high (the board asks the processor to look). */
  onInterruptRequest: (() => void) | null = null;

  constructor() {
    for (let irq = 0; irq < 16; irq++) this.lines.push(new IrqLine(irq, this));
  }

  /** The wire for IRQ `irq` (0–15). IRQ2 is the cascade and not offered to devices. */
  line(irq: number): IrqLine {
    if (!Number.isInteger(irq) || irq < 0 || irq > 15 || irq === CASCADE_IRQ) {
      throw new RangeError(`IRQ ${irq} is not a device interrupt line (0-15 except the cascade, 2)`);
    }
    return this.lines[irq];
  }

  /** Claims 0x20–0x21 and 0xA0–0xA1. */
  attach(io: IoBus): void {
    io.register(PIC_MASTER_PORT, 2, {
      name: "8259A PIC (master)",
      read: (port) => this.portRead(this.master, port),
      write: (port, _size, value) => this.portWrite(this.master, port, value),
    });
    io.register(PIC_SLAVE_PORT, 2, {
      name: "8259A PIC (slave)",
      read: (port) => this.portRead(this.slave, port),
      write: (port, _size, value) => this.portWrite(this.slave, port, value),
    });
  }

  /**
   * Programs both chips the way a PC BIOS leaves them: edge-triggered, cascaded, 8086 mode,
   * master vectors 0x08–0x0F, slave 0x70–0x77, every IRQ masked except the cascade.
   */
  initializeAsBios(): void {
    for (const [chip, base, icw3] of [[this.master, 0x08, 1 << CASCADE_IRQ], [this.slave, 0x70, CASCADE_IRQ]] as const) {
      chip.write(0, ICW1.INIT | ICW1.IC4);
      chip.write(1, base);
      chip.write(1, icw3);
      chip.write(1, ICW4.UPM);
    }
    this.master.write(1, 0xff & ~(1 << CASCADE_IRQ));
    this.slave.write(1, 0xff);
    this.update();
  }

  /** True when a request on IRQ `irq` could not reach the processor: masked on its chip, or a slave IRQ with the cascade masked. */
  isMasked(irq: number): boolean {
    if (irq < 8) return (this.master.imr & (1 << irq)) !== 0;
    return (this.slave.imr & (1 << (irq - 8))) !== 0 || (this.master.imr & (1 << CASCADE_IRQ)) !== 0;
  }

  /** INTR: the master has a request for the processor. */
  get intr(): boolean {
    return this.intrLevel;
  }

  setIrqLevel(irq: number, level: boolean): void {
    if (irq < 8) this.master.setInput(irq, level);
    else this.slave.setInput(irq - 8, level);
    this.update();
  }

  /**
   * The INTA cycle: the vector the controllers put on the bus, with the IRR→ISR transfer on the
   * chips involved. When no request is left (the line fell before INTA), the chip answers with its
   * IR7 vector and sets no ISR bit (a spurious interrupt, datasheet "Interrupt Sequence" note).
   * @returns the vector, 0–255
   */
  acknowledge(): number {
    const m = this.master;
    const ir = m.highestRequest();
    if (ir < 0) {
      this.update();
      return m.vectorBase | 7;
    }
    m.acknowledge(ir);
    let vector: number;
    if ((m.slaveMask & (1 << ir)) !== 0) {
      const s = this.slave;
      const sir = s.highestRequest();
      if (sir < 0) {
        vector = s.vectorBase | 7;
      } else {
        s.acknowledge(sir);
        vector = s.vectorBase | sir;
      }
    } else {
      vector = m.vectorBase | ir;
    }
    this.update();
    return vector;
  }

  /** Recomputes the slave's INT (master IR2) and the master's INTR. */
  private update(): void {
    const slaveInt = this.slave.highestRequest() >= 0;
    if (slaveInt !== ((this.master.inputs & (1 << CASCADE_IRQ)) !== 0)) this.master.setInput(CASCADE_IRQ, slaveInt);
    const intr = this.master.highestRequest() >= 0;
    const rising = intr && !this.intrLevel;
    this.intrLevel = intr;
    if (rising) this.onInterruptRequest?.();
  }

  private portRead(chip: Pic8259, port: number): number {
    const value = chip.read((port & 1) as 0 | 1);
    this.update();
    return value;
  }

  private portWrite(chip: Pic8259, port: number, value: number): void {
    chip.write((port & 1) as 0 | 1, value);
    this.update();
  }

  saveState(): DualPicState {
    return { master: this.master.saveState(), slave: this.slave.saveState() };
  }

  /** Restores both chips; the IRQ lines' recorded levels follow the saved input levels. */
  restoreState(s: DualPicState): void {
    this.master.restoreState(s.master);
    this.slave.restoreState(s.slave);
    for (let irq = 0; irq < 16; irq++) {
      const chip = irq < 8 ? this.master : this.slave;
      this.lines[irq].restoreLevel((chip.inputs & (1 << (irq & 7))) !== 0);
    }
    this.intrLevel = false;
    this.update();
  }
}
