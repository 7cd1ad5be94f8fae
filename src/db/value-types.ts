// Column parsers shared by both backends, so a repository sees the same JS types on PGlite and PostgreSQL.

export const INT8_OID = 20;
export const DATE_OID = 1082;

/**
 * int8 (count(*), bigserial ids) as a number while it is exact, else a bigint: pg alone would give a
 * string and PGlite a number, and code written against one backend would break on the other.
 */
export function parseInt8(text: string): number | bigint {
  const value = BigInt(text);
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/** A date stays 'YYYY-MM-DD': as a Date, pg would place it at local midnight and PGlite at UTC midnight. */
export function parseDate(text: string): string {
  return text;
}
