import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { OPCODES_DOC, opcodesDoc } from "./tools/opcodes-doc.js";

test("docs/opcodes.md lists exactly the forms of the opcode table (regenerate with npm run docs)", () => {
  assert.ok(fs.existsSync(OPCODES_DOC), "docs/opcodes.md is missing: npm run docs");
  assert.equal(fs.readFileSync(OPCODES_DOC, "utf8"), opcodesDoc(), "docs/opcodes.md is out of date: npm run docs");
});
