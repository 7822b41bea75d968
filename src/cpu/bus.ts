/**
 * What the processor needs from the board it sits on. The processor knows nothing of devices:
 * the board (src/machine) implements this interface and hands it to `new Cpu(bus)`.
 *
 * Physical address space: RAM occupies [0, ram.length) and is accessed by the processor directly
 * through `ram`; any other physical address goes through `readPhysSlow`/`writePhysSlow`
 * (unbacked addresses read as all ones and ignore writes, as on a PC).
 */
export interface CpuBus {
  /** Guest RAM, bytes; physical address = index. Length is a multiple of 4 KiB. */
  readonly ram: Uint8Array;
  /** Byte read from a physical address outside RAM. */
  readPhysSlow(addr: number): number;
  /** Byte write to a physical address outside RAM. */
  writePhysSlow(addr: number, value: number): void;
  /** Port input (IN/INS). `size` is 1, 2 or 4 bytes; returns the zero-extended value. */
  ioRead(port: number, size: 1 | 2 | 4): number;
  /** Port output (OUT/OUTS). `size` is 1, 2 or 4 bytes. */
  ioWrite(port: number, size: 1 | 2 | 4, value: number): void;
  /**
   * Maskable interrupt (INTR) handshake: the processor calls `pendingInterrupt()` between
   * instructions when EFLAGS.IF = 1; a non-negative result is the vector the interrupt
   * controller supplies (the INTA cycle), -1 means none.
   */
  pendingInterrupt(): number;
}

/** A bus with RAM only and no devices: for tests and the differential harness. */
export class RamBus implements CpuBus {
  readonly ram: Uint8Array;
  /** Bytes written to ports, in order, as [port, size, value]. */
  readonly ioLog: Array<[number, number, number]> = [];
  constructor(bytes: number) {
    this.ram = new Uint8Array(bytes);
  }
  readPhysSlow(_addr: number): number {
    return 0xff;
  }
  writePhysSlow(_addr: number, _value: number): void {}
  ioRead(_port: number, size: 1 | 2 | 4): number {
    return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
  }
  ioWrite(port: number, size: 1 | 2 | 4, value: number): void {
    this.ioLog.push([port, size, value]);
  }
  pendingInterrupt(): number {
    return -1;
  }
}
