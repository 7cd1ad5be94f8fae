// The webhook spool and its replayer: each kept webhook stored once, however often it is offered, and nothing dropped.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { openSmsConversation } from '../../src/db/calls-repo.ts';
import type { Db } from '../../src/db/db.ts';
import { claimReply, findReply } from '../../src/db/webhook-replies-repo.ts';
import { openSpool, type Spool } from '../../src/jobs/spool.ts';
import { startSpoolReplayer, type SpoolReplayer } from '../../src/jobs/spool-replayer.ts';
import { keepWebhook, type SpooledSms } from '../../src/jobs/webhook-spool.ts';
import { openTestDb } from '../helpers/test-app.ts';
import { messageSid } from '../helpers/twilio-client.ts';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

function smsRecord(extra: Partial<SpooledSms> = {}): SpooledSms {
  return {
    kind: 'sms',
    messageSid: messageSid(),
    from: '+421905111222',
    body: 'Môžete mi zavolať?',
    written: 'sk',
    language: 'sk',
    replyText: 'Prepáčte, ozveme sa vám.',
    replyTwiml: '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Prepáčte, ozveme sa vám.</Message></Response>',
    receivedAt: new Date().toISOString(),
    ...extra,
  };
}

describe('the spool replayer', () => {
  let db: Db;
  let spool: Spool;
  let replayer: SpoolReplayer;
  const errors: string[] = [];

  beforeEach(async () => {
    db = await openTestDb();
    spool = await openSpool(path.join(mkdtempSync(path.join(tmpdir(), 'pa-spool-')), 'spool'));
    errors.length = 0;
    // Only runOnce() replays here: the interval is far longer than any test.
    replayer = startSpoolReplayer({ spool, db, log: { ...silent, error: (_obj, msg) => void errors.push(String(msg)) }, intervalMs: 3_600_000 });
  });
  afterEach(async () => {
    await replayer.stop();
    await db.close();
  });

  const count = async (sql: string) => (await db.query<{ n: number }>(sql)).rows[0]!.n;

  it('stores a kept SMS once, however often it is replayed', async () => {
    const record = smsRecord();
    await keepWebhook(spool, record);
    assert.equal(await replayer.runOnce(), 1);
    // Kept again (say a second instance saw the same MessageSid) and replayed again.
    await keepWebhook(spool, record);
    assert.equal(await replayer.runOnce(), 1);

    assert.deepEqual(readdirSync(spool.dir), [], 'nothing left in the spool');
    assert.equal(await count('SELECT count(*)::int AS n FROM callback_requests'), 1);
    assert.equal(await count('SELECT count(*)::int AS n FROM conversation_messages'), 2);
    const reply = await findReply(db, `sms:${record.messageSid}`);
    assert.equal(reply?.status, 'done');
    assert.equal(reply?.body, record.replyTwiml, 'a repeat of the webhook is answered as the caller was');
  });

  it('takes over a claim left pending by the request that gave up on the message', async () => {
    const record = smsRecord();
    const thread = await openSmsConversation(db, record.from, { written: 'sk', fallback: 'en' });
    assert.equal(await claimReply(db, `sms:${record.messageSid}`, thread.id), true);
    await keepWebhook(spool, record);
    assert.equal(await replayer.runOnce(), 1);
    assert.equal(await count('SELECT count(*)::int AS n FROM callback_requests'), 1);
    assert.equal((await findReply(db, `sms:${record.messageSid}`))?.status, 'done');
  });

  it("moves the caller's thread to the language the kept message was written in", async () => {
    const thread = await openSmsConversation(db, '+421905111222', { written: 'en', fallback: 'en' });
    await keepWebhook(spool, smsRecord());
    await replayer.runOnce();
    const { rows } = await db.query<{ id: string; language: string }>(`SELECT id, language FROM conversations WHERE channel = 'sms'`);
    assert.deepEqual(rows, [{ id: thread.id, language: 'sk' }]);
  });

  it('keeps every entry while the database fails, and stores them once it works', async () => {
    await keepWebhook(spool, smsRecord());
    await keepWebhook(spool, { kind: 'call-status', callSid: `CA${'0'.repeat(32)}`, status: 'completed', durationSeconds: 12, from: null, language: 'en', receivedAt: new Date().toISOString() });
    const working = db;
    db = await openTestDb();
    await db.close();
    const failing = startSpoolReplayer({ spool, db, log: silent, intervalMs: 3_600_000 });
    assert.equal(await failing.runOnce(), 0);
    await failing.stop();
    assert.equal(readdirSync(spool.dir).length, 2, 'both still kept');
    db = working;
    assert.equal(await replayer.runOnce(), 2);
    assert.deepEqual(readdirSync(spool.dir), []);
  });

  it('sets aside, never drops, an entry it cannot read or that is not a webhook', async () => {
    writeFileSync(path.join(spool.dir, 'sms-broken.json'), '{"kind": "sms", ');
    writeFileSync(path.join(spool.dir, 'sms-odd.json'), '{"kind": "fax"}');
    assert.equal(await replayer.runOnce(), 0);
    assert.deepEqual(readdirSync(spool.dir).sort(), ['sms-broken.json.bad', 'sms-odd.json.bad']);
    assert.equal(errors.length, 2);
  });
});

describe('the spool', () => {
  it('writes an entry whole, replaces it under the same id, and refuses ids that could leave its directory', async () => {
    const spool = await openSpool(path.join(mkdtempSync(path.join(tmpdir(), 'pa-spool-')), 'spool'));
    await spool.put('sms-a', { n: 1 });
    await spool.put('sms-a', { n: 2 });
    assert.deepEqual(readdirSync(spool.dir), ['sms-a.json'], 'no temporary file left behind');
    assert.deepEqual(await spool.list(), [{ id: 'sms-a', value: { n: 2 } }]);
    await assert.rejects(spool.put('../escape', {}), /spool id/);
    await spool.remove('sms-a');
    await spool.remove('sms-a');
    assert.deepEqual(await spool.list(), []);
  });
});
