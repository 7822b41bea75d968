/**
 * Scan code set 1 (the IBM PC/XT set, and what the i8042 delivers with translation on) for a US
 * keyboard layout, keyed by the W3C UI Events `KeyboardEvent.code` names ("KeyA", "Enter",
 * "ArrowUp"), plus the table from host characters to the keys that type them.
 *
 * Source: IBM PC AT Technical Reference, "Keyboard Scan-Code Set 1"; W3C "UI Events
 * KeyboardEvent code Values". A key's break code is its make code | 0x80; keys of the enhanced
 * keyboard send 0xE0 first (both on make and on break).
 */

/** One key: its make code and whether it is an 0xE0-prefixed extended key. */
export interface ScanKey {
  readonly make: number;
  readonly extended: boolean;
}

const k = (make: number, extended = false): ScanKey => ({ make, extended });

/** Scan code set 1 by `KeyboardEvent.code`. */
export const SET1: Readonly<Record<string, ScanKey>> = {
  Escape: k(0x01),
  Digit1: k(0x02), Digit2: k(0x03), Digit3: k(0x04), Digit4: k(0x05), Digit5: k(0x06),
  Digit6: k(0x07), Digit7: k(0x08), Digit8: k(0x09), Digit9: k(0x0a), Digit0: k(0x0b),
  Minus: k(0x0c), Equal: k(0x0d), Backspace: k(0x0e), Tab: k(0x0f),
  KeyQ: k(0x10), KeyW: k(0x11), KeyE: k(0x12), KeyR: k(0x13), KeyT: k(0x14),
  KeyY: k(0x15), KeyU: k(0x16), KeyI: k(0x17), KeyO: k(0x18), KeyP: k(0x19),
  BracketLeft: k(0x1a), BracketRight: k(0x1b), Enter: k(0x1c), ControlLeft: k(0x1d),
  KeyA: k(0x1e), KeyS: k(0x1f), KeyD: k(0x20), KeyF: k(0x21), KeyG: k(0x22),
  KeyH: k(0x23), KeyJ: k(0x24), KeyK: k(0x25), KeyL: k(0x26),
  Semicolon: k(0x27), Quote: k(0x28), Backquote: k(0x29), ShiftLeft: k(0x2a), Backslash: k(0x2b),
  KeyZ: k(0x2c), KeyX: k(0x2d), KeyC: k(0x2e), KeyV: k(0x2f), KeyB: k(0x30),
  KeyN: k(0x31), KeyM: k(0x32), Comma: k(0x33), Period: k(0x34), Slash: k(0x35),
  ShiftRight: k(0x36), NumpadMultiply: k(0x37), AltLeft: k(0x38), Space: k(0x39), CapsLock: k(0x3a),
  F1: k(0x3b), F2: k(0x3c), F3: k(0x3d), F4: k(0x3e), F5: k(0x3f),
  F6: k(0x40), F7: k(0x41), F8: k(0x42), F9: k(0x43), F10: k(0x44),
  NumLock: k(0x45), ScrollLock: k(0x46),
  Numpad7: k(0x47), Numpad8: k(0x48), Numpad9: k(0x49), NumpadSubtract: k(0x4a),
  Numpad4: k(0x4b), Numpad5: k(0x4c), Numpad6: k(0x4d), NumpadAdd: k(0x4e),
  Numpad1: k(0x4f), Numpad2: k(0x50), Numpad3: k(0x51), Numpad0: k(0x52), NumpadDecimal: k(0x53),
  IntlBackslash: k(0x56), F11: k(0x57), F12: k(0x58),
  NumpadEnter: k(0x1c, true), ControlRight: k(0x1d, true), NumpadDivide: k(0x35, true),
  AltRight: k(0x38, true), Home: k(0x47, true), ArrowUp: k(0x48, true), PageUp: k(0x49, true),
  ArrowLeft: k(0x4b, true), ArrowRight: k(0x4d, true), End: k(0x4f, true), ArrowDown: k(0x50, true),
  PageDown: k(0x51, true), Insert: k(0x52, true), Delete: k(0x53, true),
  MetaLeft: k(0x5b, true), MetaRight: k(0x5c, true), ContextMenu: k(0x5d, true),
};

/** A key name accepted by the keyboard (a `KeyboardEvent.code` in `SET1`). */
export type KeyCode = keyof typeof SET1;

/** How to type one character: the key and whether Shift or Ctrl is held. */
export interface Keystroke {
  readonly code: string;
  readonly shift: boolean;
  readonly ctrl: boolean;
}

const UNSHIFTED = "1234567890-=qwertyuiop[]asdfghjkl;'`\\zxcvbnm,./ ";
const SHIFTED = "!@#$%^&*()_+QWERTYUIOP{}ASDFGHJKL:\"~|ZXCVBNM<>? ";
const CODES = [
  "Digit1", "Digit2", "Digit3", "Digit4", "Digit5", "Digit6", "Digit7", "Digit8", "Digit9", "Digit0", "Minus", "Equal",
  "KeyQ", "KeyW", "KeyE", "KeyR", "KeyT", "KeyY", "KeyU", "KeyI", "KeyO", "KeyP", "BracketLeft", "BracketRight",
  "KeyA", "KeyS", "KeyD", "KeyF", "KeyG", "KeyH", "KeyJ", "KeyK", "KeyL", "Semicolon", "Quote", "Backquote",
  "Backslash", "KeyZ", "KeyX", "KeyC", "KeyV", "KeyB", "KeyN", "KeyM", "Comma", "Period", "Slash", "Space",
];

/**
 * The keystroke that types host character `ch` on a US keyboard, or undefined when there is none.
 * "\n" and "\r" are Enter, "\t" Tab, "\b" and DEL Backspace, ESC Escape, and the control
 * characters 0x01–0x1A are Ctrl + a letter.
 */
export function keystrokeFor(ch: string): Keystroke | undefined {
  const c = ch.charCodeAt(0);
  if (ch === "\n" || ch === "\r") return { code: "Enter", shift: false, ctrl: false };
  if (ch === "\t") return { code: "Tab", shift: false, ctrl: false };
  if (ch === "\b" || c === 0x7f) return { code: "Backspace", shift: false, ctrl: false };
  if (c === 0x1b) return { code: "Escape", shift: false, ctrl: false };
  if (c >= 0x01 && c <= 0x1a) return { code: `Key${String.fromCharCode(0x40 + c)}`, shift: false, ctrl: true };
  let i = UNSHIFTED.indexOf(ch);
  if (i >= 0) return { code: CODES[i], shift: false, ctrl: false };
  i = SHIFTED.indexOf(ch);
  if (i >= 0) return { code: CODES[i], shift: true, ctrl: false };
  return undefined;
}

/** Set-1 bytes for pressing (`make`) or releasing key `code`. @throws RangeError for an unknown code */
export function set1Bytes(code: string, make: boolean): number[] {
  const key = SET1[code];
  if (key === undefined) throw new RangeError(`unknown key code "${code}" (expected a KeyboardEvent.code such as "KeyA")`);
  const byte = make ? key.make : key.make | 0x80;
  return key.extended ? [0xe0, byte] : [byte];
}
