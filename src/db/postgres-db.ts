// Db over a pg Pool: steady connections plus burst overflow, a lost connection retried once on a fresh one, every wait bounded.
import pg from 'pg';
import type { CustomTypesConfig, PoolClient, QueryResult } from 'pg';
import { DbUnavailableError } from './db.ts';
import type { Db, Queryable, QueryOptions } from './db.ts';
import { errorText, isConnectionLost, redactUrl } from './connection-errors.ts';
import { DATE_OID, INT8_OID, parseDate, parseInt8 } from './value-types.ts';

export interface PostgresOptions {
  url: string;
  /** Connections kept open while idle. */
  poolSize: number;
  /** Extra connections opened under load and closed after `poolIdleTimeoutMs` idle. */
  poolMaxOverflow: number;
  poolIdleTimeoutMs: number;
  /** How long a query waits for a connection before failing with DbUnavailableError. */
  poolAcquireTimeoutMs: number;
  /**
   * How long the client waits for the answer to one statement; then it fails with
   * DbUnavailableError and its connection is discarded. Catches a server that no longer answers
   * at all (frozen, failing over, partitioned), which no server-side timeout can.
   */
  queryTimeoutMs: number;
  /** PostgreSQL's statement_timeout: a live but slow server cancels the statement itself. Below queryTimeoutMs. */
  statementTimeoutMs: number;
  /** Shown in pg_stat_activity; defaults to 'phone-assistant'. */
  applicationName?: string;
  /** Told when the server drops a connection resting in the pool (it is replaced when next needed). */
  onIdleConnectionError?: (err: Error) => void;
}

const POOL_TIMEOUT_MESSAGE = 'timeout exceeded when trying to connect';
// pg's message when query_timeout passes without an answer; it carries no code.
const QUERY_TIMEOUT_MESSAGE = 'Query read timeout';
// query_canceled: statement_timeout (or an operator's pg_cancel_backend) stopped the statement.
const CANCELED_SQLSTATE = '57014';

// Scoped to our pool rather than set on pg.types, which is global to every pg user in the process.
const types: CustomTypesConfig = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (format !== 'binary' && oid === INT8_OID) return parseInt8;
    if (format !== 'binary' && oid === DATE_OID) return parseDate;
    return pg.types.getTypeParser(oid, format);
  },
};

/** Opens the pool with `poolSize` connections ready; fails, naming DATABASE_URL, when the server does not answer. */
export async function openPostgres(opts: PostgresOptions): Promise<Db> {
  const maxConnections = opts.poolSize + opts.poolMaxOverflow;
  const pool = new pg.Pool({
    connectionString: opts.url,
    application_name: opts.applicationName ?? 'phone-assistant',
    // pg-pool never closes idle connections below `min`, so only overflow ones expire.
    min: opts.poolSize,
    max: maxConnections,
    idleTimeoutMillis: opts.poolIdleTimeoutMs,
    connectionTimeoutMillis: opts.poolAcquireTimeoutMs,
    // After a query_timeout pg leaves the connection waiting for the lost answer: checkin() discards it.
    query_timeout: opts.queryTimeoutMs,
    statement_timeout: opts.statementTimeoutMs,
    types,
  });
  // Without a listener, a connection the server kills while it rests in the pool crashes the process.
  pool.on('error', (err) => opts.onIdleConnectionError?.(err));
  const connectedAt = new WeakMap<pg.ClientBase, number>();
  pool.on('connect', (client) => connectedAt.set(client, performance.now()));

  try {
    await warm(pool, opts.poolSize);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new Error(`Cannot connect to PostgreSQL at ${redactUrl(opts.url)} (DATABASE_URL): ${errorText(err)}`, { cause: err });
  }

  async function checkout(): Promise<PoolClient> {
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      const reason =
        err instanceof Error && err.message === POOL_TIMEOUT_MESSAGE
          ? `all ${maxConnections} database connections stayed busy for ${opts.poolAcquireTimeoutMs} ms`
          : `cannot connect to the database: ${errorText(err)}`;
      throw new DbUnavailableError(reason, { cause: err });
    }
    // A checked-out client has no pool listener; its 'error' would otherwise be unhandled.
    // The failure also reaches the running query, and the pool discards the client on release.
    client.on('error', ignoreError);
    return client;
  }

  function checkin(client: PoolClient, broken: boolean): void {
    client.off('error', ignoreError);
    client.release(broken);
  }

  // With `since`, only a connection opened after that moment will do: when the server kills one
  // backend it has usually killed its siblings too (restart, failover, pg_terminate_backend),
  // so older idle connections are discarded rather than tried.
  async function acquire(since: number | undefined): Promise<PoolClient> {
    for (;;) {
      const client = await checkout();
      if (since === undefined || (connectedAt.get(client) ?? -Infinity) >= since) return client;
      checkin(client, true);
    }
  }

  async function query<Row extends object>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<{ rows: Row[] }> {
    // A terminated backend aborts its statement, so running it again does not apply it twice.
    return retryIfLost(async (since) => {
      const client = await acquire(since);
      try {
        const result = await execute<Row>(client, sql, params, options);
        checkin(client, false);
        return result;
      } catch (err) {
        checkin(client, isUnusable(err));
        throw err;
      }
    });
  }

  // Only BEGIN is retried: after it, the transaction's earlier statements died with the connection.
  function begin(): Promise<PoolClient> {
    return retryIfLost(async (since) => {
      const client = await acquire(since);
      try {
        await client.query('BEGIN');
        return client;
      } catch (err) {
        checkin(client, true);
        throw err;
      }
    });
  }

  async function transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await begin();
    let open = true;
    const tx: Queryable = {
      async query<Row extends object>(sql: string, params?: readonly unknown[], options?: QueryOptions) {
        // Once released, the client may already serve another request.
        if (!open) throw new Error('Transaction is closed');
        try {
          return await execute<Row>(client, sql, params, options);
        } catch (err) {
          throw asDbUnavailable(err);
        }
      },
    };
    try {
      const result = await work(tx);
      open = false;
      await client.query('COMMIT');
      checkin(client, false);
      return result;
    } catch (err) {
      open = false;
      // A connection still waiting for an answer would only queue ROLLBACK behind it: dropping
      // the connection rolls the transaction back on the server just as well.
      const rolledBack =
        !isUnusable(unwrap(err)) &&
        (await client.query('ROLLBACK').then(
          () => true,
          () => false,
        ));
      checkin(client, !rolledBack);
      throw asDbUnavailable(err);
    }
  }

  let closing: Promise<void> | undefined;
  return {
    kind: 'postgres',
    query,
    transaction,
    stats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: () => (closing ??= pool.end()),
  };
}

async function warm(pool: pg.Pool, count: number): Promise<void> {
  const results = await Promise.allSettled(Array.from({ length: count }, () => pool.connect()));
  for (const result of results) if (result.status === 'fulfilled') result.value.release();
  const failure = results.find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
}

/** Runs `attempt`, and once more on a connection opened after the failure when the first lost its connection. */
async function retryIfLost<R>(attempt: (since: number | undefined) => Promise<R>): Promise<R> {
  try {
    return await attempt(undefined);
  } catch (err) {
    if (err instanceof DbUnavailableError || !isConnectionLost(err)) throw asDbUnavailable(err);
    try {
      return await attempt(performance.now());
    } catch (retryErr) {
      throw asDbUnavailable(retryErr);
    }
  }
}

/** True when the client gave up waiting for the answer (query_timeout); the connection still awaits it. */
function isQueryTimeout(err: unknown): boolean {
  return err instanceof Error && !('code' in err) && err.message === QUERY_TIMEOUT_MESSAGE;
}

function isStatementTimeout(err: unknown): boolean {
  return err instanceof Error && 'code' in err && err.code === CANCELED_SQLSTATE;
}

/** True when the connection must not serve another statement: it died, or it still awaits an answer that timed out. */
function isUnusable(err: unknown): boolean {
  return isConnectionLost(err) || isQueryTimeout(err);
}

/** The driver's error behind one this module wrapped. */
function unwrap(err: unknown): unknown {
  return err instanceof DbUnavailableError ? err.cause : err;
}

/** Failures of the database rather than of the statement become DbUnavailableError: the caller answers 503 or its fallback. */
function asDbUnavailable(err: unknown): unknown {
  if (err instanceof DbUnavailableError) return err;
  if (isConnectionLost(err)) return new DbUnavailableError(`lost the database connection: ${errorText(err)}`, { cause: err });
  if (isQueryTimeout(err)) return new DbUnavailableError('the database did not answer in time', { cause: err });
  if (isStatementTimeout(err)) return new DbUnavailableError('the database was too slow: statement timeout', { cause: err });
  return err;
}

// Prepared statements' names, one per text: pg prepares a name once per connection and refuses
// the same name for another text. The texts are the code's own constants, so the map stays small.
const statementNames = new Map<string, string>();

function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `pa_${statementNames.size + 1}`;
    statementNames.set(sql, name);
  }
  return name;
}

async function execute<Row extends object>(
  client: PoolClient,
  sql: string,
  params: readonly unknown[] | undefined,
  options: QueryOptions | undefined,
): Promise<{ rows: Row[] }> {
  const values = params === undefined ? undefined : [...params];
  if (options?.prepared) {
    const result = await client.query<Row>({ name: statementName(sql), text: sql, values });
    return { rows: result.rows };
  }
  // Without parameters pg uses the simple protocol, where a script of several statements
  // answers with one result per statement.
  const result: QueryResult | QueryResult[] = await client.query(sql, values);
  const last = Array.isArray(result) ? result.at(-1) : result;
  return { rows: (last?.rows ?? []) as Row[] };
}

function ignoreError(): void {}
