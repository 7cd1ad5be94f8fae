// The `phone-assistant` command run as a user runs it, against a loopback stand-in that checks every request as the server does.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import twilio from 'twilio';
import { track } from '../helpers/child-processes.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TOKEN = '0123456789abcdef0123456789abcdef';

interface Received {
  path: string;
  params: Record<string, string>;
  signatureValid: boolean;
}

/** How the stand-in answers a GET of its /v1 API: JSON with a status, given the requests so far. */
type ApiScript = (path: string, received: Received[]) => { status: number; json: unknown };

interface ApiRequest {
  path: string;
  authorization: string | undefined;
}

/**
 * A server that answers each path (query included) with a scripted TwiML document, recording what it was sent;
 * GETs under /v1 go to `api`, and are recorded apart.
 */
async function startStandIn(script: Record<string, string | { status: number; body: string }>, api?: ApiScript) {
  const received: Received[] = [];
  const apiRequests: ApiRequest[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (req.method === 'GET' && req.url?.startsWith('/v1/')) {
        apiRequests.push({ path: req.url, authorization: req.headers.authorization });
        const answer = api?.(req.url, received) ?? { status: 404, json: { error: 'not_found' } };
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.json));
        return;
      }
      const params = Object.fromEntries(new URLSearchParams(body));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${req.url}`;
      const signature = req.headers['x-twilio-signature'];
      const signatureValid = typeof signature === 'string' && twilio.validateRequest(TOKEN, signature, url, params);
      received.push({ path: req.url ?? '', params, signatureValid });
      const answer = signatureValid ? script[req.url ?? ''] : { status: 403, body: 'bad signature' };
      if (answer === undefined) res.writeHead(404).end(`no script for ${req.url}`);
      else if (typeof answer === 'string') res.writeHead(200, { 'content-type': 'text/xml' }).end(answer);
      else res.writeHead(answer.status).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, apiRequests, close: () => new Promise((resolve) => server.close(resolve)) };
}

function runCli(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}) {
  // A clean environment, so that the developer's own TWILIO_* or PUBLIC_URL cannot change the outcome.
  const child = track(spawn(process.execPath, ['cli/main.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', DATA_DIR: mkdtempSync(path.join(tmpdir(), 'pa-cli-')), ...options.env },
  }));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // All at once, as a pipe delivers it: no line may be lost while the first request is in flight.
  child.stdin.end(options.stdin ?? '');
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
}

const gather = (turn: number, say: string) =>
  `<Response><Gather action="/twilio/voice?turn=${turn}&amp;lang=en" input="speech dtmf" language="en-US" actionOnEmptyResult="true"><Say>${say}</Say></Gather></Response>`;

const VOICE_SCRIPT = {
  '/twilio/incoming': gather(1, 'Hello, Acme &amp; Sons. How can I help?'),
  '/twilio/incoming?language=sk': gather(1, 'Dobrý deň.'),
  '/twilio/voice?turn=1&lang=en': `<Response><Say>We open at 8.</Say>${gather(2, 'Anything else?').slice('<Response>'.length)}`,
  '/twilio/voice?turn=2&lang=en': '<Response><Redirect method="POST">/twilio/voice?turn=3&amp;lang=en</Redirect></Response>',
  '/twilio/voice?turn=3&lang=en': gather(4, 'Please key in your account number.'),
  '/twilio/voice?turn=4&lang=en': '<Response><Say>Thank you. Goodbye.</Say><Hangup/></Response>',
  '/twilio/status': '',
};

describe('phone-assistant call', () => {
  let standIn: Awaited<ReturnType<typeof startStandIn>>;
  before(async () => (standIn = await startStandIn(VOICE_SCRIPT)));
  after(() => standIn.close());

  it('plays a whole call: speech, silence, a redirect, keypad digits, the hang-up and the status callback', async () => {
    standIn.received.length = 0;
    const result = await runCli(['call', '--url', standIn.url, '--token', TOKEN], { stdin: 'When are you open?\n\n#123\nunused\n' });

    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stdout,
      [
        'assistant: Hello, Acme & Sons. How can I help?',
        'you: When are you open?',
        'assistant: We open at 8.',
        'assistant: Anything else?',
        'you: (silence)',
        'assistant: Please key in your account number.',
        'you: #123',
        'assistant: Thank you. Goodbye.',
        'call ended',
        '',
      ].join('\n'),
    );
    assert.match(result.stderr, /^calling http:\/\/127\.0\.0\.1:\d+ from \+1\*\*\*\*\*0100/);

    const [incoming, turn1, turn2, turn3, turn4, status, ...rest] = standIn.received;
    assert.deepEqual(rest, []);
    assert.ok(standIn.received.every((request) => request.signatureValid));
    assert.deepEqual(
      standIn.received.map((request) => request.path),
      ['/twilio/incoming', '/twilio/voice?turn=1&lang=en', '/twilio/voice?turn=2&lang=en', '/twilio/voice?turn=3&lang=en', '/twilio/voice?turn=4&lang=en', '/twilio/status'],
    );

    const callSid = incoming?.params.CallSid;
    assert.match(callSid ?? '', /^CA[0-9a-f]{32}$/);
    assert.match(incoming?.params.AccountSid ?? '', /^AC[0-9a-f]{32}$/);
    assert.deepEqual(incoming?.params, {
      CallSid: callSid,
      AccountSid: incoming?.params.AccountSid,
      From: '+14155550100',
      To: '+14155550199',
      CallStatus: 'ringing',
      Direction: 'inbound',
      ApiVersion: '2010-04-01',
    });
    for (const request of [turn1, turn2, turn3, turn4, status]) assert.equal(request?.params.CallSid, callSid);

    assert.equal(turn1?.params.CallStatus, 'in-progress');
    assert.equal(turn1?.params.SpeechResult, 'When are you open?');
    assert.equal(turn1?.params.Confidence, '0.92');
    assert.equal('SpeechResult' in (turn2?.params ?? {}), false, 'silence carries no SpeechResult');
    assert.equal('Digits' in (turn2?.params ?? {}), false);
    assert.equal('SpeechResult' in (turn3?.params ?? {}), false, 'a redirect carries no speech');
    assert.equal(turn4?.params.Digits, '123');
    assert.equal('SpeechResult' in (turn4?.params ?? {}), false);
    assert.equal(status?.params.CallStatus, 'completed');
    assert.match(status?.params.CallDuration ?? '', /^\d+$/);
  });

  it('treats the end of input as the caller hanging up, and still reports the call completed', async () => {
    standIn.received.length = 0;
    const result = await runCli(['call', '--url', standIn.url, '--token', TOKEN, '--language', 'sk', '--from', '+421905123456'], {
      stdin: 'Kedy máte otvorené?\n',
    });

    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'assistant: Dobrý deň.\nyou: Kedy máte otvorené?\nassistant: We open at 8.\nassistant: Anything else?\ncall ended (you hung up)\n');
    assert.deepEqual(
      standIn.received.map((request) => [request.path, request.signatureValid, request.params.From]),
      [
        ['/twilio/incoming?language=sk', true, '+421905123456'],
        ['/twilio/voice?turn=1&lang=en', true, '+421905123456'],
        ['/twilio/status', true, '+421905123456'],
      ],
    );
    assert.equal(standIn.received.at(-1)?.params.CallStatus, 'completed');
  });

  it('signs with the development token the server wrote to DATA_DIR when no token is given', async () => {
    standIn.received.length = 0;
    const dataDir = mkdtempSync(path.join(tmpdir(), 'pa-cli-'));
    writeFileSync(path.join(dataDir, 'twilio-dev-auth-token'), `${TOKEN}\n`);
    const result = await runCli(['call', '--url', standIn.url], { env: { DATA_DIR: dataDir } });

    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(
      standIn.received.map((request) => request.signatureValid),
      [true, true],
    );
  });

  it('says how to get a token when there is none', async () => {
    const result = await runCli(['call', '--url', standIn.url]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /no Twilio auth token .*--token.*TWILIO_AUTH_TOKEN.*npm start/);
  });

  it('stops with the status and body when the server refuses a request', async () => {
    standIn.received.length = 0;
    const result = await runCli(['call', '--url', standIn.url, '--token', 'ffffffffffffffffffffffffffffffff'], { stdin: 'hello\n' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /server answered 403: bad signature/);
    assert.equal(result.stdout, '');
  });

  it('hints at a token from another DATA_DIR when the server refuses the development token', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'pa-cli-'));
    writeFileSync(path.join(dataDir, 'twilio-dev-auth-token'), `${'e'.repeat(32)}\n`);
    const result = await runCli(['call', '--url', standIn.url], { env: { DATA_DIR: dataDir }, stdin: 'hello\n' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /server answered 403: bad signature/);
    assert.ok(result.stderr.includes(`made with the development token in ${path.join(dataDir, 'twilio-dev-auth-token')} over ${standIn.url}`), result.stderr);
    assert.match(result.stderr, /another DATA_DIR .* has another development token: run this with the server's DATA_DIR, or pass --token/);
  });

  it('reads .env from the directory it runs in, as installed (through its #! line)', async () => {
    standIn.received.length = 0;
    const dir = mkdtempSync(path.join(tmpdir(), 'pa-cli-env-'));
    writeFileSync(path.join(dir, '.env'), `TWILIO_AUTH_TOKEN=${TOKEN}\n`);
    const child = track(spawn(path.join(ROOT, 'cli/main.ts'), ['call', '--url', standIn.url], {
      cwd: dir,
      // The #! line finds node on PATH: the one running these tests.
      env: { PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`, NO_COLOR: '1' },
    }));
    child.stdin.end('');
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, stderr);
    assert.deepEqual(
      standIn.received.map((request) => request.signatureValid),
      [true, true],
    );
  });

  it('says the server is not running when nothing listens at the URL', async () => {
    const closed = await startStandIn({});
    await closed.close();
    const result = await runCli(['call', '--url', closed.url, '--token', TOKEN], { stdin: 'hello\n' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`cannot reach ${closed.url}/twilio/incoming: is the server running \\(npm start\\)\\?`));
  });
});

const dial = (turn: number) =>
  `<Response><Say>Putting you through.</Say><Dial action="/twilio/dial-ended?turn=${turn}&amp;transfer=t1" method="POST" timeout="20" callerId="+14155550100">+421905123456</Dial></Response>`;

const TRANSFER_SCRIPT = {
  '/twilio/incoming': gather(1, 'Hello.'),
  '/twilio/voice?turn=1&lang=en': dial(2),
  '/twilio/dial-ended?turn=2&transfer=t1': gather(2, 'Sorry, nobody could take your call. Your name?'),
  '/twilio/voice?turn=2&lang=en': dial(3),
  '/twilio/dial-ended?turn=3&transfer=t1': '<Response><Hangup/></Response>',
  '/twilio/status': '',
};

describe('phone-assistant call, put through to a person', () => {
  let standIn: Awaited<ReturnType<typeof startStandIn>>;
  before(async () => (standIn = await startStandIn(TRANSFER_SCRIPT)));
  after(() => standIn.close());

  it('shows the dialling, lets the user say whether the person answers, and posts the dial outcome to its action', async () => {
    const result = await runCli(['call', '--url', standIn.url, '--token', TOKEN], { stdin: 'A person, please\nx\nn\nAnn\nanswer\n\n' });

    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stdout,
      [
        'assistant: Hello.',
        'you: A person, please',
        'assistant: Putting you through.',
        '(dialling +421905123456, ringing up to 20 s)',
        'you: x',
        'you: n',
        '(nobody answers: back to the assistant)',
        'assistant: Sorry, nobody could take your call. Your name?',
        'you: Ann',
        'assistant: Putting you through.',
        '(dialling +421905123456, ringing up to 20 s)',
        'you: answer',
        '(a person answers: you are talking to them now; press Enter when they hang up)',
        'you: (silence)',
        '(the person hangs up)',
        'call ended',
        '',
      ].join('\n'),
    );
    assert.match(result.stderr, /does the person answer\? a = answers, n = no answer, b = busy, f = fails/);
    const dialEnds = standIn.received.filter((request) => request.path.startsWith('/twilio/dial-ended'));
    assert.ok(dialEnds.every((request) => request.signatureValid));
    assert.deepEqual(
      dialEnds.map((request) => request.params.DialCallStatus),
      ['no-answer', 'completed'],
    );
    assert.match(dialEnds[1]?.params.DialCallDuration ?? '', /^\d+$/);
  });
});

const API_KEY = 'simulator-api-key-0123456789';
const CALL_ID = '5b0c1a52-8f43-4c51-9d0e-0a7c6b2f1e11';
const CONFIRMATION = 'Acme: your check-up is booked for Tuesday 8 December 2026 at 10:00.';

const BOOKING_SCRIPT = {
  '/twilio/incoming': gather(1, 'Hello.'),
  '/twilio/voice?turn=1&lang=en': `<Response><Say>You are booked for Tuesday at ten.</Say>${gather(2, 'Anything else?').slice('<Response>'.length)}`,
  '/twilio/voice?turn=2&lang=en': '<Response><Say>Goodbye.</Say><Hangup/></Response>',
  '/twilio/status': '',
};

const SUMMARY = { caller: 'Ann', intent: 'Book a check-up', outcome: 'Booked for Tuesday 10:00', follow_up_needed: false, follow_up: null };

/**
 * The server's /v1 view of the call as it goes: the confirmation text appears once the booking turn
 * was posted, and the summary `summaryAfterPolls` reads after the final status (never when null).
 */
function bookingApi(options: { summaryAfterPolls: number | null; textStatus: string; noSummary?: boolean }): ApiScript {
  let pollsAfterStatus = 0;
  return (path, received) => {
    const callSid = received[0]?.params.CallSid ?? '';
    if (path === `/v1/calls?channel=voice&call_sid=${callSid}`) return { status: 200, json: { items: [{ id: CALL_ID, call_sid: callSid }], next_cursor: null } };
    if (path !== `/v1/calls/${CALL_ID}`) return { status: 404, json: { error: 'not_found' } };
    const booked = received.some((request) => request.path === '/twilio/voice?turn=1&lang=en');
    const ended = received.some((request) => request.path === '/twilio/status');
    if (ended) pollsAfterStatus += 1;
    const summarized = ended && options.summaryAfterPolls !== null && pollsAfterStatus > options.summaryAfterPolls;
    const texts = booked ? [{ id: 't1', to: '+14155550100', body: CONFIRMATION, status: ended ? options.textStatus : 'pending', created_at: '2026-12-01T10:00:00Z', sent_at: null }] : [];
    const summarizedAt = summarized ? '2026-12-01T10:01:00Z' : null;
    return { status: 200, json: { id: CALL_ID, call_sid: callSid, summary: summarized && !options.noSummary ? SUMMARY : null, summarized_at: summarizedAt, texts, transfers: [], messages: [] } };
  };
}

describe('phone-assistant call, the texts and summary the server kept', () => {
  it('shows a text as soon as the server has sent it, and the summary once the background job wrote it', async () => {
    const standIn = await startStandIn(BOOKING_SCRIPT, bookingApi({ summaryAfterPolls: 2, textStatus: 'not_configured' }));
    try {
      const result = await runCli(['call', '--url', standIn.url, '--token', TOKEN], { stdin: 'Book me a check-up on Tuesday\nNo, bye\n', env: { API_KEY } });

      assert.equal(result.code, 0, result.stderr);
      assert.equal(
        result.stdout,
        [
          'assistant: Hello.',
          'you: Book me a check-up on Tuesday',
          'assistant: You are booked for Tuesday at ten.',
          'assistant: Anything else?',
          `(text message to you: "${CONFIRMATION}")`,
          'you: No, bye',
          'assistant: Goodbye.',
          'call ended',
          'summary of the call:',
          '  caller: Ann',
          '  intent: Book a check-up',
          '  outcome: Booked for Tuesday 10:00',
          '  follow-up: none',
          '',
        ].join('\n'),
      );
      assert.match(result.stderr, /waiting up to 20 s for the call's summary/);
      assert.match(result.stderr, /the text message "Acme: your check-up is booked for…" was not sent: the server has no Twilio credentials/);
      assert.ok(standIn.apiRequests.every((request) => request.authorization === `Bearer ${API_KEY}`));
      // The conversation is looked up by its CallSid once; then only the call itself is read.
      assert.equal(standIn.apiRequests.filter((request) => request.path.startsWith('/v1/calls?')).length, 1);
    } finally {
      await standIn.close();
    }
  });

  it('says that API_KEY shows them, and reads nothing, when API_KEY is not set', async () => {
    const standIn = await startStandIn(BOOKING_SCRIPT, bookingApi({ summaryAfterPolls: 0, textStatus: 'sent' }));
    try {
      const result = await runCli(['call', '--url', standIn.url, '--token', TOKEN], { stdin: 'Book me in\nbye\n' });
      assert.equal(result.code, 0, result.stderr);
      assert.doesNotMatch(result.stdout, /text message|summary/);
      assert.match(result.stderr, /set API_KEY to the server's API_KEY to see the texts the caller received and the call's summary/);
      assert.deepEqual(standIn.apiRequests, []);
    } finally {
      await standIn.close();
    }
  });

  it('says once, at the end, why they cannot be shown when the server refuses the key', async () => {
    const standIn = await startStandIn(BOOKING_SCRIPT, () => ({ status: 401, json: { error: 'unauthorized' } }));
    try {
      const result = await runCli(['call', '--url', standIn.url, '--token', TOKEN], { stdin: 'Book me in\nbye\n', env: { API_KEY: 'wrong-key-0123456789' } });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /call ended\n$/);
      assert.equal(result.stderr.match(/cannot be shown: the server refused API_KEY \(401\)/g)?.length, 1, result.stderr);
      assert.equal(standIn.apiRequests.length, 1);
    } finally {
      await standIn.close();
    }
  });

  it('stops waiting as soon as the server says it wrote no summary (no LLM)', async () => {
    const standIn = await startStandIn(BOOKING_SCRIPT, bookingApi({ summaryAfterPolls: 1, textStatus: 'sent', noSummary: true }));
    try {
      const result = await runCli(['call', '--url', standIn.url, '--token', TOKEN], { stdin: 'Book me in\nbye\n', env: { API_KEY } });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /call ended\n$/);
      assert.ok(result.stderr.includes(`the server wrote no summary of this call: it has no LLM, the LLM failed, or the caller said nothing; the transcript is in GET ${standIn.url}/v1/calls/${CALL_ID}`), result.stderr);
      // The call, read after each turn, then once to look and once more to see it done: no polling past that.
      assert.equal(standIn.apiRequests.filter((request) => request.path === `/v1/calls/${CALL_ID}`).length, 4);
    } finally {
      await standIn.close();
    }
  });

  it('stops waiting for a summary that does not come, and says where to find it later', async () => {
    const standIn = await startStandIn(BOOKING_SCRIPT, bookingApi({ summaryAfterPolls: null, textStatus: 'sent' }));
    try {
      const result = await runCli(['call', '--url', standIn.url, '--token', TOKEN], { stdin: 'Book me in\nbye\n', env: { API_KEY } });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /\(text message to you: .*\)\n[\s\S]*call ended\n$/);
      assert.ok(result.stderr.includes(`no summary yet; it appears later in GET ${standIn.url}/v1/calls/${CALL_ID}`), result.stderr);
      assert.doesNotMatch(result.stderr, /was not sent/, 'a sent text has no note');
    } finally {
      await standIn.close();
    }
  });
});

describe('phone-assistant call --sms', () => {
  it('sends each line as one signed SMS and prints the replies', async () => {
    const standIn = await startStandIn({
      '/twilio/sms': '<Response><Message>Hi! We open at 8 &amp; close at 5.</Message></Response>',
    });
    try {
      const result = await runCli(['call', '--sms', '--url', standIn.url, '--token', TOKEN], {
        env: { TWILIO_PHONE_NUMBER: '+14155550123', TWILIO_ACCOUNT_SID: `AC${'1'.repeat(32)}` },
        stdin: 'When are you open?\n\nThanks\n',
      });

      assert.equal(result.code, 0, result.stderr);
      assert.equal(
        result.stdout,
        'you: When are you open?\nassistant: Hi! We open at 8 & close at 5.\nyou: \nyou: Thanks\nassistant: Hi! We open at 8 & close at 5.\n',
      );
      assert.equal(standIn.received.length, 2, 'an empty line is not a text');
      const [first, second] = standIn.received;
      assert.ok(first?.signatureValid && second?.signatureValid);
      assert.deepEqual(first?.params, {
        MessageSid: first?.params.MessageSid,
        AccountSid: `AC${'1'.repeat(32)}`,
        From: '+14155550100',
        To: '+14155550123',
        Body: 'When are you open?',
        NumMedia: '0',
        NumSegments: '1',
        ApiVersion: '2010-04-01',
      });
      assert.match(first?.params.MessageSid ?? '', /^SM[0-9a-f]{32}$/);
      assert.notEqual(first?.params.MessageSid, second?.params.MessageSid);
      assert.equal(second?.params.Body, 'Thanks');
    } finally {
      await standIn.close();
    }
  });
});

describe('phone-assistant --help', () => {
  it('lists the commands and the options of call', async () => {
    const result = await runCli(['--help']);
    assert.equal(result.code, 0);
    for (const word of ['serve', 'migrate', 'call', '--sms', '--url', '--from', '--to', '--token', '--language']) {
      assert.ok(result.stdout.includes(word), `help mentions ${word}`);
    }
  });

  it('refuses an unknown command or option, pointing at --help', async () => {
    const unknown = await runCli(['dial']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /unknown command "dial"[\s\S]*--help/);
    const badLanguage = await runCli(['call', '--language', 'de']);
    assert.equal(badLanguage.code, 1);
    assert.match(badLanguage.stderr, /--language must be one of en, ru, uk, sk/);
  });
});
