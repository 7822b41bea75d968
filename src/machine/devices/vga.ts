/**
 * VGA text mode 3 (80×25, 16 colours): the text buffer and the CRT controller's cursor and
 * start-address registers.
 *
 * Sources: IBM VGA Technical Reference, "CRT Controller Registers" (index 0x3D4 / data 0x3D5 in
 * colour mode: Cursor Start 0x0A, Cursor End 0x0B, Start Address High/Low 0x0C/0x0D, Cursor
 * Location High/Low 0x0E/0x0F), "Input Status Register 1" (0x3DA), "Miscellaneous Output
 * Register" (read at 0x3CC); the text buffer layout (character byte, attribute byte) at 0xB8000.
 *
 * The text buffer is plain RAM that this device reads when asked for the screen; guest writes to
 * it cost nothing extra. Input status 1 reports vertical retrace for the last 1.2 ms of each
 * 60 Hz frame of machine time. Graphics modes, fonts and the sequencer/attribute/graphics
 * controllers are not modelled.
 */
import type { DeviceClock } from "../clock.js";
import type { IoBus } from "../io-bus.js";

/** Physical address of the colour text buffer. */
export const VGA_TEXT_BUFFER = 0xb8000;
export const VGA_COLUMNS = 80;
export const VGA_ROWS = 25;
export const CRTC_INDEX_PORT = 0x3d4;
export const CRTC_DATA_PORT = 0x3d5;
export const INPUT_STATUS_1_PORT = 0x3da;
export const MISC_OUTPUT_READ_PORT = 0x3cc;

/** CRT controller register numbers. */
export const enum CrtcReg {
  CURSOR_START = 0x0a,
  CURSOR_END = 0x0b,
  START_ADDRESS_HIGH = 0x0c,
  START_ADDRESS_LOW = 0x0d,
  CURSOR_LOCATION_HIGH = 0x0e,
  CURSOR_LOCATION_LOW = 0x0f,
}

/** Cursor Start register bits. */
export const enum CursorStart {
  /** First scan line of the cursor, bits 4:0. */
  START_MASK = 0x1f,
  /** Cursor off. */
  CURSOR_DISABLE = 0x20,
}

/** Input Status Register 1 bits. */
export const enum InputStatus1 {
  /** Display disabled (horizontal or vertical blanking). */
  DISPLAY_DISABLED = 0x01,
  /** Vertical retrace in progress. */
  VERTICAL_RETRACE = 0x08,
}

/** Frame period at 60 Hz, and the retrace part of it, ns. */
const FRAME_NS = 1e9 / 60;
const RETRACE_NS = 1_200_000;

/**
 * Code page 437 as Unicode: the glyphs the VGA's ROM font draws for bytes 0x00–0xFF (control
 * bytes 0x01–0x1F show as the PC's symbols; 0x00 and 0xFF as spaces).
 */
export const CP437: string =
  " ☺☻♥♦♣♠•◘○◙♂♀♪♫☼►◄↕‼¶§▬↨↑↓→←∟↔▲▼" +
  " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~⌂" +
  "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»" +
  "░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀" +
  "αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■ ";

/** What the screen shows: 25 lines of 80 characters, and the cursor. */
export interface TextScreen {
  /** Each row as text (CP437 decoded), trailing spaces kept: exactly 80 characters. */
  readonly lines: string[];
  /** Each row's attribute bytes (foreground bits 3:0, background bits 6:4, blink/bright bit 7). */
  readonly attributes: Uint8Array[];
  /** Cursor cell (row 0–24, column 0–79) and whether it is shown. */
  readonly cursor: { row: number; column: number; visible: boolean };
}

/** Saved state. */
export interface VgaState {
  index: number;
  crtc: number[];
}

export class VgaText {
  private index = 0;
  private readonly crtc = new Uint8Array(0x19);

  /**
   * @param ram   guest RAM (the text buffer is at 0xB8000)
   * @param clock machine time, for the retrace bit
   */
  constructor(
    private readonly ram: Uint8Array,
    private readonly clock: DeviceClock,
  ) {
    this.crtc[CrtcReg.CURSOR_START] = 0x0d; // the BIOS's underline cursor, scan lines 13–14
    this.crtc[CrtcReg.CURSOR_END] = 0x0e;
  }

  /** Claims 0x3D4–0x3D5, 0x3DA and 0x3CC. */
  attach(io: IoBus): void {
    io.register(CRTC_INDEX_PORT, 2, {
      name: "VGA CRT controller",
      sizes: [1, 2],
      read: (port) => (port === CRTC_INDEX_PORT ? this.index : this.readCrtc()),
      write: (port, size, value) => {
        if (port === CRTC_DATA_PORT) return this.writeCrtc(value);
        this.index = value & 0xff;
        if (size === 2) this.writeCrtc(value >> 8); // OUT DX, AX: index then data
      },
    });
    io.register(INPUT_STATUS_1_PORT, 1, { name: "VGA input status 1", read: () => this.inputStatus1() });
    io.register(MISC_OUTPUT_READ_PORT, 1, { name: "VGA miscellaneous output", read: () => 0x67 }); // colour, 28 MHz
  }

  private readCrtc(): number {
    return this.index < this.crtc.length ? this.crtc[this.index] : 0;
  }

  private writeCrtc(value: number): void {
    if (this.index < this.crtc.length) this.crtc[this.index] = value;
  }

  private inputStatus1(): number {
    const inRetrace = this.clock.nowNs() % FRAME_NS >= FRAME_NS - RETRACE_NS;
    return inRetrace ? InputStatus1.VERTICAL_RETRACE | InputStatus1.DISPLAY_DISABLED : 0;
  }

  /** CRTC register `reg` (0x00–0x18). */
  register(reg: number): number {
    return this.crtc[reg];
  }

  /** Cursor location register pair: cell offset from the start of the buffer. */
  get cursorOffset(): number {
    return (this.crtc[CrtcReg.CURSOR_LOCATION_HIGH] << 8) | this.crtc[CrtcReg.CURSOR_LOCATION_LOW];
  }

  /** Start address register pair: the cell shown at the top-left corner. */
  get startOffset(): number {
    return (this.crtc[CrtcReg.START_ADDRESS_HIGH] << 8) | this.crtc[CrtcReg.START_ADDRESS_LOW];
  }

  /** A snapshot of the screen: the 80×25 cells from the start address, and the cursor. */
  screen(): TextScreen {
    const lines: string[] = [];
    const attributes: Uint8Array[] = [];
    const start = this.startOffset;
    for (let row = 0; row < VGA_ROWS; row++) {
      let line = "";
      const attrs = new Uint8Array(VGA_COLUMNS);
      for (let col = 0; col < VGA_COLUMNS; col++) {
        // The text buffer is 32 KiB (0xB8000–0xBFFFF); offsets wrap inside it.
        const cell = (start + row * VGA_COLUMNS + col) & 0x3fff;
        const addr = VGA_TEXT_BUFFER + cell * 2;
        line += addr + 1 < this.ram.length ? CP437[this.ram[addr]] : " ";
        attrs[col] = addr + 1 < this.ram.length ? this.ram[addr + 1] : 0;
      }
      lines.push(line);
      attributes.push(attrs);
    }
    const rel = this.cursorOffset - start;
    const visible = (this.crtc[CrtcReg.CURSOR_START] & CursorStart.CURSOR_DISABLE) === 0 && rel >= 0 && rel < VGA_COLUMNS * VGA_ROWS;
    return {
      lines,
      attributes,
      cursor: { row: Math.floor(Math.max(rel, 0) / VGA_COLUMNS), column: Math.max(rel, 0) % VGA_COLUMNS, visible },
    };
  }

  /** The screen as text: 25 lines, trailing spaces removed, joined with "\n". */
  screenText(): string {
    return this.screen().lines.map((l) => l.trimEnd()).join("\n");
  }

  saveState(): VgaState {
    return { index: this.index, crtc: [...this.crtc] };
  }

  restoreState(s: VgaState): void {
    this.index = s.index;
    this.crtc.set(s.crtc);
  }
}
