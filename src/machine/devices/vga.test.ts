import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { IoBus } from "../io-bus.js";
import { ManualClock } from "../testing/fakes.js";
import { CP437, VgaText } from "./vga.js";

function setup() {
  const ram = new Uint8Array(2 * 1024 * 1024);
  const vga = new VgaText(ram, new ManualClock());
  const io = new IoBus();
  vga.attach(io);
  const put = (row: number, col: number, text: string, attr = 0x07) => {
    for (let i = 0; i < text.length; i++) {
      const a = 0xb8000 + (row * 80 + col + i) * 2;
      ram[a] = text.charCodeAt(i);
      ram[a + 1] = attr;
    }
  };
  return { ram, vga, io, put };
}

describe("VGA text mode", () => {
  it("VGA: the screen is the 80×25 cells of the text buffer at 0xB8000", () => {
    const { vga, put } = setup();
    put(0, 0, "hello");
    put(24, 75, "end", 0x1f);
    const s = vga.screen();
    assert.equal(s.lines.length, 25);
    assert.equal(s.lines[0].length, 80);
    assert.equal(s.lines[0].trimEnd(), "hello");
    assert.equal(s.lines[24].slice(75, 78), "end");
    assert.equal(s.attributes[24][75], 0x1f);
    assert.equal(vga.screenText().split("\n")[0], "hello");
  });

  it("VGA: CRTC registers 0x0E/0x0F place the cursor", () => {
    const { vga, io } = setup();
    const pos = 3 * 80 + 7;
    io.write(0x3d4, 1, 0x0e);
    io.write(0x3d5, 1, pos >> 8);
    io.write(0x3d4, 1, 0x0f);
    io.write(0x3d5, 1, pos & 0xff);
    assert.deepEqual(vga.screen().cursor, { row: 3, column: 7, visible: true });
    io.write(0x3d4, 1, 0x0f);
    assert.equal(io.read(0x3d5, 1), pos & 0xff);
  });

  it("VGA: cursor start bit 5 hides the cursor", () => {
    const { vga, io } = setup();
    io.write(0x3d4, 2, 0x0a | (0x20 << 8)); // a word write: index then data
    assert.equal(vga.screen().cursor.visible, false);
  });

  it("VGA: the start address registers scroll the visible window", () => {
    const { vga, io, put } = setup();
    put(1, 0, "second row");
    io.write(0x3d4, 1, 0x0c);
    io.write(0x3d5, 1, 0);
    io.write(0x3d4, 1, 0x0d);
    io.write(0x3d5, 1, 80);
    assert.equal(vga.screen().lines[0].trimEnd(), "second row");
  });

  it("VGA: code page 437 maps box drawing and control-byte glyphs", () => {
    assert.equal([...CP437].length, 256);
    assert.equal(CP437[0xc9], "╔");
    assert.equal(CP437[0x03], "♥");
    assert.equal(CP437[0x41], "A");
  });
});
