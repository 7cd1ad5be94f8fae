// The one query interface over PostgreSQL (pg pool) and embedded PGlite.

/**
 * Something that runs parameterised SQL (`$1`, `$2`, …): the database itself or a transaction.
 * Without params, `sql` may hold several statements (the rows are the last one's). Both backends
 * return int8 as a number (a bigint past 2^53) and date as 'YYYY-MM-DD'.
 */
export interface Queryable {
  query<Row extends object = Record<string, unknown>>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<{ rows: Row[] }>;
}

export interface QueryOptions {
  /**
   * A hot statement whose text never varies (only its params do): PostgreSQL parses and plans it
   * once per connection, as a named prepared statement, instead of on every run. PGlite, in
   * process, has no round trip to save and runs it as any other.
   */
  prepared?: boolean;
}

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /**
   * Runs `work` in one transaction: committed when it resolves, rolled back when it throws.
   * Inside `work`, query through `tx` only: PGlite rejects `db.query` there, as it would wait for `work`.
   */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Connection counts of the pool; PGlite reports one connection. */
  stats(): PoolStats;
  close(): Promise<void>;
}

/** Thrown when no connection could be had within the acquire timeout, or one was lost and not regained: the caller answers 503. */
export class DbUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DbUnavailableError';
  }
}

/** The slice of a pino logger that opening a database needs. */
export interface DbLogger {
  info(msg: string): void;
  warn(obj: { err: Error }, msg: string): void;
}
