/**
 * Interrupt request lines: the wires from devices to the interrupt controller's IR inputs.
 *
 * A device holds an `IrqLine` and drives its level; the controller at the other end sees every
 * change of level (it decides whether it latches edges or levels). ISA interrupt lines are
 * active high and, on the PC/AT, edge-triggered at the 8259A (8259A datasheet, "Edge and level
 * triggered modes").
 */
export interface IrqSink {
  /** Called with the line's number and new level whenever the level changes. */
  setIrqLevel(irq: number, level: boolean): void;
}

/** One interrupt request line, IRQ 0–15 on the PC. */
export class IrqLine {
  private high = false;

  /**
   * @param irq   the IRQ number this line is wired to (0–15 on the dual-8259A PC)
   * @param sink  the interrupt controller input at the other end
   */
  constructor(
    readonly irq: number,
    private readonly sink: IrqSink,
  ) {}

  /** The line's current level: true = asserted (high). */
  get level(): boolean {
    return this.high;
  }

  /** Drives the line high (no-op when already high). */
  raise(): void {
    if (this.high) return;
    this.high = true;
    this.sink.setIrqLevel(this.irq, true);
  }

  /** Drives the line low (no-op when already low). */
  lower(): void {
    if (!this.high) return;
    this.high = false;
    this.sink.setIrqLevel(this.irq, false);
  }

  /** Sets the level: `raise()` for true, `lower()` for false. */
  set(level: boolean): void {
    if (level) this.raise();
    else this.lower();
  }

  /** A low-to-high edge, leaving the line high: lowers it first if it was already high. */
  pulse(): void {
    this.lower();
    this.raise();
  }

  /** Forces the recorded level without telling the controller (state restore only). */
  restoreLevel(level: boolean): void {
    this.high = level;
  }
}
