// A business's webhook receiver on loopback: verifies X-Phone-Assistant-Signature as the README tells receivers to.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedEvent {
  id: string;
  type: string;
  created_at: string;
  data: Record<string, unknown>;
}

export interface WebhookReceiver {
  url: string;
  /** Events whose signature verified, in arrival order (a retry appears again). */
  events: ReceivedEvent[];
  /** Requests refused because the signature did not verify. */
  rejected: number;
  /** Answers the next requests with these statuses (then 200), or holds them (`'hang'`) until close. */
  failNext(...answers: (number | 'hang')[]): void;
  /** Called as each verified request arrives, before it is answered. */
  onRequest?: (event: ReceivedEvent) => Promise<void> | void;
  close(): Promise<void>;
}

const TOLERANCE_SECONDS = 300;

/** The check a receiver does: the timestamp is recent, and the HMAC of "<t>.<raw body>" matches in constant time. */
export function verifySignature(secret: string, header: string | undefined, rawBody: string, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  const parts = new Map((header ?? '').split(',').map((part) => part.split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1') ?? '';
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > TOLERANCE_SECONDS) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest();
  const given = Buffer.from(v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  const answers: (number | 'hang')[] = [];
  const held: ServerResponse[] = [];
  const receiver: WebhookReceiver = {
    url: '',
    events: [],
    rejected: 0,
    failNext: (...next) => void answers.push(...next),
    close: async () => {
      for (const response of held) response.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      if (!verifySignature(secret, request.headers['x-phone-assistant-signature'] as string | undefined, body)) {
        receiver.rejected += 1;
        response.writeHead(401).end();
        return;
      }
      const event = JSON.parse(body) as ReceivedEvent;
      receiver.events.push(event);
      await receiver.onRequest?.(event);
      const answer = answers.shift() ?? 200;
      if (answer === 'hang') held.push(response);
      else response.writeHead(answer).end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
  return receiver;
}
