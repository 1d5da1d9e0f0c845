import { readFile, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { RunnerError } from "./zoho-api-error.js";

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function owner(lockPath: string): Promise<LockOwner | undefined> {
  try {
    const json = JSON.parse(await readFile(lockPath, "utf8")) as Partial<LockOwner>;
    return typeof json.pid === "number" && typeof json.host === "string" ? (json as LockOwner) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes `<output>.lock` for the length of an export, so that two exports to the same file
 * cannot interleave their pages. A lock left by a process that no longer runs (an export
 * killed half-way, which is resumed by running it again) is taken over. Returns the release.
 */
export async function lockExport(path: string): Promise<() => Promise<void>> {
  const lockPath = `${path}.lock`;
  const me: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lockPath, `${JSON.stringify(me)}\n`, { flag: "wx" });
      return () => rm(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const held = await owner(lockPath);
      if (held !== undefined && (held.host !== me.host || alive(held.pid))) {
        throw new RunnerError(
          "EXPORT_IN_PROGRESS",
          `Another export is writing to ${path} (process ${held.pid} on ${held.host}, since ${held.startedAt}): wait for it, or export to another path. If no such export runs, delete ${lockPath}.`,
        );
      }
      await rm(lockPath, { force: true }); // left by a process that is gone
    }
  }
  throw new RunnerError("EXPORT_IN_PROGRESS", `Could not take ${lockPath}: another export keeps creating it. Export to another path.`);
}
