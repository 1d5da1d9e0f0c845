// JSON for people: indented like JSON.stringify(value, null, 2), except that any object or
// array whose one-line form fits in the width stays on one line. Still valid JSON.

function oneLine(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(oneLine).join(", ")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{ ${entries.map(([key, v]) => `${JSON.stringify(key)}: ${oneLine(v)}`).join(", ")} }`;
  }
  return JSON.stringify(value) ?? "null";
}

/** `prefix` is the width of what precedes the value on its first line (indent and key). */
export function compactJson(value: unknown, width = 100, indent = "", prefix = indent.length): string {
  const flat = oneLine(value);
  if (prefix + flat.length <= width || typeof value !== "object" || value === null) return flat;
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    return `[\n${value.map((item) => inner + compactJson(item, width, inner)).join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return `{\n${entries
    .map(([key, v]) => {
      const head = `${inner}${JSON.stringify(key)}: `;
      return head + compactJson(v, width, inner, head.length);
    })
    .join(",\n")}\n${indent}}`;
}
