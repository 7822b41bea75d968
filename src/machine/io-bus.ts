/**
 * The port I/O bus: the 64 KiB I/O address space of the x86 (SDM Vol. 1 §18.2), with devices
 * claiming port ranges.
 *
 * Accesses are 1, 2 or 4 bytes wide. A device says which widths it decodes; any other access is
 * split into byte accesses at consecutive ports, little-endian, as the ISA bus does for 8-bit
 * devices. Ports nobody claims read as all ones (the floating ISA data bus) and ignore writes.
 */

/** Width of a port access, bytes. */
export type IoSize = 1 | 2 | 4;

/** A device's view of the ports it claimed. `port` is the absolute port number. */
export interface PortHandler {
  /** Name used in error messages and in the port map. */
  readonly name: string;
  /** Widths decoded as a whole; default `[1]` (byte-wide device). */
  readonly sizes?: readonly IoSize[];
  /** Input from `port`; the result is masked to `size` bytes. Absent: reads as all ones. */
  read?(port: number, size: IoSize): number;
  /** Output `value` (already masked to `size` bytes) to `port`. Absent: writes are ignored. */
  write?(port: number, size: IoSize, value: number): void;
}

/** One claimed range, for listing the port map. */
export interface PortRange {
  readonly first: number;
  readonly last: number;
  readonly handler: PortHandler;
}

const SIZE_MASK = [0, 0xff, 0xffff, 0, 0xffffffff] as const;

/** The I/O address space: ports 0x0000–0xFFFF. */
export class IoBus {
  private readonly handlers: Array<PortHandler | undefined> = new Array(0x10000).fill(undefined);
  /** Per port: bit n set when the handler decodes accesses of n bytes (bits 1, 2, 4). */
  private readonly widths = new Uint8Array(0x10000);
  private readonly ranges: PortRange[] = [];
  /** Called for every access to an unclaimed port (debugging aid); null = silent. */
  onUnclaimed: ((port: number, size: IoSize, write: boolean, value: number) => void) | null = null;

  /**
   * Claims ports `first`..`first + count - 1` for `handler`.
   * @throws RangeError when the range leaves 0x0000–0xFFFF or `count` < 1
   * @throws Error when a port in the range is already claimed (names both devices)
   */
  register(first: number, count: number, handler: PortHandler): void {
    if (!Number.isInteger(first) || !Number.isInteger(count) || count < 1 || first < 0 || first + count > 0x10000) {
      throw new RangeError(`${handler.name}: port range 0x${first.toString(16)}+${count} is outside 0x0000-0xffff`);
    }
    for (let p = first; p < first + count; p++) {
      const other = this.handlers[p];
      if (other !== undefined) {
        throw new Error(`${handler.name}: port 0x${p.toString(16)} is already claimed by ${other.name}`);
      }
    }
    const widths = (handler.sizes ?? [1]).reduce((m, size) => m | (1 << size), 0);
    for (let p = first; p < first + count; p++) {
      this.handlers[p] = handler;
      this.widths[p] = widths;
    }
    this.ranges.push({ first, last: first + count - 1, handler });
    this.ranges.sort((a, b) => a.first - b.first);
  }

  /** The claimed ranges, sorted by first port. */
  portMap(): readonly PortRange[] {
    return this.ranges;
  }

  /** The device that claimed `port`, if any. */
  handlerAt(port: number): PortHandler | undefined {
    return this.handlers[port & 0xffff];
  }

  /** Port input of `size` bytes from `port`; returns the zero-extended value. */
  read(port: number, size: IoSize): number {
    port &= 0xffff;
    const h = this.handlers[port];
    if (h !== undefined && (this.widths[port] & (1 << size)) !== 0) {
      return h.read === undefined ? SIZE_MASK[size] : (h.read(port, size) & SIZE_MASK[size]) >>> 0;
    }
    if (size === 1) {
      if (h === undefined) this.onUnclaimed?.(port, 1, false, 0xff);
      return h?.read === undefined ? 0xff : h.read(port, 1) & 0xff;
    }
    let value = 0;
    for (let i = 0; i < size; i++) value |= this.read((port + i) & 0xffff, 1) << (8 * i);
    return value >>> 0;
  }

  /** Port output of the low `size` bytes of `value` to `port`. */
  write(port: number, size: IoSize, value: number): void {
    port &= 0xffff;
    value = (value & SIZE_MASK[size]) >>> 0;
    const h = this.handlers[port];
    if (h !== undefined && (this.widths[port] & (1 << size)) !== 0) {
      h.write?.(port, size, value);
      return;
    }
    if (size === 1) {
      if (h === undefined) this.onUnclaimed?.(port, 1, true, value);
      else h.write?.(port, 1, value);
      return;
    }
    for (let i = 0; i < size; i++) this.write((port + i) & 0xffff, 1, (value >>> (8 * i)) & 0xff);
  }
}
