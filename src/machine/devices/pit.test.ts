import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { IoBus } from "../io-bus.js";
import { ManualClock, RecordingIrqSink } from "../testing/fakes.js";
import { PIT_HZ, Pit, pitTickAt, pitTickTimeNs } from "./pit.js";

function setup() {
  const clock = new ManualClock();
  const irqs = new RecordingIrqSink();
  const pit = new Pit(clock, irqs.line(0));
  const io = new IoBus();
  pit.attach(io);
  /** Moves time to tick `t` and lets the PIT deliver its edges. */
  const toTick = (t: number) => {
    clock.t = pitTickTimeNs(t);
    pit.advance(clock.t);
  };
  return { clock, irqs, pit, io, toTick };
}

/** Control word: counter `sc`, access `rw`, mode `m`, binary. */
const control = (sc: number, rw: number, m: number, bcd = 0) => (sc << 6) | (rw << 4) | (m << 1) | bcd;

describe("8254 PIT", () => {
  it("PIT: the tick and tick-time conversions agree at 1.193182 MHz", () => {
    for (const t of [0, 1, 2, 1193181, 1193182, 123456789, 9e11]) assert.equal(pitTickAt(pitTickTimeNs(t)), t);
    assert.equal(pitTickAt(1e9), PIT_HZ);
  });

  it("PIT mode 2 reloads and raises IRQ0 every N ticks", () => {
    const { io, irqs, toTick, pit } = setup();
    io.write(0x43, 1, control(0, 3, 2));
    io.write(0x40, 1, 100);
    io.write(0x40, 1, 0);
    assert.equal(irqs.level(0), true, "mode 2 OUT starts high");
    const before = irqs.edges(0);
    // The count is loaded on the pulse after the write (tick 1); OUT rises every 100 ticks from there.
    toTick(100);
    assert.equal(irqs.edges(0), before);
    assert.equal(irqs.level(0), false, "OUT low for the clock where the count is 1");
    toTick(101);
    assert.equal(irqs.edges(0), before + 1);
    assert.equal(pit.nextEventNs(), pitTickTimeNs(201));
    toTick(250);
    assert.equal(irqs.edges(0), before + 2, "one edge per advance, however many periods passed");
    toTick(301);
    assert.equal(irqs.edges(0), before + 3);
  });

  it("PIT: the mode 2 count runs N..1 and reloads", () => {
    const { io, toTick } = setup();
    io.write(0x43, 1, control(0, 3, 2));
    io.write(0x40, 1, 10);
    io.write(0x40, 1, 0);
    const readCount = () => {
      io.write(0x43, 1, control(0, 0, 0)); // latch
      return io.read(0x40, 1) | (io.read(0x40, 1) << 8);
    };
    toTick(4);
    assert.equal(readCount(), 7);
    toTick(10);
    assert.equal(readCount(), 1);
    toTick(11);
    assert.equal(readCount(), 10);
  });

  it("PIT mode 0 raises OUT once at terminal count and keeps it high", () => {
    const { io, irqs, toTick, pit } = setup();
    io.write(0x43, 1, control(0, 3, 0));
    assert.equal(irqs.level(0), false, "the mode 0 control word drops OUT");
    io.write(0x40, 1, 50);
    io.write(0x40, 1, 0);
    assert.equal(pit.nextEventNs(), pitTickTimeNs(51), "N + 1 pulses after the write");
    toTick(50);
    assert.equal(irqs.level(0), false);
    toTick(51);
    assert.equal(irqs.level(0), true);
    const edges = irqs.edges(0);
    toTick(70000);
    assert.equal(irqs.edges(0), edges, "no further interrupt after the count wraps");
    assert.equal(pit.nextEventNs(), Infinity);
  });

  it("PIT mode 3 makes a square wave with one IRQ0 edge per period", () => {
    const { io, irqs, toTick } = setup();
    io.write(0x43, 1, control(0, 3, 3));
    io.write(0x40, 1, 20);
    io.write(0x40, 1, 0);
    const edges = irqs.edges(0);
    toTick(10);
    assert.equal(irqs.level(0), true);
    toTick(11);
    assert.equal(irqs.level(0), false);
    toTick(20);
    assert.equal(irqs.level(0), false);
    toTick(21);
    assert.equal(irqs.level(0), true);
    assert.equal(irqs.edges(0), edges + 1);
  });

  it("PIT: the counter latch holds the count until both bytes are read", () => {
    const { io, toTick } = setup();
    io.write(0x43, 1, control(0, 3, 2));
    io.write(0x40, 1, 0x00);
    io.write(0x40, 1, 0x10); // 0x1000
    toTick(0x11);
    io.write(0x43, 1, control(0, 0, 0));
    toTick(0x20);
    io.write(0x43, 1, control(0, 0, 0)); // ignored: a latch is pending
    assert.equal(io.read(0x40, 1), 0xf0);
    toTick(0x30);
    assert.equal(io.read(0x40, 1), 0x0f);
    // Unlatched reads follow the live count.
    assert.equal(io.read(0x40, 1) | (io.read(0x40, 1) << 8), 0x1000 - 0x2f);
  });

  it("PIT: read-back latches status (OUT, null count, access, mode) and count", () => {
    const { io, toTick } = setup();
    io.write(0x43, 1, control(2, 3, 0));
    io.write(0x61, 1, 0); // not claimed here: counter 2's gate stays low, count stays put
    io.write(0x42, 1, 5);
    io.write(0x42, 1, 0);
    // Read-back: latch count and status of counter 2 (bits 5 and 4 active low).
    io.write(0x43, 1, 0xc0 | 0x08);
    assert.equal(io.read(0x42, 1), 0x40 | (3 << 4) | (0 << 1), "null count, LSB/MSB, mode 0, OUT low");
    assert.equal(io.read(0x42, 1), 5);
    assert.equal(io.read(0x42, 1), 0);
    toTick(3);
    io.write(0x43, 1, 0xc0 | 0x20 | 0x08); // status only
    assert.equal(io.read(0x42, 1) & 0x40, 0, "null count clears once the count is loaded");
  });

  it("PIT: LSB-only and MSB-only access load and read one byte", () => {
    const { io, toTick } = setup();
    io.write(0x43, 1, control(0, 1, 2));
    io.write(0x40, 1, 200);
    toTick(51);
    assert.equal(io.read(0x40, 1), 150);
    io.write(0x43, 1, control(0, 2, 2));
    io.write(0x40, 1, 0x02); // 0x200
    assert.equal(io.read(0x40, 1), 0x02);
  });

  it("PIT: BCD mode counts in decimal", () => {
    const { io, toTick } = setup();
    io.write(0x43, 1, control(0, 3, 2, 1));
    io.write(0x40, 1, 0x00);
    io.write(0x40, 1, 0x10); // 1000 decimal
    toTick(2);
    io.write(0x43, 1, control(0, 0, 0));
    assert.equal(io.read(0x40, 1) | (io.read(0x40, 1) << 8), 0x0999);
  });

  it("PIT: counter 2 counts only while its gate is high", () => {
    const { pit, io, toTick } = setup();
    io.write(0x43, 1, control(2, 3, 0));
    io.write(0x42, 1, 100);
    io.write(0x42, 1, 0);
    toTick(50);
    assert.equal(pit.counter2Out(), false);
    assert.equal(io.read(0x42, 1), 100, "gate low: no counting");
    io.read(0x42, 1);
    pit.setCounter2Gate(true);
    toTick(149);
    assert.equal(pit.counter2Out(), false);
    toTick(150);
    assert.equal(pit.counter2Out(), true);
  });

  it("PIT: save and restore keep the counters' progress", () => {
    const { pit, io, toTick, clock } = setup();
    io.write(0x43, 1, control(0, 3, 2));
    io.write(0x40, 1, 100);
    io.write(0x40, 1, 0);
    toTick(42);
    const clock2 = new ManualClock();
    clock2.t = clock.t;
    const copy = new Pit(clock2, new RecordingIrqSink().line(0));
    copy.restoreState(JSON.parse(JSON.stringify(pit.saveState())));
    assert.equal(copy.nextEventNs(), pit.nextEventNs());
    assert.equal(copy.counters[0].count(42), 59);
  });
});
