import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Machine, type MachineOptions } from "./machine.js";
import { FakeCpu } from "./testing/fake-cpu.js";

/** A machine whose processor is a FakeCpu running `step` per instruction. */
function machineWith(
  step: (cpu: FakeCpu) => void,
  onInterrupt: (cpu: FakeCpu, vector: number) => void = () => {},
  options: MachineOptions = {},
): { machine: Machine; cpu: FakeCpu } {
  const machine = new Machine({
    clock: "virtual",
    memoryBytes: 4 * 1024 * 1024,
    ...options,
    createProcessor: (bus) => new FakeCpu(bus, step, onInterrupt),
  });
  return { machine, cpu: machine.cpu as FakeCpu };
}

/** Programs PIT counter 0 in mode 2 with `divisor` and unmasks IRQ0. */
function startTimer(cpu: FakeCpu, divisor: number): void {
  cpu.out(0x43, 0x34);
  cpu.out(0x40, divisor & 0xff);
  cpu.out(0x40, divisor >> 8);
  cpu.out(0x21, 0xfe);
}

describe("Machine", () => {
  it("Machine: a write of v to port 0xF4 ends the run at once with status (v << 1) | 1", async () => {
    const { machine, cpu } = machineWith((c) => {
      if (c.instructionCount === 100) c.out(0xf4, 0x10);
    });
    assert.deepEqual(await machine.run(), { kind: "exit", status: 0x21 });
    assert.equal(cpu.instructionCount, 101, "no instruction runs after the exit write");
    assert.deepEqual(await machine.run(), { kind: "exit", status: 0x21 }, "a finished machine keeps its result");
  });

  it("Machine: COM1 output reaches the serial event and Writable-like sinks", async () => {
    const text = "hello, world\n";
    const chunks: Uint8Array[] = [];
    const written: Uint8Array[] = [];
    const { machine } = machineWith(
      (c) => {
        const i = c.instructionCount;
        if (i < text.length) c.out(0x3f8, text.charCodeAt(i));
        else c.out(0xf4, 0);
      },
      undefined,
      { serial: { write: (chunk: Uint8Array) => written.push(chunk) } },
    );
    machine.events.on("serial", (b) => chunks.push(b));
    await machine.run();
    assert.equal(Buffer.concat(chunks).toString(), text);
    assert.equal(Buffer.concat(written).toString(), text);
  });

  it("Machine: port 0xE9 output arrives as debugcon events", async () => {
    const { machine } = machineWith((c) => {
      if (c.instructionCount < 2) c.out(0xe9, 0x41 + c.instructionCount);
      else c.out(0xf4, 0);
    });
    const got: number[] = [];
    machine.events.on("debugcon", (b) => got.push(...b));
    await machine.run();
    assert.equal(String.fromCharCode(...got), "AB");
  });

  it("Machine: serialInput bytes reach the guest through RBR", async () => {
    let echoed = "";
    const { machine } = machineWith((c) => {
      if (c.in(0x3fd) & 0x01) {
        const b = c.in(0x3f8);
        if (b === 0x0a) c.out(0xf4, 0);
        else echoed += String.fromCharCode(b);
      }
    });
    machine.serialInput("typed\n");
    await machine.run();
    assert.equal(echoed, "typed");
  });

  it("Machine: with the virtual clock, a 100 Hz PIT interrupts every 10 ms = 1,000,015 instructions of 10 ns", async () => {
    const { machine, cpu } = machineWith(
      (c) => {
        if (c.instructionCount === 0) {
          startTimer(c, 11932);
          c.interruptsEnabled = true;
        }
        if (c.taken.length === 5) c.out(0xf4, 0);
      },
      (c) => c.out(0x20, 0x20),
    );
    await machine.run();
    assert.ok(cpu.taken.every((t) => t.vector === 0x08), "IRQ0 arrives at the BIOS vector 0x08");
    const gaps = cpu.taken.slice(1).map((t, i) => t.at - cpu.taken[i].at);
    const period = ((11932 / 1_193_182) * 1e9) / 10; // 1,000,015.1 instructions
    assert.equal(gaps.length, 4);
    for (const gap of gaps) assert.ok(Math.abs(gap - period) <= 1, `gap ${gap}`);
  });

  it("Machine: a virtual-clock run is deterministic", async () => {
    const trace = async () => {
      const { machine, cpu } = machineWith(
        (c) => {
          if (c.instructionCount === 0) {
            startTimer(c, 1193);
            c.interruptsEnabled = true;
          }
          if (c.instructionCount % 7 === 0) c.in(0x40);
          if (c.taken.length === 20) c.out(0xf4, 1);
        },
        (c) => c.out(0x20, 0x20),
      );
      await machine.run();
      return cpu.taken.map((t) => t.at);
    };
    assert.deepEqual(await trace(), await trace());
  });

  it("Machine: HLT with the virtual clock jumps to the next timer deadline", async () => {
    const { machine, cpu } = machineWith(
      (c) => {
        if (c.instructionCount === 0) {
          startTimer(c, 11932);
          c.interruptsEnabled = true;
        }
        if (c.taken.length === 100) c.out(0xf4, 0);
        else c.hlt();
      },
      (c) => c.out(0x20, 0x20),
    );
    assert.equal((await machine.run()).kind, "exit");
    assert.ok(cpu.instructionCount < 200, `${cpu.instructionCount} instructions`);
    assert.ok(Math.abs(machine.timeNs - 1e9) < 1e7, `machine time ${machine.timeNs} ns is about 1 s`);
  });

  it("Machine: a timer reprogrammed mid-slice still interrupts on time", async () => {
    const { machine, cpu } = machineWith(
      (c) => {
        if (c.instructionCount === 1000) {
          c.out(0x43, 0x30); // counter 0, LSB/MSB, mode 0
          c.out(0x40, 100);
          c.out(0x40, 0);
          c.out(0x21, 0xfe);
          c.interruptsEnabled = true;
        }
        if (c.taken.length === 1) c.out(0xf4, 0);
      },
      undefined,
      { sliceInstructions: 1_000_000 },
    );
    machine.pit.counters[0].program(0x30); // stop the BIOS's 18.2 Hz square wave
    await machine.run();
    const expected = 1000 + (100 / 1_193_182) * 1e9 / 10; // ≈ 9381
    assert.ok(Math.abs(cpu.taken[0].at - expected) < 20, `IRQ0 at instruction ${cpu.taken[0].at}`);
  });

  it("Machine: HLT with interrupts disabled ends the run as halted", async () => {
    const { machine } = machineWith((c) => c.hlt());
    assert.deepEqual(await machine.run(), { kind: "halted" });
  });

  it("Machine: the timeout counts machine time, skipped at once while halted", async () => {
    const { machine, cpu } = machineWith((c) => {
      c.interruptsEnabled = true;
      c.hlt();
    }, undefined, { timeoutMs: 5000 });
    assert.deepEqual(await machine.run(), { kind: "timeout" });
    assert.ok(machine.timeNs >= 5e9);
    assert.equal(cpu.instructionCount, 1);
  });

  it("Machine: the timeout also ends a guest that never halts", async () => {
    const { machine, cpu } = machineWith(() => {}, undefined, { timeoutMs: 5 });
    assert.deepEqual(await machine.run(), { kind: "timeout" });
    assert.ok(cpu.instructionCount >= 500_000 && cpu.instructionCount < 500_100);
  });

  it("Machine: maxInstructions ends the run after exactly that many instructions; a later run continues", async () => {
    const { machine, cpu } = machineWith(() => {}, undefined, { maxInstructions: 12_345 });
    assert.deepEqual(await machine.run(), { kind: "instruction-limit" });
    assert.equal(cpu.instructionCount, 12_345);
    machine.maxInstructions = 20_000;
    assert.deepEqual(await machine.run(), { kind: "instruction-limit" });
    assert.equal(cpu.instructionCount, 20_000);
  });

  it('Machine: "Shutdown" on port 0x8900 ends the run with shutdown', async () => {
    const { machine } = machineWith((c) => {
      const s = "Shutdown";
      c.out(0x8900, s.charCodeAt(c.instructionCount % s.length));
    });
    const r = await machine.run();
    assert.equal(r.kind, "shutdown");
  });

  it("Machine: keyboard controller reset ends the run with reset", async () => {
    const { machine } = machineWith((c) => c.out(0x64, 0xfe));
    assert.equal((await machine.run()).kind, "reset");
  });

  it("Machine: a triple fault ends the run with its reason and chain", async () => {
    const { machine } = machineWith((c) => {
      c.shutdown = { reason: "triple fault", chain: ["#GP(0)", "#DF", "#GP"] };
    });
    assert.deepEqual(await machine.run(), { kind: "triple-fault", reason: "triple fault", chain: ["#GP(0)", "#DF", "#GP"] });
  });

  it("Machine: the keyboard delivers typed text on IRQ1 to an unmasked handler", async () => {
    const codes: number[] = [];
    const { machine } = machineWith(
      (c) => {
        if (c.instructionCount === 0) {
          c.out(0x21, 0xfd);
          c.interruptsEnabled = true;
        }
        if (codes.length === 2) c.out(0xf4, 0);
        else c.hlt();
      },
      (c, v) => {
        assert.equal(v, 0x09);
        codes.push(c.in(0x60));
        c.out(0x20, 0x20);
      },
      { timeoutMs: 1000 },
    );
    machine.keyboardInput("q");
    assert.equal((await machine.run()).kind, "exit");
    assert.deepEqual(codes, [0x10, 0x90]);
  });

  it("Machine: with the host clock HLT sleeps instead of spinning", async () => {
    const { machine, cpu } = machineWith(
      (c) => {
        if (c.instructionCount === 0) {
          startTimer(c, 11932); // 100 Hz
          c.interruptsEnabled = true;
        }
        if (c.taken.length === 30) c.out(0xf4, 0);
        else c.hlt();
      },
      (c) => c.out(0x20, 0x20),
      { clock: "host" },
    );
    // 30 ticks (300 ms), so start-up costs of the process (JIT, GC) weigh little against a spin.
    const wall0 = performance.now();
    const cpu0 = process.cpuUsage();
    assert.equal((await machine.run()).kind, "exit");
    const wallMs = performance.now() - wall0;
    const used = process.cpuUsage(cpu0);
    const cpuMs = (used.user + used.system) / 1000;
    assert.ok(wallMs >= 285, `30 ticks at 100 Hz take about 300 ms (took ${wallMs.toFixed(1)})`);
    assert.ok(cpuMs < wallMs / 2, `host CPU ${cpuMs.toFixed(1)} ms over ${wallMs.toFixed(1)} ms`);
    assert.ok(cpu.instructionCount < 300);
  });

  it("Machine: serial input wakes a guest halted with no timer (host clock)", async () => {
    const { machine } = machineWith(
      (c) => {
        if (c.instructionCount === 0) {
          c.out(0x3f9, 0x01); // IER: received data
          c.out(0x3fc, 0x08); // MCR: OUT2
          c.out(0x21, 0xef); // unmask IRQ4 only
          c.interruptsEnabled = true;
        }
        c.hlt();
      },
      (c, v) => {
        assert.equal(v, 0x0c);
        c.out(0xf4, c.in(0x3f8));
      },
      { clock: "host" },
    );
    setTimeout(() => machine.serialInput("\x05"), 20);
    assert.deepEqual(await machine.run(), { kind: "exit", status: 0x0b });
  });

  it("Machine: with the virtual clock and a periodic timer, host input that arrives later still reaches a halted guest", { timeout: 10_000 }, async () => {
    // Virtual time jumps from tick to tick without waiting; the run must still yield to the event
    // loop now and then, or input arriving from the host (stdin) would never be delivered.
    const { machine } = machineWith(
      (c) => {
        if (c.instructionCount === 0) {
          startTimer(c, 11932); // 100 Hz
          c.out(0x3f9, 0x01); // IER: received data
          c.out(0x3fc, 0x08); // MCR: OUT2
          c.out(0x21, 0xee); // unmask IRQ0 and IRQ4
          c.interruptsEnabled = true;
        }
        c.hlt();
      },
      (c, v) => {
        if (v === 0x0c) c.out(0xf4, c.in(0x3f8));
        else c.out(0x20, 0x20);
      },
      { clock: "virtual" },
    );
    setTimeout(() => machine.serialInput("\x05"), 50);
    assert.deepEqual(await machine.run(), { kind: "exit", status: 0x0b });
  });

  it("Machine: stop() ends a run that waits in HLT", async () => {
    const { machine } = machineWith((c) => {
      c.interruptsEnabled = true;
      c.hlt();
    }, undefined, { clock: "host" });
    setTimeout(() => machine.stop(), 20);
    assert.deepEqual(await machine.run(), { kind: "stopped" });
  });

  it("Machine: physical addresses beyond RAM read as all ones and ignore writes", () => {
    const { machine } = machineWith(() => {});
    machine.bus.writePhysSlow(0xfee00000, 0x12);
    assert.equal(machine.bus.readPhysSlow(0xfee00000), 0xff);
    assert.equal(machine.ram.length, 4 * 1024 * 1024);
  });

  it("Machine: the screen is read from the VGA text buffer in RAM", () => {
    const { machine } = machineWith(() => {});
    machine.ram.set([0x4f, 0x07, 0x4b, 0x07], 0xb8000);
    assert.equal(machine.screenText().split("\n")[0], "OK");
    assert.equal(machine.screen().lines.length, 25);
  });

  it("Machine: device state survives a save and restore", async () => {
    const { machine } = machineWith(() => {});
    machine.serialInput("abc");
    const state = JSON.parse(JSON.stringify(machine.saveDeviceState()));
    const { machine: copy } = machineWith(() => {});
    copy.restoreDeviceState(state);
    assert.deepEqual(copy.saveDeviceState(), machine.saveDeviceState());
  });

  it("Machine: the port map lists every device", () => {
    const { machine } = machineWith(() => {});
    const names = machine.io.portMap().map((r) => `${r.first.toString(16)} ${r.handler.name}`);
    for (const port of ["20 ", "40 ", "60 ", "70 ", "3f8 ", "3d4 ", "e9 ", "f4 ", "8900 "]) {
      assert.ok(names.some((n) => n.startsWith(port)), `${port} in ${names.join(", ")}`);
    }
  });
});
