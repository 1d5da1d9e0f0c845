import { expect } from "vitest";

/** Every expected id exactly once, nothing else. */
export function expectExactlyOnce(ids: readonly string[], expected: readonly string[]): void {
  const seen = new Set<string>();
  const duplicates = ids.filter((id) => (seen.has(id) ? true : (seen.add(id), false)));
  expect(duplicates, "duplicated records").toEqual([]);
  expect([...ids].sort()).toEqual([...expected].sort());
}
