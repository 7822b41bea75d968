/**
 * String instructions: MOVS (A4 A5), CMPS (A6 A7), STOS (AA AB), LODS (AC AD), SCAS (AE AF), with
 * the REP / REPE / REPNE prefixes (SDM Vol. 2B "REP/REPE/REPZ/REPNE/REPNZ"). INS/OUTS belong to the
 * system group (I/O permission).
 *
 * The source is seg:ESI (DS unless overridden), the destination ES:EDI (no override); the address
 * size selects ESI/EDI/ECX or SI/DI/CX; EFLAGS.DF selects the direction.
 *
 * REP: each iteration commits ECX/ESI/EDI (and the flags of CMPS/SCAS), so a fault in iteration k
 * leaves the state after iteration k-1 with EIP at the instruction, which then restarts with the
 * remaining count (SDM Vol. 3A §6.5 "a REP string instruction is restartable"). At most
 * REP_BUDGET elements run per step; then EIP is rewound to the instruction so interrupts (and the
 * single-step trap after every iteration when EFLAGS.TF = 1) are taken between iterations, as the
 * SDM's REP Operation does ("Service pending interrupts (if any)").
 *
 * Fast paths: REP MOVS and REP STOS move whole runs of elements that lie in one page of source and
 * one page of destination, within the segments, in RAM, with typed-array copies and fills; REPE/
 * REPNE CMPS and SCAS compare such runs directly in RAM. A run's address translations happen
 * before any byte of it is written, so a fault still leaves the state after the last completed
 * element.
 */
import type { Cpu } from "../cpu.js";
import { EFLAGS } from "../flags.js";
import type { Handler, OpForm } from "../opmap.js";
import { SegReg } from "../segmentation.js";

const ECX = 1, ESI = 6, EDI = 7;
/** Elements a REP string instruction processes per step before letting the loop look at interrupts. */
const REP_BUDGET = 4096;

// ---- Index and count registers by address size. ----

function srcOff(c: Cpu, a32: boolean): number { return a32 ? c.r32[ESI] >>> 0 : c.r16[ESI * 2]; }
function dstOff(c: Cpu, a32: boolean): number { return a32 ? c.r32[EDI] >>> 0 : c.r16[EDI * 2]; }
function counter(c: Cpu, a32: boolean): number { return a32 ? c.r32[ECX] >>> 0 : c.r16[ECX * 2]; }
/** The typed arrays wrap the stored value to the register's width. */
function setSrc(c: Cpu, a32: boolean, v: number): void { if (a32) c.r32[ESI] = v; else c.r16[ESI * 2] = v; }
function setDst(c: Cpu, a32: boolean, v: number): void { if (a32) c.r32[EDI] = v; else c.r16[EDI * 2] = v; }
function setCounter(c: Cpu, a32: boolean, v: number): void { if (a32) c.r32[ECX] = v; else c.r16[ECX * 2] = v; }
/** Elements per step: one when single-stepping (a #DB after every iteration), else REP_BUDGET. */
function budget(c: Cpu): number { return (c.flags & EFLAGS.TF) !== 0 ? 1 : REP_BUDGET; }

function rd(c: Cpu, seg: number, off: number, size: number): number {
  return size === 1 ? c.read8(seg, off) : size === 2 ? c.read16(seg, off) : c.read32(seg, off);
}
function wr(c: Cpu, seg: number, off: number, size: number, v: number): void {
  if (size === 1) c.write8(seg, off, v); else if (size === 2) c.write16(seg, off, v); else c.write32(seg, off, v);
}
/** AL, AX or EAX. */
function acc(c: Cpu, size: number): number {
  return size === 1 ? c.r8[0] : size === 2 ? c.r16[0] : c.r32[0];
}

// ---- Runs of elements for the fast paths. ----

/**
 * How many of up to `max` elements of `size` bytes, starting at offset `off` and stepping down when
 * `back`, lie in the same page as the first, wrap neither the offset (address size) nor leave the
 * segment's bounds for the access kind. 0 when not even the first one does (the caller then takes
 * the element-by-element path, which raises the right fault at the right element).
 */
function runInPage(c: Cpu, seg: number, off: number, size: number, back: boolean, a32: boolean, write: boolean, max: number): number {
  const lin = (c.segBase[seg] + off) | 0;
  const inPage = lin & 0xfff;
  if (inPage + size > 0x1000) return 0;
  const top = a32 ? 0x100000000 : 0x10000;
  if (off + size > top) return 0;
  // segAccessMin: Infinity while accesses need the checking path (alignment check), so no run then
  const min = c.segAccessMin[seg], hi = write ? c.segWriteMax[seg] : c.segReadMax[seg];
  if (off < min || off + size - 1 > hi) return 0;
  if (!back) return Math.min(max, ((0x1000 - inPage) / size) | 0, Math.floor((top - off) / size), Math.floor((hi - off + 1) / size));
  return Math.min(max, ((inPage / size) | 0) + 1, Math.floor(off / size) + 1, Math.floor((off - min) / size) + 1);
}

/** Copies one element inside RAM, reading all its bytes before writing (for overlapping runs). */
function copyElement(ram: Uint8Array, d: number, s: number, size: number): void {
  if (size === 1) { ram[d] = ram[s]; return; }
  const b0 = ram[s], b1 = ram[s + 1];
  if (size === 2) { ram[d] = b0; ram[d + 1] = b1; return; }
  const b2 = ram[s + 2], b3 = ram[s + 3];
  ram[d] = b0; ram[d + 1] = b1; ram[d + 2] = b2; ram[d + 3] = b3;
}

/** REP MOVS run: returns the elements moved (0: take one element the slow way). */
function movsRun(c: Cpu, srcSeg: number, s: number, d: number, size: number, back: boolean, a32: boolean, max: number): number {
  let n = runInPage(c, srcSeg, s, size, back, a32, false, max);
  if (n === 0) return 0;
  n = runInPage(c, SegReg.ES, d, size, back, a32, true, n);
  if (n === 0) return 0;
  const ps = c.translateRead((c.segBase[srcSeg] + s) | 0);
  const pd = c.translateWrite((c.segBase[SegReg.ES] + d) | 0);
  const bytes = n * size, below = back ? bytes - size : 0;
  const sLo = ps - below, dLo = pd - below;
  if (sLo + bytes > c.ramSize || dLo + bytes > c.ramSize) return 0;
  const ram = c.ram;
  if (dLo + bytes <= sLo || sLo + bytes <= dLo) ram.copyWithin(dLo, sLo, sLo + bytes);
  else if (dLo !== sLo) {
    // Overlapping runs: element by element in the architectural order (e.g. a pattern fill).
    if (!back) for (let k = 0; k < bytes; k += size) copyElement(ram, dLo + k, sLo + k, size);
    else for (let k = bytes - size; k >= 0; k -= size) copyElement(ram, dLo + k, sLo + k, size);
  }
  c.notifyRamWrite(dLo, bytes);
  return n;
}

/** REP STOS run: returns the elements stored (0: take one element the slow way). */
function stosRun(c: Cpu, d: number, size: number, back: boolean, a32: boolean, max: number, v: number): number {
  const n = runInPage(c, SegReg.ES, d, size, back, a32, true, max);
  if (n === 0) return 0;
  const pd = c.translateWrite((c.segBase[SegReg.ES] + d) | 0);
  const bytes = n * size, dLo = pd - (back ? bytes - size : 0);
  if (dLo + bytes > c.ramSize) return 0;
  if (size === 1) c.ram.fill(v, dLo, dLo + bytes);
  else if (size === 4 && (dLo & 3) === 0) c.ram32.fill(v, dLo >>> 2, (dLo + bytes) >>> 2);
  else if (size === 2 && (dLo & 1) === 0) c.ram16.fill(v, dLo >>> 1, (dLo + bytes) >>> 1);
  else for (let k = 0; k < bytes; k++) c.ram[dLo + k] = v >>> (8 * (k % size));
  c.notifyRamWrite(dLo, bytes);
  return n;
}

// ---- The instructions, one handler per element size. ----

/** MOVS: [ES:EDI] ← [seg:ESI]; ESI, EDI step by the element size. */
function movs(size: number): Handler {
  return (c, i) => {
    const a32 = i.addr32;
    const step = (c.flags & EFLAGS.DF) !== 0 ? -size : size;
    if (i.rep === 0) {
      const s = srcOff(c, a32), d = dstOff(c, a32);
      wr(c, SegReg.ES, d, size, rd(c, i.seg, s, size));
      setSrc(c, a32, s + step); setDst(c, a32, d + step);
      return;
    }
    let n = counter(c, a32);
    if (n === 0) return;
    let left = budget(c);
    const back = step < 0;
    for (;;) {
      const s = srcOff(c, a32), d = dstOff(c, a32);
      let k = left > 1 ? movsRun(c, i.seg, s, d, size, back, a32, Math.min(n, left)) : 0;
      if (k === 0) { wr(c, SegReg.ES, d, size, rd(c, i.seg, s, size)); k = 1; }
      n -= k; left -= k;
      setSrc(c, a32, s + step * k); setDst(c, a32, d + step * k); setCounter(c, a32, n);
      if (n === 0) return;
      if (left <= 0) { c.eip = c.instrStart; return; }
    }
  };
}

/** STOS: [ES:EDI] ← AL/AX/EAX. */
function stos(size: number): Handler {
  return (c, i) => {
    const a32 = i.addr32;
    const step = (c.flags & EFLAGS.DF) !== 0 ? -size : size;
    const v = acc(c, size);
    if (i.rep === 0) {
      const d = dstOff(c, a32);
      wr(c, SegReg.ES, d, size, v);
      setDst(c, a32, d + step);
      return;
    }
    let n = counter(c, a32);
    if (n === 0) return;
    let left = budget(c);
    const back = step < 0;
    for (;;) {
      const d = dstOff(c, a32);
      let k = left > 1 ? stosRun(c, d, size, back, a32, Math.min(n, left), v) : 0;
      if (k === 0) { wr(c, SegReg.ES, d, size, v); k = 1; }
      n -= k; left -= k;
      setDst(c, a32, d + step * k); setCounter(c, a32, n);
      if (n === 0) return;
      if (left <= 0) { c.eip = c.instrStart; return; }
    }
  };
}

/** LODS: AL/AX/EAX ← [seg:ESI] (with REP, the last element remains). */
function lods(size: number): Handler {
  return (c, i) => {
    const a32 = i.addr32;
    const step = (c.flags & EFLAGS.DF) !== 0 ? -size : size;
    let n = 1;
    if (i.rep !== 0) { n = counter(c, a32); if (n === 0) return; }
    let left = budget(c);
    for (;;) {
      const s = srcOff(c, a32);
      const v = rd(c, i.seg, s, size);
      if (size === 1) c.r8[0] = v; else if (size === 2) c.r16[0] = v; else c.r32[0] = v;
      setSrc(c, a32, s + step);
      if (i.rep === 0) return;
      setCounter(c, a32, --n);
      if (n === 0) return;
      if (--left === 0) { c.eip = c.instrStart; return; }
    }
  };
}

/** The element of `size` bytes at RAM offset p, as `rd` returns it (bytes and words zero-extended, doublewords signed). */
function ramElement(ram: Uint8Array, p: number, size: number): number {
  if (size === 1) return ram[p];
  if (size === 2) return ram[p] | (ram[p + 1] << 8);
  return ram[p] | (ram[p + 1] << 8) | (ram[p + 2] << 16) | (ram[p + 3] << 24);
}

/**
 * REPE/REPNE SCAS run: compares `a` with up to `max` elements at ES:d inside one page, stopping
 * at the first element that ends the repetition. Records the flags of the last comparison and
 * returns the elements compared (0: take one element the slow way).
 */
function scasRun(c: Cpu, d: number, size: number, back: boolean, a32: boolean, max: number, a: number, whileEqual: boolean): number {
  const n = runInPage(c, SegReg.ES, d, size, back, a32, false, max);
  if (n === 0) return 0;
  const pd = c.translateRead((c.segBase[SegReg.ES] + d) | 0);
  if ((pd | 0xfff) >= c.ramSize) return 0;
  const ram = c.ram, step = back ? -size : size;
  let p = pd, k = 0, b = 0;
  if (size === 1) {
    // The common case (strlen, memchr): a plain byte loop.
    if (whileEqual) { while (k < n) { b = ram[p]; k++; if (a !== b) break; p += step; } }
    else { while (k < n) { b = ram[p]; k++; if (a === b) break; p += step; } }
  } else {
    for (;;) {
      b = ramElement(ram, p, size);
      k++;
      if ((a === b) !== whileEqual || k === n) break;
      p += step;
    }
  }
  c.lazySubtraction(a, b, (a - b) | 0, size * 8 - 1);
  return k;
}

/** REPE/REPNE CMPS run: as scasRun, comparing seg:s with ES:d element by element. */
function cmpsRun(c: Cpu, srcSeg: number, s: number, d: number, size: number, back: boolean, a32: boolean, max: number, whileEqual: boolean): number {
  let n = runInPage(c, srcSeg, s, size, back, a32, false, max);
  if (n === 0) return 0;
  n = runInPage(c, SegReg.ES, d, size, back, a32, false, n);
  if (n === 0) return 0;
  const ps = c.translateRead((c.segBase[srcSeg] + s) | 0);
  const pd = c.translateRead((c.segBase[SegReg.ES] + d) | 0);
  if ((ps | 0xfff) >= c.ramSize || (pd | 0xfff) >= c.ramSize) return 0;
  const ram = c.ram, step = back ? -size : size;
  let k = 0, a = 0, b = 0;
  if (size === 1 && whileEqual) {
    // The common case (memcmp): a plain byte loop.
    for (let off = 0; k < n; off += step) { a = ram[ps + off]; b = ram[pd + off]; k++; if (a !== b) break; }
  } else {
    for (let off = 0; ; off += step) {
      a = ramElement(ram, ps + off, size);
      b = ramElement(ram, pd + off, size);
      k++;
      if ((a === b) !== whileEqual || k === n) break;
    }
  }
  c.lazySubtraction(a, b, (a - b) | 0, size * 8 - 1);
  return k;
}

/**
 * CMPS: compares [seg:ESI] with [ES:EDI] (flags of SRC1 − SRC2, SDM CMPS); SCAS: AL/AX/EAX with
 * [ES:EDI]. REPE (F3) repeats while equal (ZF = 1), REPNE (F2) while not equal.
 */
function cmps(size: number): Handler {
  const bit = size * 8 - 1;
  return (c, i) => {
    const a32 = i.addr32;
    const step = (c.flags & EFLAGS.DF) !== 0 ? -size : size;
    const s0 = srcOff(c, a32), d0 = dstOff(c, a32);
    if (i.rep === 0) {
      const a = rd(c, i.seg, s0, size), b = rd(c, SegReg.ES, d0, size);
      setSrc(c, a32, s0 + step); setDst(c, a32, d0 + step);
      c.lazySubtraction(a, b, (a - b) | 0, bit);
      return;
    }
    let n = counter(c, a32);
    if (n === 0) return;
    const whileEqual = i.rep === 1;
    let left = budget(c);
    for (;;) {
      const s = srcOff(c, a32), d = dstOff(c, a32);
      let k = left > 1 ? cmpsRun(c, i.seg, s, d, size, step < 0, a32, Math.min(n, left), whileEqual) : 0;
      if (k === 0) {
        const a = rd(c, i.seg, s, size), b = rd(c, SegReg.ES, d, size);
        c.lazySubtraction(a, b, (a - b) | 0, bit);
        k = 1;
      }
      n -= k; left -= k;
      setSrc(c, a32, s + step * k); setDst(c, a32, d + step * k); setCounter(c, a32, n);
      if (n === 0 || (c.getZF() === 1) !== whileEqual) return;
      if (left <= 0) { c.eip = c.instrStart; return; }
    }
  };
}
function scas(size: number): Handler {
  const bit = size * 8 - 1;
  return (c, i) => {
    const a32 = i.addr32;
    const step = (c.flags & EFLAGS.DF) !== 0 ? -size : size;
    const a = acc(c, size);
    if (i.rep === 0) {
      const d = dstOff(c, a32);
      const b = rd(c, SegReg.ES, d, size);
      setDst(c, a32, d + step);
      c.lazySubtraction(a, b, (a - b) | 0, bit);
      return;
    }
    let n = counter(c, a32);
    if (n === 0) return;
    const whileEqual = i.rep === 1;
    let left = budget(c);
    for (;;) {
      const d = dstOff(c, a32);
      let k = left > 1 ? scasRun(c, d, size, step < 0, a32, Math.min(n, left), a, whileEqual) : 0;
      if (k === 0) {
        const b = rd(c, SegReg.ES, d, size);
        c.lazySubtraction(a, b, (a - b) | 0, bit);
        k = 1;
      }
      n -= k; left -= k;
      setDst(c, a32, d + step * k); setCounter(c, a32, n);
      if (n === 0 || (c.getZF() === 1) !== whileEqual) return;
      if (left <= 0) { c.eip = c.instrStart; return; }
    }
  };
}

/** Opcode-table forms of this group. */
export const STRING_FORMS: readonly OpForm[] = [
  { op: 0xa4, mnemonic: "MOVS", operands: "Yb,Xb", exec: movs(1) },
  { op: 0xa5, mnemonic: "MOVS", operands: "Yv,Xv", exec: [movs(2), movs(4)] },
  { op: 0xa6, mnemonic: "CMPS", operands: "Xb,Yb", exec: cmps(1) },
  { op: 0xa7, mnemonic: "CMPS", operands: "Xv,Yv", exec: [cmps(2), cmps(4)] },
  { op: 0xaa, mnemonic: "STOS", operands: "Yb,AL", exec: stos(1) },
  { op: 0xab, mnemonic: "STOS", operands: "Yv,eAX", exec: [stos(2), stos(4)] },
  { op: 0xac, mnemonic: "LODS", operands: "AL,Xb", exec: lods(1) },
  { op: 0xad, mnemonic: "LODS", operands: "eAX,Xv", exec: [lods(2), lods(4)] },
  { op: 0xae, mnemonic: "SCAS", operands: "AL,Yb", exec: scas(1) },
  { op: 0xaf, mnemonic: "SCAS", operands: "eAX,Yv", exec: [scas(2), scas(4)] },
];
