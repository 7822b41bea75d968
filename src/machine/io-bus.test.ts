import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { IoBus } from "./io-bus.js";
import { PhysicalMemory } from "./memory.js";

describe("I/O bus", () => {
  it("IoBus: unclaimed ports read all ones and ignore writes", () => {
    const io = new IoBus();
    const seen: number[] = [];
    io.onUnclaimed = (port) => seen.push(port);
    assert.equal(io.read(0x1234, 1), 0xff);
    assert.equal(io.read(0x1234, 2), 0xffff);
    assert.equal(io.read(0x1234, 4), 0xffffffff);
    io.write(0x1234, 1, 0);
    assert.ok(seen.length > 0);
  });

  it("IoBus: a byte-wide device sees word and dword accesses as consecutive byte accesses", () => {
    const io = new IoBus();
    const regs = [0x11, 0x22, 0x33, 0x44];
    const writes: Array<[number, number]> = [];
    io.register(0x100, 4, {
      name: "bytes",
      read: (port) => regs[port - 0x100],
      write: (port, _size, v) => writes.push([port, v]),
    });
    assert.equal(io.read(0x100, 4), 0x44332211);
    assert.equal(io.read(0x103, 2), 0xff44, "the byte past the device is unclaimed");
    io.write(0x101, 2, 0xbbaa);
    assert.deepEqual(writes, [[0x101, 0xaa], [0x102, 0xbb]]);
  });

  it("IoBus: a device that decodes words gets them whole, masked to the access size", () => {
    const io = new IoBus();
    const got: Array<[number, number]> = [];
    io.register(0x200, 2, { name: "words", sizes: [1, 2], write: (_p, size, v) => got.push([size, v]) });
    io.write(0x200, 2, 0x12345678);
    assert.deepEqual(got, [[2, 0x5678]]);
  });

  it("IoBus: claiming a port twice is refused, naming both devices", () => {
    const io = new IoBus();
    io.register(0x60, 1, { name: "first" });
    assert.throws(() => io.register(0x5f, 2, { name: "second" }), /second: port 0x60 is already claimed by first/);
    assert.throws(() => io.register(0xffff, 2, { name: "third" }), RangeError);
  });
});

describe("physical memory", () => {
  it("memory: addresses at or above the RAM size read all ones and ignore writes", () => {
    const mem = new PhysicalMemory(2 * 1024 * 1024);
    mem.write32(0x1ffffe, 0x11223344);
    assert.equal(mem.read16(0x1ffffe), 0x3344);
    assert.equal(mem.read32(0x1ffffe), 0xffff3344);
    assert.equal(mem.read8(0xfffffff0), 0xff);
  });

  it("memory: sizes that are not 4 KiB multiples between 2 MiB and 3 GiB are refused", () => {
    assert.throws(() => new PhysicalMemory(3 * 1024 * 1024 + 1), RangeError);
    assert.throws(() => new PhysicalMemory(1024 * 1024), RangeError);
    assert.equal(new PhysicalMemory().size, 64 * 1024 * 1024);
  });

  it("memory: load refuses ranges outside RAM", () => {
    const mem = new PhysicalMemory(2 * 1024 * 1024);
    assert.throws(() => mem.load(0x1fffff, new Uint8Array(2)), /outside RAM/);
  });
});
