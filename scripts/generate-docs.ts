// Rewrites the generated regions of README.md and docs/*.md (npm run docs).
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { withTable } from "./comparator-table.js";

const files = ["README.md", ...readdirSync("docs").filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
for (const file of files) {
  const text = readFileSync(file, "utf8");
  const next = withTable(text);
  if (next !== text) {
    writeFileSync(file, next);
    console.log(`updated ${file}`);
  }
}
