/**
 * Physical memory of the board: RAM from address 0 up to its size, nothing above.
 *
 * The whole range [0, size) is RAM, including 0xA0000–0xFFFFF where a PC has video memory and
 * ROM: the VGA text buffer at 0xB8000 is plain RAM that the VGA device reads. Physical addresses
 * at or above the RAM size are unbacked: they read as all ones and ignore writes, as an
 * unterminated bus does on a PC.
 */

/** 1 KiB, 1 MiB, bytes. */
export const KiB = 1024;
export const MiB = 1024 * 1024;
/** Page size, bytes (SDM Vol. 3A §4.3). */
export const PAGE_SIZE = 4096;
/** Default RAM size, bytes. */
export const DEFAULT_MEMORY_BYTES = 64 * MiB;
/** Smallest RAM accepted, bytes: conventional memory plus the first megabyte of extended memory. */
export const MIN_MEMORY_BYTES = 2 * MiB;
/** Largest RAM accepted, bytes: 3 GiB, below the PCI/APIC hole at the top of the 4 GiB space. */
export const MAX_MEMORY_BYTES = 3 * 1024 * MiB;

export class PhysicalMemory {
  /** Guest RAM; physical address = index. */
  readonly ram: Uint8Array;

  /**
   * @param bytes RAM size in bytes, a multiple of 4 KiB between 2 MiB and 3 GiB
   * @throws RangeError when `bytes` is not such a size
   */
  constructor(bytes: number = DEFAULT_MEMORY_BYTES) {
    if (!Number.isInteger(bytes) || bytes % PAGE_SIZE !== 0 || bytes < MIN_MEMORY_BYTES || bytes > MAX_MEMORY_BYTES) {
      throw new RangeError(
        `memory size ${bytes} bytes is not a multiple of 4 KiB between ${MIN_MEMORY_BYTES / MiB} MiB and ${MAX_MEMORY_BYTES / MiB} MiB`,
      );
    }
    this.ram = new Uint8Array(bytes);
  }

  /** RAM size, bytes. */
  get size(): number {
    return this.ram.length;
  }

  /** Byte at physical address `addr`; 0xFF when unbacked. */
  read8(addr: number): number {
    addr >>>= 0;
    return addr < this.ram.length ? this.ram[addr] : 0xff;
  }

  /** Writes a byte at physical address `addr`; ignored when unbacked. */
  write8(addr: number, value: number): void {
    addr >>>= 0;
    if (addr < this.ram.length) this.ram[addr] = value;
  }

  /** Little-endian 16-bit read, byte by byte (may straddle the end of RAM). */
  read16(addr: number): number {
    return this.read8(addr) | (this.read8(addr + 1) << 8);
  }

  /** Little-endian 32-bit read, unsigned. */
  read32(addr: number): number {
    return (this.read16(addr) | (this.read16(addr + 2) << 16)) >>> 0;
  }

  /** Little-endian 16-bit write. */
  write16(addr: number, value: number): void {
    this.write8(addr, value & 0xff);
    this.write8(addr + 1, (value >>> 8) & 0xff);
  }

  /** Little-endian 32-bit write. */
  write32(addr: number, value: number): void {
    this.write16(addr, value & 0xffff);
    this.write16(addr + 2, (value >>> 16) & 0xffff);
  }

  /**
   * Copies `bytes` into RAM at `addr`.
   * @throws RangeError when [addr, addr + bytes.length) is not entirely inside RAM
   */
  load(addr: number, bytes: Uint8Array): void {
    this.checkRange(addr, bytes.length);
    this.ram.set(bytes, addr);
  }

  /**
   * Sets `length` bytes at `addr` to `value` (default 0).
   * @throws RangeError when the range is not entirely inside RAM
   */
  fill(addr: number, length: number, value = 0): void {
    this.checkRange(addr, length);
    this.ram.fill(value, addr, addr + length);
  }

  /** A copy of `length` bytes at `addr`; unbacked bytes read as 0xFF. */
  slice(addr: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.read8(addr + i);
    return out;
  }

  private checkRange(addr: number, length: number): void {
    if (!Number.isInteger(addr) || !Number.isInteger(length) || addr < 0 || length < 0 || addr + length > this.ram.length) {
      throw new RangeError(
        `physical range 0x${addr.toString(16)}+0x${length.toString(16)} is outside RAM (0-0x${this.ram.length.toString(16)})`,
      );
    }
  }
}
