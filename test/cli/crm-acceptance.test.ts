// Issue 9's acceptance, as a new user runs it: the real server and the real simulator, a scripted model; two calls from one
// number (book; then move, a person who does not answer, a message), checked in what the user sees, in /v1 and at a webhook receiver.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DateTime } from 'luxon';
import { phrase } from '../../src/assistant/phrases.ts';
import { killAndWait, track } from '../helpers/child-processes.ts';
import { startLlmStandIn, type LlmStandIn, type RecordedRequest } from '../helpers/llm-stand-in.ts';
import { eventually, startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { startTwilioRestStandIn, type TwilioRestStandIn } from '../helpers/twilio-rest-stand-in.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const API_KEY = 'acceptance-api-key-0123456789';
const WEBHOOK_SECRET = 'acceptance-webhook-secret-0123456789';
const TIME_ZONE = 'Europe/Bratislava';
const CALLER = '+421905111222';
const BUSINESS_NUMBER = '+421233000111';
const PERSON = '+421905123456';
const GREETING = 'Hello, Bright Smile Dental. How can I help?';
// Generous: a loaded two-core machine runs a server, the simulator and the stand-ins at once.
const EVENTS_TIMEOUT_MS = 60_000;

// The profile a user would write, open all day every day so that "now" is always inside opening hours.
function profileFile(): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'pa-crm-profile-')), 'profile.yaml');
  const days = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
  writeFileSync(
    file,
    [
      'name: Bright Smile Dental',
      `timezone: ${TIME_ZONE}`,
      `transfer_number: "${PERSON}"`,
      `greetings: {en: "${GREETING}", ru: "${GREETING}", uk: "${GREETING}", sk: "${GREETING}"}`,
      'hours:',
      ...days.map((day) => `  ${day}: "00:00-23:59"`),
      'services:',
      '  - name: check-up',
      '    duration_minutes: 30',
      '',
    ].join('\n'),
  );
  return file;
}

interface SignedEvent {
  id: string;
  type: string;
  created_at: string;
  data: Record<string, unknown>;
}

// A receiver as the README tells a business to write one: its verify(), word for word, over the raw body.
function verify(rawBody: string, header: string, secret: string): boolean {
  const { t, v1 } = Object.fromEntries(header.split(',').map((part) => part.split('='))) as { t: string; v1: string };
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest('hex');
  const fresh = Math.abs(Date.now() / 1000 - Number(t)) <= 300;
  return fresh && v1.length === expected.length && timingSafeEqual(Buffer.from(v1), Buffer.from(expected));
}

async function startReceiver(): Promise<{ url: string; events: SignedEvent[]; refused: number; close(): Promise<void> }> {
  const state = { events: [] as SignedEvent[], refused: 0 };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const header = request.headers['x-phone-assistant-signature'];
      if (typeof header !== 'string' || !verify(raw, header, WEBHOOK_SECRET)) {
        state.refused += 1;
        response.writeHead(401).end();
        return;
      }
      state.events.push(JSON.parse(raw) as SignedEvent);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/phone-assistant`,
    events: state.events,
    get refused() {
      return state.refused;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** `phone-assistant call` as a user runs it, with what they type piped in. */
function runCall(args: string[], env: Record<string, string>, input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = track(spawn(process.execPath, ['cli/main.ts', 'call', ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env } }));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(input);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

async function api<T>(server: ServerProcess, route: string): Promise<T> {
  const response = await fetch(`${server.url}${route}`, { headers: { authorization: `Bearer ${API_KEY}` } });
  assert.equal(response.status, 200, `GET ${route}`);
  return (await response.json()) as T;
}

/** The first Tuesday after today in the business's time zone, as YYYY-MM-DD: "next Tuesday". */
function nextTuesday(): string {
  const today = DateTime.now().setZone(TIME_ZONE).startOf('day');
  return today.plus({ days: ((2 - today.weekday + 7) % 7) || 7 }).toISODate()!;
}

/** The tool results the model was given in one request, as one string. */
function toolResults(request: RecordedRequest | undefined): string {
  const messages = (request?.body.messages ?? []) as { role: string; content: unknown }[];
  return JSON.stringify(messages.filter((message) => message.role === 'tool'));
}

const SUMMARY_1 = { caller: 'Ann Novak', intent: 'Book a check-up', outcome: 'Booked for next Tuesday at 10:00', follow_up_needed: false, follow_up: null };
const SUMMARY_2 = {
  caller: 'Ann Novak',
  intent: 'Move her check-up and talk to the dentist',
  outcome: 'Moved to 11:00; nobody answered the transfer; message taken',
  follow_up_needed: true,
  follow_up: 'Call Ann back about her crown',
};

describe('a new user: call, book, call again, move, ask for a person who does not answer, leave a message', () => {
  let standIn: LlmStandIn;
  let twilioRest: TwilioRestStandIn;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let server: ServerProcess;
  let callEnv: Record<string, string>;
  const tuesday = nextTuesday();
  const callArgs = () => ['--url', server.url, '--from', CALLER];

  before(async () => {
    standIn = await startLlmStandIn();
    twilioRest = await startTwilioRestStandIn();
    receiver = await startReceiver();
    server = await startServerProcess({
      DATA_DIR: mkdtempSync(path.join(tmpdir(), 'pa-crm-acceptance-')),
      LOG_LEVEL: 'warn',
      API_KEY,
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: standIn.openaiBaseUrl,
      OPENAI_MODEL: 'stand-in-model',
      ASSISTANT_PROFILE: profileFile(),
      TWILIO_ACCOUNT_SID: twilioRest.accountSid,
      TWILIO_AUTH_TOKEN: twilioRest.authToken,
      TWILIO_PHONE_NUMBER: BUSINESS_NUMBER,
      TWILIO_API_BASE_URL: twilioRest.url,
      BUSINESS_WEBHOOK_URL: receiver.url,
      BUSINESS_WEBHOOK_SECRET: WEBHOOK_SECRET,
      // Summaries, texts and events are background jobs: run them at once.
      OUTBOX_POLL_INTERVAL_MS: '100',
    });
    // The simulator reads the same settings the server does (from .env, in real use).
    callEnv = { TWILIO_AUTH_TOKEN: twilioRest.authToken, API_KEY };
  });
  after(async () => {
    await killAndWait(server.child);
    await Promise.all([standIn.close(), twilioRest.close(), receiver.close()]);
  });

  it('call 1: gives her name, books a check-up for next Tuesday, sees the confirmation text and the summary', async () => {
    standIn.enqueue(
      { toolCalls: [{ name: 'save_customer_name', input: { name: 'Ann Novak' } }, { name: 'find_free_slots', input: { service: 'check-up', from: tuesday, to: tuesday } }] },
      { text: 'Next Tuesday I have 10:00, 10:30 or 11:00. Which would you like?' },
      { toolCalls: [{ name: 'book_appointment', input: { service: 'check-up', start: `${tuesday}T10:00:00`, name: 'Ann Novak' } }] },
      { text: 'You are booked for Tuesday at 10:00, Ann. A text is on its way. Anything else?' },
      { toolCalls: [{ name: 'end_call', input: {} }] },
      { text: 'Goodbye, Ann!' },
      // The summary, asked for by the background job once the call has ended.
      { text: JSON.stringify(SUMMARY_1) },
    );
    const call = await runCall(callArgs(), callEnv, "Hi, this is Ann Novak. Can I come for a check-up next Tuesday?\nTen o'clock, please.\nNo, that's all. Bye!\n");
    assert.equal(call.code, 0, call.stderr);

    const confirmation = twilioRest.messages().find((message) => message.to === CALLER);
    assert.ok(confirmation, `a confirmation text went to Twilio: ${JSON.stringify(twilioRest.messages())}`);
    assert.equal(confirmation.from, BUSINESS_NUMBER);
    assert.match(confirmation.body, /^Bright Smile Dental: your check-up is booked for Tuesday.* 10:00/);
    assert.equal(
      call.stdout,
      [
        `assistant: ${GREETING}`,
        'you: Hi, this is Ann Novak. Can I come for a check-up next Tuesday?',
        'assistant: Next Tuesday I have 10:00, 10:30 or 11:00. Which would you like?',
        "you: Ten o'clock, please.",
        'assistant: You are booked for Tuesday at 10:00, Ann. A text is on its way. Anything else?',
        `(text message to you: "${confirmation.body}")`,
        "you: No, that's all. Bye!",
        'assistant: Goodbye, Ann!',
        'call ended',
        'summary of the call:',
        '  caller: Ann Novak',
        '  intent: Book a check-up',
        '  outcome: Booked for next Tuesday at 10:00',
        '  follow-up: none',
        '',
      ].join('\n'),
    );

    const [appointment, ...others] = (await api<{ items: { service: string; name: string; local_start: string; status: string; phone: string }[] }>(server, '/v1/appointments')).items;
    assert.deepEqual(others, []);
    assert.deepEqual(
      { service: appointment?.service, name: appointment?.name, status: appointment?.status, phone: appointment?.phone },
      { service: 'check-up', name: 'Ann Novak', status: 'booked', phone: CALLER },
    );
    assert.ok(appointment?.local_start.startsWith(`${tuesday}T10:00:00`), appointment?.local_start);

    // The owner sees the same call: its summary, and the text as Twilio accepted it.
    const [customer] = (await api<{ items: { id: string }[] }>(server, '/v1/customers')).items;
    const { conversations } = await api<{ conversations: { id: string }[] }>(server, `/v1/customers/${customer!.id}`);
    type Detail = { summary: unknown; texts: { to: string; body: string; status: string }[] };
    let detail = await api<Detail>(server, `/v1/calls/${conversations[0]!.id}`);
    await eventually(
      async () => (detail = await api<Detail>(server, `/v1/calls/${conversations[0]!.id}`)).texts[0]?.status === 'sent',
      EVENTS_TIMEOUT_MS,
      () => `texts: ${JSON.stringify(detail.texts)}`,
    );
    assert.deepEqual(detail.summary, SUMMARY_1);
    assert.deepEqual(
      detail.texts.map((text) => [text.to, text.body, text.status]),
      [[CALLER, confirmation.body, 'sent']],
    );
  });

  it('call 2: greeted by name, moves the appointment, the dentist does not answer, leaves a message, sees the summary', async () => {
    const { items } = await api<{ items: { id: string }[] }>(server, '/v1/appointments');
    const appointmentId = items[0]!.id;
    standIn.reset();
    standIn.enqueue(
      { toolCalls: [{ name: 'list_my_appointments', input: {} }] },
      { toolCalls: [{ name: 'move_appointment', input: { appointment_id: appointmentId, start: `${tuesday}T11:00:00` } }] },
      { text: 'Done: your check-up is now on Tuesday at 11:00. Anything else?' },
      { toolCalls: [{ name: 'transfer_to_human', input: { reason: 'wants to talk to the dentist' } }] },
      { text: 'Putting you through to the dentist now.' },
      { toolCalls: [{ name: 'take_message', input: { name: 'Ann Novak', message: 'Please call me back about my crown.' } }] },
      { text: 'I have passed that on; the dentist will call you back. Anything else?' },
      { toolCalls: [{ name: 'end_call', input: {} }] },
      { text: 'Goodbye, Ann!' },
      { text: JSON.stringify(SUMMARY_2) },
    );
    const call = await runCall(
      callArgs(),
      callEnv,
      ['Could I move my check-up to eleven?', 'Can I talk to the dentist?', 'n', 'Please ask the dentist to call me back about my crown.', 'No, bye.', ''].join('\n'),
    );
    assert.equal(call.code, 0, call.stderr);
    // The first model request already knows her, and the appointment it moves is her own.
    assert.match(JSON.stringify(standIn.requests[0]?.body.messages), /Ann Novak/);
    assert.match(toolResults(standIn.requests[1]), new RegExp(appointmentId));
    const movedText = twilioRest.messages().filter((message) => message.to === CALLER).at(-1);
    assert.ok(movedText, 'the new time went to Twilio by text');
    assert.match(movedText.body, /^Bright Smile Dental: your check-up has been moved to Tuesday.* 11:00/);

    assert.deepEqual(call.stdout.split('\n'), [
      // Greeted by name.
      'assistant: Hello Ann Novak, welcome back to Bright Smile Dental. How can I help you today?',
      'you: Could I move my check-up to eleven?',
      'assistant: Done: your check-up is now on Tuesday at 11:00. Anything else?',
      // The new time by text, as the booking's was.
      `(text message to you: "${movedText.body}")`,
      'you: Can I talk to the dentist?',
      'assistant: Putting you through to the dentist now.',
      `(dialling ${PERSON}, ringing up to 20 s)`,
      'you: n',
      '(nobody answers: back to the assistant)',
      `assistant: ${phrase('en', 'transfer_failed')}`,
      'you: Please ask the dentist to call me back about my crown.',
      'assistant: I have passed that on; the dentist will call you back. Anything else?',
      'you: No, bye.',
      'assistant: Goodbye, Ann!',
      'call ended',
      'summary of the call:',
      '  caller: Ann Novak',
      '  intent: Move her check-up and talk to the dentist',
      '  outcome: Moved to 11:00; nobody answered the transfer; message taken',
      '  follow-up: Call Ann back about her crown',
      '',
    ]);

    const [appointment] = (await api<{ items: { id: string; local_start: string; status: string }[] }>(server, '/v1/appointments')).items;
    assert.equal(appointment?.id, appointmentId);
    assert.ok(appointment?.local_start.startsWith(`${tuesday}T11:00:00`), appointment?.local_start);

    const messages = (await api<{ items: { name: string; message: string; caller: string; call_id: string }[] }>(server, '/v1/messages')).items;
    assert.deepEqual(
      messages.map((m) => [m.name, m.message, m.caller]),
      [['Ann Novak', 'Please call me back about my crown.', CALLER]],
    );
    const detail = await api<{ transfers: { outcome: string; reason: string }[]; summary: unknown; status: string }>(server, `/v1/calls/${messages[0]!.call_id}`);
    assert.deepEqual(
      detail.transfers.map((t) => [t.outcome, t.reason]),
      [['no-answer', 'wants to talk to the dentist']],
    );
    assert.deepEqual(detail.summary, SUMMARY_2);
    assert.equal(detail.status, 'completed');

    const customers = (await api<{ items: { phone: string; name: string; conversation_count: number }[] }>(server, '/v1/customers')).items;
    assert.deepEqual(
      customers.map((c) => [c.phone, c.name, c.conversation_count]),
      [[CALLER, 'Ann Novak', 2]],
    );
  });

  it('the business receives each event once, signed: the booking, the move, the failed transfer, the message and both summaries', async () => {
    const expected = ['appointment.booked', 'appointment.moved', 'callback.requested', 'conversation.completed', 'conversation.completed', 'transfer.failed'];
    await eventually(
      () => receiver.events.length >= expected.length,
      EVENTS_TIMEOUT_MS,
      () => `events received: ${JSON.stringify(receiver.events.map((event) => event.type))}`,
    );
    assert.equal(receiver.refused, 0, 'every signature verified');
    assert.deepEqual(receiver.events.map((event) => event.type).sort(), expected);
    assert.equal(new Set(receiver.events.map((event) => event.id)).size, receiver.events.length, 'ids are unique');

    const of = (type: string) => receiver.events.filter((event) => event.type === type);
    assert.equal(of('transfer.failed')[0]?.data['outcome'], 'no-answer');
    assert.ok(of('appointment.moved')[0]?.data['previous_start'], 'the move names the time it left');
    assert.equal(of('callback.requested')[0]?.data['message'], 'Please call me back about my crown.');
    assert.deepEqual(
      of('conversation.completed').map((event) => event.data['summary']),
      [SUMMARY_1, SUMMARY_2],
    );
  });
});
