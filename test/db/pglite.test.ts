// Embedded PGlite: schema migrations, restart persistence, transactions and their serialisation, the DATA_DIR lock, the template.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DataDirLockedError } from '../../src/db/data-dir-lock.ts';
import type { Db } from '../../src/db/db.ts';
import { migrate } from '../../src/db/migrate.ts';
import { openDb } from '../../src/db/open-db.ts';
import { openEmbedded } from '../../src/db/open-embedded.ts';
import { openPglite } from '../../src/db/pglite-db.ts';
import { createFromTemplate, hasCluster, preparePgliteTemplate } from '../../src/db/pglite-template.ts';
import { MIGRATIONS } from '../helpers/migrations.ts';

const TABLES = [
  'appointments',
  'callback_requests',
  'conversation_messages',
  'conversation_transfers',
  'conversations',
  'customers',
  'knowledge_chunks',
  'knowledge_documents',
  'knowledge_state',
  'outbox_jobs',
  'outgoing_sms',
  'schema_migrations',
  'webhook_replies',
];

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

  const configIn = (dir: string) => ({
    url: undefined,
    dataDir: dir,
    poolSize: 5,
    poolMaxOverflow: 5,
    poolIdleTimeoutMs: 10_000,
    poolAcquireTimeoutMs: 2_000,
    queryTimeoutMs: 3_000,
    statementTimeoutMs: 2_500,
  });
  const recorder = () => {
    const logged: string[] = [];
    return { logged, logger: { info: (msg: string) => void logged.push(msg), warn: (_: unknown, msg: string) => void logged.push(`warn: ${msg}`) } };
  };
  const applied = MIGRATIONS.map((version) => `applied migration ${version}`);

  it('creates the directory from the template, migrates, and keeps data across a restart, saying what it does', async () => {
    const config = configIn(path.join(dataDir, 'not-yet-created'));
    const pgliteDir = path.join(config.dataDir, 'pglite');
    const first = recorder();
    const db = await openDb(config, first.logger);
    assert.equal(db.kind, 'pglite');
    // The template exists once any start has made it (or npm install did).
    assert.deepEqual(first.logged.filter((line) => !line.startsWith('first start: preparing')), [
      `creating the embedded database in ${pgliteDir} from the prepared template`,
      ...applied,
      first.logged.at(-1),
    ]);
    assert.match(first.logged.at(-1)!, /^embedded database ready in \d+ ms$/);
    const { rows } = await db.query<{ id: string }>(INSERT_CONVERSATION, ['survivor']);
    await db.close();

    const second = recorder();
    const reopened = await openDb(config, second.logger);
    try {
      assert.equal(second.logged.length, 2, 'no migration runs on restart');
      assert.equal(second.logged[0], `opening the embedded database in ${pgliteDir}`);
      assert.match(second.logged[1]!, /^embedded database ready in \d+ ms$/);
      const { rows: found } = await reopened.query<{ id: string; caller: string }>('SELECT id, caller FROM conversations');
      assert.deepEqual(found, [{ id: rows[0]?.id, caller: 'survivor' }]);
    } finally {
      await reopened.close();
    }
  });

  it('refuses to open a directory that is open, naming this process, and opens it once closed', async () => {
    const config = configIn(path.join(dataDir, 'held'));
    const db = await openDb(config);
    await assert.rejects(openDb(config, undefined, { use: 'migrate' }), (error: unknown) => {
      assert.ok(error instanceof DataDirLockedError);
      assert.deepEqual([error.dataDir, error.holder?.pid, error.holder?.use], [config.dataDir, process.pid, 'server']);
      return true;
    });
    await db.close();
    await (await openDb(config, undefined, { use: 'migrate' })).close();
  });

  it('keeps the buffer pool small: it is most of the idle memory', async () => {
    const db = await openDb(configIn(path.join(dataDir, 'buffers')));
    try {
      assert.deepEqual((await db.query('SHOW shared_buffers')).rows, [{ shared_buffers: '16MB' }]);
    } finally {
      await db.close();
    }
  });
});

describe('PGlite template', () => {
  let workDir: string;
  before(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'pa-template-'));
  });
  after(() => rm(workDir, { recursive: true, force: true }));

  it('is made once per cache directory, whole, and copies into a new data directory that opens', async () => {
    const cacheDir = path.join(workDir, 'cache');
    let builds = 0;
    const template = await preparePgliteTemplate(cacheDir, () => (builds += 1));
    assert.equal(await preparePgliteTemplate(cacheDir, () => (builds += 1)), template);
    assert.equal(builds, 1);
    assert.deepEqual(await readdir(cacheDir), [path.basename(template)], 'nothing half-made is left beside it');
    assert.ok(await hasCluster(template));

    const pgliteDir = path.join(workDir, 'data', 'pglite');
    await mkdir(pgliteDir, { recursive: true });
    await createFromTemplate(template, pgliteDir);
    assert.deepEqual(await readdir(path.join(workDir, 'data')), ['pglite']);
    const db = await openPglite(pgliteDir);
    try {
      assert.deepEqual(await migrate(db), MIGRATIONS);
    } finally {
      await db.close();
    }
  });

  it('never replaces a directory that holds something', async () => {
    const template = await preparePgliteTemplate(path.join(workDir, 'cache'));
    const pgliteDir = path.join(workDir, 'occupied');
    await mkdir(pgliteDir);
    await writeFile(path.join(pgliteDir, 'keep-me'), 'data');
    await assert.rejects(createFromTemplate(template, pgliteDir), { code: 'ENOTEMPTY' });
    assert.deepEqual(await readdir(pgliteDir), ['keep-me']);
  });

  it('falls back to initialising in place, with a warning, when no template can be made', async () => {
    const dataDir = path.join(workDir, 'no-template');
    // A file where the cache directory should be: mkdir fails as on a read-only install.
    const unusableCache = path.join(workDir, 'not-a-directory');
    await writeFile(unusableCache, '');
    const warnings: string[] = [];
    const logger = { info: () => undefined, warn: (_: unknown, msg: string) => void warnings.push(msg) };
    const db = await openEmbedded(dataDir, 'server', logger, unusableCache);
    try {
      assert.deepEqual(warnings, [`no prepared template: creating the embedded database in ${path.join(dataDir, 'pglite')} in place (initdb inside WebAssembly, a few seconds)`]);
      assert.deepEqual(await migrate(db), MIGRATIONS);
    } finally {
      await db.close();
    }
  });
});
