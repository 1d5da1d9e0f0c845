// Paths as the command line shows them.

import { isAbsolute, relative, sep } from "node:path";

/** `path` relative to `cwd` when it lies below it (`out/leads.csv`), else absolute. */
export function displayPath(path: string, cwd: string): string {
  const near = relative(cwd, path);
  const outside = near === "" || near === ".." || near.startsWith(`..${sep}`) || isAbsolute(near);
  return outside ? path : near;
}
