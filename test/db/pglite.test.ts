// Embedded PGlite: schema migrations, restart persistence, transactions and their serialisation.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../../src/db/db.ts';
import { migrate } from '../../src/db/migrate.ts';
import { openDb } from '../../src/db/open-db.ts';
import { openPglite } from '../../src/db/pglite-db.ts';
import { MIGRATIONS } from '../helpers/migrations.ts';

const TABLES = ['callback_requests', 'conversation_messages', 'conversations', 'knowledge_chunks', 'knowledge_documents', 'knowledge_state', 'schema_migrations', 'webhook_replies'];

const INSERT_CONVERSATION = "INSERT INTO conversations (channel, caller, language) VALUES ('text', $1, 'en') RETURNING id";

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function countCallers(db: Db, caller: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*) AS n FROM conversations WHERE caller = $1', [caller]);
  return rows[0]?.n ?? -1;
}

describe('PGlite in memory', () => {
  let db: Db;
  let firstRun: string[];
  before(async () => {
    db = await openPglite(undefined);
    firstRun = await migrate(db);
  });
  after(() => db.close());

  it('applies the migrations and creates their tables', async () => {
    assert.deepEqual(firstRun, MIGRATIONS);
    const { rows } = await db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    assert.deepEqual(
      rows.map((row) => row.table_name),
      TABLES,
    );
    const { rows: versions } = await db.query<{ version: string }>('SELECT version FROM schema_migrations');
    assert.deepEqual(versions, MIGRATIONS.map((version) => ({ version })));
  });

  it('applies nothing when migrated again', async () => {
    assert.deepEqual(await migrate(db), []);
    const { rows } = await db.query<{ n: number }>('SELECT count(*) AS n FROM schema_migrations');
    assert.equal(rows[0]?.n, MIGRATIONS.length);
  });

  it('commits a transaction that resolves and returns its value', async () => {
    const id = await db.transaction(async (tx) => {
      const { rows } = await tx.query<{ id: string }>(INSERT_CONVERSATION, ['commit-1']);
      return rows[0]?.id;
    });
    assert.match(String(id), /^[0-9a-f-]{36}$/);
    assert.equal(await countCallers(db, 'commit-1'), 1);
  });

  it('rolls back a transaction that throws, and rethrows', async () => {
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query(INSERT_CONVERSATION, ['rollback-1']);
        assert.equal((await tx.query<{ n: number }>("SELECT count(*) AS n FROM conversations WHERE caller = 'rollback-1'")).rows[0]?.n, 1);
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(await countCallers(db, 'rollback-1'), 0);
  });

  it('keeps a concurrent plain query out of a transaction that rolls back', async () => {
    let inside!: () => void;
    const entered = new Promise<void>((resolve) => (inside = resolve));
    const rolledBack = db.transaction(async (tx) => {
      await tx.query(INSERT_CONVERSATION, ['in-tx']);
      inside();
      await delay(50);
      throw new Error('abort');
    });
    await entered;
    // Issued while the transaction is open: it must run after it, not inside it.
    const plain = db.query(INSERT_CONVERSATION, ['outside-tx']);
    assert.deepEqual(db.stats(), { total: 1, idle: 0, waiting: 1 });
    await assert.rejects(rolledBack, /abort/);
    await plain;
    assert.equal(await countCallers(db, 'in-tx'), 0);
    assert.equal(await countCallers(db, 'outside-tx'), 1);
    assert.deepEqual(db.stats(), { total: 1, idle: 1, waiting: 0 });
  });

  it('refuses db.query inside a transaction instead of waiting for itself forever', async () => {
    await assert.rejects(
      db.transaction(() => db.query('SELECT 1')),
      /use the tx given to the transaction/,
    );
    assert.deepEqual((await db.query<{ one: number }>('SELECT 1 AS one')).rows, [{ one: 1 }]);
  });

  it('returns int8 as a number and a date as text, like the PostgreSQL backend', async () => {
    const { rows } = await db.query<{ n: unknown; d: unknown }>("SELECT 41::int8 + $1 AS n, '2025-03-09'::date AS d", [1]);
    assert.deepEqual(rows, [{ n: 42, d: '2025-03-09' }]);
  });

  it('runs a script of several statements when given no parameters', async () => {
    const { rows } = await db.query<{ v: number }>('CREATE TEMP TABLE script_t (v int); INSERT INTO script_t VALUES (7); SELECT v FROM script_t');
    assert.deepEqual(rows, [{ v: 7 }]);
  });
});

describe('PGlite in a data directory', () => {
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'pa-pglite-'));
  });
  after(() => rm(dataDir, { recursive: true, force: true }));

  it('creates the directory, migrates, and keeps data across a restart', async () => {
    const config = {
      url: undefined,
      dataDir: path.join(dataDir, 'not-yet-created'),
      poolSize: 5,
      poolMaxOverflow: 5,
      poolIdleTimeoutMs: 10_000,
      poolAcquireTimeoutMs: 2_000,
      queryTimeoutMs: 3_000,
      statementTimeoutMs: 2_500,
    };
    const logged: string[] = [];
    const logger = { info: (msg: string) => void logged.push(msg), warn: () => undefined };

    const first = await openDb(config, logger);
    assert.equal(first.kind, 'pglite');
    assert.deepEqual(logged, MIGRATIONS.map((version) => `applied migration ${version}`));
    const { rows } = await first.query<{ id: string }>(INSERT_CONVERSATION, ['survivor']);
    await first.close();

    const second = await openDb(config, logger);
    try {
      assert.deepEqual(logged, MIGRATIONS.map((version) => `applied migration ${version}`), 'no migration runs on restart');
      const { rows: found } = await second.query<{ id: string; caller: string }>('SELECT id, caller FROM conversations');
      assert.deepEqual(found, [{ id: rows[0]?.id, caller: 'survivor' }]);
    } finally {
      await second.close();
    }
  });
});
