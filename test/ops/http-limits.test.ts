// Clients that send too slowly or too much are cut off over real sockets: 408 and a closed socket, 413 for a body past the limit.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { BODY_LIMIT_BYTES } from '../../src/ops/http-limits.ts';
import { postJson, startTestServer, testEnv, type TestServer } from '../helpers/test-app.ts';
import { callSid, signedPost, TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';

// Far past the 1 s the server is given here, yet well short of Node's own 60 s header limit: a loaded machine is allowed for.
const CUT_OFF_LIMIT_MS = 20_000;
const TRICKLE_INTERVAL_MS = 100;

/**
 * Sends `head` at once, then one byte of `trickle` every interval, as a slow-loris client does;
 * resolves with what the server answered once it closes the socket, or rejects past the limit.
 */
function slowClient(port: number, head: string, trickle: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let received = '';
    let sent = 0;
    const timer = setInterval(() => {
      if (sent < trickle.length && !socket.destroyed) socket.write(trickle[sent++]!);
    }, TRICKLE_INTERVAL_MS);
    const limit = setTimeout(() => {
      clearInterval(timer);
      socket.destroy();
      reject(new Error(`the server kept a slow client for ${CUT_OFF_LIMIT_MS} ms (answered: ${JSON.stringify(received)})`));
    }, CUT_OFF_LIMIT_MS);
    socket.on('connect', () => socket.write(head));
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(limit);
      resolve(received);
    });
  });
}

describe('HTTP limits', () => {
  let server: TestServer;
  const raw: string[] = [];

  before(async () => {
    server = await startTestServer(testEnv(null, 'openai', { HTTP_REQUEST_TIMEOUT_MS: '1000', TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN, LOG_LEVEL: 'info' }), { logLines: raw });
  });
  after(() => server.close());

  const port = () => Number(new URL(server.url).port);

  it('cuts off a client that sends its headers too slowly', async () => {
    const answer = await slowClient(port(), 'GET /health HTTP/1.1\r\nHost: localhost\r\n', 'X-Slow: ' + 'a'.repeat(1000));
    assert.match(answer, /^HTTP\/1\.1 408 /);
  });

  it('cuts off a client that sends its body too slowly (a form Twilio would send at once)', async () => {
    const body = new URLSearchParams({ CallSid: callSid(), From: '+14155551234', To: '+14155550199', Body: 'hello' }).toString();
    const head = `POST /twilio/sms HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n`;
    const answer = await slowClient(port(), head, body);
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.ok(!raw.some((line) => line.includes('"level":50')), `a slow client is not a server error:\n${raw.join('\n')}`);
  });

  it('answers 413 to a /v1 body past the limit, before reading it', async () => {
    const response = await postJson(`${server.url}/v1/text`, { text: 'x'.repeat(BODY_LIMIT_BYTES) });
    assert.equal(response.status, 413);
    assert.equal(response.body.error, 'payload_too_large');
  });

  it('answers 413 to a Twilio form past the limit', async () => {
    const response = await signedPost(server.url, '/twilio/sms', { MessageSid: `SM${'0'.repeat(32)}`, From: '+14155551234', To: '+14155550199', Body: 'x'.repeat(BODY_LIMIT_BYTES) });
    assert.equal(response.status, 413);
  });

  it('keeps idle connections longer than a load balancer does, and bounds the wait for headers', () => {
    const { keepAliveTimeout, headersTimeout, requestTimeout } = server.fastify.server;
    assert.deepEqual({ keepAliveTimeout, headersTimeout, requestTimeout }, { keepAliveTimeout: 75_000, headersTimeout: 1_000, requestTimeout: 1_000 });
  });
});
