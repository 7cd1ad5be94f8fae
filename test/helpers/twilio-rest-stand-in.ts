// Loopback stand-in for Twilio's REST API, so tests drive the official library over real HTTP.
// It checks Basic auth against the account it plays, records every request, and answers
// Messages.json and Calls/{sid}.json as Twilio does; failures can be scripted per request.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface TwilioRestRequest {
  method: string;
  path: string;
  /** The account SID the Basic auth named, or null without valid credentials. */
  account: string | null;
  form: Record<string, string>;
}

export type TwilioRestFailure = { status: number; code?: number; message?: string } | { drop: true };

export interface TwilioRestStandIn {
  /** Give this as TWILIO_API_BASE_URL. */
  url: string;
  accountSid: string;
  authToken: string;
  requests: TwilioRestRequest[];
  /** The text messages accepted so far. */
  messages(): { to: string; from: string; body: string; sid: string }[];
  /** The next requests fail, one failure each, in order. */
  failNext(...failures: TwilioRestFailure[]): void;
  /** From now on requests are recorded but left unanswered until the returned function lets them go on. */
  hold(): () => void;
  close(): Promise<void>;
}

const sid = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;

async function readForm(req: IncomingMessage): Promise<Record<string, string>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function startTwilioRestStandIn(account = { accountSid: sid('AC'), authToken: randomBytes(16).toString('hex') }): Promise<TwilioRestStandIn> {
  const requests: TwilioRestRequest[] = [];
  const accepted: { to: string; from: string; body: string; sid: string }[] = [];
  const failures: TwilioRestFailure[] = [];
  let held: Promise<void> | null = null;
  const sockets = new Set<Socket>();
  const expectedAuth = `Basic ${Buffer.from(`${account.accountSid}:${account.authToken}`).toString('base64')}`;

  const server = createServer(async (req, res) => {
    const form = await readForm(req);
    const path = new URL(req.url ?? '/', 'http://stand-in').pathname;
    const authorized = req.headers.authorization === expectedAuth;
    requests.push({ method: req.method ?? '', path, account: authorized ? account.accountSid : null, form });
    if (held) await held;
    if (!authorized) return json(res, 401, { code: 20003, message: 'Authenticate', status: 401 });
    const failure = failures.shift();
    if (failure && 'drop' in failure) return req.socket.destroy();
    if (failure) return json(res, failure.status, { code: failure.code ?? 20500, message: failure.message ?? 'Internal Server Error', status: failure.status });
    const base = `/2010-04-01/Accounts/${account.accountSid}`;
    if (req.method === 'POST' && path === `${base}/Messages.json`) {
      const message = { to: form['To'] ?? '', from: form['From'] ?? '', body: form['Body'] ?? '', sid: sid('SM') };
      accepted.push(message);
      return json(res, 201, { ...message, account_sid: account.accountSid, status: 'queued', num_segments: '1', date_created: new Date().toUTCString() });
    }
    const call = new RegExp(`^${base}/Calls/(CA[0-9a-f]{32})\\.json$`).exec(path);
    if (req.method === 'POST' && call) return json(res, 200, { sid: call[1], account_sid: account.accountSid, status: form['Status'] ?? 'in-progress' });
    return json(res, 404, { code: 20404, message: 'The requested resource was not found', status: 404 });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    ...account,
    requests,
    messages: () => [...accepted],
    failNext: (...next) => void failures.push(...next),
    hold() {
      let release!: () => void;
      held = new Promise((resolve) => (release = resolve));
      return () => {
        held = null;
        release();
      };
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
