/**
 * The library API for Node users (src/index.ts, package.json "main"/"types"/"exports"): the
 * README's example — construct a Machine, load a kernel, pipe serial output, run, handle the
 * result — on the devices test kernel and on a kernel that triple-faults.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { before, describe, it } from "node:test";
import { BootError, Cpu, Machine, type RunResult, bootMultiboot, bootMultibootFiles } from "../../src/index.js";
import { buildKernel } from "../../src/boot/testing/gcc.js";
import { DEVICES_KERNEL, REPO_ROOT, assertBuilt } from "../support/cli.js";

describe("the library API", () => {
  before(() => assertBuilt(DEVICES_KERNEL));

  it("package.json's main, types and exports name the built entry, which Node resolves by the package name", async () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { main: string; types: string; exports: Record<string, string> };
    for (const file of [pkg.main, pkg.types, pkg.exports["."]]) assert.ok(existsSync(path.join(REPO_ROOT, file)), `${file} is missing`);
    const name = "trapgate"; // a package imports itself by name through "exports"
    const api = (await import(name)) as Record<string, unknown>;
    for (const e of ["Machine", "bootMultiboot", "bootMultibootFiles", "BootError", "Cpu"]) assert.equal(typeof api[e], "function", e);
  });

  it("package.json's bin is an executable Node script, so a clone's `npx trapgate` runs the bundled CLI", () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { bin: Record<string, string> };
    const bin = path.join(REPO_ROOT, pkg.bin.trapgate);
    assert.match(readFileSync(bin, "utf8"), /^#!\/usr\/bin\/env node\n/);
    assert.notEqual(statSync(bin).mode & 0o111, 0, `${pkg.bin.trapgate} is not executable`);
  });

  it("Machine + bootMultibootFiles + pipeSerial + serialInput + run: the devices kernel exits through port 0xF4", async () => {
    const machine = new Machine({ memoryBytes: 16 << 20, clock: "virtual", timeoutMs: 30_000 });
    let out = "";
    machine.pipeSerial((bytes) => {
      out += Buffer.from(bytes).toString("latin1");
      // Type once the kernel asks: a byte sent before it sets up COM1 is lost, as on a real UART.
      if (out.endsWith("ECHO> ")) machine.serialInput("library\n");
    });
    const load = await bootMultibootFiles(machine, DEVICES_KERNEL, { cmdline: "devices exit=7" });
    assert.equal(load.format, "elf");
    const result: RunResult = await machine.run();
    assert.deepEqual(result, { kind: "exit", status: (7 << 1) | 1 }, out);
    assert.match(out, /^BOOT trapgate: devices exit=7\n/);
    assert.match(out, /\nECHO> LIBRARY\nECHOED 7 bytes\nEXIT 7\n$/);
    assert.match(machine.screenText(), /^trapgate devices kernel: VGA text mode 3\n/);
    const { row, column } = machine.screen().cursor;
    assert.deepEqual({ row, column }, { row: 1, column: "RTC 2000-01-01 00:00:00, 100 ticks/s, echoed 7 bytes, exit 7".length }, "the CRTC cursor after the summary");
  });

  it("a triple fault is a result with the chain of faults, not an exception", async () => {
    const kernel = await buildKernel(`
      .set MAGIC, 0x1BADB002
      .text
      .align 4
      .long MAGIC, 0, -MAGIC
      .globl _start
      _start:
        lidt idt_desc
        ud2
      .data
      idt_desc: .word 0
                .long 0
    `);
    const machine = new Machine({ clock: "virtual" });
    bootMultiboot(machine, kernel);
    const result = await machine.run();
    assert.equal(result.kind, "triple-fault");
    if (result.kind === "triple-fault") {
      assert.match(result.chain[0], /#UD/);
      assert.match(result.reason, /IDT/);
    }
    assert.deepEqual(await machine.run(), result, "a finished machine returns the same result again");
  });

  it("bad kernels throw BootError with a code and a one-line message", () => {
    const machine = new Machine();
    assert.throws(
      () => bootMultiboot(machine, new TextEncoder().encode("not a kernel"), { kernelName: "notes.txt" }),
      (e: unknown) => e instanceof BootError && e.code === "not-multiboot" && /^notes\.txt: not a multiboot kernel/.test(e.message) && !e.message.includes("\n"),
    );
  });

  it("Machine.cpu is the exported Cpu", () => {
    assert.ok(new Machine().cpu instanceof Cpu);
  });
});
