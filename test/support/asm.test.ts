import { test } from "node:test";
import assert from "node:assert/strict";
import { assemble } from "./asm.js";

test("assemble: GNU as source becomes flat bytes at the given origin", () => {
  const b = assemble("mov $0x12345678, %eax\n1: jmp 1b", { org: 0x1000 });
  assert.deepEqual([...b], [0xb8, 0x78, 0x56, 0x34, 0x12, 0xeb, 0xfe]);
  assert.throws(() => assemble("not_an_instruction %eax"), /assemble failed/);
});
