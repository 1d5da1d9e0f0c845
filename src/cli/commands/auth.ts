// `zoho-bulk-read auth`: exchanges a grant code for a refresh token
// (POST {accounts}/oauth/v2/token, grant_type=authorization_code) and stores it, with the
// client id and secret, in the config file (0600) that `export` reads. Prints no secret.

import { Command, Option } from "commander";
import got from "got";
import { DATA_CENTERS } from "../../runner/data-centers.js";
import { redactSecrets } from "../../runner/redact.js";
import { CliError, usageError } from "../cli-error.js";
import { examples, type CommandContext } from "../command-context.js";
import { defaultConfigPath, writeConfig, type CliConfig } from "../config-file.js";
import { DATA_CENTER_NAMES, dataCenterFlag, originFlag } from "../zoho-connection.js";

interface AuthFlags {
  code: string;
  clientId?: string;
  clientSecret?: string;
  dc?: string;
  accountsUrl?: string;
  redirectUri?: string;
  config?: string;
}

const TIMEOUT_MS = 30_000;

function mask(value: string): string {
  return value.length <= 10 ? "…" : `${value.slice(0, 6)}…${value.slice(-4)}`;
}

function explainRefusal(error: string, accountsUrl: string): string {
  switch (error) {
    case "invalid_code":
      return "the grant code is invalid, already used or expired (they last a few minutes): generate a new one and run auth again at once";
    case "invalid_client":
      return `the client id/secret are not known to ${accountsUrl}: check them, and the data center (--dc)`;
    case "invalid_redirect_uri":
      return "--redirect-uri must be exactly the redirect URI registered for the client";
    case "unsupported_grant_type":
      return `${accountsUrl} does not accept grant_type=authorization_code here`;
    default:
      return "check the grant code, the client and the data center";
  }
}

export function authCommand(ctx: CommandContext): Command {
  return new Command("auth")
    .summary("exchange a Zoho grant code for a refresh token and store it")
    .description(
      "Exchanges a grant code (from the Zoho API console's Self Client, scopes ZohoCRM.bulk.READ, " +
      "ZohoCRM.modules.ALL and ZohoCRM.settings.fields.READ) for a refresh token at the data center's " +
      "accounts server, and stores the client id, client secret and refresh token in the config file " +
      "with 0600 permissions. `export` then needs no environment variables. No token is " +
      "printed.\n\nThe client id and secret may come from ZOHO_CLIENT_ID / ZOHO_CLIENT_SECRET instead " +
      "of flags.",
    )
    .requiredOption("--code <grant-code>", "the grant code (valid for a few minutes)")
    .option("--client-id <id>", "OAuth client id (default: $ZOHO_CLIENT_ID)")
    .option("--client-secret <secret>", "OAuth client secret (default: $ZOHO_CLIENT_SECRET)")
    .addOption(new Option("--dc <dc>", "Zoho data center of the account").choices(DATA_CENTER_NAMES))
    .option("--accounts-url <url>", "accounts server instead of the data center's, e.g. the one `serve` prints")
    .option("--redirect-uri <uri>", "redirect URI registered for the client (not needed for a Self Client)")
    .option("--config <path>", "config file to write (default: $XDG_CONFIG_HOME/zoho-bulk-read/config.json)")
    .addHelpText(
      "after",
      examples([
        "zoho-bulk-read auth --dc eu --code 1000.abc...def --client-id 1000.XXXX --client-secret s3cret",
        "ZOHO_CLIENT_ID=1000.XXXX ZOHO_CLIENT_SECRET=s3cret zoho-bulk-read auth --code 1000.abc...def",
        "# against the fake server that `zoho-bulk-read serve` starts:",
        "zoho-bulk-read auth --accounts-url http://127.0.0.1:41234 --code <code it prints> --client-id <id> --client-secret <secret>",
      ]),
    )
    .action(async (flags: AuthFlags, command: Command) => {
      const out = ctx.output(command);
      const env = ctx.io.env;
      const clientId = flags.clientId ?? env["ZOHO_CLIENT_ID"] ?? "";
      const clientSecret = flags.clientSecret ?? env["ZOHO_CLIENT_SECRET"] ?? "";
      if (clientId === "") throw usageError("auth needs the OAuth client id: --client-id or ZOHO_CLIENT_ID");
      if (clientSecret === "") throw usageError("auth needs the OAuth client secret: --client-secret or ZOHO_CLIENT_SECRET");
      if (flags.code.trim() === "") throw usageError("--code is empty");
      const dataCenter = dataCenterFlag(flags.dc);
      const accountsUrl = flags.accountsUrl !== undefined ? originFlag(flags.accountsUrl, "--accounts-url") : DATA_CENTERS[dataCenter ?? "us"].accountsUrl;
      const configPath = flags.config ?? defaultConfigPath(env);
      const secrets = [clientSecret, flags.code];
      const tokenUrl = new URL("/oauth/v2/token", accountsUrl).toString();

      const form: Record<string, string> = { grant_type: "authorization_code", client_id: clientId, client_secret: clientSecret, code: flags.code };
      if (flags.redirectUri !== undefined) form["redirect_uri"] = flags.redirectUri;
      out.debug(`zoho-bulk-read: POST ${tokenUrl} (grant_type=authorization_code)`);
      let status: number;
      let body: string;
      try {
        const response = await got.post(tokenUrl, { form, responseType: "text", throwHttpErrors: false, followRedirect: false, retry: { limit: 0 }, timeout: { request: TIMEOUT_MS } });
        status = response.statusCode;
        body = response.body;
      } catch (error) {
        // got's error holds the form (client secret, code): keep only its message, redacted.
        throw new CliError(`The token request to ${tokenUrl} failed: ${redactSecrets((error as Error).message, secrets)}`, { code: "NETWORK_ERROR" });
      }
      let json: Record<string, unknown> = {};
      try {
        const parsed: unknown = JSON.parse(body);
        if (typeof parsed === "object" && parsed !== null) json = parsed as Record<string, unknown>;
      } catch {
        throw new CliError(`${tokenUrl} answered HTTP ${status} with a body that is not JSON: check --dc / --accounts-url`, { code: "TOKEN_EXCHANGE_FAILED" });
      }
      const refusal = json["error"];
      if (typeof refusal === "string") {
        const code = redactSecrets(refusal, secrets).slice(0, 60);
        throw new CliError(`Zoho refused the grant code (${code}): ${explainRefusal(code, accountsUrl)}`, { code: code.toUpperCase().replace(/[^A-Z0-9]+/g, "_") });
      }
      const refreshToken = json["refresh_token"];
      if (typeof refreshToken !== "string" || refreshToken === "") {
        const why = typeof json["access_token"] === "string" ? "an access token but no refresh token: generate the grant code with access_type=offline (a Self Client does), and use a code not exchanged before" : `HTTP ${status} without a refresh token`;
        throw new CliError(`${tokenUrl} answered with ${why}`, { code: "NO_REFRESH_TOKEN" });
      }
      const config: CliConfig = { clientId, clientSecret, refreshToken };
      if (dataCenter !== undefined) config.dataCenter = dataCenter;
      if (flags.accountsUrl !== undefined) config.accountsUrl = accountsUrl;
      const apiDomain = json["api_domain"];
      if (typeof apiDomain === "string" && /^https?:\/\/[^\s/]+$/.test(apiDomain)) config.apiDomain = apiDomain;
      await writeConfig(configPath, config);

      out.line(`Stored a refresh token for client ${mask(clientId)} in ${configPath} (permissions 0600).`);
      if (config.apiDomain !== undefined) out.line(`API domain: ${config.apiDomain}`);
      out.line(`Next: zoho-bulk-read export Leads --out leads.csv${flags.config !== undefined ? ` --config ${configPath}` : ""}`);
      out.result({ ok: true, config: configPath, accountsUrl, ...(dataCenter !== undefined && { dataCenter }), ...(config.apiDomain !== undefined && { apiDomain: config.apiDomain }) });
    });
}
