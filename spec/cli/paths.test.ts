import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { displayPath } from "../../src/cli/paths.js";

describe("displayPath", () => {
  const cwd = resolve("/work/project");

  it("shows a path below the working directory relative to it", () => {
    expect(displayPath(join(cwd, "leads.csv"), cwd)).toBe("leads.csv");
    expect(displayPath(join(cwd, "out", "leads.csv"), cwd)).toBe(join("out", "leads.csv"));
    expect(displayPath(join(cwd, "..leads", "x.csv"), cwd)).toBe(join("..leads", "x.csv"));
  });

  it("shows any other path absolute", () => {
    expect(displayPath(resolve("/tmp/leads.csv"), cwd)).toBe(resolve("/tmp/leads.csv"));
    expect(displayPath(resolve("/work/other/leads.csv"), cwd)).toBe(resolve("/work/other/leads.csv"));
    expect(displayPath(resolve("/work"), cwd)).toBe(resolve("/work"));
    expect(displayPath(cwd, cwd)).toBe(cwd);
  });
});
