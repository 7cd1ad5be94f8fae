// PostgreSQL pool: migrations under concurrency, prepared statements, overflow and shrink, lost connections, acquire timeout, close.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import pg from 'pg';
import { DbUnavailableError } from '../../src/db/db.ts';
import type { Db } from '../../src/db/db.ts';
import { migrate } from '../../src/db/migrate.ts';
import { openDb } from '../../src/db/open-db.ts';
import { openPostgres } from '../../src/db/postgres-db.ts';
import type { PostgresOptions } from '../../src/db/postgres-db.ts';
import { createTestDatabase, pgSkip } from '../helpers/postgres.ts';
import type { TestDatabase } from '../helpers/postgres.ts';
import { MIGRATIONS } from '../helpers/migrations.ts';

// Awaited before any test is registered, or --test-force-exit could drop the tests after it (eslint.config.js).
const postgresSkip = await pgSkip();

const APP = 'pa-db-test';

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(20);
  }
}

it('fails to open with a message naming DATABASE_URL but not the password', async () => {
  const url = 'postgres://app:s3cret-pw@127.0.0.1:1/app';
  await assert.rejects(
    openPostgres({ url, poolSize: 1, poolMaxOverflow: 0, poolIdleTimeoutMs: 1_000, poolAcquireTimeoutMs: 1_000, queryTimeoutMs: 3_000, statementTimeoutMs: 2_500 }),
    (err: Error) => {
      assert.match(err.message, /DATABASE_URL/);
      assert.match(err.message, /127\.0\.0\.1:1/);
      assert.doesNotMatch(err.message, /s3cret-pw/);
      return true;
    },
  );
});

describe('PostgreSQL', { skip: postgresSkip }, () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function freshDatabase(): Promise<TestDatabase> {
    const database = await createTestDatabase();
    assert.ok(database, 'PostgreSQL answered a moment ago');
    cleanups.push(() => database.drop());
    return database;
  }

  async function open(url: string, overrides: Partial<PostgresOptions> = {}): Promise<Db> {
    const db = await openPostgres({
      url,
      poolSize: 2,
      poolMaxOverflow: 3,
      poolIdleTimeoutMs: 200,
      poolAcquireTimeoutMs: 2_000,
      queryTimeoutMs: 5_000,
      statementTimeoutMs: 4_000,
      applicationName: APP,
      ...overrides,
    });
    cleanups.push(() => db.close());
    return db;
  }

  /** A plain client outside the pool, to watch and disturb the pool's server connections. */
  async function monitor(url: string): Promise<{ connections(): Promise<number>; pids(): Promise<number[]> }> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    cleanups.push(() => client.end());
    const pids = async () =>
      (
        await client.query<{ pid: number }>(
          'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1',
          [APP],
        )
      ).rows.map((row) => row.pid);
    return { pids, connections: async () => (await pids()).length };
  }

  it('applies the migrations once', async () => {
    const { url } = await freshDatabase();
    const db = await open(url);
    assert.deepEqual(await migrate(db), MIGRATIONS);
    assert.deepEqual(await migrate(db), []);
    const { rows } = await db.query<{ n: number }>(
      "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name IN ('conversations', 'conversation_messages', 'callback_requests')",
    );
    assert.equal(rows[0]?.n, 3);
  });

  it('is what openDb picks when a URL is set, migrated on open', async () => {
    const { url } = await freshDatabase();
    const logged: string[] = [];
    const db = await openDb(
      {
        url,
        dataDir: '/nonexistent',
        poolSize: 1,
        poolMaxOverflow: 1,
        poolIdleTimeoutMs: 1_000,
        poolAcquireTimeoutMs: 1_000,
        queryTimeoutMs: 3_000,
        statementTimeoutMs: 2_500,
      },
      { info: (msg) => void logged.push(msg), warn: () => undefined },
    );
    cleanups.push(() => db.close());
    assert.equal(db.kind, 'postgres');
    assert.deepEqual(logged, MIGRATIONS.map((version) => `applied migration ${version}`));
    assert.deepEqual((await db.query('SELECT version FROM schema_migrations')).rows, MIGRATIONS.map((version) => ({ version })));
  });

  it('lets two instances migrate one database at once, each version applied once', async () => {
    const { url } = await freshDatabase();
    const [a, b] = await Promise.all([open(url), open(url)]);
    const [appliedByA, appliedByB] = await Promise.all([migrate(a), migrate(b)]);
    // Which instance takes which version depends on who gets the lock first.
    assert.deepEqual([...appliedByA, ...appliedByB].sort(), MIGRATIONS);
    const { rows } = await a.query<{ version: string }>('SELECT version FROM schema_migrations');
    assert.deepEqual(rows, MIGRATIONS.map((version) => ({ version })));
  });

  it('returns int8 as a number and a date as text, like the PGlite backend', async () => {
    const { url } = await freshDatabase();
    const db = await open(url);
    const { rows } = await db.query<{ n: unknown; d: unknown }>("SELECT 41::int8 + $1 AS n, '2025-03-09'::date AS d", [1]);
    assert.deepEqual(rows, [{ n: 42, d: '2025-03-09' }]);
  });

  it('runs a prepared statement as a named one, prepared once per connection and again on a new one', async () => {
    const { url } = await freshDatabase();
    const db = await open(url, { poolSize: 1, poolMaxOverflow: 0 });
    const sql = 'SELECT $1::int + 1 AS n';
    for (const n of [1, 2]) assert.deepEqual((await db.query(sql, [n], { prepared: true })).rows, [{ n: n + 1 }]);
    const prepared = async () => (await db.query<{ statement: string }>('SELECT statement FROM pg_prepared_statements')).rows.map((row) => row.statement);
    assert.deepEqual(await prepared(), [sql]);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    cleanups.push(() => admin.end());
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()', [APP]);
    assert.deepEqual((await db.query(sql, [3], { prepared: true })).rows, [{ n: 4 }]);
    assert.deepEqual(await prepared(), [sql]);
  });

  it('keeps poolSize connections open, overflows under load up to the maximum, then shrinks back', async () => {
    const { url } = await freshDatabase();
    const db = await open(url);
    const watch = await monitor(url);
    assert.equal(await watch.connections(), 2, 'warmed to poolSize at open');
    assert.deepEqual(db.stats(), { total: 2, idle: 2, waiting: 0 });

    // More queries than the maximum, so the ceiling is tested too.
    const burst = Promise.all(Array.from({ length: 7 }, () => db.query('SELECT pg_sleep(0.3)')));
    let done = false;
    void burst.finally(() => (done = true));
    const seen: number[] = [];
    while (!done) {
      seen.push(await watch.connections());
      await delay(20);
    }
    await burst;
    assert.ok(Math.max(...seen) > 2, `connections rose above poolSize: ${seen.join(',')}`);
    assert.ok(Math.max(...seen) <= 5, `connections never exceeded poolSize + overflow: ${seen.join(',')}`);

    await waitFor(() => db.stats().total === 2, 2_000, 'the pool to shrink to poolSize');
    await waitFor(async () => (await watch.connections()) === 2, 2_000, 'the server to see poolSize connections');
    // The steady connections outlive the idle timeout.
    await delay(400);
    assert.equal(db.stats().total, 2);
    assert.equal(await watch.connections(), 2);
  });

  it('answers the next query after the server terminated every pooled connection', async () => {
    const { url } = await freshDatabase();
    const db = await open(url);
    const watch = await monitor(url);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    cleanups.push(() => admin.end());
    const before = await watch.pids();
    assert.equal(before.length, 2);

    await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [before]);
    const { rows } = await db.query<{ ok: number }>('SELECT 1 AS ok');
    assert.deepEqual(rows, [{ ok: 1 }]);
    const { rows: inTx } = await db.transaction((tx) => tx.query<{ ok: number }>('SELECT 2 AS ok'));
    assert.deepEqual(inTx, [{ ok: 2 }]);
    // A terminated backend can linger in pg_stat_activity for a moment on a loaded machine.
    await waitFor(async () => (await watch.pids()).every((pid) => !before.includes(pid)), 5_000, 'only new connections to remain');
  });

  it('retries a query whose connection is terminated while it runs', async () => {
    const { url } = await freshDatabase();
    const db = await open(url);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    cleanups.push(() => admin.end());

    const running = db.query<{ v: string }>("SELECT 'done' AS v FROM pg_sleep(0.3)");
    let victim: number | undefined;
    await waitFor(
      async () => {
        const { rows } = await admin.query<{ pid: number }>(
          "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database() AND query LIKE '%pg_sleep(0.3)%' AND state = 'active'",
          [APP],
        );
        victim = rows[0]?.pid;
        return victim !== undefined;
      },
      1_000,
      'the query to start',
    );
    await admin.query('SELECT pg_terminate_backend($1)', [victim]);
    assert.deepEqual((await running).rows, [{ v: 'done' }]);
  });

  it('does not retry inside a transaction once it has begun', async () => {
    const { url } = await freshDatabase();
    const db = await open(url);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    cleanups.push(() => admin.end());
    let statements = 0;

    const failed = db.transaction(async (tx) => {
      const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      statements += 1;
      await admin.query('SELECT pg_terminate_backend($1, 1000)', [rows[0]?.pid]);
      statements += 1;
      await tx.query('SELECT 1');
    });
    await assert.rejects(failed, DbUnavailableError);
    assert.equal(statements, 2, 'the transaction ran once, not again from the start');
    assert.deepEqual((await db.query<{ ok: number }>('SELECT 1 AS ok')).rows, [{ ok: 1 }]);
  });

  it('fails with DbUnavailableError when no connection frees up within the acquire timeout', async () => {
    const { url } = await freshDatabase();
    const db = await open(url, { poolSize: 1, poolMaxOverflow: 0, poolAcquireTimeoutMs: 200 });
    const holding = db.query('SELECT pg_sleep(1)');
    await delay(20);
    const startedAt = performance.now();
    await assert.rejects(db.query('SELECT 1'), DbUnavailableError);
    const waitedMs = performance.now() - startedAt;
    assert.ok(waitedMs >= 150 && waitedMs < 700, `rejected after the acquire timeout, not the sleep: ${waitedMs} ms`);
    await holding;
    assert.deepEqual(db.stats(), { total: 1, idle: 1, waiting: 0 });
  });

  it('fails a statement that outruns statement_timeout with DbUnavailableError, and keeps its connection', async () => {
    const { url } = await freshDatabase();
    const db = await open(url, { poolSize: 1, poolMaxOverflow: 0, statementTimeoutMs: 200, queryTimeoutMs: 5_000 });
    const before = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    await assert.rejects(db.query('SELECT pg_sleep(3)'), (err: Error) => {
      assert.ok(err instanceof DbUnavailableError, `a DbUnavailableError, not ${err.name}: ${err.message}`);
      assert.match(err.message, /statement timeout/);
      return true;
    });
    const after = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    assert.deepEqual(after.rows, before.rows, 'the server cancelled the statement; the connection is still good');
  });

  it('leaves no server connection behind after close', async () => {
    const { url } = await freshDatabase();
    const db = await open(url);
    const watch = await monitor(url);
    await Promise.all(Array.from({ length: 5 }, () => db.query('SELECT pg_sleep(0.05)')));
    assert.ok((await watch.connections()) > 0);
    await db.close();
    await waitFor(async () => (await watch.connections()) === 0, 2_000, 'the pool connections to go');
    assert.deepEqual(db.stats(), { total: 0, idle: 0, waiting: 0 });
    await db.close();
  });
});

