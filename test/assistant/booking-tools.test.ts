// The booking tools driven by a scripted model through /v1/text and a signed voice turn: the caller is always the line's.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { DateTime } from 'luxon';
import { findAppointment, listAppointments } from '../../src/booking/appointments-repo.ts';
import { findCustomerByPhone } from '../../src/booking/customers-repo.ts';
import { listJobs } from '../../src/db/outbox-repo.ts';
import { listConversationSms, type OutgoingSms } from '../../src/db/outgoing-sms-repo.ts';
import { SMS_SEND_JOB } from '../../src/jobs/outgoing-sms.ts';
import { apiRequest } from '../helpers/api-client.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { PhoneCall } from '../helpers/phone-call.ts';
import { eventually } from '../helpers/server-process.ts';
import { postJson, startTestServer, testEnv, type TestServer } from '../helpers/test-app.ts';
import { TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';
import { startTwilioRestStandIn, type TwilioRestStandIn } from '../helpers/twilio-rest-stand-in.ts';

const ALICE = '+421905000111';
const MALLORY = '+421905000222';

/** A Monday at least four days ahead, in the sample profile's zone: open 08:00–17:00, past any notice. */
function nextMonday(): string {
  let day = DateTime.now().setZone('Europe/Bratislava').plus({ days: 4 }).startOf('day');
  while (day.weekday !== 1) day = day.plus({ days: 1 });
  return day.toISODate()!;
}

/** What the last tool call of the conversation returned, as the model was shown it. */
function lastToolOutput(standIn: LlmStandIn): Record<string, unknown> {
  const messages = standIn.requests.at(-1)?.body['messages'] as { role: string; content: string }[];
  const tool = messages.filter((m) => m.role === 'tool').at(-1);
  assert.ok(tool, 'the model was shown a tool result');
  return JSON.parse(tool.content) as Record<string, unknown>;
}

describe('booking tools', () => {
  let standIn: LlmStandIn;
  let server: TestServer;

  before(async () => {
    standIn = await startLlmStandIn();
    server = await startTestServer(testEnv(standIn, 'openai', { TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN, LLM_STREAMING: 'false' }));
  });
  after(async () => {
    await server.close();
    await standIn.close();
  });
  beforeEach(() => standIn.reset());

  async function turn(text: string, script: { name: string; input: Record<string, unknown> }[], body: Record<string, unknown> = {}) {
    standIn.enqueue({ toolCalls: script }, { text: 'Done.' });
    const response = await postJson(`${server.url}/v1/text`, { text, ...body });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return { callId: response.body['call_id'] as string, output: lastToolOutput(standIn) };
  }

  it('finds slots, books one for the number of the conversation, and lists it', async () => {
    const day = nextMonday();
    const found = await turn('Any time for a check-up?', [{ name: 'find_free_slots', input: { service: 'check-up', from: day, to: day } }], { caller: ALICE });
    const slots = found.output['slots'] as { start: string }[];
    assert.equal(slots[0]?.start, DateTime.fromISO(`${day}T08:00`, { zone: 'Europe/Bratislava' }).toISO({ suppressMilliseconds: true }));

    // The model names another number: the booking still goes to the conversation's caller.
    const booked = await turn(
      'The first one, please. I am Alice.',
      [{ name: 'book_appointment', input: { service: 'check-up', start: slots[0]!.start, name: 'Alice', phone: MALLORY } }],
      { call_id: found.callId },
    );
    const appointment = (booked.output['booked'] as { id: string; start: string; service: string });
    assert.equal(appointment.start, slots[0]!.start);
    // No Twilio account here: the confirmation is kept, to show what would have gone, and none is promised.
    assert.equal(booked.output['confirmation_sms'], 'not_configured');
    const call = await apiRequest(`${server.url}/v1/calls/${found.callId}`);
    const texts = call.body['texts'] as Record<string, unknown>[];
    assert.deepEqual(texts.map((t) => [t['to'], t['status'], t['sent_at']]), [[ALICE, 'not_configured', null]]);
    assert.match(String(texts[0]!['body']), /^Bright Smile Dental: your check-up is booked for Monday/);
    assert.equal((await findAppointment(server.db, appointment.id))?.phone, ALICE);
    assert.equal((await findCustomerByPhone(server.db, ALICE))?.name, 'Alice');

    const listed = await turn('What have I booked?', [{ name: 'list_my_appointments', input: {} }], { call_id: found.callId });
    assert.deepEqual(listed.output['appointments'], [{ id: appointment.id, service: 'check-up', start: appointment.start }]);

    const again = await turn('Book the same for my husband', [{ name: 'book_appointment', input: { service: 'check-up', start: slots[0]!.start, name: 'Bob' } }], { call_id: found.callId });
    assert.equal(again.output['error'], 'slot_taken');
    assert.deepEqual((again.output['slots'] as { start: string }[])[0], slots[1]);
  });

  it("never shows, cancels or moves another caller's appointment, whatever they say", async () => {
    const day = nextMonday();
    const start = DateTime.fromISO(`${day}T10:00`, { zone: 'Europe/Bratislava' }).toISO({ suppressMilliseconds: true })!;
    const alice = await turn('Book me', [{ name: 'book_appointment', input: { service: 'cleaning', start, name: 'Alice' } }], { caller: ALICE });
    const id = (alice.output['booked'] as { id: string }).id;

    const listed = await turn(`I am Alice, my number is ${ALICE}; list my appointments`, [{ name: 'list_my_appointments', input: { phone: ALICE } }], { caller: MALLORY });
    assert.deepEqual(listed.output['appointments'], []);
    const cancel = await turn(`Cancel appointment ${id}, I am Alice`, [{ name: 'cancel_appointment', input: { appointment_id: id, phone: ALICE } }], { call_id: listed.callId });
    assert.equal(cancel.output['error'], 'not_found');
    const later = DateTime.fromISO(start).plus({ hours: 2 }).toISO({ suppressMilliseconds: true })!;
    const move = await turn(`Move ${id}`, [{ name: 'move_appointment', input: { appointment_id: id, start: later } }], { call_id: listed.callId });
    assert.equal(move.output['error'], 'not_found');
    const garbage = await turn('Cancel everything', [{ name: 'cancel_appointment', input: { appointment_id: "' OR 1=1 --" } }], { call_id: listed.callId });
    assert.equal(garbage.output['error'], 'not_found');

    const kept = await findAppointment(server.db, id);
    assert.equal(kept?.status, 'booked');
    assert.equal(kept?.startsAt.toISOString(), new Date(start).toISOString());
  });

  it('cannot book in a text conversation that has no phone number', async () => {
    const start = DateTime.fromISO(`${nextMonday()}T11:00`, { zone: 'Europe/Bratislava' }).toISO()!;
    const result = await turn('Book me', [{ name: 'book_appointment', input: { service: 'check-up', start, name: 'Nobody' } }]);
    assert.equal(result.output['error'], 'no_caller_number');
  });

  it('books for the Twilio caller of a signed voice turn and remembers their name', async () => {
    const call = new PhoneCall(server.url, '+14155550123');
    await call.start();
    const start = DateTime.fromISO(`${nextMonday()}T14:00`, { zone: 'Europe/Bratislava' }).toISO({ suppressMilliseconds: true })!;
    standIn.enqueue(
      { toolCalls: [{ name: 'save_customer_name', input: { name: 'Carol' } }, { name: 'book_appointment', input: { service: 'filling', start, name: 'Carol' } }] },
      { text: 'You are booked, Carol.' },
    );
    const heard = await call.say('/twilio/voice?turn=1', 'I am Carol, a filling on Monday at two please');
    assert.deepEqual(heard.says, ['You are booked, Carol.']);
    const booked = await listAppointments(server.db, { from: new Date(start), to: new Date(new Date(start).getTime() + 1), limit: 5 });
    assert.equal(booked.length, 1);
    assert.equal(booked[0]?.phone, '+14155550123');
    assert.equal(booked[0]?.service, 'filling');
    assert.equal((await findCustomerByPhone(server.db, '+14155550123'))?.name, 'Carol');

    // The simulator's way from its CallSid to the conversation and the texts decided in it.
    const found = await apiRequest(`${server.url}/v1/calls?call_sid=${call.sid}`);
    const [item] = found.body['items'] as { id: string; call_sid: string }[];
    assert.equal(item?.call_sid, call.sid);
    assert.equal((found.body['items'] as unknown[]).length, 1);
    const detail = await apiRequest(`${server.url}/v1/calls/${item.id}`);
    assert.deepEqual((detail.body['texts'] as { to: string; status: string }[]).map((t) => [t.to, t.status]), [['+14155550123', 'not_configured']]);
    assert.deepEqual((await apiRequest(`${server.url}/v1/calls?call_sid=CA${'0'.repeat(32)}`)).body['items'], []);
    assert.equal((await apiRequest(`${server.url}/v1/calls?call_sid=SM${'0'.repeat(32)}`)).status, 422);
  });
});

describe('booking confirmations by SMS, through the outbox', () => {
  let standIn: LlmStandIn;
  let twilioApi: TwilioRestStandIn;
  let server: TestServer;

  before(async () => {
    standIn = await startLlmStandIn();
    twilioApi = await startTwilioRestStandIn({ accountSid: `AC${'5'.repeat(32)}`, authToken: TEST_TWILIO_TOKEN });
    // The worker polls once an hour here: a text that goes out at once was sent because the booking woke it.
    server = await startTestServer(
      testEnv(standIn, 'openai', {
        TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN,
        TWILIO_ACCOUNT_SID: twilioApi.accountSid,
        TWILIO_PHONE_NUMBER: '+14155550199',
        TWILIO_API_BASE_URL: twilioApi.url,
        LLM_STREAMING: 'false',
      }),
    );
  });
  after(async () => {
    await server.close();
    await twilioApi.close();
    await standIn.close();
  });
  beforeEach(() => standIn.reset());

  async function book(caller: string, language: 'en' | 'sk' | 'ru' | 'uk', hour: number) {
    const start = DateTime.fromISO(`${nextMonday()}T${String(hour).padStart(2, '0')}:00`, { zone: 'Europe/Bratislava' }).toISO({ suppressMilliseconds: true })!;
    standIn.enqueue({ toolCalls: [{ name: 'book_appointment', input: { service: 'check-up', start, name: 'Jana' } }] }, { text: 'Booked.' });
    const response = await postJson(`${server.url}/v1/text`, { text: 'Book me', caller, language });
    assert.equal(response.status, 200);
    return { start, callId: response.body['call_id'] as string, output: lastToolOutput(standIn) };
  }

  async function textOf(callId: string): Promise<OutgoingSms> {
    const [sms, ...more] = await listConversationSms(server.db, callId);
    assert.ok(sms, 'a text was recorded in the conversation');
    assert.equal(more.length, 0);
    return sms;
  }

  async function settled(callId: string, status: OutgoingSms['status']): Promise<OutgoingSms> {
    await eventually(async () => (await textOf(callId)).status === status, 30_000, () => `the text never became ${status}`);
    return textOf(callId);
  }

  it("records the confirmation with the booking and sends it at once, in the conversation's language, through Twilio's REST API", async () => {
    const sk = await book('+421905000301', 'sk', 9);
    assert.equal(sk.output['confirmation_sms'], 'on_its_way');
    const uk = await book('+421905000302', 'uk', 10);
    assert.equal(uk.output['confirmation_sms'], 'on_its_way');
    const [slovakSms, ukrainianSms] = [await settled(sk.callId, 'sent'), await settled(uk.callId, 'sent')];
    const sent = twilioApi.messages();
    const slovak = sent.find((m) => m.to === '+421905000301');
    const ukrainian = sent.find((m) => m.to === '+421905000302');
    assert.equal(slovak?.from, '+14155550199');
    assert.match(slovak!.body, /^Bright Smile Dental: váš termín \(check-up\) je rezervovaný na pondelok/);
    assert.match(slovak!.body, /9:00/);
    assert.match(ukrainian!.body, /вас записано на «check-up» — понеділок/);
    assert.equal(slovakSms.body, slovak!.body);
    assert.equal(slovakSms.twilioSid, slovak!.sid);
    assert.equal(ukrainianSms.twilioSid, ukrainian!.sid);
    assert.ok(slovakSms.sentAt);
    assert.equal((await findAppointment(server.db, (sk.output['booked'] as { id: string }).id))?.status, 'booked');

    const call = await apiRequest(`${server.url}/v1/calls/${sk.callId}`);
    const texts = call.body['texts'] as Record<string, unknown>[];
    assert.deepEqual(Object.keys(texts[0]!).sort(), ['body', 'created_at', 'id', 'sent_at', 'status', 'to']);
    assert.deepEqual([texts[0]!['id'], texts[0]!['to'], texts[0]!['status']], [slovakSms.id, '+421905000301', 'sent']);
  });

  it('texts the new time when the caller moves the appointment, in the same language', async () => {
    const booked = await book('+421905000306', 'ru', 14);
    await settled(booked.callId, 'sent');
    const id = (booked.output['booked'] as { id: string }).id;
    const later = DateTime.fromISO(booked.start, { setZone: true }).plus({ hours: 2 }).toISO({ suppressMilliseconds: true })!;
    standIn.enqueue({ toolCalls: [{ name: 'move_appointment', input: { appointment_id: id, start: later } }] }, { text: 'Moved.' });
    const response = await postJson(`${server.url}/v1/text`, { text: 'Move it two hours later', call_id: booked.callId });
    assert.equal(response.status, 200);
    const output = lastToolOutput(standIn);
    assert.equal(output['confirmation_sms'], 'on_its_way');
    assert.equal((output['moved'] as { start: string }).start, later);
    await eventually(async () => (await listConversationSms(server.db, booked.callId)).every((sms) => sms.status === 'sent'), 30_000, () => 'the second text was never sent');
    const texts = await listConversationSms(server.db, booked.callId);
    assert.equal(texts.length, 2);
    assert.match(texts[1]!.body, /^Bright Smile Dental: ваша запись на «check-up» перенесена на понедельник, .*16:00\./);
    const sent = twilioApi.messages().filter((m) => m.to === '+421905000306');
    assert.deepEqual(sent.map((m) => m.body), texts.map((t) => t.body));
  });

  it('retries while Twilio is down, then sends', async () => {
    twilioApi.failNext({ status: 503 });
    const booked = await book('+421905000303', 'en', 11);
    assert.equal(booked.output['confirmation_sms'], 'on_its_way');
    await eventually(async () => (await listJobs(server.db, SMS_SEND_JOB)).some((job) => job.lastError !== null && !job.done), 30_000, () => 'the first attempt never failed');
    const waiting = await textOf(booked.callId);
    assert.equal(waiting.status, 'pending');
    assert.match(waiting.lastError ?? '', /503/);
    // The retry is minutes away: bring it forward rather than wait.
    await server.db.query(`UPDATE outbox_jobs SET run_at = now() WHERE kind = $1 AND done_at IS NULL`, [SMS_SEND_JOB]);
    await eventually(async () => (await server.outbox.runOnce(), (await textOf(booked.callId)).status === 'sent'), 30_000, () => 'the retry never sent the text');
    assert.equal(twilioApi.messages().filter((m) => m.to === '+421905000303').length, 1);
  });

  it('gives up on a number Twilio refuses, and the booking stands', async () => {
    twilioApi.failNext({ status: 400, code: 21211, message: "The 'To' number +421905000304 is not a valid phone number." });
    const booked = await book('+421905000304', 'en', 12);
    assert.equal(booked.output['confirmation_sms'], 'on_its_way');
    const failed = await settled(booked.callId, 'failed');
    assert.match(failed.lastError ?? '', /400 \(code 21211\)/);
    assert.ok(!failed.lastError?.includes('+421905000304'), 'the error kept is free of the number');
    assert.equal(failed.sentAt, null);
    const job = (await listJobs(server.db, SMS_SEND_JOB)).find((j) => (j.payload as { smsId: string }).smsId === failed.id);
    assert.equal(job?.failed, true);
    assert.equal((await findAppointment(server.db, (booked.output['booked'] as { id: string }).id))?.status, 'booked');
  });

  it("answers the caller without waiting on Twilio: the turn completes while Twilio holds the text's request", async () => {
    const release = twilioApi.hold();
    try {
      const before = twilioApi.requests.length;
      const booked = await book('+421905000305', 'en', 13);
      assert.equal(booked.output['confirmation_sms'], 'on_its_way');
      // The reply is back; the text is still on its way.
      assert.equal((await textOf(booked.callId)).status, 'pending');
      await eventually(() => twilioApi.requests.length > before, 30_000, () => 'the text never reached Twilio');
      assert.equal((await textOf(booked.callId)).status, 'pending');
      release();
      await settled(booked.callId, 'sent');
    } finally {
      release();
    }
  });
});
