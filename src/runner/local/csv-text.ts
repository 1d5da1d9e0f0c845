// A page of records as the text of Zoho's CSV, generated piece by piece as it is read.

import type { DataType } from "../../schema/data-types.js";
import { readPath, type LocalRecord } from "../evaluate.js";
import { cellWriter } from "./cell-writer.js";
import { csvField } from "./csv-field.js";

/** The header, then one CRLF-ended line per record, yielded about a hundred rows at a time. */
export function* csvText(records: Iterable<LocalRecord>, columns: readonly string[], typeOf: (path: string) => DataType, timeZone: string | undefined): Generator<string> {
  const writers = columns.map((column) => cellWriter(typeOf(column), timeZone));
  const count = columns.length;
  yield `${columns.map(csvField).join(",")}\r\n`;
  // Rows are joined into pieces of about a hundred, so the generator is resumed per piece, not per row.
  let piece = "";
  let rows = 0;
  for (const record of records) {
    let line = "";
    for (let i = 0; i < count; i++) {
      const column = columns[i]!;
      const value = column === "id" ? record["id"] : readPath(record, column);
      line += (i === 0 ? "" : ",") + csvField(writers[i]!(value));
    }
    piece += `${line}\r\n`;
    if (++rows === 100) {
      yield piece;
      piece = "";
      rows = 0;
    }
  }
  if (piece !== "") yield piece;
}
