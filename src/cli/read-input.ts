// Reading the files and stdin a command is given: criteria JSON (`-` is stdin) and schemas.

import { readFile } from "node:fs/promises";
import { CliError, usageError } from "./cli-error.js";
import type { Io } from "./output.js";

/** The text of `source`: a file path, or `-` for stdin. */
export async function readTextInput(source: string, io: Io, what: string): Promise<string> {
  if (source === "-") {
    if (io.stdin.isTTY === true) throw usageError(`${what} is "-" (stdin) but stdin is a terminal; pipe the JSON in, e.g. < criteria.json`);
    const chunks: Buffer[] = [];
    for await (const chunk of io.stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
    return Buffer.concat(chunks).toString("utf8");
  }
  try {
    return await readFile(source, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (error as Error).message;
    throw new CliError(`Cannot read ${what} ${JSON.stringify(source)}: ${why}`, { code: "FILE_NOT_READABLE" });
  }
}

/** JSON from a file or stdin; a syntax error is one line with the file's name. */
export async function readJsonInput(source: string, io: Io, what: string): Promise<unknown> {
  const text = await readTextInput(source, io, what);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const name = source === "-" ? "stdin" : source;
    throw new CliError(`${what} (${name}) is not valid JSON: ${(error as Error).message}`, { code: "INVALID_JSON", path: "$" });
  }
}
