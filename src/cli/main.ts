#!/usr/bin/env node
// The `zoho-bulk-read` command (package bin). See docs/cli.md.

import { basename, relative } from "node:path";
import { run } from "./run.js";

// `zoho-bulk-read ... | head`: a closed pipe ends the command quietly, not with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}

/** A path relative to the working directory when it lies below it, else absolute. */
function shortPath(path: string): string {
  const near = relative(process.cwd(), path);
  return near === "" || near.startsWith("..") ? path : near;
}

const code = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  // Run through the package's bin link: "zoho-bulk-read"; run as a file (`npm run demo` in a clone): its path.
  command: basename(process.argv[1] ?? "") === "main.js" ? `node ${shortPath(process.argv[1]!)}` : "zoho-bulk-read",
});
process.exitCode = code;
