// Query and reply pieces shared by the list endpoints: page size, opaque cursors, date ranges.
import { z } from 'zod';
import type { Keyset } from '../db/keyset.ts';

const KEYSET_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const keysetShape = z.tuple([z.string().regex(KEYSET_AT), z.uuid()]);

/** The opaque next_cursor a page hands out: base64url of its last row's position. */
export function encodeCursor(key: Keyset): string {
  return Buffer.from(JSON.stringify([key.at, key.id])).toString('base64url');
}

export function decodeCursor(cursor: string): Keyset | null {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const parsed = keysetShape.safeParse(raw);
  if (!parsed.success) return null;
  const [at, id] = parsed.data;
  // Reject dates the pattern lets through but the database would refuse (2024-02-31): that would be a 500.
  const date = new Date(at);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 19) !== at.slice(0, 19)) return null;
  return { at, id };
}

const LIMIT_RULE = 'must be a whole number from 1 to 100';

export const pageQuery = {
  limit: z.coerce
    .number({ error: LIMIT_RULE })
    .int({ error: LIMIT_RULE })
    .min(1, { error: LIMIT_RULE })
    .max(100, { error: LIMIT_RULE })
    .default(20)
    .describe('Items per page'),
  cursor: z
    .string()
    .max(200, { error: 'must be a next_cursor from an earlier page' })
    .transform((value, ctx) => {
      const key = decodeCursor(value);
      if (key) return key;
      ctx.addIssue({ code: 'custom', message: 'must be a next_cursor from an earlier page' });
      return z.NEVER;
    })
    .optional()
    .describe('The next_cursor of the previous page; absent for the first page'),
};

export const nextCursor = z.string().nullable().describe('Pass as cursor to get the next page; null on the last page');

const DATE_RULE = 'must be an ISO 8601 date (2025-05-01) or date-time with offset (2025-05-01T09:00:00Z)';
const DAY_MS = 86_400_000;

/**
 * A bound on created_at, as a date-time with offset. A bare date is midnight UTC; as an upper
 * bound it means the end of that day, so from=2025-05-01&to=2025-05-31 is the whole of May.
 */
export function dateBound(kind: 'from' | 'to') {
  return z
    .union([z.iso.datetime({ offset: true, error: DATE_RULE }), z.iso.date({ error: DATE_RULE })], { error: DATE_RULE })
    .transform((value) => {
      if (value.includes('T')) return value;
      const midnight = Date.parse(`${value}T00:00:00Z`);
      return new Date(kind === 'to' ? midnight + DAY_MS : midnight).toISOString();
    })
    .optional()
    .describe(kind === 'from' ? 'Created at or after (a bare date is midnight UTC)' : 'Created before (a bare date includes that whole day, UTC)');
}
