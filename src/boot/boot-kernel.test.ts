/**
 * Booting real (gcc-built) multiboot kernels on the whole machine: loader, processor, devices.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { Machine } from "../machine/machine.js";
import { bootMultiboot } from "./multiboot.js";
import { buildKernel, haveToolchain } from "./testing/gcc.js";

const HEADER = `
.set MAGIC, 0x1BADB002
.set FLAGS, 0x3
.text
.align 4
.long MAGIC, FLAGS, -(MAGIC+FLAGS)
.globl _start
`;

/** puts: writes the NUL-terminated string at ESI to COM1. */
const PUTS = `
puts:
    mov $0x3F8, %dx
1:  lodsb
    test %al, %al
    jz 2f
    out %al, %dx
    jmp 1b
2:  ret
`;

const HELLO = `${HEADER}
_start:
    mov $stack_top, %esp
    cmp $0x2BADB002, %eax
    jne fail
    mov %ebx, %edi
    mov 64(%edi), %esi          /* boot_loader_name */
    call puts
    mov $nl, %esi
    call puts
    mov 16(%edi), %esi          /* cmdline */
    call puts
    mov $nl, %esi
    call puts
    mov $0x21, %al
    out %al, $0xF4
fail:
    cli
    hlt
    jmp fail
${PUTS}
.data
nl: .asciz "\\n"
.bss
.align 16
stack: .space 4096
stack_top:
`;

/** An IDT with limit 0: the first exception cannot be delivered, nor #DF: a triple fault. */
const TRIPLE_FAULT = `${HEADER}
_start:
    lidt idt_desc
    int3
    hlt
.data
idt_desc: .word 0
          .long 0
`;

/** Programs the PIC and PIT, counts 10 timer interrupts in HLT, then exits. */
const TICKS = `${HEADER}
_start:
    mov $stack_top, %esp
    lgdt gdt_desc               /* selectors 0x08/0x10 stay as the loader set them */
    mov $timer, %eax
    mov %ax, idt + 0x20*8
    movw $0x08, idt + 0x20*8 + 2
    movw $0x8E00, idt + 0x20*8 + 4
    shr $16, %eax
    mov %ax, idt + 0x20*8 + 6
    lidt idt_desc
    mov $0x11, %al; out %al, $0x20; out %al, $0xA0
    mov $0x20, %al; out %al, $0x21
    mov $0x28, %al; out %al, $0xA1
    mov $0x04, %al; out %al, $0x21
    mov $0x02, %al; out %al, $0xA1
    mov $0x01, %al; out %al, $0x21; out %al, $0xA1
    mov $0xFE, %al; out %al, $0x21
    mov $0xFF, %al; out %al, $0xA1
    mov $0x34, %al; out %al, $0x43
    mov $(11932 & 0xff), %al; out %al, $0x40
    mov $(11932 >> 8), %al; out %al, $0x40
    sti
1:  hlt
    cmpl $10, ticks
    jb 1b
    cli
    mov $msg, %esi
    call puts
    mov $0x00, %al
    out %al, $0xF4
    hlt
timer:
    push %eax
    incl ticks
    mov $0x20, %al
    out %al, $0x20
    pop %eax
    iret
${PUTS}
.data
.align 8
gdt:  .quad 0, 0x00CF9A000000FFFF, 0x00CF92000000FFFF
gdt_desc: .word 3*8-1
          .long gdt
idt_desc: .word 256*8-1
          .long idt
msg: .asciz "10 ticks\\n"
.bss
.align 8
ticks: .long 0
idt: .space 256*8
stack: .space 4096
stack_top:
`;

async function boot(source: string, cmdline = "") {
  const machine = new Machine({ clock: "virtual", timeoutMs: 10_000 });
  let out = "";
  machine.events.on("serial", (b) => (out += Buffer.from(b).toString("latin1")));
  bootMultiboot(machine, await buildKernel(source), { cmdline });
  const result = await machine.run();
  return { machine, result, out: () => out };
}

describe("booting gcc-built kernels", async () => {
  let toolchain = false;
  before(async () => {
    toolchain = await haveToolchain();
  });

  it("boot: a multiboot kernel gets EAX = 0x2BADB002, reads the loader name and command line, and exits via 0xF4", async (t) => {
    if (!toolchain) return t.skip("gcc/ld not available");
    const { result, out } = await boot(HELLO, "console=ttyS0 quiet");
    assert.equal(out(), "trapgate\nconsole=ttyS0 quiet\n");
    assert.deepEqual(result, { kind: "exit", status: 0x43 });
  });

  it("boot: a kernel with an empty IDT triple-faults and the run reports the chain", async (t) => {
    if (!toolchain) return t.skip("gcc/ld not available");
    const { result } = await boot(TRIPLE_FAULT);
    assert.equal(result.kind, "triple-fault");
    if (result.kind === "triple-fault") {
      assert.match(result.chain.join("\n"), /INT3/);
      assert.ok(result.chain.length >= 2);
    }
  });

  it("boot: timer interrupts wake HLT; 10 ticks at 100 Hz take 100 ms of virtual time", async (t) => {
    if (!toolchain) return t.skip("gcc/ld not available");
    const { result, out, machine } = await boot(TICKS);
    assert.deepEqual(result, { kind: "exit", status: 1 });
    assert.equal(out(), "10 ticks\n");
    assert.ok(machine.timeNs > 99e6 && machine.timeNs < 101e6, `${machine.timeNs / 1e6} ms`);
    assert.ok(machine.cpu.instructionCount < 2000, "HLT idles instead of executing");
  });
});
