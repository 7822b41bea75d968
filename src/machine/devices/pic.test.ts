import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { IoBus } from "../io-bus.js";
import { DualPic } from "./pic.js";

/** A PIC pair programmed like Linux/xv6 do: master 0x20, slave 0x28, cascade, 8086 mode. */
function setup(options: { autoEoi?: boolean; imrMaster?: number; imrSlave?: number } = {}) {
  const pic = new DualPic();
  const io = new IoBus();
  pic.attach(io);
  const icw4 = 0x01 | (options.autoEoi ? 0x02 : 0);
  io.write(0x20, 1, 0x11); io.write(0x21, 1, 0x20); io.write(0x21, 1, 0x04); io.write(0x21, 1, icw4);
  io.write(0xa0, 1, 0x11); io.write(0xa1, 1, 0x28); io.write(0xa1, 1, 0x02); io.write(0xa1, 1, icw4);
  io.write(0x21, 1, options.imrMaster ?? 0x00);
  io.write(0xa1, 1, options.imrSlave ?? 0x00);
  return { pic, io };
}

const readIsr = (io: IoBus, port: number) => (io.write(port, 1, 0x0b), io.read(port, 1));
const readIrr = (io: IoBus, port: number) => (io.write(port, 1, 0x0a), io.read(port, 1));

describe("8259A PIC", () => {
  it("PIC: ICW2 sets the vector base and IRQ n arrives as base + n", () => {
    const { pic } = setup();
    pic.line(3).raise();
    assert.equal(pic.intr, true);
    assert.equal(pic.acknowledge(), 0x23);
  });

  it("PIC: specific EOI clears only the named ISR bit", () => {
    const { pic, io } = setup();
    pic.line(4).raise();
    assert.equal(pic.acknowledge(), 0x24);
    pic.line(1).raise();
    assert.equal(pic.acknowledge(), 0x21); // higher priority nests over IRQ4
    assert.equal(readIsr(io, 0x20), 0b0001_0010);
    io.write(0x20, 1, 0x60 | 4); // specific EOI for IR4
    assert.equal(readIsr(io, 0x20), 0b0000_0010);
  });

  it("PIC: non-specific EOI clears the highest-priority ISR bit", () => {
    const { pic, io } = setup();
    pic.line(5).raise();
    pic.acknowledge();
    pic.line(2 + 1).raise();
    pic.acknowledge();
    io.write(0x20, 1, 0x20);
    assert.equal(readIsr(io, 0x20), 1 << 5);
  });

  it("PIC: a lower-priority request waits while a higher one is in service", () => {
    const { pic, io } = setup();
    pic.line(1).raise();
    assert.equal(pic.acknowledge(), 0x21);
    pic.line(6).raise();
    assert.equal(pic.intr, false);
    io.write(0x20, 1, 0x20);
    assert.equal(pic.intr, true);
    assert.equal(pic.acknowledge(), 0x26);
  });

  it("PIC: a masked IRQ stays in IRR and is delivered once unmasked", () => {
    const { pic, io } = setup({ imrMaster: 1 << 4 });
    pic.line(4).raise();
    assert.equal(pic.intr, false);
    assert.equal(readIrr(io, 0x20), 1 << 4);
    assert.equal(io.read(0x21, 1), 1 << 4);
    io.write(0x21, 1, 0);
    assert.equal(pic.intr, true);
    assert.equal(pic.acknowledge(), 0x24);
  });

  it("PIC: OCW3 selects whether the command port reads IRR or ISR", () => {
    const { pic, io } = setup();
    pic.line(7).raise();
    pic.acknowledge();
    pic.line(6).raise(); // higher priority than the in-service IR7: requested
    assert.equal(readIrr(io, 0x20), 1 << 6);
    assert.equal(io.read(0x20, 1), 1 << 6, "the selection persists");
    assert.equal(readIsr(io, 0x20), 1 << 7);
  });

  it("PIC: a slave IRQ cascades through master IR2 and needs EOI on both chips", () => {
    const { pic, io } = setup();
    pic.line(12).raise();
    assert.equal(pic.acknowledge(), 0x2c);
    assert.equal(readIsr(io, 0x20), 1 << 2);
    assert.equal(readIsr(io, 0xa0), 1 << 4);
    pic.line(14).raise(); // blocked: master IR2 is in service
    assert.equal(pic.intr, false);
    io.write(0xa0, 1, 0x20);
    assert.equal(pic.intr, false, "still blocked by master ISR bit 2");
    io.write(0x20, 1, 0x20);
    assert.equal(pic.intr, true);
    assert.equal(pic.acknowledge(), 0x2e);
  });

  it("PIC: INTA with no request left gives spurious IRQ7 and sets no ISR bit", () => {
    const { pic, io } = setup();
    assert.equal(pic.acknowledge(), 0x27);
    assert.equal(readIsr(io, 0x20), 0);
  });

  it("PIC: a slave request masked before INTA gives spurious IRQ15 with master IR2 in service", () => {
    const { pic, io } = setup();
    pic.line(9).raise();
    io.write(0xa1, 1, 0xff); // the slave's request goes away; the master latched IR2 already
    assert.equal(pic.acknowledge(), 0x2f);
    assert.equal(readIsr(io, 0xa0), 0);
    assert.equal(readIsr(io, 0x20), 1 << 2);
  });

  it("PIC: an edge-triggered input latches once per rising edge", () => {
    const { pic, io } = setup();
    const line = pic.line(3);
    line.raise();
    pic.acknowledge();
    io.write(0x20, 1, 0x20);
    line.raise(); // still high: no new edge
    assert.equal(pic.intr, false);
    line.lower();
    line.raise();
    assert.equal(pic.intr, true);
  });

  it("PIC: automatic EOI mode leaves the ISR clear after INTA", () => {
    const { pic, io } = setup({ autoEoi: true });
    pic.line(1).raise();
    assert.equal(pic.acknowledge(), 0x21);
    assert.equal(readIsr(io, 0x20), 0);
    pic.line(5).raise();
    assert.equal(pic.intr, true, "nothing in service blocks IRQ5");
  });

  it("PIC: rotate on non-specific EOI makes the serviced IRQ the lowest priority", () => {
    const { pic, io } = setup();
    pic.line(0).raise();
    assert.equal(pic.acknowledge(), 0x20);
    io.write(0x20, 1, 0xa0); // rotate on non-specific EOI
    pic.line(0).lower();
    pic.line(0).raise();
    pic.line(5).raise();
    assert.equal(pic.acknowledge(), 0x25, "IR0 is now lowest, IR1 highest");
  });

  it("PIC: set priority makes IR(L) the lowest", () => {
    const { pic, io } = setup();
    io.write(0x20, 1, 0xc0 | 4); // IR4 lowest, IR5 highest
    pic.line(3).raise();
    pic.line(6).raise();
    assert.equal(pic.acknowledge(), 0x26);
  });

  it("PIC: special mask mode lets lower priorities in while a masked level is in service", () => {
    const { pic, io } = setup();
    pic.line(2 + 1).raise();
    assert.equal(pic.acknowledge(), 0x23);
    io.write(0x21, 1, 1 << 3); // mask the in-service level
    io.write(0x20, 1, 0x68); // OCW3: set special mask mode
    pic.line(6).raise();
    assert.equal(pic.intr, true);
    assert.equal(pic.acknowledge(), 0x26);
  });

  it("PIC: the poll command returns 0x80 | IR and acknowledges it", () => {
    const { pic, io } = setup();
    pic.line(5).raise();
    io.write(0x20, 1, 0x0c); // OCW3 poll
    assert.equal(io.read(0x20, 1), 0x85);
    assert.equal(readIsr(io, 0x20), 1 << 5);
    io.write(0x20, 1, 0x0c);
    assert.equal(io.read(0x20, 1), 0x00, "nothing left to poll");
  });

  it("PIC: ICW1 clears the IMR and ISR and needs a fresh rising edge", () => {
    const { pic, io } = setup({ imrMaster: 0xf0 });
    pic.line(1).raise();
    pic.acknowledge();
    io.write(0x20, 1, 0x11);
    io.write(0x21, 1, 0x40); io.write(0x21, 1, 0x04); io.write(0x21, 1, 0x01);
    assert.equal(io.read(0x21, 1), 0);
    assert.equal(readIsr(io, 0x20), 0);
    assert.equal(pic.intr, false, "IRQ1 is still high but made no new edge");
    pic.line(1).lower();
    pic.line(1).raise();
    assert.equal(pic.acknowledge(), 0x41);
  });

  it("PIC: the BIOS state masks everything but the cascade, with vectors 0x08 and 0x70", () => {
    const pic = new DualPic();
    const io = new IoBus();
    pic.attach(io);
    pic.initializeAsBios();
    assert.equal(io.read(0x21, 1), 0xfb);
    assert.equal(io.read(0xa1, 1), 0xff);
    io.write(0x21, 1, 0xfa);
    pic.line(0).raise();
    assert.equal(pic.acknowledge(), 0x08);
  });

  it("PIC: onInterruptRequest fires when INTR rises", () => {
    const { pic } = setup();
    let calls = 0;
    pic.onInterruptRequest = () => calls++;
    pic.line(4).raise();
    pic.line(3).raise(); // INTR already high
    assert.equal(calls, 1);
  });

  it("PIC: save and restore keep pending and in-service interrupts", () => {
    const { pic } = setup();
    pic.line(12).raise();
    pic.line(4).raise();
    pic.acknowledge();
    const copy = new DualPic();
    copy.restoreState(JSON.parse(JSON.stringify(pic.saveState())));
    assert.deepEqual(copy.saveState(), pic.saveState());
    assert.equal(copy.acknowledge(), pic.acknowledge());
  });
});
