// The jobs a runner remembers: a bounded map from job id, least recently used first out.

/**
 * Keeps at most `limit` entries. `get` counts as a use; `peek` does not. Adding past the limit
 * drops the least recently used entry and tells `onEvict`. (Zoho keeps a job's result about a
 * day; a local runner, and the `serve` command's fake Zoho behind it, keeps the last jobs used
 * instead, so its memory does not grow with the number of jobs.)
 */
export class JobStore<J> {
  private readonly entries = new Map<string, J>();

  constructor(
    readonly limit: number,
    private readonly onEvict: (id: string, entry: J) => void = () => {},
  ) {}

  get(id: string): J | undefined {
    const entry = this.entries.get(id);
    if (entry !== undefined) {
      // a Map iterates in insertion order: re-inserting moves the entry to the young end
      this.entries.delete(id);
      this.entries.set(id, entry);
    }
    return entry;
  }

  peek(id: string): J | undefined {
    return this.entries.get(id);
  }

  set(id: string, entry: J): void {
    this.entries.delete(id);
    this.entries.set(id, entry);
    for (const [oldest, old] of this.entries) {
      if (this.entries.size <= this.limit) break;
      this.entries.delete(oldest);
      this.onEvict(oldest, old);
    }
  }
}
