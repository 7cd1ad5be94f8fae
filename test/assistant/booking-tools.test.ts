// The booking tools driven by a scripted model through /v1/text and a signed voice turn: the caller is always the line's.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { DateTime } from 'luxon';
import { findAppointment, listAppointments } from '../../src/booking/appointments-repo.ts';
import { findCustomerByPhone } from '../../src/booking/customers-repo.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { PhoneCall } from '../helpers/phone-call.ts';
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
  });
});

describe('booking confirmations by SMS', () => {
  let standIn: LlmStandIn;
  let twilioApi: TwilioRestStandIn;
  let server: TestServer;

  before(async () => {
    standIn = await startLlmStandIn();
    twilioApi = await startTwilioRestStandIn({ accountSid: `AC${'5'.repeat(32)}`, authToken: TEST_TWILIO_TOKEN });
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
    return { start, output: lastToolOutput(standIn) };
  }

  it("texts the caller a confirmation in the conversation's language through Twilio's REST API", async () => {
    const sk = await book('+421905000301', 'sk', 9);
    assert.equal(sk.output['confirmation_sms'], 'sent');
    const uk = await book('+421905000302', 'uk', 10);
    assert.equal(uk.output['confirmation_sms'], 'sent');
    const [slovak, ukrainian] = twilioApi.messages();
    assert.equal(slovak?.to, '+421905000301');
    assert.equal(slovak?.from, '+14155550199');
    assert.match(slovak!.body, /^Bright Smile Dental: váš termín \(check-up\) je rezervovaný na pondelok/);
    assert.match(slovak!.body, /9:00/);
    assert.match(ukrainian!.body, /вас записано на «check-up» — понеділок/);
  });

  it('keeps the booking when the text cannot be sent, and says so to the model', async () => {
    twilioApi.failNext({ status: 500 });
    const failed = await book('+421905000303', 'en', 11);
    assert.equal(failed.output['confirmation_sms'], 'failed');
    const booked = failed.output['booked'] as { id: string };
    assert.equal((await findAppointment(server.db, booked.id))?.status, 'booked');
  });
});
