/**
 * `trapgate boot` with the devices test kernel (test/kernels/devices): the PIC remapped and the
 * PIT interrupting HLT, COM1 receive interrupts echoing stdin, the CMOS clock, VGA text and the
 * exit port, end to end through the command as a user runs it. With `--clock virtual` the run
 * is deterministic, so the whole transcript is compared.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { mkdir, readFile } from "node:fs/promises";
import { before, describe, it } from "node:test";
import { DEVICES_KERNEL, REPO_ROOT, assertBuilt, runTrapgate } from "../support/cli.js";

const KERNEL = path.relative(REPO_ROOT, DEVICES_KERNEL);

describe("trapgate boot: the devices kernel", () => {
  before(() => assertBuilt(DEVICES_KERNEL));

  it("echoes stdin upper-cased from IRQ 4, counts 100 PIT ticks per RTC second, writes VGA text, and exits with the status it wrote to 0xF4", async () => {
    const r = await runTrapgate(["boot", KERNEL, "--clock", "virtual", "--vga-dump", "--append", "exit=42"], { input: "hello, trapgate\n" });
    assert.equal(r.stderr, "");
    assert.equal(
      r.stdout,
      [
        `BOOT trapgate: ${KERNEL} exit=42`, // boot loader name and command line from the multiboot information
        "RTC 2000-01-01 00:00:00", // the virtual clock's RTC starts at 2000-01-01
        "TIMER 100 ticks in one RTC second",
        "ECHO> HELLO, TRAPGATE",
        "ECHOED 15 bytes",
        "EXIT 42",
        // --vga-dump: the text screen after the run
        "trapgate devices kernel: VGA text mode 3",
        "RTC 2000-01-01 00:00:00, 100 ticks/s, echoed 15 bytes, exit 42",
        "",
      ].join("\n"),
    );
    assert.equal(r.status, 42);
  });

  it("a CR (a terminal's Enter key) also ends the line; exit 0 is the shell's success", async () => {
    const r = await runTrapgate(["boot", KERNEL, "--clock", "virtual"], { input: "ls -l\rignored\n" });
    assert.equal(r.stderr, "");
    assert.match(r.stdout, /^ECHO> LS -L\nECHOED 5 bytes\nEXIT 0\n$/m);
    assert.doesNotMatch(r.stdout, /IGNORED|trapgate devices kernel/);
    assert.equal(r.status, 0);
  });

  it("--serial FILE sends COM1 to the file and nothing to stdout", async () => {
    const file = path.join(REPO_ROOT, "build/test-output/cli-serial.txt");
    await mkdir(path.dirname(file), { recursive: true });
    const r = await runTrapgate(["boot", KERNEL, "--clock", "virtual", "--serial", file, "--timeout", "5"]);
    assert.equal(r.stdout, "");
    assert.match(await readFile(file, "latin1"), /^BOOT trapgate: .*\nRTC 2000-01-01 00:00:00\nTIMER 100 ticks in one RTC second\nECHO> $/);
    assert.equal(r.stderr, "trapgate: timeout: --timeout reached before the guest exited\n");
    assert.equal(r.status, 124, "with no input the kernel waits until --timeout");
  });
});
