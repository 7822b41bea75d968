import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { BootError } from "./errors.js";
import { bootMultibootFiles, readBootFile } from "./files.js";
import { InfoFlag, bootMultiboot, findMultibootHeader, loadMultiboot } from "./multiboot.js";
import { buildElf32, concat, multibootHeader } from "./testing/images.js";

const MiB = 1024 * 1024;

function assertBootError(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof BootError, `a BootError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes("\n"), "one line");
    return true;
  });
}

/** A small ELF kernel: header + code at 1 MiB, data and bss at 1 MiB + 0x1000. */
function elfKernel(options: { flags?: number; vaddrOffset?: number; bss?: number } = {}): Uint8Array {
  const off = options.vaddrOffset ?? 0;
  const text = concat(multibootHeader(options.flags ?? 0x3), new Uint8Array([0xfa, 0xf4, 0xeb, 0xfd]));
  return buildElf32({
    entry: 0x100000 + off + 48,
    segments: [
      { vaddr: 0x100000 + off, paddr: 0x100000, data: text },
      { vaddr: 0x101000 + off, paddr: 0x101000, data: new Uint8Array([1, 2, 3, 4]), memsz: 4 + (options.bss ?? 0x3000) },
    ],
  });
}

const u32 = (ram: Uint8Array, a: number) => new DataView(ram.buffer).getUint32(a, true);
const cstr = (ram: Uint8Array, a: number) => {
  let s = "";
  while (ram[a] !== 0) s += String.fromCharCode(ram[a++]);
  return s;
};

describe("multiboot loader", () => {
  it("multiboot: PT_LOAD segments land at p_paddr and the bss part is zeroed", () => {
    const ram = new Uint8Array(8 * MiB).fill(0xaa);
    const load = loadMultiboot(ram, elfKernel());
    assert.equal(load.format, "elf");
    assert.deepEqual([...ram.subarray(0x100000, 0x100004)], [0x02, 0xb0, 0xad, 0x1b]);
    assert.deepEqual([...ram.subarray(0x101000, 0x101004)], [1, 2, 3, 4]);
    assert.ok(ram.subarray(0x101004, 0x104004).every((b) => b === 0), "bss zeroed");
    assert.equal(ram[0x104004], 0xaa, "nothing past the segment touched");
    assert.equal(load.kernelEnd, 0x104004);
  });

  it("multiboot: a higher-half kernel's entry point is translated to its physical address", () => {
    const ram = new Uint8Array(8 * MiB);
    const load = loadMultiboot(ram, elfKernel({ vaddrOffset: 0xc0000000 }));
    assert.equal(load.entry, 0x100030);
    assert.equal(ram[0x100030], 0xfa);
  });

  it("multiboot: bootMultiboot enters with EBX = the boot information and EIP = the entry", () => {
    const calls: Array<[number, number]> = [];
    const target = { ram: new Uint8Array(8 * MiB), cpu: { setupMultibootState: (e: number, b: number) => void calls.push([e, b]) } };
    const load = bootMultiboot(target, elfKernel());
    assert.deepEqual(calls, [[0x100030, load.infoAddress]]);
    assert.ok(load.infoAddress >= 0x9000 && load.infoAddress < 0x100000);
  });

  it("multiboot: the boot information gives memory sizes, the command line and the loader name", () => {
    const ram = new Uint8Array(64 * MiB);
    const { infoAddress: i } = loadMultiboot(ram, elfKernel(), { cmdline: "kernel console=ttyS0" });
    const flags = u32(ram, i);
    for (const f of [InfoFlag.MEMORY, InfoFlag.CMDLINE, InfoFlag.MODS, InfoFlag.MEM_MAP, InfoFlag.BOOT_LOADER_NAME]) assert.ok(flags & f);
    assert.equal(flags & InfoFlag.FRAMEBUFFER, 0, "no video information unless asked");
    assert.equal(u32(ram, i + 4), 639);
    assert.equal(u32(ram, i + 8), 63 * 1024);
    assert.equal(cstr(ram, u32(ram, i + 16)), "kernel console=ttyS0");
    assert.equal(cstr(ram, u32(ram, i + 64)), "trapgate");
  });

  it("multiboot: the memory map lists low memory, the reserved BIOS areas and RAM above 1 MiB", () => {
    const ram = new Uint8Array(32 * MiB);
    const { infoAddress: i } = loadMultiboot(ram, elfKernel());
    const length = u32(ram, i + 44);
    let a = u32(ram, i + 48);
    const entries: Array<[number, number, number]> = [];
    for (const end = a + length; a < end; a += u32(ram, a) + 4) {
      assert.equal(u32(ram, a + 8), 0, "base high half");
      entries.push([u32(ram, a + 4), u32(ram, a + 12), u32(ram, a + 20)]);
    }
    assert.deepEqual(entries, [
      [0, 0x9fc00, 1],
      [0x9fc00, 0x400, 2],
      [0xf0000, 0x10000, 2],
      [0x100000, 31 * MiB, 1],
    ]);
  });

  it("multiboot: modules are page-aligned after the kernel, each with its own string below 1 MiB", () => {
    const ram = new Uint8Array(16 * MiB);
    const mods = [
      { bytes: new Uint8Array(5000).fill(7), string: "/init arg" },
      { bytes: new Uint8Array([9, 9, 9]), string: "/data" },
    ];
    const { infoAddress: i, modules } = loadMultiboot(ram, elfKernel(), { modules: mods });
    assert.equal(u32(ram, i + 20), 2);
    const list = u32(ram, i + 24);
    const m0 = { start: u32(ram, list), end: u32(ram, list + 4), str: u32(ram, list + 8) };
    const m1 = { start: u32(ram, list + 16), end: u32(ram, list + 20), str: u32(ram, list + 24) };
    assert.equal(m0.start, 0x105000, "the page after the kernel's bss (ends 0x104004)");
    assert.equal(m0.end, 0x105000 + 5000);
    assert.equal(m1.start, 0x107000);
    assert.equal(m1.end - m1.start, 3);
    assert.equal(ram[m1.start], 9);
    assert.equal(cstr(ram, m0.str), "/init arg");
    assert.equal(cstr(ram, m1.str), "/data");
    assert.ok(m0.str < 0x100000 && m1.str < 0x100000, "module strings placed below 1 MiB");
    assert.equal(modules[1].stringAddress, m1.str);
  });

  it("multiboot: module string placed below 1 MiB", () => {
    const ram = new Uint8Array(8 * MiB);
    const { infoAddress: i } = loadMultiboot(ram, elfKernel(), { modules: [{ bytes: new Uint8Array(1), string: "initrd.img root=/dev/ram" }] });
    const entry = u32(ram, i + 24);
    const str = u32(ram, entry + 8);
    assert.ok(str >= 0x9000 && str < 0x9fc00, `string at ${str.toString(16)}`);
    assert.equal(cstr(ram, str), "initrd.img root=/dev/ram");
    assert.equal(u32(ram, entry + 12), 0, "reserved field zero");
  });

  it("multiboot: a video mode request is answered with the EGA text framebuffer", () => {
    const ram = new Uint8Array(8 * MiB);
    const { infoAddress: i } = loadMultiboot(ram, elfKernel({ flags: 0x7 }));
    assert.ok(u32(ram, i) & InfoFlag.FRAMEBUFFER);
    assert.equal(u32(ram, i + 88), 0xb8000);
    assert.deepEqual([u32(ram, i + 96), u32(ram, i + 100), u32(ram, i + 104), ram[i + 108], ram[i + 109]], [160, 80, 25, 16, 2]);
  });

  it("multiboot: an a.out-kludge kernel loads by its header's addresses", () => {
    // A flat image linked at 0x200000 with the (48-byte) header 16 bytes in, 80 bytes loaded,
    // then 0x1000 bytes of bss.
    const header = multibootHeader(0x10003, {
      headerAddr: 0x200010, loadAddr: 0x200000, loadEndAddr: 0x200050, bssEndAddr: 0x201050, entryAddr: 0x200030,
    });
    const image = concat(new Uint8Array(16).fill(0x11), header, new Uint8Array(64).fill(0x22));
    const ram = new Uint8Array(8 * MiB).fill(0xaa);
    const load = loadMultiboot(ram, image);
    assert.equal(load.format, "aout-kludge");
    assert.equal(load.entry, 0x200030);
    assert.equal(ram[0x200000], 0x11);
    assert.equal(u32(ram, 0x200010), 0x1badb002);
    assert.equal(ram[0x20004f], 0x22, "last byte before load_end_addr");
    assert.ok(ram.subarray(0x200050, 0x201050).every((b) => b === 0), "bss up to bss_end_addr zeroed, not the file's bytes");
    assert.equal(ram[0x201050], 0xaa);
  });

  it("multiboot: the header must start within the first 8192 bytes", () => {
    const late = concat(new Uint8Array(8192), multibootHeader(0x10000, { headerAddr: 0x102000, loadAddr: 0x100000, entryAddr: 0x100000 }));
    assert.equal(findMultibootHeader(late), null);
    assertBootError(() => loadMultiboot(new Uint8Array(8 * MiB), late, { kernelName: "late.bin" }), "not-multiboot", /^late\.bin: not a multiboot kernel/);
  });

  it("multiboot: a header with a bad checksum is refused, naming its offset", () => {
    const image = concat(new Uint8Array(64), multibootHeader(0x3, {}, true));
    assertBootError(() => loadMultiboot(new Uint8Array(8 * MiB), image), "bad-multiboot-header", /offset 64 has a bad checksum/);
  });

  it("multiboot: a valid i386 ELF without a header is not a multiboot kernel", () => {
    const elf = buildElf32({ entry: 0x100000, segments: [{ vaddr: 0x100000, data: new Uint8Array(16) }] });
    assertBootError(() => loadMultiboot(new Uint8Array(8 * MiB), elf), "not-multiboot", /no multiboot header/);
  });

  it("multiboot: a 64-bit ELF is refused as such, not as a missing header", () => {
    const elf = buildElf32({ entry: 0, segments: [{ vaddr: 0x100000, data: new Uint8Array(16) }], elfClass: 2 });
    assertBootError(() => loadMultiboot(new Uint8Array(8 * MiB), elf), "elf64", /64-bit ELF/);
  });

  it("multiboot: requirement flag bits the loader does not know are refused", () => {
    assertBootError(() => loadMultiboot(new Uint8Array(8 * MiB), elfKernel({ flags: 0x3 | 0x8 })), "unsupported-flags", /flag bits 0x8/);
  });

  it("multiboot: a kernel that does not fit in memory is refused with one line", () => {
    assertBootError(() => loadMultiboot(new Uint8Array(2 * MiB), elfKernel({ bss: 2 * MiB })), "kernel-too-big", /does not fit in memory.*RAM ends at 0x1fffff \(2 MiB\)/);
  });

  it("multiboot: a module that does not fit is refused, naming it", () => {
    assertBootError(
      () => loadMultiboot(new Uint8Array(2 * MiB), elfKernel(), { modules: [{ bytes: new Uint8Array(MiB), string: "big.img" }] }),
      "module-too-big",
      /module 1 "big\.img" \(1048576 bytes\) does not fit in memory/,
    );
  });

  it("multiboot: a kernel loaded over the boot information area is refused", () => {
    const low = buildElf32({
      entry: 0x8000,
      segments: [{ vaddr: 0x8000, data: concat(multibootHeader(0x3), new Uint8Array(8)), memsz: 0x4000 }],
    });
    assertBootError(() => loadMultiboot(new Uint8Array(8 * MiB), low), "info-overlap", /over the boot information area 0x9000-/);
  });

  it("boot files: a missing kernel file is a one-line BootError", async () => {
    await assert.rejects(readBootFile("/nonexistent/kernel.elf", "kernel"), (e: unknown) => {
      assert.ok(e instanceof BootError);
      assert.equal(e.code, "missing-file");
      assert.equal(e.message, "kernel file /nonexistent/kernel.elf: not found");
      return true;
    });
  });

  it("boot files: kernel and module files are read and booted, the command line defaults to the path", async () => {
    const dir = await mkdtemp(join(tmpdir(), "trapgate-boot-"));
    try {
      await writeFile(join(dir, "k.elf"), elfKernel());
      await writeFile(join(dir, "m.bin"), new Uint8Array([42]));
      const target = { ram: new Uint8Array(8 * MiB), cpu: { setupMultibootState: () => {} } };
      const load = await bootMultibootFiles(target, join(dir, "k.elf"), { modules: [{ path: join(dir, "m.bin"), string: "m arg" }] });
      assert.equal(cstr(target.ram, u32(target.ram, load.infoAddress + 16)), join(dir, "k.elf"));
      assert.equal(target.ram[load.modules[0].start], 42);
      await assert.rejects(bootMultibootFiles(target, join(dir, "k.elf"), { modules: [{ path: join(dir, "missing") }] }), /module file .*missing: not found/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
