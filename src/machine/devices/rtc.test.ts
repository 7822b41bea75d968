import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { IoBus } from "../io-bus.js";
import { ManualClock, RecordingIrqSink } from "../testing/fakes.js";
import { Rtc } from "./rtc.js";

function setup(epochMs = Date.UTC(2024, 1, 29, 23, 59, 58)) {
  const clock = new ManualClock();
  const irqs = new RecordingIrqSink();
  const rtc = new Rtc(clock, irqs.line(8), epochMs);
  const io = new IoBus();
  rtc.attach(io);
  const read = (reg: number) => (io.write(0x70, 1, reg), io.read(0x71, 1));
  const write = (reg: number, v: number) => (io.write(0x70, 1, reg), io.write(0x71, 1, v));
  return { clock, irqs, rtc, io, read, write };
}

describe("MC146818 RTC / CMOS", () => {
  it("RTC: the time registers read the epoch plus machine time, in BCD by default", () => {
    const { read, clock } = setup();
    assert.deepEqual([0, 2, 4, 6, 7, 8, 9, 0x32].map(read), [0x58, 0x59, 0x23, 5, 0x29, 0x02, 0x24, 0x20]);
    clock.t = 2e9; // two seconds later: a leap day rolls over into March
    assert.deepEqual([0, 2, 4, 7, 8].map(read), [0x00, 0x00, 0x00, 0x01, 0x03]);
  });

  it("RTC: status B selects binary data and the 12-hour format with bit 7 = PM", () => {
    const { read, write } = setup(Date.UTC(2024, 0, 1, 15, 4, 5));
    write(0x0b, 0x04 | 0x02);
    assert.equal(read(0x04), 15);
    write(0x0b, 0x04); // binary, 12-hour
    assert.equal(read(0x04), 0x80 | 3);
    write(0x0b, 0x00); // BCD, 12-hour
    assert.equal(read(0x04), 0x83);
  });

  it("RTC: UIP is set only during the 244 µs before each update", () => {
    const { read, clock } = setup(Date.UTC(2024, 0, 1));
    clock.t = 0.5e9;
    assert.equal(read(0x0a) & 0x80, 0);
    clock.t = 1e9 - 100_000;
    assert.equal(read(0x0a) & 0x80, 0x80);
    clock.t = 1e9 + 1;
    assert.equal(read(0x0a) & 0x80, 0);
  });

  it("RTC: time written under the SET bit takes effect when SET clears", () => {
    const { read, write, rtc, clock } = setup(Date.UTC(2024, 0, 1));
    write(0x0b, 0x80 | 0x02);
    write(0x04, 0x12);
    write(0x02, 0x34);
    write(0x09, 0x99);
    write(0x32, 0x19);
    clock.t = 5e9;
    assert.equal(read(0x00), 0x00, "updates are inhibited while SET = 1");
    write(0x0b, 0x02);
    assert.equal(rtc.now().toISOString(), "1999-01-01T12:34:00.000Z");
    clock.t = 7e9;
    assert.equal(read(0x00), 0x02);
  });

  it("RTC: the periodic interrupt raises IRQ8 at the status A rate until status C is read", () => {
    const { read, write, rtc, irqs, clock } = setup();
    write(0x0a, 0x26); // 1024 Hz
    write(0x0b, 0x40 | 0x02);
    const period = 1e9 / 1024;
    assert.equal(rtc.periodNs(), period);
    const next = rtc.nextEventNs();
    assert.ok(next >= period && next <= period + 2);
    clock.t = next;
    rtc.advance(clock.t);
    assert.equal(irqs.level(8), true);
    assert.equal(rtc.nextEventNs(), Infinity, "nothing more happens until status C is read");
    assert.equal(read(0x0c), 0x80 | 0x40);
    assert.equal(irqs.level(8), false);
    assert.equal(read(0x0c), 0x00);
  });

  it("RTC: the update-ended interrupt comes once per second", () => {
    const { read, write, rtc, irqs, clock } = setup(Date.UTC(2024, 0, 1) + 250);
    write(0x0b, 0x10 | 0x02);
    assert.ok(Math.abs(rtc.nextEventNs() - 0.75e9) < 2);
    clock.t = 0.7e9;
    rtc.advance(clock.t);
    assert.equal(irqs.level(8), false);
    clock.t = 0.76e9;
    rtc.advance(clock.t);
    assert.equal(irqs.level(8), true);
    assert.equal(read(0x0c) & 0x90, 0x80 | 0x10, "IRQF and UF (PF is set too: it runs whatever PIE says)");
  });

  it("RTC: the alarm interrupt fires when the time matches, with 0xC0 as don't care", () => {
    const { read, write, rtc, irqs, clock } = setup(Date.UTC(2024, 0, 1, 10, 0, 0));
    write(0x01, 0x03);
    write(0x03, 0xc0);
    write(0x05, 0xc0);
    write(0x0b, 0x20 | 0x02);
    clock.t = 2.5e9;
    rtc.advance(clock.t);
    assert.equal(irqs.level(8), false);
    clock.t = 3.5e9;
    rtc.advance(clock.t);
    assert.equal(irqs.level(8), true);
    assert.equal(read(0x0c) & 0x20, 0x20);
  });

  it("RTC: port 0x70 bit 7 masks NMI and bits 6:0 select the register", () => {
    const { io, rtc } = setup();
    io.write(0x70, 1, 0x80 | 0x0d);
    assert.equal(rtc.nmiMasked, true);
    assert.equal(io.read(0x71, 1), 0x80, "status D: valid RAM and time");
    io.write(0x70, 1, 0x0d);
    assert.equal(rtc.nmiMasked, false);
  });

  it("CMOS: memory size bytes describe the RAM like a PC/AT BIOS setup", () => {
    const { rtc, read } = setup();
    rtc.setMemorySize(64 * 1024 * 1024);
    assert.equal(read(0x15) | (read(0x16) << 8), 640);
    assert.equal(read(0x17) | (read(0x18) << 8), 63 * 1024);
    assert.equal(read(0x30) | (read(0x31) << 8), 63 * 1024);
    assert.equal(read(0x34) | (read(0x35) << 8), (48 * 1024 * 1024) / 65536);
  });

  it("CMOS: ordinary RAM bytes keep what is written", () => {
    const { read, write } = setup();
    write(0x50, 0x5a);
    assert.equal(read(0x50), 0x5a);
  });
});
