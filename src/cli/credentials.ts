// Where `export` gets its Zoho credentials: the environment first (ZOHO_CLIENT_ID,
// ZOHO_CLIENT_SECRET, ZOHO_REFRESH_TOKEN, or ZOHO_ACCESS_TOKEN), then the config file that
// `auth` wrote. The values are never printed; only where they came from.

import type { ZohoAuth } from "../runner/access-token.js";
import { CliError } from "./cli-error.js";
import type { CliConfig } from "./config-file.js";

export interface ResolvedAuth {
  auth: ZohoAuth;
  /** Where the credentials came from, for messages: "environment" or the config path. */
  source: string;
}

const REFRESH_VARS = ["ZOHO_CLIENT_ID", "ZOHO_CLIENT_SECRET", "ZOHO_REFRESH_TOKEN"] as const;

export function resolveAuth(env: NodeJS.ProcessEnv, config: CliConfig | undefined, configPath: string): ResolvedAuth {
  const set = REFRESH_VARS.filter((name) => (env[name] ?? "") !== "");
  if (set.length === REFRESH_VARS.length) {
    return { auth: { clientId: env["ZOHO_CLIENT_ID"]!, clientSecret: env["ZOHO_CLIENT_SECRET"]!, refreshToken: env["ZOHO_REFRESH_TOKEN"]! }, source: "environment" };
  }
  const accessToken = env["ZOHO_ACCESS_TOKEN"] ?? "";
  if (accessToken !== "") return { auth: { accessToken }, source: "environment (ZOHO_ACCESS_TOKEN)" };
  if (set.length > 0) {
    const missing = REFRESH_VARS.filter((name) => !set.includes(name));
    throw new CliError(`Incomplete credentials in the environment: ${set.join(", ")} set but ${missing.join(", ")} missing`, { code: "NO_CREDENTIALS" });
  }
  if (config?.clientId && config.clientSecret && config.refreshToken) {
    return { auth: { clientId: config.clientId, clientSecret: config.clientSecret, refreshToken: config.refreshToken }, source: configPath };
  }
  throw new CliError(
    `No Zoho credentials: set ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET and ZOHO_REFRESH_TOKEN (or ZOHO_ACCESS_TOKEN), or run "zoho-bulk-read auth" to store them in ${configPath}`,
    { code: "NO_CREDENTIALS" },
  );
}
