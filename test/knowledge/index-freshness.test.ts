// The in-process index and the database: no statement per search once loaded, this process's changes seen at once, another process's within about a second.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../../src/db/db.ts';
import { migrate } from '../../src/db/migrate.ts';
import { openPostgres } from '../../src/db/postgres-db.ts';
import type { KnowledgeBase } from '../../src/knowledge/knowledge-base.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { eventually, sampleDocuments, testKnowledge } from '../helpers/knowledge.ts';
import { createTestDatabase, pgSkip, type TestDatabase } from '../helpers/postgres.ts';
import { openTestDb } from '../helpers/test-app.ts';

// Awaited before any test is registered, or --test-force-exit could drop the tests after it (eslint.config.js).
const postgresSkip = await pgSkip();

/** `db`, with the statements run through it (outside transactions) counted. */
function counting(db: Db): { db: Db; statements: () => number } {
  let statements = 0;
  const counted: Db = {
    kind: db.kind,
    query(sql, params) {
      statements += 1;
      return db.query(sql, params);
    },
    transaction: (work) => db.transaction(work),
    stats: () => db.stats(),
    close: () => db.close(),
  };
  return { db: counted, statements: () => statements };
}

const parrots = { name: 'parrots.md', bytes: new TextEncoder().encode('# Parrots\n\nWe also groom parrots on Fridays.') };
const firstHit = async (knowledge: KnowledgeBase) => (await knowledge.search('parrot grooming', 'en', 3))[0];

describe('the knowledge index on PGlite', () => {
  let standIn: LlmStandIn;
  let db: Db;

  before(async () => {
    standIn = await startLlmStandIn();
    db = await openTestDb();
    for (const document of sampleDocuments()) await testKnowledge(db, standIn).knowledge.add(document);
  });
  after(async () => {
    await db?.close();
    await standIn?.close();
  });

  it('searches without a statement once loaded, and sees its own changes at once', async () => {
    const { db: counted, statements } = counting(db);
    const { knowledge } = testKnowledge(counted, standIn, {}, { recheckMs: 60_000 });
    // Concurrent first searches share one check and one load.
    const first = await Promise.all(Array.from({ length: 5 }, () => knowledge.search('Koľko stojí bielenie zubov?', 'sk', 3)));
    assert.equal(first[0]![0]?.heading, 'Cenník Bright Smile Dental > Estetika a protetika');
    const loaded = statements();
    assert.equal(loaded, 2, 'the change counter, then the passages');
    for (let i = 0; i < 20; i += 1) await knowledge.search('Do you take my health insurance?', 'en', 3);
    assert.equal(statements(), loaded, 'no statement per search');

    const added = await knowledge.add(parrots);
    assert.equal((await firstHit(knowledge))?.documentId, added.id);
    assert.equal(await knowledge.remove(added.id), true);
    assert.equal(await firstHit(knowledge), undefined);
  });

  it('does not see a change made elsewhere until it reads the change counter again', async () => {
    const reader = testKnowledge(db, standIn, {}, { recheckMs: 60_000 }).knowledge;
    const soon = testKnowledge(db, standIn, {}, { recheckMs: 0 }).knowledge;
    assert.equal(await firstHit(reader), undefined);
    assert.equal(await firstHit(soon), undefined);
    const added = await testKnowledge(db, standIn).knowledge.add(parrots);
    assert.equal(await firstHit(reader), undefined, 'the counter is not read on every search');
    await eventually(async () => (await firstHit(soon))?.documentId === added.id, 'a reader that checks at once sees it after a search or two');
  });
});

describe('the knowledge index on PostgreSQL, changed through another connection pool', { skip: postgresSkip }, () => {
  let standIn: LlmStandIn;
  let database: TestDatabase;
  const pools: Db[] = [];
  const open = async () => {
    const db = await openPostgres({ url: database.url, poolSize: 1, poolMaxOverflow: 1, poolIdleTimeoutMs: 1000, poolAcquireTimeoutMs: 2000, queryTimeoutMs: 10_000, statementTimeoutMs: 8_000 });
    pools.push(db);
    return db;
  };

  before(async () => {
    standIn = await startLlmStandIn();
    database = (await createTestDatabase()) as TestDatabase;
    await migrate(await open());
  });
  after(async () => {
    for (const db of pools) await db.close();
    await database?.drop();
    await standIn?.close();
  });

  it('sees another process add and remove a document within about a second (the default recheck)', async () => {
    // Two pools stand for the server and the command line: they share nothing but the database.
    const server = testKnowledge(await open(), standIn).knowledge;
    const cli = testKnowledge(await open(), standIn).knowledge;
    assert.equal(await firstHit(server), undefined);
    const startedMs = performance.now();
    const added = await cli.add(parrots);
    await eventually(async () => (await firstHit(server))?.documentId === added.id, 'the server finds the new document');
    const seenAfterMs = performance.now() - startedMs;
    assert.equal(await cli.remove(added.id), true);
    await eventually(async () => (await firstHit(server)) === undefined, 'the server no longer finds the removed document');
    process.stderr.write(`note: another process's document was found after ${Math.round(seenAfterMs)} ms\n`);
  });
});
