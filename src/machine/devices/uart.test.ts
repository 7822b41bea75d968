import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { IoBus } from "../io-bus.js";
import { RecordingIrqSink } from "../testing/fakes.js";
import { Uart16550 } from "./uart.js";

const COM1 = 0x3f8;

function setup() {
  const irqs = new RecordingIrqSink();
  const uart = new Uart16550(irqs.line(4));
  const io = new IoBus();
  uart.attach(io);
  const sent: number[] = [];
  uart.events.on("transmit", (b) => sent.push(b));
  const out = (reg: number, v: number) => io.write(COM1 + reg, 1, v);
  const inp = (reg: number) => io.read(COM1 + reg, 1);
  return { uart, io, irqs, sent, out, inp };
}

describe("16550A UART", () => {
  it("UART: LCR.DLAB exposes the divisor latch, which sets the baud rate", () => {
    const { uart, out, inp } = setup();
    out(3, 0x80);
    out(0, 0x03);
    out(1, 0x00);
    out(3, 0x03);
    assert.equal(uart.baudRate, 38400);
    assert.equal(inp(3), 0x03);
    out(1, 0x05);
    assert.equal(inp(1), 0x05, "with DLAB clear, offset 1 is IER again");
  });

  it("UART: bytes written to THR reach the host in order", () => {
    const { sent, out } = setup();
    for (const ch of "hi\n") out(0, ch.charCodeAt(0));
    assert.deepEqual(sent, [0x68, 0x69, 0x0a]);
  });

  it("UART: LSR shows THR and transmitter empty, and data ready once input arrives", () => {
    const { uart, inp } = setup();
    assert.equal(inp(5), 0x60);
    uart.receive("x");
    assert.equal(inp(5), 0x61);
    assert.equal(inp(0), 0x78);
    assert.equal(inp(5), 0x60);
  });

  it("UART: IIR reports received data before THR empty", () => {
    const { uart, out, inp } = setup();
    out(4, 0x08); // OUT2
    out(1, 0x03); // ERBFI | ETBEI
    uart.receive("a");
    assert.equal(inp(2), 0x04);
    inp(0);
    assert.equal(inp(2), 0x02);
    assert.equal(inp(2), 0x01, "reading IIR cleared the THR-empty interrupt");
  });

  it("UART: enabling ETBEI with THR empty raises the THR-empty interrupt on IRQ4", () => {
    const { irqs, out, inp } = setup();
    out(4, 0x0b);
    assert.equal(irqs.level(4), false);
    out(1, 0x02);
    assert.equal(irqs.level(4), true);
    assert.equal(inp(2), 0x02);
    assert.equal(irqs.level(4), false);
  });

  it("UART: a THR write gives a fresh IRQ4 edge for the next THR-empty interrupt", () => {
    const { irqs, out, inp } = setup();
    out(4, 0x08);
    out(1, 0x02);
    inp(2);
    const edges = irqs.edges(4);
    out(0, 0x41);
    assert.equal(irqs.edges(4), edges + 1);
    assert.equal(irqs.level(4), true);
  });

  it("UART: the interrupt reaches IRQ4 only while MCR.OUT2 is set", () => {
    const { uart, irqs, out } = setup();
    out(1, 0x01);
    uart.receive("z");
    assert.equal(irqs.level(4), false);
    out(4, 0x08);
    assert.equal(irqs.level(4), true);
    out(4, 0x00);
    assert.equal(irqs.level(4), false);
  });

  it("UART: host input beyond the 16-byte FIFO waits behind it instead of overrunning", () => {
    const { uart, out, inp } = setup();
    out(2, 0x01); // FIFO on
    const text = "abcdefghijklmnopqrstuvwxyz";
    uart.receive(text);
    let got = "";
    while (inp(5) & 0x01) got += String.fromCharCode(inp(0));
    assert.equal(got, text);
    assert.equal(inp(5) & 0x02, 0, "no overrun");
  });

  it("UART: below the FIFO trigger level IIR reports character timeout, at it received data", () => {
    const { uart, out, inp } = setup();
    out(2, 0xc1); // FIFO on, trigger 14
    out(1, 0x01);
    uart.receive("abc");
    assert.equal(inp(2), 0xcc);
    uart.receive("0123456789AB");
    assert.equal(inp(2), 0xc4);
  });

  it("UART: with FIFOs off the receiver holds one byte", () => {
    const { uart, inp } = setup();
    uart.receive("xy");
    assert.equal(inp(0), 0x78);
    assert.equal(inp(0), 0x79);
    assert.equal(inp(5) & 0x01, 0);
  });

  it("UART: FCR clears the receive FIFO", () => {
    const { uart, out, inp } = setup();
    out(2, 0x01);
    uart.receive("abc");
    out(2, 0x03);
    assert.equal(inp(5) & 0x01, 0);
  });

  it("UART: loopback returns transmitted bytes to RBR and mirrors MCR in MSR", () => {
    const { sent, out, inp } = setup();
    out(4, 0x10 | 0x02 | 0x01); // LOOP | RTS | DTR
    out(0, 0x5a);
    assert.deepEqual(sent, []);
    assert.equal(inp(0), 0x5a);
    assert.equal(inp(6) & 0xf0, 0x30, "CTS from RTS, DSR from DTR");
  });

  it("UART: line status (overrun) outranks received data in IIR and clears on LSR read", () => {
    const { out, inp } = setup();
    out(4, 0x10);
    out(1, 0x05); // ELSI | ERBFI
    out(0, 1);
    out(0, 2); // 1-byte holding register already full
    assert.equal(inp(2), 0x06);
    assert.equal(inp(5) & 0x02, 0x02);
    assert.equal(inp(2), 0x04);
  });

  it("UART: the scratch register keeps its value", () => {
    const { out, inp } = setup();
    out(7, 0xa5);
    assert.equal(inp(7), 0xa5);
  });

  it("UART: save and restore keep queued input", () => {
    const { uart } = setup();
    uart.receive("queued");
    const copy = new Uart16550(new RecordingIrqSink().line(4));
    copy.restoreState(JSON.parse(JSON.stringify(uart.saveState())));
    let got = "";
    while (copy.read(5) & 1) got += String.fromCharCode(copy.read(0));
    assert.equal(got, "queued");
  });

  it("UART: hangUp drops DCD and DSR after the queued bytes, with a modem-status interrupt when EDSSI is set", () => {
    const { uart, irqs, out, inp } = setup();
    out(4, 0x0b); // DTR, RTS, OUT2
    out(1, 0x08); // EDSSI only
    assert.equal(inp(6) & 0xf0, 0xb0, "a connected terminal: DCD, DSR, CTS");
    uart.receive("ab");
    uart.hangUp();
    assert.equal(irqs.level(4), true, "the modem-status interrupt reaches IRQ4");
    assert.equal(inp(2) & 0x0f, 0x00, "IIR: modem status");
    assert.equal(inp(6), 0x10 | 0x08 | 0x02, "MSR: CTS, with DDCD and DDSR");
    assert.equal(irqs.level(4), false, "reading MSR clears the interrupt");
    let got = "";
    while (inp(5) & 1) got += String.fromCharCode(inp(0));
    assert.equal(got, "ab", "bytes queued before the hang-up stay readable");
    assert.equal(inp(6) & 0x80, 0, "DCD stays low");
  });

  it("UART: a long host input (past the queue's compaction) arrives whole and in order", () => {
    const { uart, out, inp } = setup();
    out(2, 0x01); // FIFOs on: 16 bytes at a time
    const sent = Array.from({ length: 20_000 }, (_, i) => (i * 31) & 0xff);
    uart.receive(sent.slice(0, 12_000));
    const got: number[] = [];
    for (let i = 0; i < 9_000; i++) got.push(inp(0));
    uart.receive(sent.slice(12_000));
    assert.equal(uart.pendingInput, 11_000);
    while (inp(5) & 1) got.push(inp(0));
    assert.deepEqual(got, sent);
  });
});
