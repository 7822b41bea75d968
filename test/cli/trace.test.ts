/**
 * `trapgate boot --trace-exceptions`: every exception, as it is raised, on one line of stderr with
 * the instruction and the rule in the SDM's terms (as QEMU's `-d int`, but saying why).
 */
import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { REPO_ROOT, assertBuilt, runTrapgate } from "../support/cli.js";

const KERNEL = path.join(REPO_ROOT, "build/kernel/trapgate-kernel.elf");
const BAD = path.join(REPO_ROOT, "build/user/bad");

describe("trapgate boot --trace-exceptions", () => {
  it("names the faulting instruction and the broken rule of a user program's bad IRET and kernel read", async () => {
    assertBuilt(KERNEL, BAD);
    const r = await runTrapgate(["boot", path.relative(REPO_ROOT, KERNEL), "--clock", "virtual", "--trace-exceptions",
      "--module", `${path.relative(REPO_ROOT, BAD)},bad iret`, "--module", `${path.relative(REPO_ROOT, BAD)},bad kread`]);
    const trace = r.stderr.split("\n").filter((l) => l.startsWith("trapgate: exception "));
    assert.equal(trace.length, 2, r.stderr);
    assert.match(trace[0], /^trapgate: exception #GP\(0x8\) at 0x1b:0x[0-9a-f]+ \(CPL 3\) `iret`: IRET: return CS RPL 0 < CPL 3$/);
    assert.match(trace[1], /^trapgate: exception #PF\(0x5\) at 0x1b:0x[0-9a-f]+ \(CPL 3\) `mov eax, dword ptr \[0xc0100000\]`: user-mode access to a supervisor page at linear 0xc0100000$/);
    // the kernel lives on and ends both processes Linux-style
    assert.match(r.stdout, /general protection fault/);
    assert.match(r.stdout, /segfault at 0xc0100000/);
  });

  it("prints nothing extra without the option", async () => {
    assertBuilt(KERNEL, BAD);
    const r = await runTrapgate(["boot", path.relative(REPO_ROOT, KERNEL), "--clock", "virtual",
      "--module", `${path.relative(REPO_ROOT, BAD)},bad iret`]);
    assert.doesNotMatch(r.stderr, /exception/);
  });
});
