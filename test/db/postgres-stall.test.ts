// The pool against a frozen PostgreSQL (SIGSTOP): every wait ends, and a connection that lost its answer is never reused.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { DbUnavailableError, type Db } from '../../src/db/db.ts';
import { openPostgres } from '../../src/db/postgres-db.ts';
import { ownPostgresSkip, startOwnPostgres, type OwnPostgres } from '../helpers/own-postgres.ts';

const isUnavailable = (err: Error) => {
  assert.ok(err instanceof DbUnavailableError, `a DbUnavailableError, not ${err.name}: ${err.message}`);
  return true;
};

describe('the PostgreSQL pool when the server freezes', { skip: ownPostgresSkip() }, () => {
  let own: OwnPostgres | undefined;
  let db: Db | undefined;

  before(async () => {
    own = await startOwnPostgres();
    db = await openPostgres({
      url: own.url,
      poolSize: 1,
      poolMaxOverflow: 0,
      poolIdleTimeoutMs: 1_000,
      poolAcquireTimeoutMs: 1_000,
      queryTimeoutMs: 500,
      statementTimeoutMs: 400,
    });
  });
  after(async () => {
    own?.thaw();
    await db?.close();
    await own?.stop();
  });
  afterEach(() => own!.thaw());

  it('fails a query with DbUnavailableError and replaces its connection instead of reusing it', async () => {
    const before = await db!.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    own!.freeze();
    await assert.rejects(db!.query('SELECT 1'), isUnavailable);
    // With nothing answering, no new connection can be had either: the acquire timeout ends that wait.
    await assert.rejects(db!.query('SELECT 1'), isUnavailable);
    own!.thaw();
    const after = await db!.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    assert.notDeepEqual(after.rows, before.rows, 'the connection that lost its answer was discarded');
    assert.equal(db!.stats().total, 1);
  });

  it('fails a transaction with DbUnavailableError without waiting on a ROLLBACK the server cannot hear', async () => {
    let statements = 0;
    const failed = db!.transaction(async (tx) => {
      await tx.query('SELECT 1');
      statements += 1;
      own!.freeze();
      await tx.query('SELECT 2');
      statements += 1;
    });
    await assert.rejects(failed, isUnavailable);
    assert.equal(statements, 1);
    own!.thaw();
    assert.deepEqual((await db!.query<{ ok: number }>('SELECT 1 AS ok')).rows, [{ ok: 1 }]);
    assert.deepEqual(db!.stats(), { total: 1, idle: 1, waiting: 0 });
  });
});
