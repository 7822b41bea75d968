/**
 * The CMOS real-time clock and its battery-backed RAM, an MC146818A at ports 0x70 (index, and
 * NMI mask in bit 7) and 0x71 (data), interrupting on IRQ8.
 *
 * Source: Motorola MC146818A datasheet: "Address Map" (registers 0x00–0x0D), "Register A"
 * (UIP, divider, rate select), "Register B" (SET, PIE, AIE, UIE, SQWE, DM, 24/12, DSE),
 * "Register C" (IRQF, PF, AF, UF; cleared by reading), "Register D" (VRT), "Periodic Interrupt
 * Rate" table; the IBM PC/AT Technical Reference for the CMOS RAM layout (0x10–0x3F: equipment,
 * memory sizes, century at 0x32).
 *
 * The time is the machine clock's time added to an epoch (UTC): by default the host's date when
 * the machine was created with the host clock, and 2000-01-01 00:00:00 UTC with the virtual clock,
 * so virtual runs are reproducible. Time, alarm, periodic and update-ended interrupts, BCD or
 * binary data mode, 12- or 24-hour mode, the SET bit and the update-in-progress bit (set for the
 * 244 µs before each update) are modelled; daylight saving (DSE) and the square-wave output are
 * not. Guest writes to the time registers move the RTC's time relative to the machine clock.
 */
import type { DeviceClock, TimedDevice } from "../clock.js";
import type { IoBus } from "../io-bus.js";
import type { IrqLine } from "../irq.js";

export const RTC_INDEX_PORT = 0x70;
export const RTC_DATA_PORT = 0x71;
export const RTC_IRQ = 8;

/** Register numbers (datasheet "Address Map" and PC/AT CMOS layout). */
export const enum RtcReg {
  SECONDS = 0x00,
  SECONDS_ALARM = 0x01,
  MINUTES = 0x02,
  MINUTES_ALARM = 0x03,
  HOURS = 0x04,
  HOURS_ALARM = 0x05,
  DAY_OF_WEEK = 0x06,
  DAY_OF_MONTH = 0x07,
  MONTH = 0x08,
  YEAR = 0x09,
  STATUS_A = 0x0a,
  STATUS_B = 0x0b,
  STATUS_C = 0x0c,
  STATUS_D = 0x0d,
  /** PC/AT: equipment byte. */
  EQUIPMENT = 0x14,
  /** PC/AT: base memory in KiB, low/high byte. */
  BASE_MEMORY_LOW = 0x15,
  BASE_MEMORY_HIGH = 0x16,
  /** PC/AT: extended memory above 1 MiB in KiB (at most 0xFFFF), low/high. */
  EXTENDED_MEMORY_LOW = 0x17,
  EXTENDED_MEMORY_HIGH = 0x18,
  CHECKSUM_HIGH = 0x2e,
  CHECKSUM_LOW = 0x2f,
  /** PC/AT: extended memory as found by POST, KiB, low/high. */
  POST_EXTENDED_MEMORY_LOW = 0x30,
  POST_EXTENDED_MEMORY_HIGH = 0x31,
  /** IBM PC convention: century (BCD or binary per DM). */
  CENTURY = 0x32,
  /** QEMU/SeaBIOS convention: memory above 16 MiB in 64 KiB blocks, low/high. */
  HIGH_MEMORY_LOW = 0x34,
  HIGH_MEMORY_HIGH = 0x35,
}

/** Port 0x70 bits. */
export const enum RtcIndex {
  /** Register number, bits 6:0. */
  REGISTER_MASK = 0x7f,
  /** NMI disable. */
  NMI_DISABLE = 0x80,
}

/** Status register A bits. */
export const enum StatusA {
  /** Rate selection RS3–RS0. */
  RATE_MASK = 0x0f,
  /** Divider DV2–DV0, bits 6:4 (010 = 32.768 kHz time base, running). */
  DIVIDER_MASK = 0x70,
  /** Update in progress (read-only). */
  UIP = 0x80,
}

/** Status register B bits. */
export const enum StatusB {
  /** Daylight saving enable (not modelled). */
  DSE = 0x01,
  /** 24-hour mode (1) or 12-hour mode (0). */
  HOUR_24 = 0x02,
  /** Data mode: binary (1) or BCD (0). */
  BINARY = 0x04,
  SQWE = 0x08,
  /** Update-ended interrupt enable. */
  UIE = 0x10,
  /** Alarm interrupt enable. */
  AIE = 0x20,
  /** Periodic interrupt enable. */
  PIE = 0x40,
  /** Inhibit updates while the time is set. */
  SET = 0x80,
}

/** Status register C bits (read-only, cleared by reading). */
export const enum StatusC {
  UF = 0x10,
  AF = 0x20,
  PF = 0x40,
  /** Interrupt request: (PF & PIE) | (AF & AIE) | (UF & UIE). */
  IRQF = 0x80,
}

/** Status register D bits. */
export const enum StatusD {
  /** Valid RAM and time (battery good). */
  VRT = 0x80,
}

/** The epoch of the virtual clock's RTC: 2000-01-01 00:00:00 UTC, ms since the Unix epoch. */
export const VIRTUAL_RTC_EPOCH_MS = Date.UTC(2000, 0, 1);
/** The time before an update during which UIP reads 1, ns (datasheet: 244 µs). */
export const RTC_UIP_NS = 244_000;

/** Broken-down time as the time registers hold it (binary values). */
interface RtcFields {
  seconds: number;
  minutes: number;
  hours: number;
  day: number;
  month: number;
  year: number; // full year, e.g. 2024
}

/** Saved state of the RTC. */
export interface RtcState {
  index: number;
  nmiDisabled: boolean;
  ram: number[];
  epochSeconds: number;
  phaseNs: number;
  flags: number;
  lastNs: number;
  setFields: RtcFields | null;
}

function toBcd(v: number): number {
  return ((Math.floor(v / 10) % 10) << 4) | v % 10;
}
function fromBcd(v: number): number {
  return (v >> 4) * 10 + (v & 0xf);
}

export class Rtc implements TimedDevice {
  private index = 0;
  private nmiDisabled = false;
  /** Registers 0x0A–0x7F (time registers 0x00–0x09 are computed). */
  private readonly ram = new Uint8Array(128);
  /** RTC time at machine time 0: whole seconds since the Unix epoch plus a phase in ns. */
  private epochSeconds: number;
  private phaseNs: number;
  /** PF/AF/UF, accumulated until status C is read. */
  private flags = 0;
  /** Machine time the flags are computed up to. */
  private lastNs = 0;
  /** While SET = 1: the time being set (updates inhibited). */
  private setFields: RtcFields | null = null;

  /**
   * @param clock   machine time
   * @param irq8    the RTC's interrupt line
   * @param epochMs the RTC's time at machine time 0, ms since 1970-01-01 UTC
   */
  constructor(
    private readonly clock: DeviceClock,
    private readonly irq8: IrqLine,
    epochMs: number,
  ) {
    this.epochSeconds = Math.floor(epochMs / 1000);
    this.phaseNs = (epochMs - this.epochSeconds * 1000) * 1e6;
    this.ram[RtcReg.STATUS_A] = 0x26; // 32.768 kHz time base, 1024 Hz periodic rate
    this.ram[RtcReg.STATUS_B] = StatusB.HOUR_24;
    this.ram[RtcReg.STATUS_D] = StatusD.VRT;
  }

  /** Claims ports 0x70–0x71. */
  attach(io: IoBus): void {
    io.register(RTC_INDEX_PORT, 2, {
      name: "MC146818 RTC/CMOS",
      read: (port) => (port === RTC_INDEX_PORT ? 0xff : this.readRegister(this.index)),
      write: (port, _size, value) => {
        if (port === RTC_INDEX_PORT) {
          this.index = value & RtcIndex.REGISTER_MASK;
          this.nmiDisabled = (value & RtcIndex.NMI_DISABLE) !== 0;
        } else {
          this.writeRegister(this.index, value);
        }
      },
    });
  }

  /** NMI disabled by port 0x70 bit 7. */
  get nmiMasked(): boolean {
    return this.nmiDisabled;
  }

  /**
   * Fills the PC/AT CMOS configuration bytes for `memoryBytes` of RAM: base memory 640 KiB,
   * extended memory (KiB above 1 MiB, at most 65535), memory above 16 MiB in 64 KiB blocks,
   * 80×25 colour video in the equipment byte, and the checksum over 0x10–0x2D.
   */
  setMemorySize(memoryBytes: number): void {
    const extKiB = Math.min(0xffff, Math.max(0, (memoryBytes - 0x100000) / 1024));
    const high64k = Math.min(0xffff, Math.max(0, (memoryBytes - 0x1000000) / 65536));
    this.ram[RtcReg.EQUIPMENT] = 0x20;
    this.ram[RtcReg.BASE_MEMORY_LOW] = 640 & 0xff;
    this.ram[RtcReg.BASE_MEMORY_HIGH] = 640 >> 8;
    this.ram[RtcReg.EXTENDED_MEMORY_LOW] = this.ram[RtcReg.POST_EXTENDED_MEMORY_LOW] = extKiB & 0xff;
    this.ram[RtcReg.EXTENDED_MEMORY_HIGH] = this.ram[RtcReg.POST_EXTENDED_MEMORY_HIGH] = extKiB >> 8;
    this.ram[RtcReg.HIGH_MEMORY_LOW] = high64k & 0xff;
    this.ram[RtcReg.HIGH_MEMORY_HIGH] = high64k >> 8;
    let sum = 0;
    for (let r = 0x10; r <= 0x2d; r++) sum += this.ram[r];
    this.ram[RtcReg.CHECKSUM_HIGH] = (sum >> 8) & 0xff;
    this.ram[RtcReg.CHECKSUM_LOW] = sum & 0xff;
  }

  /** The RTC's current time as a Date (UTC), whatever the guest's data mode. */
  now(): Date {
    const f = this.setFields ?? this.fieldsAt(this.clock.nowNs());
    return new Date(Date.UTC(f.year, f.month - 1, f.day, f.hours, f.minutes, f.seconds));
  }

  /** Whole RTC seconds since the Unix epoch at machine time `ns`. */
  private secondsAt(ns: number): number {
    return this.epochSeconds + Math.floor((this.phaseNs + ns) / 1e9);
  }

  private fieldsAt(ns: number): RtcFields {
    const d = new Date(this.secondsAt(ns) * 1000);
    return {
      seconds: d.getUTCSeconds(),
      minutes: d.getUTCMinutes(),
      hours: d.getUTCHours(),
      day: d.getUTCDate(),
      month: d.getUTCMonth() + 1,
      year: d.getUTCFullYear(),
    };
  }

  /** Makes `f` the RTC's time at machine time `ns` (keeping the sub-second phase). */
  private setTime(f: RtcFields, ns: number): void {
    const wanted = Math.floor(Date.UTC(f.year, f.month - 1, f.day, f.hours, f.minutes, f.seconds) / 1000);
    this.epochSeconds += wanted - this.secondsAt(ns);
  }

  private get binary(): boolean {
    return (this.ram[RtcReg.STATUS_B] & StatusB.BINARY) !== 0;
  }

  private encode(v: number): number {
    return this.binary ? v : toBcd(v);
  }

  private decode(v: number): number {
    return this.binary ? v : fromBcd(v);
  }

  private encodeHours(h: number): number {
    if (this.ram[RtcReg.STATUS_B] & StatusB.HOUR_24) return this.encode(h);
    const pm = h >= 12 ? 0x80 : 0;
    return this.encode(h % 12 === 0 ? 12 : h % 12) | pm;
  }

  private decodeHours(v: number): number {
    if (this.ram[RtcReg.STATUS_B] & StatusB.HOUR_24) return this.decode(v);
    const h = this.decode(v & 0x7f) % 12;
    return v & 0x80 ? h + 12 : h;
  }

  /** Value of register `reg` as the guest reads it. */
  readRegister(reg: number): number {
    const now = this.clock.nowNs();
    if (reg <= RtcReg.YEAR || reg === RtcReg.CENTURY) {
      if (reg === RtcReg.SECONDS_ALARM || reg === RtcReg.MINUTES_ALARM || reg === RtcReg.HOURS_ALARM) return this.ram[reg];
      const f = this.setFields ?? this.fieldsAt(now);
      switch (reg) {
        case RtcReg.SECONDS: return this.encode(f.seconds);
        case RtcReg.MINUTES: return this.encode(f.minutes);
        case RtcReg.HOURS: return this.encodeHours(f.hours);
        case RtcReg.DAY_OF_WEEK: return this.encode(new Date(Date.UTC(f.year, f.month - 1, f.day)).getUTCDay() + 1);
        case RtcReg.DAY_OF_MONTH: return this.encode(f.day);
        case RtcReg.MONTH: return this.encode(f.month);
        case RtcReg.YEAR: return this.encode(f.year % 100);
        default: return this.encode(Math.floor(f.year / 100));
      }
    }
    switch (reg) {
      case RtcReg.STATUS_A: {
        const inUpdate = this.setFields === null && (this.phaseNs + now) % 1e9 >= 1e9 - RTC_UIP_NS;
        return (this.ram[reg] & ~StatusA.UIP) | (inUpdate ? StatusA.UIP : 0);
      }
      case RtcReg.STATUS_C: {
        this.advance(now);
        const value = this.flags | (this.irqFlag() ? StatusC.IRQF : 0);
        this.flags = 0;
        this.irq8.lower();
        this.clock.scheduleChanged();
        return value;
      }
      case RtcReg.STATUS_D:
        return StatusD.VRT;
      default:
        return this.ram[reg];
    }
  }

  /** Guest write of `value` to register `reg`. */
  writeRegister(reg: number, value: number): void {
    const now = this.clock.nowNs();
    this.advance(now);
    if (reg <= RtcReg.YEAR || reg === RtcReg.CENTURY) {
      if (reg === RtcReg.SECONDS_ALARM || reg === RtcReg.MINUTES_ALARM || reg === RtcReg.HOURS_ALARM) {
        this.ram[reg] = value;
        return;
      }
      const f = this.setFields ?? this.fieldsAt(now);
      switch (reg) {
        case RtcReg.SECONDS: f.seconds = this.decode(value); break;
        case RtcReg.MINUTES: f.minutes = this.decode(value); break;
        case RtcReg.HOURS: f.hours = this.decodeHours(value); break;
        case RtcReg.DAY_OF_WEEK: return; // derived from the date
        case RtcReg.DAY_OF_MONTH: f.day = this.decode(value); break;
        case RtcReg.MONTH: f.month = this.decode(value); break;
        case RtcReg.YEAR: f.year = Math.floor(f.year / 100) * 100 + this.decode(value); break;
        default: f.year = this.decode(value) * 100 + (f.year % 100);
      }
      if (this.setFields === null) this.setTime(f, now);
      return;
    }
    switch (reg) {
      case RtcReg.STATUS_A:
        this.ram[reg] = value & ~StatusA.UIP;
        break;
      case RtcReg.STATUS_B: {
        const was = this.ram[reg];
        this.ram[reg] = value;
        if (value & StatusB.SET && !(was & StatusB.SET)) this.setFields = this.fieldsAt(now);
        if (!(value & StatusB.SET) && this.setFields !== null) {
          this.setTime(this.setFields, now);
          this.setFields = null;
        }
        break;
      }
      case RtcReg.STATUS_C:
      case RtcReg.STATUS_D:
        return; // read-only
      default:
        this.ram[reg] = value;
        return;
    }
    this.irq8.set(this.irqFlag());
    this.clock.scheduleChanged();
  }

  /** Periodic interrupt period for the current rate select, ns; Infinity when off. */
  periodNs(): number {
    let rs = this.ram[RtcReg.STATUS_A] & StatusA.RATE_MASK;
    if (rs === 0) return Infinity;
    if (rs < 3) rs += 7; // rates 1 and 2 repeat rates 8 and 9 with a 32.768 kHz time base
    return ((1 << (rs - 1)) / 32768) * 1e9;
  }

  private irqFlag(): boolean {
    const b = this.ram[RtcReg.STATUS_B];
    return (
      ((this.flags & StatusC.PF) !== 0 && (b & StatusB.PIE) !== 0) ||
      ((this.flags & StatusC.AF) !== 0 && (b & StatusB.AIE) !== 0) ||
      ((this.flags & StatusC.UF) !== 0 && (b & StatusB.UIE) !== 0)
    );
  }

  advance(nowNs: number): void {
    if (nowNs <= this.lastNs) return;
    const period = this.periodNs();
    if (period !== Infinity && Math.floor(nowNs / period) > Math.floor(this.lastNs / period)) this.flags |= StatusC.PF;
    if (this.setFields === null) {
      const s0 = this.secondsAt(this.lastNs);
      const s1 = this.secondsAt(nowNs);
      if (s1 > s0) {
        this.flags |= StatusC.UF;
        if (this.alarmMatches(this.fieldsAt(nowNs))) this.flags |= StatusC.AF;
      }
    }
    this.lastNs = nowNs;
    if (this.irqFlag()) this.irq8.raise();
  }

  private alarmMatches(f: RtcFields): boolean {
    const match = (alarm: number, value: number, decode: (v: number) => number) =>
      (alarm & 0xc0) === 0xc0 || decode.call(this, alarm) === value;
    return (
      match(this.ram[RtcReg.SECONDS_ALARM], f.seconds, this.decode) &&
      match(this.ram[RtcReg.MINUTES_ALARM], f.minutes, this.decode) &&
      match(this.ram[RtcReg.HOURS_ALARM], f.hours, this.decodeHours)
    );
  }

  nextEventNs(): number {
    const b = this.ram[RtcReg.STATUS_B];
    // Events matter only when they raise IRQ8 and IRQ8 is not already waiting for a status C read.
    if (this.irqFlag()) return Infinity;
    let next = Infinity;
    const period = this.periodNs();
    if (b & StatusB.PIE && period !== Infinity) next = (Math.floor(this.lastNs / period) + 1) * period;
    if (b & (StatusB.UIE | StatusB.AIE) && this.setFields === null) {
      const nextSecond = (Math.floor((this.phaseNs + this.lastNs) / 1e9) + 1) * 1e9 - this.phaseNs;
      next = Math.min(next, nextSecond);
    }
    return next === Infinity ? Infinity : Math.ceil(next) + 1;
  }

  saveState(): RtcState {
    const { index, nmiDisabled, epochSeconds, phaseNs, flags, lastNs } = this;
    return { index, nmiDisabled, epochSeconds, phaseNs, flags, lastNs, ram: [...this.ram], setFields: this.setFields && { ...this.setFields } };
  }

  restoreState(s: RtcState): void {
    this.index = s.index;
    this.nmiDisabled = s.nmiDisabled;
    this.ram.set(s.ram);
    this.epochSeconds = s.epochSeconds;
    this.phaseNs = s.phaseNs;
    this.flags = s.flags;
    this.lastNs = s.lastNs;
    this.setFields = s.setFields && { ...s.setFields };
    this.irq8.restoreLevel(this.irqFlag());
  }
}
