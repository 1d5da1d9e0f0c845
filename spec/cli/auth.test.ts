// `auth`: a grant code exchanged for a refresh token (grant_type=authorization_code), stored
// 0600 in a 0700 directory, no secret printed; then `export` runs from the stored config alone.

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readFile, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanEnv, lines, runCli, startCli, useWorkspace } from "./helpers.js";

const CLIENT = { id: "1000.TESTCLIENTID", secret: "test-client-secret-123456", code: "1000.grantcode.abcdef123456", refreshToken: "1000.refresh.token.9876543210" };

const dir = useWorkspace();
let accounts: Server | undefined;
let accountsUrl: string;
const received: URLSearchParams[] = [];

beforeAll(async () => {
  // A Zoho accounts server that knows one client and one grant code.
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      const form = new URLSearchParams(body);
      received.push(form);
      const answer =
        req.url !== "/oauth/v2/token" || form.get("grant_type") !== "authorization_code"
          ? { error: "unsupported_grant_type" }
          : form.get("client_id") !== CLIENT.id || form.get("client_secret") !== CLIENT.secret
            ? { error: "invalid_client" }
            : form.get("code") !== CLIENT.code
              ? { error: "invalid_code" }
              : { access_token: "1000.access.token.000", refresh_token: CLIENT.refreshToken, api_domain: "https://www.zohoapis.eu", token_type: "Bearer", expires_in: 3600 };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(answer));
    });
  });
  accounts = server;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  accountsUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  const server = accounts;
  if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("auth", () => {
  it("stores the refresh token 0600 (directory 0700) and prints no secret", async () => {
    const config = join(dir.path, "cfg", "nested", "config.json");
    const result = await runCli(["auth", "--accounts-url", accountsUrl, "--code", CLIENT.code, "--client-id", CLIENT.id, "--client-secret", CLIENT.secret, "--config", config], dir.options);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Stored a refresh token for client 1000.T…NTID in ${config} (permissions 0600).`);
    for (const secret of [CLIENT.secret, CLIENT.refreshToken, CLIENT.code, "1000.access.token.000"]) expect(result.stdout + result.stderr).not.toContain(secret);

    const form = received.at(-1)!;
    expect(Object.fromEntries(form)).toEqual({ grant_type: "authorization_code", client_id: CLIENT.id, client_secret: CLIENT.secret, code: CLIENT.code });
    expect(JSON.parse(await readFile(config, "utf8"))).toEqual({ clientId: CLIENT.id, clientSecret: CLIENT.secret, refreshToken: CLIENT.refreshToken, accountsUrl, apiDomain: "https://www.zohoapis.eu" });
    if (process.platform !== "win32") {
      expect((await stat(config)).mode & 0o777).toBe(0o600);
      expect((await stat(dirname(config))).mode & 0o777).toBe(0o700);
    }
  });

  it("takes the client from the environment, the default config path, and --redirect-uri", async () => {
    const env = cleanEnv(dir.path, { ZOHO_CLIENT_ID: CLIENT.id, ZOHO_CLIENT_SECRET: CLIENT.secret });
    const result = await runCli(["--json", "auth", "--accounts-url", accountsUrl, "--code", CLIENT.code, "--redirect-uri", "https://example.com/cb"], { ...dir.options, env });
    expect(result.code).toBe(0);
    const config = join(dir.path, ".config", "zoho-bulk-read", "config.json");
    expect(JSON.parse(result.stdout)).toEqual({ ok: true, config, accountsUrl, apiDomain: "https://www.zohoapis.eu" });
    expect(received.at(-1)!.get("redirect_uri")).toBe("https://example.com/cb");
    expect(JSON.parse(await readFile(config, "utf8"))).toMatchObject({ refreshToken: CLIENT.refreshToken });
  });

  it("an expired or used grant code is one line with Zoho's error", async () => {
    const result = await runCli(["auth", "--accounts-url", accountsUrl, "--code", "1000.old", "--client-id", CLIENT.id, "--client-secret", CLIENT.secret, "--config", join(dir.path, "x.json")], dir.options);
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([expect.stringMatching(/^error: Zoho refused the grant code \(invalid_code\): the grant code is invalid, already used or expired.* \[INVALID_CODE\]$/)]);
    expect(result.stderr).not.toContain(CLIENT.secret);
  });

  it("export uses the stored config when the environment has no credentials", async () => {
    // The stored accounts server is the stub above, which does not refresh tokens: the export
    // must get that far, with the config's client, and fail with the stub's answer.
    const config = join(dir.path, "cfg", "nested", "config.json");
    const result = await runCli(["export", "Leads", "--config", config, "--out", "x.csv"], dir.options);
    expect(result.code).toBe(1);
    expect(received.at(-1)!.get("client_id")).toBe(CLIENT.id);
    expect(received.at(-1)!.get("grant_type")).toBe("refresh_token");
    expect(received.at(-1)!.get("refresh_token")).toBe(CLIENT.refreshToken);
    expect(result.stderr).not.toContain(CLIENT.secret);
    expect(result.stderr).not.toContain(CLIENT.refreshToken);
  });

  it("against `serve`: grant code -> config -> export", async () => {
    const serve = startCli(["--json", "serve", "--records", "500"], dir.options);
    try {
      const [line] = await serve.waitFor("stdout", /^\{.*"event":"listening".*\}$/m);
      const server = JSON.parse(line) as { apiDomain: string; accountsUrl: string; credentials: { clientId: string; clientSecret: string; grantCode: string } };
      const config = join(dir.path, "served", "config.json");
      const auth = await runCli(
        ["auth", "--accounts-url", server.accountsUrl, "--code", server.credentials.grantCode, "--client-id", server.credentials.clientId, "--client-secret", server.credentials.clientSecret, "--config", config],
        dir.options,
      );
      expect(auth.code).toBe(0);
      const exported = await runCli(["--json", "export", "Leads", "--config", config, "--api-domain", server.apiDomain, "--poll-interval", "5", "--out", "served.csv"], dir.options);
      expect(exported.code).toBe(0);
      expect(JSON.parse(exported.stdout)).toMatchObject({ ok: true, records: 500 });
    } finally {
      serve.kill("SIGINT");
      await serve.exited;
    }
  });
});
