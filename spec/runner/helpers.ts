// Test helpers: a tiny loopback HTTP server per test, and checks that errors hold no secrets.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { afterEach, expect } from "vitest";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export type Handler = (request: RecordedRequest, res: ServerResponse, req: IncomingMessage) => unknown;

export interface TestServer {
  origin: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Starts a node:http server on 127.0.0.1, port 0. Each request's body is read before `handler`. */
export async function startServer(handler: Handler): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const recorded: RecordedRequest = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(recorded);
      Promise.resolve(handler(recorded, res, req)).catch((error: unknown) => {
        res.statusCode = 599;
        res.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `serve(handler)` for a test file: loopback servers that are closed after each test. */
export function serverPerTest(): (handler: Handler) => Promise<TestServer> {
  const servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  return async (handler) => {
    const server = await startServer(handler);
    servers.push(server);
    return server;
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** The rejection of `promise`; fails the test when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return error as Error;
  }
  throw new Error("expected the promise to reject, but it resolved");
}

/** Asserts that no secret string appears anywhere in `error`, however it is printed. */
export function expectNoSecrets(error: unknown, secrets: readonly string[]): void {
  const renderings = [
    inspect(error, { depth: Infinity, showHidden: true }),
    JSON.stringify(error),
    String(error),
    error instanceof Error ? String(error.stack) : "",
    error instanceof Error ? inspect(error.cause, { depth: Infinity, showHidden: true }) : "",
    error instanceof Error ? JSON.stringify(error.cause ?? null) : "",
  ];
  for (const secret of secrets) {
    for (const rendering of renderings) expect(rendering).not.toContain(secret);
  }
}

/** A sleep that records its delays and returns at once. */
export function recordingSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    sleep: async (ms: number) => {
      delays.push(ms);
    },
  };
}

export async function collectBytes(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export const createdBody = (id: string) => ({
  data: [
    {
      status: "success",
      code: "ADDED_SUCCESSFULLY",
      message: "Added successfully.",
      details: {
        id,
        operation: "read",
        state: "ADDED",
        created_by: { id: "5725767000000411001", name: "Patricia Boyle" },
        created_time: "2021-07-25T02:13:17-07:00",
      },
    },
  ],
  info: {},
});

export const jobBody = (id: string, state = "COMPLETED") => ({
  data: [
    {
      id,
      operation: "read",
      state,
      result: {
        page: 1,
        per_page: 200000,
        count: 127,
        download_url: `/crm/bulk/v8/read/${id}/result`,
        more_records: false,
      },
      query: { module: { id: "4150868000000002175", api_name: "Leads" }, page: 1 },
      created_by: { id: "4150868000000225013", name: "Patricia Boyle" },
      created_time: "2021-07-25T02:13:17-07:00",
      file_type: "csv",
    },
  ],
});
