// The relay benchmark's callers as their own process: signed sockets the way Twilio opens them, one part of the benchmark per run, its result as JSON.
import { randomBytes } from 'node:crypto';
import { loadavg, setPriority } from 'node:os';
import twilio from 'twilio';
import WebSocket from 'ws';
import type { RequestTiming } from './relay-llm-process.ts';
import { residentMiB } from './processes.ts';

export const AUTH_TOKEN = '0123456789abcdef0123456789abcdef';
export const ANSWER = 'We are open on Thursday from eight in the morning to seven in the evening.';

export type RelayPart =
  | { part: 'talk'; sessions: number; turns: number; firstTokenMs: number }
  | { part: 'stream'; sessions: number; spreadMs: number }
  | { part: 'open'; sessions: number; wave: number; serverPid: number };
export type RelayLoadRequest = RelayPart & { serverUrl: string; controlUrl: string };
export interface RelayLoadResult {
  lines: string[];
}

const load = () => loadavg().map((value) => value.toFixed(1)).join(' ');
// Epoch ms, the clock this process shares with the stand-in's (performance.now() is per process).
const now = () => performance.timeOrigin + performance.now();

interface Frame {
  type: string;
  token?: string;
  last?: boolean;
  at: number;
}

interface Session {
  socket: WebSocket;
  frames: Frame[];
  /** Resolves once a frame matching `match` has arrived from frame `from` on; rejects once the session has ended or closed. */
  until(match: (frame: Frame) => boolean, from?: number): Promise<Frame>;
  /** Sends a prompt that names itself, so its request can be found at the model. */
  prompt(tag: string): number;
}

async function openSession(socketUrl: string): Promise<Session> {
  const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, socketUrl, {});
  const socket = new WebSocket(socketUrl, { headers: { 'x-twilio-signature': signature } });
  const frames: Frame[] = [];
  let wake: (() => void)[] = [];
  socket.on('close', () => {
    for (const resolve of wake.splice(0)) resolve();
  });
  socket.on('message', (data) => {
    frames.push({ ...(JSON.parse(data.toString()) as Omit<Frame, 'at'>), at: now() });
    const waiting = wake;
    wake = [];
    for (const resolve of waiting) resolve();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  socket.send(JSON.stringify({ type: 'setup', sessionId: `VX${randomBytes(16).toString('hex')}`, callSid: `CA${randomBytes(16).toString('hex')}`, from: '+14155551234', customParameters: { language: 'en' } }));
  return {
    socket,
    frames,
    async until(match, from = 0) {
      for (;;) {
        const found = frames.slice(from).find(match);
        if (found) return found;
        if (socket.readyState !== WebSocket.OPEN || frames.some((frame) => frame.type === 'end')) throw new Error('the session ended');
        await new Promise<void>((resolve) => wake.push(resolve));
      }
    },
    prompt(tag) {
      const from = frames.length;
      socket.send(JSON.stringify({ type: 'prompt', voicePrompt: `When are you open on Thursday? (${tag})`, lang: 'en-US', last: true }));
      return from;
    },
  };
}

async function openMany(socketUrl: string, count: number): Promise<Session[]> {
  const sessions: Session[] = [];
  for (let opened = 0; opened < count; opened += 50) sessions.push(...(await Promise.all(Array.from({ length: Math.min(50, count - opened) }, () => openSession(socketUrl)))));
  return sessions;
}

export const quantile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};
const ms = (value: number) => `${value.toFixed(2)} ms`;
const isText = (frame: Frame) => frame.type === 'text' && frame.token !== '';
const isLast = (frame: Frame) => frame.type === 'text' && frame.last === true;
const pause = (delayMs: number) => new Promise((resolve) => setTimeout(resolve, delayMs));

async function timings(controlUrl: string): Promise<Record<string, RequestTiming>> {
  return (await (await fetch(`${controlUrl}/timings`)).json()) as Record<string, RequestTiming>;
}
async function answerWith(controlUrl: string, reply: Record<string, unknown>): Promise<void> {
  await fetch(`${controlUrl}/reply`, { method: 'POST', body: JSON.stringify(reply) });
}

/** Latency to the first words: `sessions` sessions, `turns` turns each, the next once the last token of the previous is in. */
async function talk(request: Extract<RelayLoadRequest, { part: 'talk' }>, socketUrl: string): Promise<string[]> {
  await answerWith(request.controlUrl, { text: ANSWER, delayMs: request.firstTokenMs });
  const talking = await openMany(socketUrl, request.sessions);
  const turns: { tag: string; sentAt: number; firstAt: number }[] = [];
  await Promise.all(
    talking.map(async (session, index) => {
      for (let turn = 0; turn < request.turns; turn += 1) {
        const tag = `talk-${index}-${turn}`;
        const sentAt = now();
        const from = session.prompt(tag);
        const first = await session.until(isText, from);
        await session.until(isLast, from);
        // The first turn of a session warms the caller's record and the index: counted from the second on.
        if (turn > 0) turns.push({ tag, sentAt, firstAt: first.at });
      }
    }),
  );
  for (const session of talking) session.socket.close();
  const atModel = await timings(request.controlUrl);
  const timed = turns.filter((turn) => atModel[turn.tag]);
  const firstFrameMs = turns.map((turn) => turn.firstAt - turn.sentAt);
  const toModelMs = timed.map((turn) => atModel[turn.tag]!.receivedAt - turn.sentAt);
  const fromModelMs = timed.map((turn) => turn.firstAt - (atModel[turn.tag]!.piecesAt[0] ?? Number.NaN));
  return [
    `prompt → first text frame, model's first token after ${request.firstTokenMs} ms, ${request.sessions} session(s) × ${request.turns - 1} turns: ` +
      `p50 ${ms(quantile(firstFrameMs, 0.5))}, p99 ${ms(quantile(firstFrameMs, 0.99))} (budget p50 ≤ 320 ms)`,
    `  of which prompt → request at the model p50 ${ms(quantile(toModelMs, 0.5))}; model's first piece written → its frame received p50 ${ms(quantile(fromModelMs, 0.5))}`,
  ];
}

/** Token → frame: `sessions` sessions open, each taking a turn at a random moment within `spreadMs`, its reply's pieces 50 ms apart. */
async function stream(request: Extract<RelayLoadRequest, { part: 'stream' }>, socketUrl: string): Promise<string[]> {
  await answerWith(request.controlUrl, { text: ANSWER, pieceDelayMs: 50 });
  const streaming = await openMany(socketUrl, request.sessions);
  await pause(1000);
  const answered: { tag: string; tokens: Frame[] }[] = [];
  let unanswered = 0;
  let anUnanswered = '';
  await Promise.all(
    streaming.map(async (session, index) => {
      const tag = `stream-${index}`;
      await pause(Math.random() * request.spreadMs);
      const from = session.prompt(tag);
      await session.until(isLast, from);
      const tokens = session.frames.slice(from).filter(isText);
      // A turn that ended in an apology (the model's time ran out under the load) has no pieces to time.
      const said = tokens.map((frame) => frame.token).join('');
      if (said === ANSWER) return void answered.push({ tag, tokens });
      anUnanswered = said;
      unanswered += 1;
    }),
  );
  for (const session of streaming) session.socket.close();
  const atModel = await timings(request.controlUrl);
  const tokenMs = answered.flatMap(({ tag, tokens }) => {
    const pieces = atModel[tag]?.piecesAt ?? [];
    return tokens.flatMap((frame, piece) => (pieces[piece] === undefined ? [] : [frame.at - pieces[piece]]));
  });
  return [
    ...(unanswered > 0 ? [`  a turn not answered in full said: ${JSON.stringify(anUnanswered.slice(0, 120))}`] : []),
    `model's piece written → text frame received (client side, end to end), ${request.sessions} sessions, turns spread over ${request.spreadMs / 1000} s ` +
      `(${tokenMs.length} tokens, ${unanswered} turns not answered in full): p50 ${ms(quantile(tokenMs, 0.5))}, p99 ${ms(quantile(tokenMs, 0.99))}; load ${load()}`,
  ];
}

/** The server's JavaScript heap in use, from its /metrics (prom-client's default metrics), in MiB. */
async function heapUsedMiB(baseUrl: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  return Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1]) / 2 ** 20;
}

/** Capacity: `sessions` sessions open at once and idle, then every one of them takes a turn, `wave` at a time. */
async function openAndTurn(request: Extract<RelayLoadRequest, { part: 'open' }>, socketUrl: string): Promise<string[]> {
  await answerWith(request.controlUrl, { text: ANSWER });
  await pause(2000);
  const beforeMiB = residentMiB(request.serverPid);
  const heapBeforeMiB = await heapUsedMiB(request.serverUrl);
  const open = await openMany(socketUrl, request.sessions);
  await pause(3000);
  const afterMiB = residentMiB(request.serverPid);
  const heapAfterMiB = await heapUsedMiB(request.serverUrl);
  const perSession = (mib: number) => Math.round((mib * 1024) / request.sessions);
  const lines = [
    `${request.sessions} idle sessions open: server resident memory ${beforeMiB} → ${afterMiB} MiB, about ${perSession(afterMiB - beforeMiB)} KiB per session (goal ≤ 30), ` +
      `of which JavaScript heap ${heapBeforeMiB.toFixed(0)} → ${heapAfterMiB.toFixed(0)} MiB, ${perSession(heapAfterMiB - heapBeforeMiB)} KiB; load ${load()}`,
  ];
  const startedMs = performance.now();
  let answered = 0;
  for (let start = 0; start < open.length; start += request.wave) {
    await Promise.all(
      open.slice(start, start + request.wave).map(async (session, index) => {
        const from = session.prompt(`open-${start + index}`);
        if (await session.until(isLast, from).catch(() => null)) answered += 1;
      }),
    );
  }
  const stillOpen = open.filter((session) => session.socket.readyState === WebSocket.OPEN).length;
  lines.push(`then each took a turn, ${request.wave} at a time: ${answered} of ${request.sessions} answered in ${((performance.now() - startedMs) / 1000).toFixed(1)} s, ${stillOpen} sessions still open; load ${load()}`);
  for (const session of open) session.socket.close();
  await timings(request.controlUrl);
  return lines;
}

if (import.meta.main) {
  // Below the server's priority, so that on two shared cores the server runs first (BENCH_RELAY_NICE, 0 for none).
  setPriority(Number(process.env.BENCH_RELAY_NICE ?? 10));
  const request = JSON.parse(process.argv[2] ?? '{}') as RelayLoadRequest;
  const socketUrl = `${request.serverUrl.replace(/^http/, 'ws')}/twilio/relay`;
  const lines = request.part === 'talk' ? await talk(request, socketUrl) : request.part === 'stream' ? await stream(request, socketUrl) : await openAndTurn(request, socketUrl);
  process.stdout.write(`${JSON.stringify({ lines } satisfies RelayLoadResult)}\n`);
  process.exit(0);
}
