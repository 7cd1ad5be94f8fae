// The outbox delivers signed business events at least once: after receiver failures, across restarts and crashes, and never twice at once from two instances.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import type { Db } from '../../src/db/db.ts';
import { migrate } from '../../src/db/migrate.ts';
import { claimJobs, listJobs } from '../../src/db/outbox-repo.ts';
import { openPglite } from '../../src/db/pglite-db.ts';
import { openPostgres } from '../../src/db/postgres-db.ts';
import { enqueueEvent, WEBHOOK_JOB } from '../../src/jobs/business-events.ts';
import { startOutboxWorker, type OutboxWorker, type OutboxWorkerDeps } from '../../src/jobs/outbox-worker.ts';
import { webhookHandler } from '../../src/jobs/webhook-delivery.ts';
import { signWebhookBody } from '../../src/jobs/webhook-signature.ts';
import { createTestDatabase, pgSkip } from '../helpers/postgres.ts';
import { startWebhookReceiver, verifySignature, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

// Awaited before any test is registered, or --test-force-exit could drop the tests after it (eslint.config.js).
const postgresSkip = await pgSkip();

const SECRET = 'receiver-secret-0123456789';
const log = pino({ level: 'silent' });
// Long enough that the timer never fires during a test: each test drives the worker with runOnce.
const NEVER_MS = 3_600_000;

function worker(db: Db, receiver: WebhookReceiver, overrides: Partial<OutboxWorkerDeps> = {}, secret = SECRET): OutboxWorker {
  const started = startOutboxWorker({
    db,
    log,
    pollIntervalMs: NEVER_MS,
    firstRetryDelayMs: 1,
    maxRetryDelayMs: 1,
    handlers: { [WEBHOOK_JOB]: webhookHandler({ url: receiver.url, secret }, log) },
    ...overrides,
  });
  after(() => started.stop());
  return started;
}

/** Runs passes until `done` holds; bounded generously, as the machine may be slow. */
async function runUntil(workers: OutboxWorker[], done: () => Promise<boolean> | boolean): Promise<void> {
  for (let pass = 0; pass < 500; pass += 1) {
    if (await done()) return;
    await Promise.all(workers.map((w) => w.runOnce()));
    await sleep(5);
  }
  assert.fail('the outbox did not finish');
}

async function freshPglite(dataDir?: string): Promise<Db> {
  const db = await openPglite(dataDir);
  await migrate(db);
  return db;
}

describe('outbox on PGlite', () => {
  it('delivers an event signed so that a receiver can verify it, with id, type, created_at and data', async () => {
    const receiver = await startWebhookReceiver(SECRET);
    after(() => receiver.close());
    const db = await freshPglite();
    after(() => db.close());
    const id = await enqueueEvent(db, 'appointment.booked', { name: 'Ann', conversation_id: 'c1' });

    assert.equal(await worker(db, receiver).runOnce(), 1);

    assert.equal(receiver.rejected, 0);
    assert.equal(receiver.events.length, 1);
    const event = receiver.events[0]!;
    assert.equal(event.id, id);
    assert.equal(event.type, 'appointment.booked');
    assert.ok(!Number.isNaN(Date.parse(event.created_at)));
    assert.deepEqual(event.data, { name: 'Ann', conversation_id: 'c1' });
    const [job] = await listJobs(db, WEBHOOK_JOB);
    assert.equal(job?.done, true);
  });

  it('is refused by a receiver holding another secret, and retried rather than dropped', async () => {
    const receiver = await startWebhookReceiver(SECRET);
    after(() => receiver.close());
    const db = await freshPglite();
    after(() => db.close());
    await enqueueEvent(db, 'appointment.cancelled', { appointment_id: 'a1' });

    await worker(db, receiver, {}, 'some-other-secret-0123').runOnce();

    assert.equal(receiver.rejected, 1);
    assert.equal(receiver.events.length, 0);
    const [job] = await listJobs(db, WEBHOOK_JOB);
    assert.equal(job?.done, false);
    assert.equal(job?.failed, false);
    assert.match(job?.lastError ?? '', /401/);
  });

  it('signs so that a changed body, an old timestamp or a missing header fails the receiver\'s check', () => {
    const body = '{"id":"1"}';
    const now = Math.floor(Date.now() / 1000);
    assert.equal(verifySignature(SECRET, signWebhookBody(SECRET, body, now), body), true);
    assert.equal(verifySignature(SECRET, signWebhookBody(SECRET, body, now), '{"id":"2"}'), false);
    assert.equal(verifySignature(SECRET, signWebhookBody(SECRET, body, now - 3600), body), false);
    assert.equal(verifySignature(SECRET, undefined, body), false);
  });

  it('retries after the receiver fails, with the same event id, until it accepts', async () => {
    const receiver = await startWebhookReceiver(SECRET);
    after(() => receiver.close());
    receiver.failNext(500, 503);
    const db = await freshPglite();
    after(() => db.close());
    const id = await enqueueEvent(db, 'conversation.completed', { conversation_id: 'c2' });
    const w = worker(db, receiver);

    await runUntil([w], async () => (await listJobs(db, WEBHOOK_JOB))[0]?.done === true);

    assert.deepEqual(receiver.events.map((event) => event.id), [id, id, id]);
    assert.equal((await listJobs(db, WEBHOOK_JOB))[0]?.attempts, 3);
  });

  it('keeps undelivered events across a restart and delivers them after it', async () => {
    const receiver = await startWebhookReceiver(SECRET);
    after(() => receiver.close());
    const dataDir = mkdtempSync(path.join(tmpdir(), 'pa-outbox-'));
    const before = await freshPglite(dataDir);
    const ids = [await enqueueEvent(before, 'appointment.booked', { n: 1 }), await enqueueEvent(before, 'appointment.cancelled', { n: 2 })];
    receiver.failNext(500, 500);
    const first = worker(before, receiver);
    await first.runOnce();
    await first.stop();
    await before.close();

    const restarted = await freshPglite(dataDir);
    after(() => restarted.close());
    await runUntil([worker(restarted, receiver)], async () => (await listJobs(restarted, WEBHOOK_JOB)).every((job) => job.done));

    const delivered = new Set(receiver.events.map((event) => event.id));
    assert.deepEqual([...delivered].sort(), [...ids].sort());
  });

  it('delivers a job whose worker died holding it, once its lease has passed', async () => {
    const receiver = await startWebhookReceiver(SECRET);
    after(() => receiver.close());
    const db = await freshPglite();
    after(() => db.close());
    const id = await enqueueEvent(db, 'conversation.completed', { n: 1 });
    // A worker claims it and dies before recording anything.
    assert.equal((await claimJobs(db, 10, 200)).length, 1);
    const survivor = worker(db, receiver);
    assert.equal(await survivor.runOnce(), 0, 'the job is still leased to the dead worker');

    await runUntil([survivor], async () => (await listJobs(db, WEBHOOK_JOB))[0]?.done === true);
    assert.deepEqual(receiver.events.map((event) => event.id), [id]);
  });

  it('gives up on an event only once its retry window has passed', async () => {
    const receiver = await startWebhookReceiver(SECRET);
    after(() => receiver.close());
    receiver.failNext(500);
    const db = await freshPglite();
    after(() => db.close());
    await enqueueEvent(db, 'conversation.completed', { n: 1 });

    await worker(db, receiver, { retryWindowMs: 0 }).runOnce();

    const [job] = await listJobs(db, WEBHOOK_JOB);
    assert.equal(job?.failed, true);
    assert.equal(job?.done, false);
  });
});

describe('outbox on PostgreSQL with two instances', { skip: postgresSkip }, () => {
  it('delivers every event exactly once while two workers race for them', async () => {
    const database = (await createTestDatabase())!;
    after(() => database.drop());
    const open = () =>
      openPostgres({ url: database.url, poolSize: 2, poolMaxOverflow: 2, poolIdleTimeoutMs: 10_000, poolAcquireTimeoutMs: 5_000, queryTimeoutMs: 10_000, statementTimeoutMs: 9_000 });
    const one = await open();
    const two = await open();
    after(async () => {
      await one.close();
      await two.close();
    });
    await migrate(one);
    const receiver = await startWebhookReceiver(SECRET);
    after(() => receiver.close());
    const inFlight = new Set<string>();
    let overlapped = 0;
    receiver.onRequest = async (event) => {
      if (inFlight.has(event.id)) overlapped += 1;
      inFlight.add(event.id);
      // Held a moment, so that a second sender of the same event would be caught in the act.
      await sleep(10);
      inFlight.delete(event.id);
    };
    const ids: string[] = [];
    for (let n = 0; n < 40; n += 1) ids.push(await enqueueEvent(one, 'conversation.completed', { n }));

    const workers = [worker(one, receiver, { batchSize: 3 }), worker(two, receiver, { batchSize: 3 })];
    await runUntil(workers, async () => (await listJobs(one, WEBHOOK_JOB)).every((job) => job.done));

    assert.equal(overlapped, 0);
    assert.equal(receiver.events.length, ids.length, 'each event delivered once');
    assert.deepEqual(receiver.events.map((event) => event.id).sort(), [...ids].sort());
  });
});
