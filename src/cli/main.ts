#!/usr/bin/env node
// The `zoho-bulk-read` command (package bin). See docs/cli.md.

import { basename } from "node:path";
import { displayPath } from "./paths.js";
import { run } from "./run.js";

// `zoho-bulk-read ... | head`: a closed pipe ends the command quietly, not with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const code = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  // Run through the package's bin link: "zoho-bulk-read"; run as a file (`npm run demo` in a clone): its path.
  command: basename(process.argv[1] ?? "") === "main.js" ? `node ${displayPath(process.argv[1]!, process.cwd())}` : "zoho-bulk-read",
});
process.exitCode = code;
