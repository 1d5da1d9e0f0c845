// Keeping secrets out of errors and logs.
//
// got's errors carry `options` (with the Authorization header and, for the token refresh, the
// form body holding the client secret and refresh token), `request` and `response` objects. A
// caller who logs `util.inspect(error)` would print all of it. So nothing from got is ever
// rethrown or attached as `cause`: we keep only the name, code and (redacted) message.

/** Replaces every occurrence of each secret in `text` with `[redacted]`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    // Very short strings would redact innocent text and cannot be meaningful secrets.
    if (secret.length >= 4) out = out.split(secret).join("[redacted]");
  }
  return out;
}

/** A stripped copy of an error, safe to keep as `cause`: only name, code and message survive. */
class SanitizedCause extends Error {
  override name: string;
  readonly code: string | undefined;

  constructor(name: string, message: string, code: string | undefined) {
    super(message);
    this.name = name;
    this.code = code;
  }
}

/**
 * Copies the name, code and message of `error` (and, to a small depth, of its causes) into
 * fresh Error objects, dropping every other property (got's options, headers, bodies).
 */
export function sanitizeCause(error: unknown, secrets: readonly string[] = [], depth = 0): Error {
  if (error instanceof Error) {
    const code = readStringProperty(error, "code");
    const safe = new SanitizedCause(
      redactSecrets(error.name, secrets),
      redactSecrets(error.message, secrets),
      code === undefined ? undefined : redactSecrets(code, secrets),
    );
    // got's errors keep the stack of the socket error; the stack text is the message plus
    // frames, so redact it too rather than dropping the debugging value.
    safe.stack = redactSecrets(error.stack ?? safe.stack ?? "", secrets);
    if (depth < 3 && error.cause !== undefined && error.cause !== null && typeof error.cause === "object") {
      Object.defineProperty(safe, "cause", {
        value: sanitizeCause(error.cause, secrets, depth + 1),
        enumerable: false,
        writable: true,
        configurable: true,
      });
    }
    return safe;
  }
  return new SanitizedCause("NonError", redactSecrets(String(error), secrets).slice(0, 200), undefined);
}

function readStringProperty(value: object, key: string): string | undefined {
  const property: unknown = (value as Record<string, unknown>)[key];
  return typeof property === "string" ? property : undefined;
}
