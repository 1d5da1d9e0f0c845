// The config file `auth` writes and `export` reads: the OAuth client and refresh token, and
// where the org lives. It holds secrets, so it is written 0600 in a 0700 directory, and
// reading one that others can read draws a warning.

import { chmod, mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { CliError } from "./cli-error.js";

export interface CliConfig {
  clientId?: string;
  clientSecret?: string;
  refreshToken?: string;
  /** Data center the refresh token belongs to (us, eu, in, au, jp, cn, ca, sa). */
  dataCenter?: string;
  /** Accounts server, when it is not a data center's (e.g. a fake server). */
  accountsUrl?: string;
  /** API domain Zoho reported with the token. */
  apiDomain?: string;
}

const KEYS: readonly (keyof CliConfig)[] = ["clientId", "clientSecret", "refreshToken", "dataCenter", "accountsUrl", "apiDomain"];

/** `$XDG_CONFIG_HOME/zoho-bulk-read/config.json` (~/.config by default; %APPDATA% on Windows). */
export function defaultConfigPath(env: NodeJS.ProcessEnv): string {
  const base =
    process.platform === "win32"
      ? (env["APPDATA"] ?? join(homedir(), "AppData", "Roaming"))
      : env["XDG_CONFIG_HOME"] && env["XDG_CONFIG_HOME"].length > 0
        ? env["XDG_CONFIG_HOME"]
        : join(homedir(), ".config");
  return join(base, "zoho-bulk-read", "config.json");
}

/** The config at `path`; undefined when there is no file. */
export async function readConfig(path: string, warn: (line: string) => void): Promise<CliConfig | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new CliError(`Cannot read the config file ${path}: ${(error as Error).message}`, { code: "CONFIG_UNREADABLE" });
  }
  if (process.platform !== "win32") {
    const mode = (await stat(path)).mode & 0o777;
    if ((mode & 0o077) !== 0) warn(`warning: ${path} holds secrets but its permissions are ${mode.toString(8)}; run: chmod 600 ${path}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CliError(`The config file ${path} is not valid JSON (${(error as Error).message}); fix it or run zoho-bulk-read auth again`, { code: "CONFIG_INVALID" });
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new CliError(`The config file ${path} must hold a JSON object`, { code: "CONFIG_INVALID", path: "$" });
  }
  const config: CliConfig = {};
  for (const key of KEYS) {
    const value = (json as Record<string, unknown>)[key];
    if (value === undefined) continue;
    if (typeof value !== "string") throw new CliError(`The config file ${path}: ${key} must be a string`, { code: "CONFIG_INVALID", path: `$.${key}` });
    config[key] = value;
  }
  return config;
}

/** Writes the config with 0600 permissions (its directory 0700), replacing any earlier file atomically. */
export async function writeConfig(path: string, config: CliConfig): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  // The umask cannot widen 0600, but an existing temp file keeps its mode: set it explicitly.
  await chmod(temp, 0o600);
  await rename(temp, path);
}
