import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { IoBus } from "../io-bus.js";
import { DebugConsole } from "./debug-console.js";
import { DebugExit } from "./debug-exit.js";
import { PowerControl } from "./power.js";

describe("debug and power ports", () => {
  it("isa-debug-exit: writing v to port 0xF4 exits with status (v << 1) | 1", () => {
    const io = new IoBus();
    const dev = new DebugExit();
    dev.attach(io);
    const statuses: number[] = [];
    dev.events.on("exit", (s) => statuses.push(s));
    io.write(0xf4, 1, 0x10);
    io.write(0xf4, 4, 0);
    assert.deepEqual(statuses, [0x21, 1]);
  });

  it("debug console: bytes written to port 0xE9 go to the host; reads return 0xE9", () => {
    const io = new IoBus();
    const dev = new DebugConsole();
    dev.attach(io);
    const out: number[] = [];
    dev.events.on("output", (b) => out.push(b));
    for (const c of "ok") io.write(0xe9, 1, c.charCodeAt(0));
    assert.equal(String.fromCharCode(...out), "ok");
    assert.equal(io.read(0xe9, 1), 0xe9);
  });

  it('Bochs shutdown: "Shutdown" written to port 0x8900 requests power-off, a wrong byte restarts the match', () => {
    const io = new IoBus();
    const dev = new PowerControl();
    dev.attach(io);
    const events: string[] = [];
    dev.events.on("shutdown", (how) => events.push(how));
    for (const c of "ShutXShutdow") io.write(0x8900, 1, c.charCodeAt(0));
    assert.equal(events.length, 0);
    io.write(0x8900, 1, "n".charCodeAt(0));
    assert.equal(events.length, 1);
  });

  it("ACPI: a word write of 0x2000 to port 0x604 requests power-off", () => {
    const io = new IoBus();
    const dev = new PowerControl();
    dev.attach(io);
    let n = 0;
    dev.events.on("shutdown", () => n++);
    io.write(0x604, 2, 0x1234);
    io.write(0x604, 2, 0x2000);
    assert.equal(n, 1);
  });
});
