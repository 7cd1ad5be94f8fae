// Keyset pagination over (created_at, id), newest first: stable pages however many rows share a timestamp.

/** A position in a newest-first list: the last row's created_at (UTC, microseconds) and id. */
export interface Keyset {
  at: string;
  id: string;
}

/**
 * created_at as exact text: a JS Date keeps only milliseconds, and rounding the position would
 * repeat or skip rows created within the same millisecond.
 */
export const KEYSET_AT_SQL = `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Collects WHERE conditions with numbered parameters. */
export class Conditions {
  readonly params: unknown[] = [];
  private readonly parts: string[] = [];

  /** `sql` refers to its values as `$?`, replaced in order by their parameter numbers. */
  add(sql: string, ...values: unknown[]): this {
    let text = sql;
    for (const value of values) {
      this.params.push(value);
      text = text.replace('$?', `$${this.params.length}`);
    }
    this.parts.push(text);
    return this;
  }

  /** Rows after `after` in newest-first order. */
  after(after: Keyset | undefined): this {
    return after ? this.add('(created_at, id) < ($?::timestamptz, $?::uuid)', after.at, after.id) : this;
  }

  where(): string {
    return this.parts.length > 0 ? `WHERE ${this.parts.join(' AND ')}` : '';
  }

  /** The parameter number the next value will get, for a LIMIT after the conditions. */
  next(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
}

/** A page from `limit + 1` rows: the extra row only tells that another page exists. */
export function toPage<Row extends { keysetAt: string; id: string }>(rows: Row[], limit: number): { items: Row[]; next: Keyset | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, next: rows.length > limit && last ? { at: last.keysetAt, id: last.id } : null };
}
