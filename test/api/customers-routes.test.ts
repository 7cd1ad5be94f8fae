// /v1/customers: listing, detail with history, notes, and erasure that leaves nothing of the caller behind.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bookSlot } from '../../src/booking/booking.ts';
import { recordContact } from '../../src/booking/customers-repo.ts';
import { formatInstant } from '../../src/booking/free-slots.ts';
import { insertCallbackRequest } from '../../src/db/callbacks-repo.ts';
import { appendMessages, createConversation } from '../../src/db/conversations-repo.ts';
import type { Db } from '../../src/db/db.ts';
import { recordReplyOnce } from '../../src/db/webhook-replies-repo.ts';
import { enqueueEvent } from '../../src/jobs/business-events.ts';
import { queueSms } from '../../src/jobs/outgoing-sms.ts';
import { loadProfile } from '../../src/profile.ts';
import { startTestServer, testEnv, TEST_API_KEY, type TestServer } from '../helpers/test-app.ts';

const ERASED = '+421905111222';
const KEPT = '+421905333444';
const auth = { authorization: `Bearer ${TEST_API_KEY}` };

async function api(server: TestServer, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: body === undefined ? auth : { ...auth, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A caller's whole footprint: a call with messages and a stored webhook reply, an SMS thread, messages left, an appointment and its confirmation text. */
async function leaveTraces(db: Db, phone: string, hour: number): Promise<{ customerId: string; smsId: string }> {
  const profile = await loadProfile(new URL('../../profiles/sample.yaml', import.meta.url).pathname);
  const call = await createConversation(db, { channel: 'voice', language: 'en', caller: phone, callSid: `CA${phone.slice(1)}${'0'.repeat(32 - phone.length + 1)}` });
  await appendMessages(db, call.id, [
    { role: 'user', content: `Book me, my number is ${phone}` },
    { role: 'assistant', content: 'Done.' },
  ]);
  await recordReplyOnce(db, `voice:${call.id}:1`, call.id, `<Response><Say>Done, ${phone}</Say></Response>`);
  const sms = await createConversation(db, { channel: 'sms', language: 'sk', caller: phone });
  await recordContact(db, phone, call.id);
  const customer = await recordContact(db, phone, sms.id);
  await insertCallbackRequest(db, { conversationId: call.id, caller: phone, name: 'Jana', message: 'call me back' });
  await insertCallbackRequest(db, { conversationId: null, caller: phone, name: 'Jana', message: 'left without a conversation' });
  // Events for the business still waiting in the outbox carry the number too: the booking's own
  // appointment.booked, and this callback.requested with the owner's SMS of it.
  await enqueueEvent(db, 'callback.requested', { caller: phone, name: 'Jana', message: 'call me back', conversation_id: call.id });
  await db.query("INSERT INTO conversation_transfers (conversation_id, reason, outcome) VALUES ($1, 'asked for a person', 'no-answer')", [call.id]);
  const start = new Date(Date.UTC(2030, 0, 7, hour));
  let smsId = '';
  const booked = await bookSlot(
    db,
    { ...profile, booking: { ...profile.booking, max_days_ahead: 365 } },
    { phone, conversationId: call.id, service: profile.services[0]!, name: 'Jana', start, now: new Date('2029-12-20T00:00:00Z') },
    (d) => formatInstant(d, profile.timezone),
    // The confirmation, recorded and waiting to be sent (with its outbox job) as the tool does it.
    async (tx, appointment) => {
      smsId = await queueSms(tx, { conversationId: call.id, appointmentId: appointment.id, to: phone, body: 'Bright Smile: your check-up is booked.' }, true);
    },
  );
  assert.ok(!('error' in booked), JSON.stringify(booked));
  return { customerId: customer.id, smsId };
}

/** Rows in any table of the schema whose text or JSON mentions one of `needles`: what erasure must leave at zero. */
async function mentions(db: Db, needles: string[]): Promise<Record<string, number>> {
  const { rows: columns } = await db.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns
     WHERE table_schema = 'public' AND data_type IN ('text', 'jsonb', 'uuid', 'character varying')`,
  );
  const found: Record<string, number> = {};
  for (const { table_name: table, column_name: column } of columns) {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}" WHERE "${column}"::text LIKE ANY($1)`, [needles.map((n) => `%${n}%`)]);
    if (rows[0]!.n > 0) found[`${table}.${column}`] = rows[0]!.n;
  }
  return found;
}

describe('/v1/customers', () => {
  let server: TestServer;
  let erasedId: string;
  let erasedSmsId: string;
  let keptId: string;

  before(async () => {
    server = await startTestServer(testEnv(null));
    ({ customerId: erasedId, smsId: erasedSmsId } = await leaveTraces(server.db, ERASED, 9));
    ({ customerId: keptId } = await leaveTraces(server.db, KEPT, 10));
  });
  after(async () => server.close());

  it('lists customers with their contact counts, and finds them by number', async () => {
    const all = await api(server, 'GET', '/v1/customers');
    assert.equal(all.status, 200);
    const items = all.body['items'] as { phone: string; conversation_count: number; name: string }[];
    assert.deepEqual(items.map((c) => c.phone).sort(), [ERASED, KEPT]);
    assert.equal(items.find((c) => c.phone === ERASED)?.conversation_count, 2);
    assert.equal(items.find((c) => c.phone === ERASED)?.name, 'Jana');
    const found = await api(server, 'GET', `/v1/customers?search=${encodeURIComponent('333444')}`);
    assert.deepEqual((found.body['items'] as { id: string }[]).map((c) => c.id), [keptId]);
    assert.equal((await api(server, 'GET', '/v1/customers?limit=0')).status, 422);
  });

  it('shows one customer with conversations and appointments, and keeps the owner\'s notes', async () => {
    const detail = await api(server, 'GET', `/v1/customers/${keptId}`);
    assert.equal(detail.status, 200);
    assert.equal((detail.body['conversations'] as unknown[]).length, 2);
    assert.deepEqual((detail.body['appointments'] as { service: string; status: string }[]).map((a) => [a.service, a.status]), [['check-up', 'booked']]);
    const patched = await api(server, 'PATCH', `/v1/customers/${keptId}`, { notes: 'Prefers mornings' });
    assert.equal(patched.status, 200);
    assert.equal(patched.body['notes'], 'Prefers mornings');
    assert.equal((await api(server, 'PATCH', `/v1/customers/${keptId}`, { notes: 5 })).status, 422);
    assert.equal((await api(server, 'GET', '/v1/customers/00000000-0000-4000-8000-000000000000')).status, 404);
  });

  it('erases a customer and every record under their number, says what it removed, and touches no one else', async () => {
    const before = await mentions(server.db, [ERASED, erasedId, erasedSmsId]);
    assert.ok(Object.keys(before).length >= 5, `traces before: ${JSON.stringify(before)}`);
    const erased = await api(server, 'DELETE', `/v1/customers/${erasedId}`);
    assert.equal(erased.status, 200);
    assert.deepEqual(erased.body['erased'], { customer: 1, conversations: 2, messages: 2, appointments: 1, callback_requests: 2, webhook_replies: 1, texts: 1, events: 4 });
    // Table by table, every text, JSON and id column of the schema.
    assert.deepEqual(await mentions(server.db, [ERASED, erasedId, erasedSmsId]), {});
    assert.equal((await api(server, 'GET', `/v1/customers/${erasedId}`)).status, 404);
    assert.equal((await api(server, 'DELETE', `/v1/customers/${erasedId}`)).status, 404);

    const kept = await api(server, 'GET', `/v1/customers/${keptId}`);
    assert.equal(kept.status, 200);
    assert.equal((kept.body['conversations'] as unknown[]).length, 2);
    assert.equal((kept.body['appointments'] as unknown[]).length, 1);
    const { rows } = await server.db.query<{ n: number }>("SELECT count(*)::int AS n FROM outgoing_sms WHERE to_phone = $1", [KEPT]);
    assert.equal(rows[0]!.n, 1);
  });
});
