// A connection to Zoho, or to any Zoho-shaped server (the fake `serve` starts): one access
// token source shared by the Bulk Read runner and the fields-metadata request, so an export
// refreshes its token once, not once per client (Zoho allows ~10 refreshes per 10 minutes).

import got from "got";
import { createAccessTokenSource, type AccessTokenContext, type ZohoAuth } from "../runner/access-token.js";
import { DATA_CENTERS, type DataCenter, type ZohoEnvironment } from "../runner/data-centers.js";
import type { JobRunner } from "../runner/job-runner.js";
import { redactSecrets } from "../runner/redact.js";
import { DEFAULT_RETRY, sleep } from "../runner/retry-policy.js";
import { RunnerError } from "../runner/zoho-api-error.js";
import { API_VERSION, createZohoRunner } from "../runner/zoho-runner.js";
import { zohoErrorFromResponse } from "../runner/zoho-response.js";
import { usageError } from "./cli-error.js";

export interface EndpointFlags {
  dc?: string;
  environment?: string;
  apiVersion?: string;
  apiDomain?: string;
  accountsUrl?: string;
}

export interface ZohoConnection {
  readonly runner: JobRunner;
  readonly apiDomain: string;
  readonly apiVersion: string;
  /** `GET /crm/{v}/settings/fields?module=...`: Zoho's fields metadata of a module. */
  fetchFields(module: string): Promise<unknown>;
}

export const DATA_CENTER_NAMES = Object.keys(DATA_CENTERS) as DataCenter[];
export const ENVIRONMENTS: readonly ZohoEnvironment[] = ["production", "sandbox", "developer"];
const TIMEOUT_MS = 60_000;

/** An http(s) origin from a flag; a usage error otherwise. */
export function originFlag(value: string, flag: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw usageError(`${flag} must be a URL such as https://www.zohoapis.eu; got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw usageError(`${flag} must be an http(s) URL; got ${JSON.stringify(value)}`);
  return url.origin;
}

export function dataCenterFlag(value: string | undefined): DataCenter | undefined {
  if (value === undefined) return undefined;
  if (!(DATA_CENTER_NAMES as string[]).includes(value)) throw usageError(`--dc must be one of ${DATA_CENTER_NAMES.join(", ")}; got ${JSON.stringify(value)}`);
  return value as DataCenter;
}

export function apiVersionFlag(value: string | undefined): string {
  const version = value ?? "v8";
  if (!API_VERSION.test(version)) throw usageError(`--api-version must look like v8 or v2.1; got ${JSON.stringify(version)}`);
  return version;
}

export interface ConnectOptions {
  flags: EndpointFlags;
  auth: ZohoAuth;
  /** Endpoint defaults saved with the credentials (by `auth`), used when the flags name none. */
  saved?: { dataCenter?: string; accountsUrl?: string; apiDomain?: string };
  log: (line: string) => void;
}

export async function connectToZoho(options: ConnectOptions): Promise<ZohoConnection> {
  const { flags, saved = {} } = options;
  const namesEndpoint = flags.dc !== undefined || flags.environment !== undefined;
  const dataCenter = dataCenterFlag(flags.dc ?? saved.dataCenter) ?? "us";
  const environment = (flags.environment ?? "production") as ZohoEnvironment;
  if (!ENVIRONMENTS.includes(environment)) throw usageError(`--environment must be one of ${ENVIRONMENTS.join(", ")}; got ${JSON.stringify(flags.environment)}`);
  const apiVersion = apiVersionFlag(flags.apiVersion);
  const explicitApiDomain = flags.apiDomain !== undefined ? originFlag(flags.apiDomain, "--api-domain") : namesEndpoint ? undefined : saved.apiDomain;
  const accountsUrl =
    flags.accountsUrl !== undefined ? originFlag(flags.accountsUrl, "--accounts-url") : ((namesEndpoint ? undefined : saved.accountsUrl) ?? DATA_CENTERS[dataCenter].accountsUrl);

  const http = got.extend({ retry: { limit: 0 }, throwHttpErrors: false, followRedirect: false });
  const tokens = createAccessTokenSource(options.auth, {
    accountsUrl,
    http,
    timeoutMs: TIMEOUT_MS,
    retry: DEFAULT_RETRY,
    sleep,
    random: Math.random,
    now: Date.now,
    log: options.log,
  });
  // The first token tells where the org's API lives (api_domain), unless a flag said so.
  await tokens.get();
  const apiDomain = explicitApiDomain ?? tokens.apiDomain ?? DATA_CENTERS[dataCenter].apiDomains[environment];
  const runner = createZohoRunner({
    dataCenter,
    environment,
    apiDomain,
    apiVersion,
    // One token source for the runner and fetchFields. After Zoho answers 401 INVALID_TOKEN the
    // runner asks once more, naming the refused token: forgetting it (only if it is still the
    // cached one) makes `get` refresh, one request for all callers, while a token refreshed in
    // the meantime is returned as it is. One refresh per refusal: never a loop. A fixed token
    // (ZOHO_ACCESS_TOKEN) cannot be refreshed, so the runner gets it as such and reports a 401.
    auth: tokens.canRefresh
      ? {
          getAccessToken: (context?: AccessTokenContext): Promise<string> => {
            if (context?.rejected !== undefined) tokens.invalidate(context.rejected);
            return tokens.get();
          },
        }
      : options.auth,
    log: options.log,
  });

  async function fetchFields(module: string): Promise<unknown> {
    const path = `/crm/${apiVersion}/settings/fields`;
    const operation = `GET ${path}?module=${module}`;
    const get = async (token: string) => {
      try {
        return await http.get(new URL(`${path}?module=${encodeURIComponent(module)}`, apiDomain), {
          headers: { authorization: `Zoho-oauthtoken ${token}` },
          responseType: "text",
          timeout: { request: TIMEOUT_MS },
        });
      } catch (error) {
        // Never rethrow got's error: its options hold the Authorization header.
        throw new RunnerError("NETWORK_ERROR", `${operation} at ${apiDomain} failed: ${redactSecrets((error as Error).message, tokens.secrets())}. Check --api-domain and the network.`, { retryable: true });
      }
    };
    const token = await tokens.get();
    let response = await get(token);
    // Like the runner: a refused token is refreshed once, and the request tried once more.
    if (response.statusCode === 401 && tokens.canRefresh) {
      tokens.invalidate(token);
      response = await get(await tokens.get());
    }
    if (response.statusCode !== 200) throw zohoErrorFromResponse(operation, response.statusCode, response.body, tokens.secrets());
    try {
      return JSON.parse(response.body) as unknown;
    } catch {
      throw new RunnerError("UNEXPECTED_RESPONSE", `${operation} answered HTTP 200 with a body that is not JSON; check --api-domain`);
    }
  }

  return { runner, apiDomain, apiVersion, fetchFields };
}
