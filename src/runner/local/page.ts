// Paging: which records a page holds, found in one forward scan that stops as soon as it knows
// whether more records follow, and kept as a position (not as records) so a page can be
// generated again, identically, for every download.

import type { LocalRecord, RecordPredicate } from "../evaluate.js";

/** A page of matching records, by position in the module's records. */
export interface PageSlice {
  /** Position of the page's first record (the end of the records when the page is empty). */
  readonly first: number;
  /** Matching records on the page. */
  readonly count: number;
  /** Position of the first matching record after the page: where the next page starts; undefined when there is none (more_records false). */
  readonly next: number | undefined;
}

/**
 * Finds a page: from position `start`, passes over `skip` matches, takes up to `size`, and stops
 * at the first match after them. Costs the records up to that match, not all of them.
 */
export function findPage(records: readonly LocalRecord[], predicate: RecordPredicate, start: number, skip: number, size: number): PageSlice {
  let skipped = 0;
  let first = records.length;
  let count = 0;
  for (let i = start; i < records.length; i++) {
    if (!predicate(records[i]!)) continue;
    if (skipped < skip) {
      skipped++;
      continue;
    }
    if (count === size) return { first, count, next: i };
    if (count === 0) first = i;
    count++;
  }
  return { first, count, next: undefined };
}

/** The records of a page, generated from its position as they are read. */
export function* pageRecords(records: readonly LocalRecord[], predicate: RecordPredicate, page: PageSlice): Generator<LocalRecord> {
  let left = page.count;
  for (let i = page.first; left > 0 && i < records.length; i++) {
    const record = records[i]!;
    if (predicate(record)) {
      left--;
      yield record;
    }
  }
}
