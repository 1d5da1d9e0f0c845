// A module's data as the local runner holds it: records with ids, a schema (declared or
// inferred) and the columns exported when a query names none. Read once per module.

import type { ModuleSchema } from "../../schema/module-schema.js";
import { isEmptyValue, type LocalRecord } from "../evaluate.js";
import { inferSchema } from "./infer-schema.js";
import { csvRecords, readCsvFile } from "./read-csv.js";

/** Records of one module: plain objects keyed by field API name, or the path of a CSV file. */
export type LocalModuleData = readonly Readonly<Record<string, unknown>>[] | string;

export interface ModuleData {
  readonly name: string;
  readonly schema: ModuleSchema;
  readonly declared: boolean;
  /** The runner's own array (the caller's array is copied): positions in it are stable, so a page is known by its first position. */
  readonly records: readonly LocalRecord[];
  /** The columns exported when a query names no fields (top-level fields). */
  readonly defaultFields: readonly string[];
}

/** FNV-1a, for a stable id prefix per module. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** A deterministic 19-digit id: 7 digits from the module name, 12 from the record's position. */
function recordId(module: string, index: number): string {
  return `${1_000_000 + (hash32(module) % 9_000_000)}${String(index + 1).padStart(12, "0")}`;
}

function withIds(module: string, records: readonly LocalRecord[]): readonly LocalRecord[] {
  return Object.freeze(
    records.map((record, i) => {
      const id = record["id"];
      return Object.freeze(isEmptyValue(id) ? { ...record, id: recordId(module, i) } : typeof id === "string" ? record : { ...record, id: String(id) });
    }),
  );
}

/** Reads a module's records (or CSV file) and settles its schema: `declared`, else inferred from the values. */
export async function readModuleData(name: string, source: LocalModuleData, declared: ModuleSchema | undefined): Promise<ModuleData> {
  let raw: readonly LocalRecord[];
  if (typeof source === "string") {
    const rows = await readCsvFile(source);
    const textSchema = inferSchema(name, rows, true);
    raw = csvRecords(rows, (column) => declared?.field(column)?.criteriaType ?? textSchema.field(column)!.criteriaType);
  } else {
    raw = source;
  }
  const schema = declared ?? inferSchema(name, raw, false);
  return Object.freeze({
    name,
    schema,
    declared: declared !== undefined,
    records: withIds(name, raw),
    // declared: the top-level fields; inferred: the records' own keys (a CSV's `Owner.last_name` column too)
    defaultFields: Object.freeze(declared === undefined ? schema.paths : schema.paths.filter((p) => !p.includes("."))),
  });
}
