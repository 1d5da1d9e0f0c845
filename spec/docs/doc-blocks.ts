import { readdirSync, readFileSync } from "node:fs";

/** A fenced TypeScript block of README.md or docs/*.md. */
export interface DocBlock {
  /** e.g. "docs-builder-3", a file name for it. */
  id: string;
  /** Where it is, for messages: "docs/builder.md:120". */
  where: string;
  code: string;
  /** "```ts compile-error": must not compile, with errors exactly on the commented lines. */
  compileError: boolean;
}

export function docFiles(root: string): string[] {
  return ["README.md", ...readdirSync(`${root}/docs`).filter((f) => f.endsWith(".md")).sort().map((f) => `docs/${f}`)];
}

const FENCE = /^```(ts|typescript)(?:\s+(.*))?$/;

export function docBlocks(root: string): DocBlock[] {
  const blocks: DocBlock[] = [];
  for (const file of docFiles(root)) {
    const lines = readFileSync(`${root}/${file}`, "utf8").split("\n");
    for (let i = 0; i < lines.length; i++) {
      const open = FENCE.exec(lines[i]!);
      if (!open) continue;
      const start = i + 1;
      let end = start;
      while (end < lines.length && lines[end] !== "```") end++;
      const n = blocks.filter((b) => b.where.startsWith(`${file}:`)).length;
      blocks.push({
        id: `${file.replace(/\.md$/, "").replace(/\W+/g, "-")}-${n}`,
        where: `${file}:${i + 1}`,
        code: lines.slice(start, end).join("\n"),
        compileError: (open[2] ?? "").split(/\s+/).includes("compile-error"),
      });
      i = end;
    }
  }
  return blocks;
}

/** Lines (1-based) of a compile-error block that must fail: code followed by a comment. */
export function expectedErrorLines(code: string): number[] {
  return code
    .split("\n")
    .map((line, i) => [line, i + 1] as const)
    .filter(([line]) => /\S.*\/\/ /.test(line) && !line.trimStart().startsWith("import") && !line.trimStart().startsWith("//"))
    .map(([, n]) => n);
}
