// CSV reading: a module's data given as the path of a CSV file, its cells typed by a schema.

import { createReadStream } from "node:fs";
import { parse as parseCsv } from "csv-parse";
import { match } from "ts-pattern";
import { VALUE_KIND_BY_TYPE, type DataType } from "../../schema/data-types.js";
import type { LocalRecord } from "../evaluate.js";
import { RunnerError } from "../zoho-api-error.js";
import { BOOLEAN_TEXT } from "./infer-schema.js";
import { isNumericText } from "./numeric-text.js";

/** The rows of a CSV file, keyed by its header; a byte-order mark and blank lines are skipped. */
export async function readCsvFile(path: string): Promise<Record<string, string>[]> {
  const rows: Record<string, string>[] = [];
  try {
    const input = createReadStream(path);
    const parser = input.pipe(parseCsv({ columns: true, bom: true, skip_empty_lines: true }));
    input.once("error", (error) => parser.destroy(error));
    for await (const row of parser) rows.push(row as Record<string, string>);
  } catch (error) {
    throw new RunnerError("INVALID_OPTIONS", `Local runner: cannot read CSV data file ${JSON.stringify(path)}: ${(error as Error).message}`, { cause: error });
  }
  return rows;
}

/** A CSV cell as a value of its field's kind; a cell that does not read as its kind stays text. */
export function fromCell(text: string, type: DataType): unknown {
  return match(VALUE_KIND_BY_TYPE[type])
    .with("boolean", () => (BOOLEAN_TEXT.test(text) ? text.toLowerCase() === "true" : text))
    .with("integer", "number", () => (isNumericText(text) ? Number(text) : text))
    .with("multiselect", () => text.split(";"))
    .otherwise(() => text);
}

/** CSV rows as records: an `id`/`Id` column is the id, an empty cell is no value. */
export function csvRecords(rows: readonly Record<string, string>[], typeOf: (column: string) => DataType): LocalRecord[] {
  return rows.map((row) => {
    const record: Record<string, unknown> = {};
    for (const [column, text] of Object.entries(row)) {
      if (text === "") continue;
      if (column.toLowerCase() === "id") record["id"] = text;
      else record[column] = fromCell(text, typeOf(column));
    }
    return record;
  });
}
