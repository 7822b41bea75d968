import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { IoBus } from "../io-bus.js";
import { RecordingIrqSink } from "../testing/fakes.js";
import { I8042 } from "./i8042.js";
import { keystrokeFor, set1Bytes } from "./scancodes.js";

function setup() {
  const irqs = new RecordingIrqSink();
  const kbc = new I8042(irqs.line(1));
  const io = new IoBus();
  kbc.attach(io);
  const drain = () => {
    const bytes: number[] = [];
    while (io.read(0x64, 1) & 0x01) bytes.push(io.read(0x60, 1));
    return bytes;
  };
  return { kbc, io, irqs, drain };
}

describe("i8042 keyboard controller", () => {
  it("i8042: a host key becomes set-1 make and break codes on IRQ1", () => {
    const { kbc, io, irqs, drain } = setup();
    kbc.keyDown("KeyA");
    assert.equal(irqs.level(1), true);
    assert.equal(io.read(0x64, 1) & 0x01, 0x01, "OBF");
    assert.equal(io.read(0x60, 1), 0x1e);
    assert.equal(irqs.level(1), false);
    kbc.keyUp("KeyA");
    assert.deepEqual(drain(), [0x9e]);
  });

  it("i8042: typed text holds Shift for capitals and symbols", () => {
    const { kbc, drain } = setup();
    assert.equal(kbc.typeText("Hi!\n"), 4);
    assert.deepEqual(drain(), [
      0x2a, 0x23, 0xa3, 0xaa, // H
      0x17, 0x97, // i
      0x2a, 0x02, 0x82, 0xaa, // !
      0x1c, 0x9c, // Enter
    ]);
  });

  it("i8042: extended keys send the 0xE0 prefix on make and break", () => {
    assert.deepEqual(set1Bytes("ArrowUp", true), [0xe0, 0x48]);
    assert.deepEqual(set1Bytes("ArrowUp", false), [0xe0, 0xc8]);
    assert.throws(() => set1Bytes("NoSuchKey", true), /unknown key code/);
  });

  it("i8042: control characters type as Ctrl + letter", () => {
    assert.deepEqual(keystrokeFor("\x03"), { code: "KeyC", shift: false, ctrl: true });
  });

  it("i8042: each queued byte raises a fresh IRQ1 edge after the previous one is read", () => {
    const { kbc, io, irqs } = setup();
    kbc.typeText("ab");
    const edges = irqs.edges(1);
    io.read(0x60, 1);
    assert.equal(irqs.edges(1), edges + 1);
  });

  it("i8042: self-test 0xAA answers 0x55 and sets the system flag", () => {
    const { io, drain } = setup();
    io.write(0x64, 1, 0xaa);
    assert.equal(io.read(0x64, 1) & 0x0c, 0x0c, "SYS and A2 (last write was a command)");
    assert.deepEqual(drain(), [0x55]);
  });

  it("i8042: 0x20/0x60 read and write the command byte; clearing bit 0 stops IRQ1", () => {
    const { kbc, io, irqs, drain } = setup();
    io.write(0x64, 1, 0x20);
    assert.deepEqual(drain(), [0x45]);
    io.write(0x64, 1, 0x60);
    io.write(0x60, 1, 0x44);
    io.write(0x64, 1, 0x20);
    assert.deepEqual(drain(), [0x44]);
    kbc.keyDown("Space");
    assert.equal(irqs.level(1), false);
    assert.deepEqual(drain(), [0x39]);
  });

  it("i8042: 0xAD holds keystrokes back until 0xAE", () => {
    const { kbc, io, drain } = setup();
    io.write(0x64, 1, 0xad);
    kbc.typeText("x");
    assert.deepEqual(drain(), []);
    io.write(0x64, 1, 0xae);
    assert.deepEqual(drain(), [0x2d, 0xad]);
  });

  it("i8042: keyboard commands are acknowledged; reset answers ACK then 0xAA", () => {
    const { io, drain } = setup();
    io.write(0x60, 1, 0xff);
    assert.deepEqual(drain(), [0xfa, 0xaa]);
    io.write(0x60, 1, 0xed);
    io.write(0x60, 1, 0x07);
    assert.deepEqual(drain(), [0xfa, 0xfa]);
    io.write(0x60, 1, 0xee);
    assert.deepEqual(drain(), [0xee]);
    io.write(0x60, 1, 0xf2);
    assert.deepEqual(drain(), [0xfa, 0xab, 0x41]);
  });

  it("i8042: command 0xFE pulses the reset line", () => {
    const { kbc, io } = setup();
    let resets = 0;
    kbc.events.on("reset", () => resets++);
    io.write(0x64, 1, 0xfe);
    assert.equal(resets, 1);
    io.write(0x64, 1, 0xff); // pulse nothing
    assert.equal(resets, 1);
  });
});
