// Typed records: the CSV strings of a Bulk Read result converted by each column's FieldInfo.
//
// Types: the value type of a selected field is an indexed access into RecordValueByType by the
// field's criteriaType (a formula's return type, otherwise its data_type). No conditional
// chains: one shallow conditional at the boundary picks the untyped record when nothing is
// selected (the CSV then holds every field of the module).
//
// Run time: a converter is built once per CSV header (one function per column) and applied
// in place to the rows csv-parse produced, batch by batch. When the id column is not named
// `id` (Zoho writes `Id`), that is decided once per header, and each row is rebuilt with `id`
// first instead of renamed key by key.

import type { AnyFlatFields, FieldInfo, ModuleSchema } from "../schema/module-schema.js";
import type { DataType, ValueKind, VALUE_KIND_BY_TYPE } from "../schema/data-types.js";
import type { BulkReadQuery } from "../query/bulk-read-query.js";
import { instantMs } from "./evaluate.js";
import { isDateOnly } from "../validate/dates.js";
import { RunnerError } from "./zoho-api-error.js";
import { isNumericText } from "./local/numeric-text.js";

/**
 * The value a record holds for a field, by its value kind. Ids, lookups and bigints are strings
 * (19 digits do not fit a JS number); a date is its `yyyy-MM-dd` text; a datetime a `Date`; a
 * multi-select an array (`[]` when empty). Every other empty cell is `null`.
 */
export interface RecordValueByKind {
  text: string | null;
  picklist: string | null;
  multiselect: string[];
  integer: number | null;
  number: number | null;
  bigint: string | null;
  date: string | null;
  datetime: Date | null;
  boolean: boolean | null;
  lookup: string | null;
  /** Types criteria cannot use (file uploads, subforms...): their raw text. */
  none: string | null;
}

/** Fails to compile when RecordValueByKind misses a value kind. */
type Exhaustive<T extends Record<ValueKind, unknown>> = T;

/**
 * The record value of each data type (a formula's is its return type's), derived from the one
 * table of value kinds: a lookup interface computed once, then read by indexed access.
 */
export type RecordValueByType = { [T in DataType]: Exhaustive<RecordValueByKind>[(typeof VALUE_KIND_BY_TYPE)[T]] };

/** A record with the fields `Sel` of a module whose flattened field specs are `F`. */
export type SelectedRecord<F extends AnyFlatFields, Sel extends string> = { id: string } & {
  -readonly [K in Sel]: RecordValueByType[F[K & keyof F]["criteriaType"]];
};

/** A record of a query: typed by its selected fields, or every column (unknown) when none is selected. */
export type BulkReadRecord<F extends AnyFlatFields, Sel extends string> = [Sel] extends [never]
  ? { id: string } & Record<string, unknown>
  : SelectedRecord<F, Sel>;

/** The record type `runBulkRead` yields for a query: `type Lead = RecordOf<typeof query>`. */
export type RecordOf<Q> = Q extends BulkReadQuery<string, infer F, infer Sel> ? BulkReadRecord<F, Sel> : never;

// ---- run time --------------------------------------------------------------------------------

type Cell = (text: string) => unknown;

/** Zoho's datetime form (and any ECMAScript date-time with an offset): Date.parse reads it exactly. */
const ECMA_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:\d{2})$/;

class CellError extends Error {}

function invalid(kind: string): never {
  throw new CellError(kind);
}

const toText: Cell = (text) => (text === "" ? null : text);

const toNumber: Cell = (text) => {
  if (text === "") return null;
  if (!isNumericText(text)) invalid("a number");
  return Number(text);
};

const toBoolean: Cell = (text) => {
  if (text === "") return null;
  const lower = text.toLowerCase();
  if (lower === "true") return true;
  if (lower === "false") return false;
  return invalid("true or false");
};

const toDateTime: Cell = (text) => {
  if (text === "") return null;
  const ms = ECMA_DATETIME.test(text) ? Date.parse(text) : (instantMs(text) ?? Number.NaN);
  if (Number.isNaN(ms)) invalid("an ISO 8601 datetime");
  return new Date(ms);
};

const toDate: Cell = (text) => {
  if (text === "") return null;
  if (!isDateOnly(text)) invalid("a yyyy-MM-dd date");
  return text;
};

const toSelection: Cell = (text) => {
  if (text === "") return [];
  const values: string[] = [];
  for (const part of text.split(";")) {
    const value = part.trim();
    if (value !== "") values.push(value);
  }
  return values;
};

/** One converter per value kind: the run-time twin of RecordValueByType. */
const CELL_BY_KIND: Readonly<Record<ValueKind, Cell>> = {
  text: toText,
  picklist: toText,
  multiselect: toSelection,
  integer: toNumber,
  number: toNumber,
  bigint: toText,
  date: toDate,
  datetime: toDateTime,
  boolean: toBoolean,
  lookup: toText,
  none: toText,
};

/** The converter of one column: by the field's kind, or text for a column the schema does not know. */
function cellConverter(info: FieldInfo | undefined): (text: string) => unknown {
  return info === undefined ? toText : CELL_BY_KIND[info.kind];
}

export interface RowConverter {
  /** Converts a batch of rows in place (each row keyed by the CSV header) and returns it as records. */
  (rows: Record<string, unknown>[]): Record<string, unknown>[];
}

/**
 * Builds the converter of one CSV header: each column converted by its field's kind, the id
 * column (matched case-insensitively) renamed `id` and kept as a string.
 */
export function rowConverter(header: readonly string[], schema: Pick<ModuleSchema, "field">, where: string): RowConverter {
  const idColumn = header.find((name) => name.toLowerCase() === "id");
  if (idColumn === undefined) {
    throw new RunnerError("CSV_NO_ID_COLUMN", `The result CSV of ${where} has no id column (columns: ${header.slice(0, 10).join(", ")}): Zoho adds one to every Bulk Read result; check that this is a Bulk Read CSV.`);
  }
  const columns = header.filter((name) => name !== idColumn);
  const cells = columns.map((name) => cellConverter(schema.field(name)));
  const count = columns.length;
  /** The column being converted: names the culprit when a cell is refused. */
  let c = 0;
  // Converting in place keeps each row's keys (and its shape); a row keyed `Id` is rebuilt as
  // a new record with `id` first (all of the same shape) rather than given a key and losing one.
  const convertRow: (row: Record<string, unknown>) => Record<string, unknown> =
    idColumn === "id"
      ? (row) => {
          for (c = 0; c < count; c++) {
            const name = columns[c]!;
            row[name] = cells[c]!(row[name] as string);
          }
          return row;
        }
      : (row) => {
          const record: Record<string, unknown> = { id: row[idColumn] };
          for (c = 0; c < count; c++) {
            const name = columns[c]!;
            record[name] = cells[c]!(row[name] as string);
          }
          return record;
        };
  return (rows) => {
    let i = 0;
    try {
      for (; i < rows.length; i++) rows[i] = convertRow(rows[i]!);
    } catch (error) {
      if (!(error instanceof CellError)) throw error;
      // The refused cell still holds its text: a converted cell is written after it converted.
      const row = rows[i]!;
      const column = columns[c]!;
      throw new RunnerError(
        "CSV_VALUE_INVALID",
        `The result CSV of ${where} has ${JSON.stringify(String(row[column]).slice(0, 60))} in column ${JSON.stringify(column)} of record ${String(row[idColumn])}, which is not ${error.message} as the field's declared type says. Fix the field's data type in defineModule (declare it "text" to keep the raw text).`,
      );
    }
    return rows;
  };
}
