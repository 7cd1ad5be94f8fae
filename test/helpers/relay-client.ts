// Plays Twilio's side of a ConversationRelay socket in tests: a signed upgrade, then JSON frames both ways.
import twilio from 'twilio';
import WebSocket from 'ws';
import { TEST_TWILIO_TOKEN } from './twilio-client.ts';

export type RelayFrame = { type: string; token?: string; last?: boolean; handoffData?: string; [key: string]: unknown };

export interface RelayConnectOptions {
  authToken?: string;
  /** The URL to sign when it differs from the one connected to (PUBLIC_URL, proxies, attacks). */
  signedUrl?: string;
  unsigned?: boolean;
  headers?: Record<string, string>;
}

/** The ws:// URL of a test server's relay socket. */
export const relayUrl = (serverUrl: string): string => `${serverUrl.replace(/^http/, 'ws')}/twilio/relay`;

/** Tries the upgrade; the HTTP status when it was refused. */
export async function connectRelay(serverUrl: string, options: RelayConnectOptions = {}): Promise<RelayClient | { refused: number }> {
  const url = relayUrl(serverUrl);
  const headers: Record<string, string> = { ...options.headers };
  if (!options.unsigned) headers['x-twilio-signature'] = twilio.getExpectedTwilioSignature(options.authToken ?? TEST_TWILIO_TOKEN, options.signedUrl ?? url, {});
  const socket = new WebSocket(url, { headers });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(new RelayClient(socket)));
    socket.once('unexpected-response', (_request, response) => {
      resolve({ refused: response.statusCode ?? 0 });
      socket.terminate();
    });
    socket.once('error', reject);
  });
}

export async function openRelay(serverUrl: string, options: RelayConnectOptions = {}): Promise<RelayClient> {
  const result = await connectRelay(serverUrl, options);
  if ('refused' in result) throw new Error(`relay upgrade refused with ${result.refused}`);
  return result;
}

export class RelayClient {
  readonly frames: RelayFrame[] = [];
  readonly socket: WebSocket;
  readonly closed: Promise<void>;
  private waiters: (() => void)[] = [];

  constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as RelayFrame);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => socket.once('close', () => {
      resolve();
      for (const wake of this.waiters.splice(0)) wake();
    }));
  }

  send(message: Record<string, unknown>): void {
    this.socket.send(JSON.stringify(message));
  }

  sendRaw(data: string | Buffer): void {
    this.socket.send(data);
  }

  setup(callSid: string, extra: Record<string, unknown> = {}): void {
    this.send({
      type: 'setup',
      sessionId: `VX${'0'.repeat(32)}`,
      accountSid: `AC${'0'.repeat(32)}`,
      callSid,
      from: '+14155551234',
      to: '+14155550199',
      direction: 'inbound',
      callStatus: 'IN-PROGRESS',
      customParameters: { language: 'en' },
      ...extra,
    });
  }

  prompt(text: string, lang = 'en-US'): void {
    this.send({ type: 'prompt', voicePrompt: text, lang, last: true });
  }

  /** Resolves with the first frame from `from` on that matches, waiting as long as it takes (the test's timeout bounds it). */
  async waitFor(match: (frame: RelayFrame) => boolean, from = 0): Promise<RelayFrame> {
    for (;;) {
      const found = this.frames.slice(from).find(match);
      if (found) return found;
      if (this.socket.readyState === WebSocket.CLOSED) throw new Error('relay socket closed while waiting');
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** The text of the reply that starts at frame `from`: its tokens up to the one marked last. */
  async reply(from = 0): Promise<string> {
    await this.waitFor((frame) => frame.type === 'text' && frame.last === true, from);
    const frames = this.frames.slice(from);
    const end = frames.findIndex((frame) => frame.type === 'text' && frame.last === true);
    return frames
      .slice(0, end + 1)
      .filter((frame) => frame.type === 'text')
      .map((frame) => frame.token ?? '')
      .join('');
  }

  close(): void {
    this.socket.close();
  }
}
