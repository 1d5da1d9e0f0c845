import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { TABLE_START, withTable } from "../../scripts/comparator-table.js";
import { docFiles } from "./doc-blocks.js";

// The comparator tables in the docs are generated from COMPARATORS_BY_TYPE; this fails when
// the table changed and `npm run docs` was not run.
it.each(docFiles(process.cwd()))("%s has an up-to-date comparator table", (file) => {
  const text = readFileSync(file, "utf8");
  expect(text).toBe(withTable(text));
});

it("the README has the table", () => {
  expect(readFileSync("README.md", "utf8")).toContain(TABLE_START);
});
