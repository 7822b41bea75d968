/**
 * Runs a static 32-bit Linux ELF executable on a bare trapgate processor in ring 3 with paging,
 * the way the host kernel would start it, with `int 0x80` write/exit emulated by a test stub
 * (until the reference kernel exists, the differential harness needs no kernel).
 *
 * Address space: the ELF's PT_LOAD segments mapped at their virtual addresses (read-only unless
 * PF_W), a 256 KiB stack below 0xC0000000 holding argc = 0, argv/envp terminators and AT_NULL.
 * Segment selectors copy the host's (so `mov %ds, %eax` compares equal).
 */
import fs from "node:fs";
import { Cpu, CR0, Reg } from "../../src/cpu/cpu.js";
import { RamBus } from "../../src/cpu/bus.js";
import type { Insn } from "../../src/cpu/decoder.js";
import { ProgramFlags, readElf32 } from "../../src/boot/elf.js";
import { EFLAGS } from "../../src/cpu/flags.js";
import { SegReg, setSegmentCache } from "../../src/cpu/segmentation.js";

export interface HostSelectors { cs: number; ds: number; es: number; ss: number; fs: number; gs: number }

export interface UserRunResult {
  stdout: Buffer;
  /** Exit status from exit/exit_group, or null when the run ended otherwise. */
  status: number | null;
  /** Why the run ended, when not by exit. */
  error?: string;
  instructions: number;
}

const PAGE = 4096;
const STACK_TOP = 0xc0000000;
const STACK_SIZE = 256 * 1024;
/** Linear address of the test GDT: one read-only page; its descriptors are marked accessed, so loads never write it. */
const GDT_LINEAR = 0xfffff000;

/** Builds the page tables and loads the program; returns the Cpu ready to run at the entry point. */
export function loadUserProgram(image: Uint8Array, selectors: HostSelectors, ramBytes = 64 << 20): Cpu {
  const elf = readElf32(image, "test program");
  const bus = new RamBus(ramBytes);
  const cpu = new Cpu(bus);
  const ram = bus.ram;
  const dv = new DataView(ram.buffer);
  let nextFrame = 0x100000;
  const alloc = (): number => {
    const f = nextFrame;
    nextFrame += PAGE;
    if (nextFrame > ramBytes) throw new Error("user program does not fit in the test machine's memory");
    return f;
  };
  const pd = alloc();
  const map = (vpage: number, writable: boolean): number => {
    const pdi = vpage >>> 22, pti = (vpage >>> 12) & 0x3ff;
    let pde = dv.getUint32(pd + pdi * 4, true);
    if ((pde & 1) === 0) { pde = alloc() | 7; dv.setUint32(pd + pdi * 4, pde, true); }
    const pteAddr = (pde & ~0xfff) + pti * 4;
    let pte = dv.getUint32(pteAddr, true);
    if ((pte & 1) === 0) pte = alloc() | 5;
    if (writable) pte |= 2;
    dv.setUint32(pteAddr, pte >>> 0, true);
    return pte & ~0xfff;
  };
  for (const ph of elf.loadSegments) {
    const start = ph.vaddr & ~(PAGE - 1);
    const end = ph.vaddr + ph.memsz;
    for (let v = start; v < end; v += PAGE) map(v, (ph.flags & ProgramFlags.W) !== 0);
    for (let k = 0; k < ph.filesz; k++) {
      const v = ph.vaddr + k;
      const frame = map(v & ~(PAGE - 1), (ph.flags & ProgramFlags.W) !== 0);
      ram[frame + (v & (PAGE - 1))] = image[ph.offset + k];
    }
  }
  for (let v = STACK_TOP - STACK_SIZE; v < STACK_TOP; v += PAGE) map(v, true);
  // A GDT with the host's user descriptors (flat 4 GiB, DPL 3, accessed) at the host selectors'
  // indices, so POP/MOV to DS, ES and SS with those selectors load what the host kernel's GDT holds.
  const gdt = map(GDT_LINEAR, false);
  const put = (s: number, hi: number) => {
    if ((s & 0xfffc) === 0 || (s & 4) !== 0) return;
    dv.setUint32(gdt + (s & 0xfff8), 0x0000ffff, true);
    dv.setUint32(gdt + (s & 0xfff8) + 4, hi, true);
  };
  put(selectors.cs, 0x00cffb00);
  for (const s of [selectors.ds, selectors.es, selectors.ss]) put(s, 0x00cff300);
  // Initial stack (System V i386 ABI §3-28): argc, argv[] NULL, envp[] NULL, auxv AT_NULL.
  const sp = STACK_TOP - 64;
  // (all zeros already: argc = 0, terminators = 0)
  cpu.setFlatProtectedMode(3);
  const sel: Array<[number, number]> = [[SegReg.ES, selectors.es], [SegReg.SS, selectors.ss], [SegReg.DS, selectors.ds],
    [SegReg.FS, selectors.fs], [SegReg.GS, selectors.gs]];
  for (const [s, v] of sel) {
    if ((v & 0xfffc) === 0) setSegmentCache(cpu, s, v, 0, 0, 0);
    else setSegmentCache(cpu, s, v, 0, 0xffffffff, 0xf3 | 0xc000);
  }
  setSegmentCache(cpu, SegReg.CS, selectors.cs, 0, 0xffffffff, 0xfb | 0xc000);
  cpu.updatePrivilege();
  cpu.gdtrBase = GDT_LINEAR | 0;
  cpu.gdtrLimit = PAGE - 1;
  cpu.setCr3(pd);
  cpu.setCr0(cpu.cr0 | CR0.PG | CR0.WP);
  cpu.r32[Reg.ESP] = sp;
  cpu.eip = elf.header.entry;
  cpu.setEflags(EFLAGS.RESERVED1 | EFLAGS.IF);
  return cpu;
}

/**
 * Runs a program until it exits or `maxInstructions` retire. Exceptions end the run with the
 * fault's description (no IDT is installed: the first exception is reported, not delivered).
 */
export function runUserProgram(path: string, selectors: HostSelectors, maxInstructions = 200_000_000,
  onDecode: ((insn: Insn) => void) | null = null, jitThreshold = Infinity): UserRunResult {
  const cpu = loadUserProgram(new Uint8Array(fs.readFileSync(path)), selectors);
  cpu.decodeHook = onDecode;
  cpu.jitThreshold = jitThreshold;
  const out: Buffer[] = [];
  let status: number | null = null;
  let error: string | undefined;
  cpu.softwareInterruptHook = (c, vector) => {
    if (vector !== 0x80) return false;
    const nr = c.r32[Reg.EAX];
    if (nr === 4) {
      const buf = c.r32[Reg.ECX] >>> 0, len = c.r32[Reg.EDX] >>> 0;
      const b = Buffer.alloc(len);
      for (let k = 0; k < len; k++) b[k] = c.readLin8((buf + k) | 0);
      out.push(b);
      c.r32[Reg.EAX] = len;
    } else if (nr === 1 || nr === 252) {
      status = c.r32[Reg.EBX] & 0xff;
      c.requestStop();
    } else {
      c.r32[Reg.EAX] = -38; // -ENOSYS
    }
    return true;
  };
  cpu.onException = (f, eip) => {
    error = `${f.message} at EIP 0x${(eip >>> 0).toString(16)}`;
    cpu.requestStop();
  };
  while (status === null && error === undefined && cpu.instructionCount < maxInstructions && cpu.shutdown === null) {
    const n = cpu.run(Math.min(10_000_000, maxInstructions - cpu.instructionCount));
    if (n === 0 && status === null && error === undefined) { error = cpu.halted ? "halted" : "stopped"; break; }
  }
  if (status === null && error === undefined) error = `instruction limit ${maxInstructions} reached`;
  return { stdout: Buffer.concat(out), status, error, instructions: cpu.instructionCount };
}
