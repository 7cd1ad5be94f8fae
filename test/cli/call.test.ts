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

/** A server that answers each path (query included) with a scripted TwiML document, recording what it was sent. */
async function startStandIn(script: Record<string, string | { status: number; body: string }>) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
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
  return { url, received, close: () => new Promise((resolve) => server.close(resolve)) };
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
