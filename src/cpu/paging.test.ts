/**
 * 32-bit paging (SDM Vol. 3A §4.3 translation, §4.6 access rights, §4.7 page-fault error codes,
 * §4.8 accessed and dirty flags, §4.10 TLBs), exercised by guest instructions on the protected-mode
 * fixture with the first 4 MiB identity-mapped (system structures supervisor-only, the user code
 * and stack pages user-accessible) and test pages from linear 0x400000 up.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { CR0, CR4, Reg } from "./cpu.js";
import type { CpuFault } from "./fault.js";
import { LAYOUT, PmodeMachine, SEL, type RunEvent } from "../../test/support/pmode.js";

const P = 1, RW = 2, US = 4, PWT = 8, PCD = 0x10, A = 0x20, D = 0x40, PS = 0x80, G = 0x100;
/** #PF error code bits (SDM Vol. 3A §4.7 Figure 4-12). */
const EC = { P: 1, W: 2, U: 4, RSVD: 8 } as const;

const PD = 0x100000;
const KCODE = LAYOUT.KCODE_ADDR, UCODE = LAYOUT.UCODE_ADDR;
/** Test pages: linear 0x400000 + n·4 KiB, backed by physical 0x200000 + n·4 KiB unless a test says otherwise. */
const LIN = 0x400000, PHYS = 0x200000;

class Paging {
  private nextTable = PD + 0x1000;
  constructor(readonly m: PmodeMachine) {
    m.cpu.ram.fill(0, PD, PD + 0x1000);
    // Identity-map the first 4 MiB: supervisor read/write, user code and user stack pages user-accessible.
    for (let a = 0; a < 0x400000; a += 0x1000) {
      const user = (a >= UCODE && a < UCODE + 0x10000) || (a >= LAYOUT.USTACK_TOP - 0x10000 && a < LAYOUT.USTACK_TOP);
      this.map(a, a, P | RW | (user ? US : 0));
    }
  }
  pdeAddr(lin: number): number { return PD + (lin >>> 22) * 4; }
  pde(lin: number): number { return this.m.read32(this.pdeAddr(lin)); }
  /** Physical address of the PTE for `lin` (its page table must exist). */
  pteAddr(lin: number): number { return (this.pde(lin) & ~0xfff) + ((lin >>> 12) & 0x3ff) * 4; }
  pte(lin: number): number { return this.m.read32(this.pteAddr(lin)); }
  setPde(lin: number, v: number): void { this.m.write32(this.pdeAddr(lin), v); }
  setPte(lin: number, v: number): void { this.m.write32(this.pteAddr(lin), v); }
  /** Maps a 4 KiB page; the PDE gets `pdeFlags` (default P|RW|US) when its table is created. */
  map(lin: number, phys: number, flags: number, pdeFlags = P | RW | US): void {
    if ((this.pde(lin) & P) === 0 || (this.pde(lin) & PS) !== 0) {
      const t = this.nextTable; this.nextTable += 0x1000;
      this.m.cpu.ram.fill(0, t, t + 0x1000);
      this.setPde(lin, t | pdeFlags);
    }
    this.setPte(lin, (phys & ~0xfff) | flags);
  }
  /** Maps a 4 MiB page (needs CR4.PSE). */
  mapLarge(lin: number, phys: number, flags: number): void {
    this.setPde(lin, (phys & 0xffc00000) | PS | flags);
  }
  /** CR3 = the directory, CR4 as given, CR0.PG = 1. */
  enable(cr4 = 0): void {
    const c = this.m.cpu;
    c.setCr4(cr4);
    c.setCr3(PD);
    c.setCr0(c.cr0 | CR0.PG);
  }
}

function machine(cpl: 0 | 3 = 0, ramBytes?: number): { m: PmodeMachine; pg: Paging } {
  const m = new PmodeMachine({ cpl, ramBytes });
  return { m, pg: new Paging(m) };
}

function run(m: PmodeMachine, src: string): { ev: RunEvent; end: number } {
  const at = m.cpu.cpl === 3 ? UCODE : KCODE;
  const end = m.asm(at, src);
  m.cpu.eip = at;
  return { ev: m.run({ stopAt: [end] }), end };
}

function expectPageFault(m: PmodeMachine, ev: RunEvent, errorCode: number, cr2: number, reason?: RegExp): CpuFault {
  assert.equal(ev.kind, "interrupt", `expected #PF, got ${JSON.stringify(ev)}`);
  if (ev.kind !== "interrupt") throw new Error("unreachable");
  assert.equal(ev.vector, 14, ev.fault?.reason);
  assert.ok(ev.fault);
  assert.equal(ev.fault.errorCode, errorCode, ev.fault.reason);
  assert.equal(m.cpu.cr2 >>> 0, cr2 >>> 0, "CR2 = the faulting linear address");
  assert.equal(m.stack(1)[0], errorCode, "error code pushed");
  if (reason) assert.match(ev.fault.reason, reason);
  return ev.fault;
}

function ok(ev: RunEvent, end: number): void {
  assert.deepEqual(ev, { kind: "stop", eip: end });
}

// =================================================================================================
// Translation and #PF error codes
// =================================================================================================

test("a 4 KiB page translates linear to physical through the PDE and PTE", () => {
  const { m, pg } = machine();
  pg.map(LIN + 0x3000, PHYS + 0x5000, P | RW);
  m.write32(PHYS + 0x5123, 0xcafef00d);
  pg.enable();
  const { ev, end } = run(m, `movl ${LIN + 0x3123}, %eax`);
  ok(ev, end);
  assert.equal(m.cpu.r32[Reg.EAX] >>> 0, 0xcafef00d);
});

test("a read through a not-present PDE raises #PF with error code 0 and CR2", () => {
  const { m, pg } = machine();
  pg.enable();
  const { ev } = run(m, "movl 0x00c01234, %eax");
  expectPageFault(m, ev, 0, 0x00c01234, /page directory entry 3 not present/);
});

test("a supervisor write to a not-present page raises #PF with error code 2", () => {
  const { m, pg } = machine();
  pg.map(LIN, PHYS, 0);
  pg.enable();
  const { ev } = run(m, `movl %eax, ${LIN + 8}`);
  expectPageFault(m, ev, EC.W, LIN + 8, /page table entry 0 \(directory entry 1\) not present/);
});

test("user write to a read-only page raises #PF with error code 7 and CR2", () => {
  const { m, pg } = machine(3);
  pg.map(LIN, PHYS, P | US);
  m.write32(PHYS + 0x10, 0x11111111);
  pg.enable();
  const { ev } = run(m, `movl $0x22222222, ${LIN + 0x10}`);
  expectPageFault(m, ev, EC.P | EC.W | EC.U, LIN + 0x10, /write to a read-only page/);
  assert.equal(m.read32(PHYS + 0x10), 0x11111111, "nothing written");
  // ring-3 frame on the ring-0 stack: error code, EIP of the faulting MOV, user CS
  assert.deepEqual(m.stack(3), [7, UCODE, SEL.UCODE]);
});

test("user read of a supervisor page raises #PF with error code 5", () => {
  const { m, pg } = machine(3);
  pg.map(LIN, PHYS, P | RW);
  pg.enable();
  const { ev } = run(m, `movl ${LIN}, %eax`);
  expectPageFault(m, ev, EC.P | EC.U, LIN, /user-mode access to a supervisor page/);
});

test("user write to a not-present page raises #PF with error code 6", () => {
  const { m, pg } = machine(3);
  pg.enable();
  const { ev } = run(m, `movl %eax, ${LIN + 0x2ffc}`);
  expectPageFault(m, ev, EC.W | EC.U, LIN + 0x2ffc);
});

test("a user instruction fetch from a supervisor page raises #PF with error code 5 at the target EIP", () => {
  const { m, pg } = machine(3);
  pg.map(LIN, PHYS, P | RW);
  m.load(PHYS, [0x90]);
  pg.enable();
  const { ev } = run(m, `movl $${LIN}, %eax; jmp *%eax`);
  expectPageFault(m, ev, EC.P | EC.U, LIN);
  assert.equal(m.stack(2)[1], LIN, "the frame's EIP is the unfetchable instruction");
});

test("running off the end of a page into a not-present one faults at the next instruction; the last one is not re-executed", () => {
  const { m, pg } = machine();
  pg.map(LIN, PHYS, P | RW);
  m.load(PHYS + 0xffe, [0x40, 0x40]); // inc %eax; inc %eax  — then LIN + 0x1000 is not mapped
  pg.enable();
  m.cpu.r32[Reg.EAX] = 0;
  m.cpu.eip = LIN + 0xffe;
  const ev = m.run({ stopAt: [] });
  expectPageFault(m, ev, 0, LIN + 0x1000);
  assert.equal(m.cpu.r32[Reg.EAX], 2);
  assert.equal(m.stack(2)[1], LIN + 0x1000, "the frame's EIP is the unfetchable instruction");
});

test("U/S and R/W combine over both levels: a supervisor PDE denies user access even with a user PTE", () => {
  const { m, pg } = machine(3);
  pg.map(LIN, PHYS, P | RW | US, P | RW); // PDE U/S = 0
  pg.enable();
  const { ev } = run(m, `movl ${LIN}, %eax`);
  expectPageFault(m, ev, EC.P | EC.U, LIN);
});

test("U/S and R/W combine over both levels: a read-only PDE makes user writes fault even with a writable PTE", () => {
  const { m, pg } = machine(3);
  pg.map(LIN, PHYS, P | RW | US, P | US); // PDE R/W = 0
  pg.enable();
  const { ev } = run(m, `movl ${LIN}, %eax; movl %eax, ${LIN}`);
  expectPageFault(m, ev, EC.P | EC.W | EC.U, LIN);
  assert.equal(m.stack(2)[1], UCODE + 5, "the read succeeded; the write faulted");
});

test("supervisor write to a read-only page succeeds when CR0.WP = 0", () => {
  const { m, pg } = machine();
  pg.map(LIN, PHYS, P | US);
  pg.enable();
  const { ev, end } = run(m, `movl $0x5a5a5a5a, ${LIN + 4}`);
  ok(ev, end);
  assert.equal(m.read32(PHYS + 4), 0x5a5a5a5a);
  assert.equal(pg.pte(LIN) & D, D, "dirty set");
});

test("supervisor write to a read-only page raises #PF with error code 3 when CR0.WP = 1", () => {
  const { m, pg } = machine();
  pg.map(LIN, PHYS, P | US);
  pg.enable();
  m.cpu.setCr0(m.cpu.cr0 | CR0.WP);
  const { ev } = run(m, `movl $0x5a5a5a5a, ${LIN + 4}`);
  expectPageFault(m, ev, EC.P | EC.W, LIN + 4, /read-only page with CR0.WP = 1/);
  assert.equal(m.read32(PHYS + 4), 0);
});

test("setting CR0.WP after a permitted supervisor write revokes it (the TLB is flushed)", () => {
  const { m, pg } = machine();
  pg.map(LIN, PHYS, P);
  pg.enable();
  const { ev } = run(m, `movl %eax, ${LIN}; movl %cr0, %ebx; orl $0x10000, %ebx; movl %ebx, %cr0; movl %eax, ${LIN}`);
  expectPageFault(m, ev, EC.P | EC.W, LIN);
});

test("supervisor reads of user pages are allowed", () => {
  const { m, pg } = machine();
  pg.map(LIN, PHYS, P | US);
  m.write32(PHYS, 77);
  pg.enable();
  const { ev, end } = run(m, `movl ${LIN}, %eax`);
  ok(ev, end);
  assert.equal(m.cpu.r32[Reg.EAX], 77);
});

test("CPL 1 and 2 are supervisor accesses: a CPL-1 read of a supervisor page succeeds", () => {
  const m = new PmodeMachine({ cpl: 1, eip: KCODE });
  const pg = new Paging(m);
  pg.map(LIN, PHYS, P);
  m.write32(PHYS, 99);
  pg.enable();
  const end = m.asm(KCODE, `movl ${LIN}, %eax`);
  ok(m.run({ stopAt: [end] }), end);
  assert.equal(m.cpu.r32[Reg.EAX], 99);
});

test("exception delivery from ring 3 reads the IDT, GDT and TSS on supervisor pages (implicit supervisor accesses)", () => {
  const { m, pg } = machine(3);
  pg.enable();
  const { ev } = run(m, "ud2");
  assert.equal(ev.kind === "interrupt" && ev.vector, 6);
  assert.equal(m.cpu.cpl, 0);
});

// =================================================================================================
// Accessed and dirty flags (SDM Vol. 3A §4.8)
// =================================================================================================

test("a read sets A in the PDE and the PTE but not D", () => {
  const { m, pg } = machine();
  pg.map(LIN, PHYS, P | RW);
  pg.enable();
  assert.equal(pg.pde(LIN) & A, 0);
  const { ev, end } = run(m, `movl ${LIN}, %eax`);
  ok(ev, end);
  assert.equal(pg.pde(LIN) & (A | D), A);
  assert.equal(pg.pte(LIN) & (A | D), A);
});

test("a write sets A and D in the PTE (and A only in the PDE)", () => {
  const { m, pg } = machine();
  pg.map(LIN, PHYS, P | RW);
  pg.enable();
  const { ev, end } = run(m, `movl %eax, ${LIN}`);
  ok(ev, end);
  assert.equal(pg.pte(LIN) & (A | D), A | D);
  assert.equal(pg.pde(LIN) & (A | D), A);
});

test("a write to a page first only read walks again and sets D (the read left a write-less TLB entry)", () => {
  const { m, pg } = machine();
  pg.map(LIN, PHYS, P | RW);
  pg.enable();
  const { ev, end } = run(m, `movl ${LIN}, %eax; movl %eax, ${LIN + 0x800}`);
  ok(ev, end);
  assert.equal(pg.pte(LIN) & D, D);
});

test("a faulting access sets no accessed or dirty flag", () => {
  const { m, pg } = machine(3);
  pg.map(LIN, PHYS, P | US);
  pg.enable();
  const { ev } = run(m, `movl %eax, ${LIN}`);
  expectPageFault(m, ev, 7, LIN);
  assert.equal(pg.pte(LIN) & (A | D), 0);
});

test("4 MiB page sets A and D in the PDE", () => {
  const { m, pg } = machine();
  pg.mapLarge(0x800000, 0, P | RW);
  pg.enable(CR4.PSE);
  const { ev, end } = run(m, "movl 0x800000, %eax");
  ok(ev, end);
  assert.equal(pg.pde(0x800000) & (A | D), A);
  const r2 = run(m, "movl %eax, 0x9ff000");
  ok(r2.ev, r2.end);
  assert.equal(pg.pde(0x800000) & (A | D), A | D);
});

// =================================================================================================
// 4 MiB pages (CR4.PSE)
// =================================================================================================

test("a 4 MiB page maps linear bits 21:0 straight onto the page frame with CR4.PSE = 1", () => {
  const { m, pg } = machine();
  pg.mapLarge(0xc0000000, 0, P | RW);
  m.write32(0x12345c, 0x600df00d);
  pg.enable(CR4.PSE);
  const { ev, end } = run(m, "movl 0xc012345c, %eax");
  ok(ev, end);
  assert.equal(m.cpu.r32[Reg.EAX], 0x600df00d);
});

test("a user write to a read-only 4 MiB page raises #PF with error code 7", () => {
  const { m, pg } = machine(3);
  pg.mapLarge(0x800000, 0, P | US);
  pg.enable(CR4.PSE);
  const { ev } = run(m, "movl %eax, 0x801000");
  expectPageFault(m, ev, 7, 0x801000, /read-only 4 MiB page/);
});

test("PS is ignored without CR4.PSE: the PDE points to a page table", () => {
  const { m, pg } = machine();
  pg.map(LIN, PHYS + 0x7000, P | RW);
  pg.setPde(LIN, pg.pde(LIN) | PS);
  m.write32(PHYS + 0x7010, 4242);
  pg.enable(0);
  const { ev, end } = run(m, `movl ${LIN + 0x10}, %eax`);
  ok(ev, end);
  assert.equal(m.cpu.r32[Reg.EAX], 4242);
});

test("a 4 MiB PDE with reserved bits 21:13 set raises #PF with error code P|RSVD", () => {
  const { m, pg } = machine();
  pg.setPde(0x800000, 0x00002000 | PS | P | RW); // bit 13
  pg.enable(CR4.PSE);
  const { ev } = run(m, "movl 0x800000, %eax");
  expectPageFault(m, ev, EC.P | EC.RSVD, 0x800000, /reserved bits 21:13/);
});

// =================================================================================================
// The TLB (SDM Vol. 3A §4.10): stale translations stay until invalidated
// =================================================================================================

/** Old and new physical pages with different markers, the PTE first pointing at the old one. */
function stale(cpl: 0 | 3 = 0, flags = P | RW | US) {
  const r = machine(cpl);
  r.pg.map(LIN, PHYS, flags);
  r.m.write32(PHYS, 0xaaaa);
  r.m.write32(PHYS + 0x1000, 0xbbbb);
  return r;
}
/** Guest code that repoints the PTE of LIN to PHYS + 0x1000 (through the identity-mapped page table). */
function repoint(pg: Paging, flags = P | RW | US): string {
  return `movl $${(PHYS + 0x1000) | flags}, ${pg.pteAddr(LIN)}`;
}

test("a changed PTE is not seen until the TLB entry is invalidated: the stale translation remains", () => {
  const { m, pg } = stale();
  pg.enable();
  const { ev, end } = run(m, `movl ${LIN}, %eax; ${repoint(pg)}; movl ${LIN}, %ebx`);
  ok(ev, end);
  assert.equal(m.cpu.r32[Reg.EAX], 0xaaaa);
  assert.equal(m.cpu.r32[Reg.EBX], 0xaaaa, "stale TLB entry still used");
});

test("INVLPG drops a stale translation", () => {
  const { m, pg } = stale();
  pg.enable();
  const { ev, end } = run(m, `movl ${LIN}, %eax; ${repoint(pg)}; invlpg ${LIN + 0x123}; movl ${LIN}, %ebx`);
  ok(ev, end);
  assert.equal(m.cpu.r32[Reg.EBX], 0xbbbb);
});

test("INVLPG applies the segment base to form the linear address", () => {
  const { m, pg } = stale();
  pg.enable();
  // DS base 0: invlpg 0x10(%esi) with ESI = LIN - 0x10
  const { ev, end } = run(m, `movl ${LIN}, %eax; ${repoint(pg)}; movl $${LIN - 0x10}, %esi; invlpg 0x10(%esi); movl ${LIN}, %ebx`);
  ok(ev, end);
  assert.equal(m.cpu.r32[Reg.EBX], 0xbbbb);
});

test("MOV CR3 flushes non-global translations", () => {
  const { m, pg } = stale();
  pg.enable();
  const { ev, end } = run(m, `movl ${LIN}, %eax; ${repoint(pg)}; movl %cr3, %ecx; movl %ecx, %cr3; movl ${LIN}, %ebx`);
  ok(ev, end);
  assert.equal(m.cpu.r32[Reg.EBX], 0xbbbb);
});

test("a stale translation keeps its old permissions too: a PTE made read-only still allows user writes until INVLPG", () => {
  const { m, pg } = machine(3);
  pg.map(LIN, PHYS, P | RW | US);
  pg.enable();
  // ring 3 cannot write the PTE itself: do it from outside between the two writes
  const end1 = m.asm(UCODE, `movl $1, ${LIN}`);
  ok(m.run({ stopAt: [end1] }), end1);
  m.write32(pg.pteAddr(LIN), pg.pte(LIN) & ~RW);
  const end2 = m.asm(end1, `movl $2, ${LIN}`);
  ok(m.run({ stopAt: [end2] }), end2);
  assert.equal(m.read32(PHYS), 2, "written through the stale writable entry");
  m.cpu.invalidatePage(LIN);
  const end3 = m.asm(end2, `movl $3, ${LIN}`);
  expectPageFault(m, m.run({ stopAt: [end3] }), 7, LIN);
});

test("a global page survives MOV CR3", () => {
  const { m, pg } = stale(0, P | RW | G);
  pg.enable(CR4.PGE);
  const { ev, end } = run(m, `movl ${LIN}, %eax; ${repoint(pg, P | RW | G)}; movl %cr3, %ecx; movl %ecx, %cr3; movl ${LIN}, %ebx`);
  ok(ev, end);
  assert.equal(m.cpu.r32[Reg.EBX], 0xaaaa, "global entry kept across the CR3 load");
});

test("G is ignored without CR4.PGE: MOV CR3 flushes the page", () => {
  const { m, pg } = stale(0, P | RW | G);
  pg.enable(0);
  const { ev, end } = run(m, `movl ${LIN}, %eax; ${repoint(pg, P | RW | G)}; movl %cr3, %ecx; movl %ecx, %cr3; movl ${LIN}, %ebx`);
  ok(ev, end);
  assert.equal(m.cpu.r32[Reg.EBX], 0xbbbb);
});

test("clearing CR4.PGE flushes global pages", () => {
  const { m, pg } = stale(0, P | RW | G);
  pg.enable(CR4.PGE);
  const { ev, end } = run(m, `movl ${LIN}, %eax; ${repoint(pg, P | RW | G)}; xorl %ecx, %ecx; movl %ecx, %cr4; movl ${LIN}, %ebx`);
  ok(ev, end);
  assert.equal(m.cpu.r32[Reg.EBX], 0xbbbb);
});

test("INVLPG drops a global page", () => {
  const { m, pg } = stale(0, P | RW | G);
  pg.enable(CR4.PGE);
  const { ev, end } = run(m, `movl ${LIN}, %eax; ${repoint(pg, P | RW | G)}; invlpg ${LIN}; movl ${LIN}, %ebx`);
  ok(ev, end);
  assert.equal(m.cpu.r32[Reg.EBX], 0xbbbb);
});

test("INVLPG of any address in a 4 MiB page drops the whole large translation", () => {
  const { m, pg } = machine(0, 8 << 20);
  pg.mapLarge(0x800000, 0, P | RW);
  m.write32(0x200000, 0x1111);
  m.write32(0x600000, 0x2222);
  pg.enable(CR4.PSE);
  const pdeNew = 0x400000 | PS | P | RW;
  const { ev, end } = run(m, `movl 0xa00000, %eax; movl $${pdeNew}, ${pg.pdeAddr(0x800000)}; movl 0xa00000, %ebx; invlpg 0x800000; movl 0xa00000, %ecx`);
  ok(ev, end);
  assert.equal(m.cpu.r32[Reg.EAX], 0x1111);
  assert.equal(m.cpu.r32[Reg.EBX], 0x1111, "stale before INVLPG");
  assert.equal(m.cpu.r32[Reg.ECX], 0x2222, "INVLPG at the start of the 4 MiB page dropped the entry for +2 MiB");
});

test("turning paging off and on again flushes the TLB", () => {
  const { m, pg } = stale();
  pg.enable();
  // paging off: the code runs identity-mapped anyway
  const { ev, end } = run(m, `movl ${LIN}, %eax; ${repoint(pg)}; movl %cr0, %ecx; andl $0x7fffffff, %ecx; movl %ecx, %cr0; orl $0x80000000, %ecx; movl %ecx, %cr0; movl ${LIN}, %ebx`);
  ok(ev, end);
  assert.equal(m.cpu.r32[Reg.EBX], 0xbbbb);
});

// =================================================================================================
// Faults and the restart rule
// =================================================================================================

test("a dword write straddling into a not-present page faults before writing the first page (CR2 = the second page)", () => {
  const { m, pg } = machine();
  pg.map(LIN, PHYS, P | RW);
  pg.enable();
  m.write32(PHYS + 0xffc, 0x01020304);
  const { ev } = run(m, `movl $0xffffffff, %eax; movl %eax, ${LIN + 0xffe}`);
  expectPageFault(m, ev, EC.W, LIN + 0x1000);
  assert.equal(m.read32(PHYS + 0xffc), 0x01020304, "the first page is untouched");
});

test("a flat-segment dword at linear 0xFFFFFFFE wraps to linear 0 across two pages (4-GiB segment: no limit fault)", () => {
  const { m, pg } = machine();
  pg.map(0xfffff000, PHYS, P | RW);
  pg.map(0, PHYS + 0x1000, P | RW);
  pg.enable();
  const { ev, end } = run(m, `movl $0x11223344, %eax; movl %eax, 0xfffffffe; movl 0xfffffffe, %ebx`);
  ok(ev, end);
  assert.equal(m.read16(PHYS + 0xffe), 0x3344);
  assert.equal(m.read16(PHYS + 0x1000), 0x1122);
  assert.equal(m.cpu.r32[Reg.EBX], 0x11223344);
  // linear 0 not present: CR2 names the second page, linear 0
  pg.setPte(0, 0);
  m.cpu.invalidatePage(0);
  const r = run(m, `movl 0xfffffffe, %ebx`);
  expectPageFault(m, r.ev, 0, 0);
});

test("a read-modify-write straddling into a read-only page faults with nothing written", () => {
  const { m, pg } = machine(3);
  pg.map(LIN, PHYS, P | RW | US);
  pg.map(LIN + 0x1000, PHYS + 0x1000, P | US);
  pg.enable();
  m.write32(PHYS + 0xffc, 0x01020304);
  const { ev } = run(m, `addl $0x01010101, ${LIN + 0xffd}`);
  expectPageFault(m, ev, 7, LIN + 0x1000);
  assert.equal(m.read32(PHYS + 0xffc), 0x01020304);
});

test("an SGDT straddling into a not-present page writes none of its six bytes", () => {
  const { m, pg } = machine();
  pg.map(LIN, PHYS, P | RW);
  pg.enable();
  const { ev } = run(m, `sgdt ${LIN + 0xffd}`);
  expectPageFault(m, ev, EC.W, LIN + 0x1000);
  assert.equal(m.read32(PHYS + 0xffc), 0);
});

test("CR2 is written only by page faults: a #GP leaves it", () => {
  const { m, pg } = machine();
  pg.enable();
  m.cpu.cr2 = 0x1234;
  const { ev } = run(m, "movl $0x20, %eax; movl %eax, %cr4");
  assert.equal(ev.kind === "interrupt" && ev.vector, 13);
  assert.equal(m.cpu.cr2, 0x1234);
});

test("cache-control bits PWT and PCD in entries do not affect translation", () => {
  const { m, pg } = machine();
  pg.map(LIN, PHYS, P | RW | PWT | PCD, P | RW | PWT | PCD);
  m.write32(PHYS + 0x40, 31337);
  pg.enable();
  const { ev, end } = run(m, `movl ${LIN + 0x40}, %eax`);
  ok(ev, end);
  assert.equal(m.cpu.r32[Reg.EAX], 31337);
});

test("enabling paging with MOV CR0 from identity-mapped code continues at the next instruction", () => {
  const { m, pg } = machine();
  pg.map(LIN, PHYS, P | RW);
  m.write32(PHYS, 0xfeed);
  m.cpu.setCr3(PD);
  const { ev, end } = run(m, `movl %cr0, %eax; orl $0x80000000, %eax; movl %eax, %cr0; movl ${LIN}, %ebx`);
  ok(ev, end);
  assert.equal(m.cpu.paging, true);
  assert.equal(m.cpu.r32[Reg.EBX], 0xfeed);
});
