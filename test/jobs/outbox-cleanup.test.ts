// The worker deletes finished outbox jobs: done ones after 7 days, given-up ones after 30, in bounded batches, at most once an interval.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import type { Db } from '../../src/db/db.ts';
import { enqueueJob } from '../../src/db/outbox-repo.ts';
import { startOutboxWorker } from '../../src/jobs/outbox-worker.ts';
import { openTestDb } from '../helpers/test-app.ts';

const log = pino({ level: 'silent' });

/** A job finished (`done` or `failed`) that many days ago; `pending` is one never finished, created that long ago. */
async function jobAged(db: Db, state: 'done' | 'failed' | 'pending', daysAgo: number): Promise<string> {
  const id = await enqueueJob(db, { kind: 'test', payload: { state, daysAgo }, delayMs: 3_600_000 });
  const at = `now() - ${daysAgo} * interval '1 day'`;
  const set = state === 'done' ? `done_at = ${at}` : state === 'failed' ? `failed_at = ${at}` : `run_at = now() + interval '1 hour'`;
  await db.query(`UPDATE outbox_jobs SET created_at = ${at} - interval '1 hour', ${set} WHERE id = $1`, [id]);
  return id;
}

async function remaining(db: Db): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM outbox_jobs ORDER BY id');
  return rows.map((row) => row.id);
}

describe('outbox clean-up', () => {
  it('deletes done jobs past 7 days and given-up ones past 30, keeps the rest, in batches, then waits for the interval', async () => {
    const db = await openTestDb();
    after(() => db.close());
    const kept = [
      await jobAged(db, 'done', 6),
      await jobAged(db, 'failed', 8),
      await jobAged(db, 'failed', 29),
      await jobAged(db, 'pending', 60),
    ];
    for (let i = 0; i < 5; i += 1) await jobAged(db, 'done', 8 + i);
    await jobAged(db, 'failed', 31);

    const worker = startOutboxWorker({ db, log, pollIntervalMs: 3_600_000, handlers: {}, cleanup: { batchSize: 2 } });
    after(() => worker.stop());
    assert.equal(await worker.runOnce(), 0);
    assert.deepEqual(await remaining(db), [...kept].sort());

    // Within the hour another pass deletes nothing, even what has become old enough.
    const later = await jobAged(db, 'done', 9);
    await worker.runOnce();
    assert.deepEqual(await remaining(db), [...kept, later].sort());
  });

  it('stops after its bounded number of batches and leaves the rest for the next time', async () => {
    const db = await openTestDb();
    after(() => db.close());
    for (let i = 0; i < 7; i += 1) await jobAged(db, 'done', 10);
    const worker = startOutboxWorker({ db, log, pollIntervalMs: 3_600_000, handlers: {}, cleanup: { batchSize: 2, maxBatches: 2, intervalMs: 0 } });
    after(() => worker.stop());
    await worker.runOnce();
    assert.equal((await remaining(db)).length, 3);
    await worker.runOnce();
    assert.equal((await remaining(db)).length, 0);
  });
});
