// /metrics read from the database at scrape time: whether it answers, and the outbox's backlog.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { enqueueJob, failJob } from '../../src/db/outbox-repo.ts';
import { scrape } from '../helpers/prometheus.ts';
import { startTestServer, testEnv, type TestServer } from '../helpers/test-app.ts';

describe('database and outbox gauges', () => {
  let server: TestServer;
  const logLines: string[] = [];

  // The worker's first pass is an hour away (testEnv): the jobs stay where the test puts them.
  before(async () => {
    server = await startTestServer(testEnv(null, 'openai', { LOG_LEVEL: 'warn' }), { logLines });
  });
  after(() => server.fastify.close());

  it('reports an answering database and an empty outbox', async () => {
    const metrics = await scrape(server.url);
    assert.equal(metrics.value('phone_assistant_database_up'), 1);
    for (const state of ['pending', 'due', 'failed']) assert.equal(metrics.value('phone_assistant_outbox_jobs', { state }), 0, state);
    assert.equal(metrics.value('phone_assistant_outbox_oldest_due_seconds'), 0);
  });

  it('counts pending, due and given-up jobs, and how long the oldest due one has waited', async () => {
    await enqueueJob(server.db, { kind: 'webhook', payload: { n: 1 }, delayMs: -120_000 });
    await enqueueJob(server.db, { kind: 'webhook', payload: { n: 2 }, delayMs: -5_000 });
    await enqueueJob(server.db, { kind: 'webhook', payload: { n: 3 }, delayMs: 600_000 });
    const givenUp = await enqueueJob(server.db, { kind: 'webhook', payload: { n: 4 } });
    await failJob(server.db, givenUp, 'answered HTTP 410', null);

    const metrics = await scrape(server.url);
    assert.equal(metrics.value('phone_assistant_outbox_jobs', { state: 'pending' }), 3);
    assert.equal(metrics.value('phone_assistant_outbox_jobs', { state: 'due' }), 2);
    assert.equal(metrics.value('phone_assistant_outbox_jobs', { state: 'failed' }), 1);
    const oldest = metrics.value('phone_assistant_outbox_oldest_due_seconds') ?? -1;
    assert.ok(oldest >= 120 && oldest < 600, `the oldest due job waited ${oldest} s`);
  });

  it('still answers the scrape when the database is gone: database_up 0, the outbox figures kept, and why logged', async () => {
    await server.db.close();
    const metrics = await scrape(server.url);
    assert.equal(metrics.value('phone_assistant_database_up'), 0);
    assert.equal(metrics.value('phone_assistant_outbox_jobs', { state: 'pending' }), 3, 'the last value read stays');
    assert.ok(logLines.some((line) => line.includes('the outbox could not be read for /metrics')));
  });
});
