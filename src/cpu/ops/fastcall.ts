/**
 * Fast system calls: SYSENTER (0F 34) and SYSEXIT (0F 35) as the Intel SDM Vol. 2B specifies them,
 * SYSCALL (0F 05) and SYSRET (0F 07) in 32-bit legacy mode as AMD's APM Vol. 3 specifies them
 * (a documented deviation for a "GenuineIntel" model: see src/cpu/cpuid.ts).
 *
 * None of them reads a descriptor: the segment caches are loaded with fixed flat values, and it is
 * the operating system's job to keep its GDT consistent with them (SDM Vol. 3A §5.8.7). Nothing is
 * pushed. These are the benchmarked kernel entry/exit paths: a few register writes each.
 */
import { CR0, type Cpu, Reg } from "../cpu.js";
import { gp, ud } from "../fault.js";
import { EFLAGS } from "../flags.js";
import type { Handler, OpForm } from "../opmap.js";
import { SegReg, setFlatSegmentCache } from "../segmentation.js";

/**
 * Access rights of the flat segments the fast calls load, as `Cpu.segAr` packs them (access byte,
 * flags nibble in bits 12–15): G = 1 (limit 4 GiB), D/B = 1 (32-bit), P = 1, S = 1; code type 1011b
 * (execute/read, accessed), data type 0011b (read/write, accessed).
 */
const enum FlatAr { CODE_DPL0 = 0xc09b, DATA_DPL0 = 0xc093, CODE_DPL3 = 0xc0fb, DATA_DPL3 = 0xc0f3 }

/** EFER bits (AMD APM Vol. 2 §3.1.7). */
export const enum EFER { SCE = 1 << 0 }

/**
 * Clears EFLAGS bits on entry to the kernel. Leaving virtual-8086 mode changes how segments are
 * checked, so that (rare) case goes through setEflags.
 */
function clearFlags(c: Cpu, bits: number): void {
  if ((c.flags & EFLAGS.VM) !== 0) c.setEflags(c.getEflags() & ~(bits | EFLAGS.VM));
  else c.flags &= ~bits;
}

/**
 * SYSENTER (SDM Vol. 2B "SYSENTER—Fast System Call"): CS = IA32_SYSENTER_CS AND FFFCH (flat,
 * 32-bit, DPL 0), SS = CS + 8 (flat, DPL 0), ESP = IA32_SYSENTER_ESP, EIP = IA32_SYSENTER_EIP,
 * CPL = 0; EFLAGS.VM, IF and RF are cleared (TF is not).
 */
const SYSENTER: Handler = (c) => {
  if (!c.features.sep) throw ud("SYSENTER: not supported by this processor (CPUID.01H:EDX.SEP[bit 11] = 0)");
  // #GP(0) if CR0.PE = 0
  if ((c.cr0 & CR0.PE) === 0) throw gp(0, "SYSENTER in real-address mode (CR0.PE = 0) → #GP(0) (SDM Vol. 2B SYSENTER)");
  // #GP(0) if IA32_SYSENTER_CS[15:2] = 0
  const cs = c.sysenterCs & 0xfffc;
  if (cs === 0) throw gp(0, "SYSENTER: IA32_SYSENTER_CS is null → #GP(0) (SDM Vol. 2B SYSENTER)");
  clearFlags(c, EFLAGS.IF | EFLAGS.RF);
  c.cpl = 0;
  setFlatSegmentCache(c, SegReg.CS, cs, FlatAr.CODE_DPL0);
  setFlatSegmentCache(c, SegReg.SS, (cs + 8) & 0xffff, FlatAr.DATA_DPL0);
  c.updatePrivilege();
  c.r32[Reg.ESP] = c.sysenterEsp;
  c.eip = c.sysenterEip >>> 0;
};

/**
 * SYSEXIT (SDM Vol. 2B "SYSEXIT—Fast Return from Fast System Call"), 32-bit operand size:
 * CS = (IA32_SYSENTER_CS + 16) OR 3 (flat, 32-bit, DPL 3), SS = (IA32_SYSENTER_CS + 24) OR 3,
 * EIP = EDX, ESP = ECX, CPL = 3. EFLAGS is not changed.
 */
const SYSEXIT: Handler = (c) => {
  if (!c.features.sep) throw ud("SYSEXIT: not supported by this processor (CPUID.01H:EDX.SEP[bit 11] = 0)");
  const base = c.sysenterCs & 0xffff;
  // #GP(0) if IA32_SYSENTER_CS[15:2] = 0, or CR0.PE = 0, or CPL ≠ 0
  if ((base & 0xfffc) === 0) throw gp(0, "SYSEXIT: IA32_SYSENTER_CS is null → #GP(0) (SDM Vol. 2B SYSEXIT)");
  if ((c.cr0 & CR0.PE) === 0) throw gp(0, "SYSEXIT in real-address mode (CR0.PE = 0) → #GP(0) (SDM Vol. 2B SYSEXIT)");
  if (c.cpl !== 0) throw gp(0, `SYSEXIT at CPL ${c.cpl}: only CPL 0 may return with SYSEXIT → #GP(0) (SDM Vol. 2B SYSEXIT)`);
  c.cpl = 3;
  setFlatSegmentCache(c, SegReg.CS, ((base + 16) | 3) & 0xffff, FlatAr.CODE_DPL3);
  setFlatSegmentCache(c, SegReg.SS, ((base + 24) | 3) & 0xffff, FlatAr.DATA_DPL3);
  c.updatePrivilege();
  c.r32[Reg.ESP] = c.r32[Reg.ECX];
  c.eip = c.r32[Reg.EDX] >>> 0;
};

/** #UD unless SYSCALL/SYSRET exist (Cpu.features.syscall) and are enabled (EFER.SCE = 1). */
function checkSyscallEnabled(c: Cpu, what: string): void {
  if (!c.features.syscall) throw ud(`${what}: not supported by this processor (CPUID.80000001H:EDX.SYSCALL[bit 11] = 0)`);
  if ((c.efer & EFER.SCE) === 0) throw ud(`${what} with EFER.SCE = 0 → #UD (AMD APM Vol. 3 ${what})`);
}

/**
 * SYSCALL in legacy mode (AMD APM Vol. 3 "SYSCALL"): ECX = the next EIP; CS = STAR[47:32] AND
 * FFFCH (flat, 32-bit, DPL 0), SS = STAR[47:32] + 8 (flat, DPL 0); EIP = STAR[31:0]; EFLAGS.VM,
 * IF and RF cleared; CPL = 0. The APM performs no mode or privilege check beyond EFER.SCE.
 */
const SYSCALL: Handler = (c) => {
  checkSyscallEnabled(c, "SYSCALL");
  const sel = c.starHigh & 0xffff;
  c.r32[Reg.ECX] = c.eip;
  clearFlags(c, EFLAGS.IF | EFLAGS.RF);
  c.cpl = 0;
  setFlatSegmentCache(c, SegReg.CS, sel & 0xfffc, FlatAr.CODE_DPL0);
  setFlatSegmentCache(c, SegReg.SS, (sel + 8) & 0xffff, FlatAr.DATA_DPL0);
  c.updatePrivilege();
  c.eip = c.star >>> 0;
};

/**
 * SYSRET to legacy mode (AMD APM Vol. 3 "SYSRET"): CS = STAR[63:48] OR 3 (flat, 32-bit, DPL 3);
 * SS selector = STAR[63:48] + 8 with RPL 3 (AMD's SYSCALL/SYSRET specification 21086 forces the
 * RPL), SS base, limit and attributes unchanged; EIP = ECX; EFLAGS.IF = 1; CPL = 3.
 */
const SYSRET: Handler = (c) => {
  checkSyscallEnabled(c, "SYSRET");
  // #GP(0) if not in protected mode or CPL ≠ 0
  if ((c.cr0 & CR0.PE) === 0) throw gp(0, "SYSRET in real-address mode (CR0.PE = 0) → #GP(0) (AMD APM Vol. 3 SYSRET)");
  if (c.cpl !== 0) throw gp(0, `SYSRET at CPL ${c.cpl}: only CPL 0 may return with SYSRET → #GP(0) (AMD APM Vol. 3 SYSRET)`);
  const sel = c.starHigh >>> 16;
  c.cpl = 3;
  setFlatSegmentCache(c, SegReg.CS, (sel | 3) & 0xffff, FlatAr.CODE_DPL3);
  c.segSel[SegReg.SS] = ((sel + 8) | 3) & 0xffff;
  c.updatePrivilege();
  c.eip = c.r32[Reg.ECX] >>> 0;
  // IF = 1: a pending interrupt is taken before the next instruction.
  c.flags |= EFLAGS.IF;
  c.attention = 1;
};

/** Opcode-table forms of this group. */
export const FASTCALL_FORMS: readonly OpForm[] = [
  { op: 0x105, mnemonic: "SYSCALL", operands: "", exec: SYSCALL },
  { op: 0x107, mnemonic: "SYSRET", operands: "", exec: SYSRET },
  { op: 0x134, mnemonic: "SYSENTER", operands: "", exec: SYSENTER },
  { op: 0x135, mnemonic: "SYSEXIT", operands: "", exec: SYSEXIT },
];
