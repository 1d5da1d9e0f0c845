// One criteria matrix, generated from the comparator table, run through both runners: the
// local runner directly and the fake Zoho server over HTTP with the got runner, each through
// runBulkRead. What this proves: the pipeline (create, poll, page, download, unzip, parse,
// convert) returns exactly the records the runners' evaluation (compilePredicate) selects. It
// does not prove the evaluation right (evaluate.test.ts does); but every case selects some
// records and leaves out others, so a pipeline that dropped or invented records, or ignored
// the criteria, fails here.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  COMPARATORS_BY_TYPE,
  DATA_TYPES,
  EMPTY,
  VALUE_KIND_BY_TYPE,
  bulkRead,
  defineModule,
  multiselectpicklist,
  parseCriteria,
  picklist,
  type Comparator,
  type Criteria,
  type DataType,
  type ValueKind,
} from "../../src/index.js";
import { compilePredicate } from "../../src/runner/evaluate.js";
import type { JobRunner } from "../../src/runner/job-runner.js";
import { createLocalRunner } from "../../src/runner/local-runner.js";
import { runBulkRead } from "../../src/runner/run-bulk-read.js";
import { startFakeZoho, type FakeZoho } from "../../src/testing/index.js";
import { CREDENTIALS, FAST } from "./pipeline-fixtures.js";
import { createZohoRunner } from "../../src/runner/zoho-runner.js";

type Kind = Exclude<ValueKind, "none">;

/** Three ordered wire values of each kind (a < b < c), and a fragment of b for the text comparators. */
const SAMPLES: Record<Kind, { values: [unknown, unknown, unknown]; fragment?: [string, string, string] }> = {
  text: { values: ["Alpha", "Bravo", "Charlie"], fragment: ["rav", "BR", "vo"] },
  picklist: { values: ["Alpha", "Bravo", "Charlie"], fragment: ["rav", "BR", "vo"] },
  multiselect: { values: ["Alpha", "Bravo", "Charlie"], fragment: ["rav", "BR", "vo"] },
  integer: { values: [1, 2, 3] },
  number: { values: [1.5, 2.5, 3.5] },
  bigint: { values: ["9007199254740992", "9007199254740993", "9007199254740994"] },
  date: { values: ["2024-01-30", "2024-01-31", "2024-02-01"] },
  datetime: { values: ["2024-01-31T10:00:00+00:00", "2024-01-31T15:30:01+05:30", "2024-01-31T10:00:02+00:00"] },
  boolean: { values: [false, true, false] },
  lookup: { values: ["5545974000000393001", "5545974000000393002", "5545974000000393003"] },
};

const TYPES = DATA_TYPES.filter((type) => COMPARATORS_BY_TYPE[type].length > 0);
const kindOf = (type: DataType) => VALUE_KIND_BY_TYPE[type] as Kind;

const Everything = defineModule(
  "Everything",
  Object.fromEntries(
    TYPES.map((type) => [
      type,
      type === "picklist" ? picklist(["Alpha", "Bravo", "Charlie"]) : type === "multiselectpicklist" ? multiselectpicklist(["Alpha", "Bravo", "Charlie"]) : type,
    ]),
  ) as Record<string, DataType>,
);

/** How a record holds a sample: a selection for a multi-select, an object for a lookup. */
function recordValue(type: DataType, value: unknown): unknown {
  const kind = kindOf(type);
  if (kind === "multiselect") return ["Zulu", value];
  if (kind === "lookup") return { id: value, name: "Someone" };
  if (kind === "datetime") return new Date(String(value));
  return value;
}

// Record i holds, for the field of type number t, sample (i + t) % 4 (the fourth is no value).
const RECORDS = Array.from({ length: 8 }, (_, i) => {
  const record: Record<string, unknown> = { id: String(7000000000000000000n + BigInt(i)) };
  TYPES.forEach((type, t) => {
    const slot = (i + t) % 4;
    if (slot < 3) record[type] = recordValue(type, SAMPLES[kindOf(type)].values[slot]);
    if (kindOf(type) === "boolean") record[type] = i % 3 === 0 ? undefined : i % 2 === 0;
  });
  return record;
});

/** The criteria values each comparator is tried with. */
function valuesFor(type: DataType, comparator: Comparator): unknown[] {
  const { values, fragment } = SAMPLES[kindOf(type)];
  const [a, b, c] = values;
  switch (comparator) {
    case "in":
    case "not_in":
      return [[a, c]];
    case "between":
    case "not_between":
      return [[a, b]];
    case "contains":
    case "not_contains":
      return [fragment![0]];
    case "starts_with":
      return [fragment![1]];
    case "ends_with":
      return [fragment![2]];
    case "equal":
      return kindOf(type) === "boolean" ? [true, false] : [b, EMPTY];
    case "not_equal":
      return [b, EMPTY];
    default:
      return [b];
  }
}

const MATRIX = TYPES.flatMap((type) =>
  (COMPARATORS_BY_TYPE[type] as readonly Comparator[]).flatMap((comparator) => valuesFor(type, comparator).map((value) => ({ type, comparator, value }))),
);

let fake: FakeZoho;
let runners: Record<"local" | "fake", JobRunner>;

beforeAll(async () => {
  // Zoho allows 10 downloads a minute; the matrix downloads hundreds of results.
  fake = await startFakeZoho({ data: { Everything: RECORDS }, schemas: [Everything], limits: { downloadsPerMinute: 100_000 } });
  runners = {
    local: createLocalRunner({ data: { Everything: RECORDS }, schemas: [Everything] }),
    fake: createZohoRunner({ apiDomain: fake.url, accountsUrl: fake.accountsUrl, auth: CREDENTIALS }),
  };
});
afterAll(async () => {
  await fake.close();
});

async function idsFrom(runner: JobRunner, criteria: Criteria<"Everything">): Promise<string[]> {
  const ids: string[] = [];
  for await (const record of runBulkRead(runner, bulkRead(Everything).select(TYPES[0]!).where(criteria), FAST)) ids.push(record.id);
  return ids.sort();
}

describe("the pipeline returns exactly what the runner's evaluation selects, through both runners, for every comparator and data type", () => {
  it("covers every (data type, comparator) pair of the table", () => {
    const pairs = new Set(MATRIX.map((m) => `${m.type} ${m.comparator}`));
    expect(pairs.size).toBe(TYPES.reduce((n, type) => n + COMPARATORS_BY_TYPE[type].length, 0));
  });

  it.each(MATRIX)("$type $comparator $value: some records but not all, the same through the local runner and fake Zoho", async ({ type, comparator, value }) => {
    const criteria = parseCriteria({ field: { api_name: type }, comparator, value }, Everything);
    const predicate = compilePredicate(criteria.node);
    const expected = RECORDS.filter((record) => predicate(record)).map((record) => String(record["id"])).sort();
    // A case selecting nothing or everything would pass with a pipeline that ignores criteria.
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(RECORDS.length);
    const [local, remote] = await Promise.all([idsFrom(runners.local, criteria), idsFrom(runners.fake, criteria)]);
    expect(local).toEqual(expected);
    expect(remote).toEqual(expected);
  });

  it("a nested group too", async () => {
    const criteria = parseCriteria(
      {
        group_operator: "or",
        group: [
          { group_operator: "and", group: [{ field: { api_name: "integer" }, comparator: "greater_equal", value: 2 }, { field: { api_name: "text" }, comparator: "not_equal", value: "${EMPTY}" }] },
          { field: { api_name: "boolean" }, comparator: "equal", value: true },
        ],
      },
      Everything,
    );
    const predicate = compilePredicate(criteria.node);
    const expected = RECORDS.filter((record) => predicate(record)).map((record) => String(record["id"])).sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(RECORDS.length);
    expect(await idsFrom(runners.local, criteria)).toEqual(expected);
    expect(await idsFrom(runners.fake, criteria)).toEqual(expected);
  });
});
