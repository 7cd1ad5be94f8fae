// Relay benchmark: prompt → first `text` frame (model's first token after 300 ms), token → frame at many sessions, and thousands of sessions open and taking turns.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import twilio from 'twilio';
import WebSocket from 'ws';
import { startLlmStandIn, type LlmStandIn, type RecordedRequest } from '../test/helpers/llm-stand-in.ts';
import { residentMiB, startProcess } from './processes.ts';

const AUTH_TOKEN = '0123456789abcdef0123456789abcdef';
const FIRST_TOKEN_MS = 300;
const TALKING = Number(process.env.BENCH_RELAY_TALKING ?? 1);
const TURNS = Number(process.env.BENCH_RELAY_TURNS ?? 10);
const STREAMING = Number(process.env.BENCH_RELAY_STREAMING ?? 1000);
/** The streaming sessions' turns start at random within this window, as callers speak at their own moments. */
const SPREAD_MS = Number(process.env.BENCH_RELAY_SPREAD_MS ?? 10_000);
const OPEN = Number(process.env.BENCH_RELAY_OPEN ?? 5000);
/** How many of the open sessions take a turn at the same moment. */
const WAVE = 250;
const ANSWER = 'We are open on Thursday from eight in the morning to seven in the evening.';

const line = (text: string) => process.stdout.write(`${text}\n`);
const load = () => loadavg().map((value) => value.toFixed(1)).join(' ');

interface Frame {
  type: string;
  token?: string;
  last?: boolean;
  atMs: number;
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
    frames.push({ ...(JSON.parse(data.toString()) as Omit<Frame, 'atMs'>), atMs: performance.now() });
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

/** The model's request for the prompt tagged `tag`: requests are indexed as they come, so that finding one costs the benchmark little. */
function requestFinder(standIn: LlmStandIn): (tag: string) => RecordedRequest | undefined {
  const byTag = new Map<string, RecordedRequest>();
  let indexed = 0;
  return (tag) => {
    for (; indexed < standIn.requests.length; indexed += 1) {
      const request = standIn.requests[indexed]!;
      const messages = request.body['messages'] as { role: string; content: unknown }[];
      const asked = /\(([\w-]+)\)$/.exec(String(messages.at(-1)?.content ?? ''))?.[1];
      if (asked) byTag.set(asked, request);
    }
    return byTag.get(tag);
  };
}

const quantile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};
const ms = (value: number) => `${value.toFixed(2)} ms`;
const isText = (frame: Frame) => frame.type === 'text' && frame.token !== '';
const isLast = (frame: Frame) => frame.type === 'text' && frame.last === true;
const pause = (delayMs: number) => new Promise((resolve) => setTimeout(resolve, delayMs));

/** The server's JavaScript heap in use, from its /metrics (prom-client's default metrics), in MiB. */
async function heapUsedMiB(baseUrl: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  return Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1]) / 2 ** 20;
}

async function main(): Promise<void> {
  const standIn = await startLlmStandIn();
  const app = await startProcess('src/server.ts', {
    OPENAI_BASE_URL: standIn.openaiBaseUrl,
    OPENAI_API_KEY: 'sk-bench',
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    VOICE_MODE: 'relay',
    LOG_LEVEL: 'warn',
    // One caller number for every session: the benchmark is not about the caller limit;
    // and sessions wait long for their turn while thousands open, which is not silence to end.
    RATE_LIMIT_CALLER_PER_MINUTE: '100000',
    RELAY_SILENCE_TIMEOUT_MS: '120000',
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'pa-bench-relay-')),
    // PostgreSQL instead of the embedded database, whose statements run on the server's own thread.
    ...(process.env.BENCH_RELAY_DATABASE_URL ? { DATABASE_URL: process.env.BENCH_RELAY_DATABASE_URL } : {}),
  }, '/health');
  const socketUrl = `${app.url.replace(/^http/, 'ws')}/twilio/relay`;
  const requestFor = requestFinder(standIn);
  try {
    const database = process.env.BENCH_RELAY_DATABASE_URL ? 'PostgreSQL' : 'embedded database';
    line(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; ${database}; load ${load()}`);

    // 1. Latency to the first words: TALKING sessions, TURNS turns each, the next once the last token of the previous is in.
    standIn.setFallbackReply({ text: ANSWER, delayMs: FIRST_TOKEN_MS });
    const talking = await openMany(socketUrl, TALKING);
    const firstFrameMs: number[] = [];
    const toModelMs: number[] = [];
    const fromModelMs: number[] = [];
    await Promise.all(
      talking.map(async (session, index) => {
        for (let turn = 0; turn < TURNS; turn += 1) {
          const tag = `talk-${index}-${turn}`;
          const sentMs = performance.now();
          const from = session.prompt(tag);
          const first = await session.until(isText, from);
          await session.until(isLast, from);
          // The first turn of a session warms the caller's record and the index: counted from the second on.
          if (turn === 0) continue;
          firstFrameMs.push(first.atMs - sentMs);
          const request = requestFor(tag);
          if (request?.receivedMs === undefined) continue;
          toModelMs.push(request.receivedMs - sentMs);
          fromModelMs.push(first.atMs - (request.piecesMs?.[0] ?? Number.NaN));
        }
      }),
    );
    for (const session of talking) session.socket.close();
    line(
      `prompt → first text frame, model's first token after ${FIRST_TOKEN_MS} ms, ${TALKING} session(s) × ${TURNS - 1} turns: ` +
        `p50 ${ms(quantile(firstFrameMs, 0.5))}, p99 ${ms(quantile(firstFrameMs, 0.99))} (budget p50 ≤ 320 ms)`,
    );
    line(`  of which prompt → request at the model p50 ${ms(quantile(toModelMs, 0.5))}; model's first piece written → its frame received p50 ${ms(quantile(fromModelMs, 0.5))}`);

    // 2. Token → frame: STREAMING sessions open, each taking a turn at a random moment within SPREAD_MS, its reply's pieces 50 ms apart.
    standIn.setFallbackReply({ text: ANSWER, pieceDelayMs: 50 });
    const streaming = await openMany(socketUrl, STREAMING);
    await pause(1000);
    const tokenMs: number[] = [];
    let unanswered = 0;
    let anUnanswered = '';
    await Promise.all(
      streaming.map(async (session, index) => {
        const tag = `stream-${index}`;
        await pause(Math.random() * SPREAD_MS);
        const from = session.prompt(tag);
        await session.until(isLast, from);
        const tokens = session.frames.slice(from).filter(isText);
        // A turn that ended in an apology (the model's time ran out under the load) has no pieces to time.
        const said = tokens.map((frame) => frame.token).join('');
        if (said !== ANSWER) {
          anUnanswered = said;
          return void (unanswered += 1);
        }
        const pieces = requestFor(tag)?.piecesMs ?? [];
        tokens.forEach((frame, piece) => pieces[piece] !== undefined && tokenMs.push(frame.atMs - pieces[piece]!));
      }),
    );
    for (const session of streaming) session.socket.close();
    if (unanswered > 0) line(`  a turn not answered in full said: ${JSON.stringify(anUnanswered.slice(0, 120))}`);
    line(
      `model's piece written → text frame received, ${STREAMING} sessions, turns spread over ${SPREAD_MS / 1000} s (${tokenMs.length} tokens, ${unanswered} turns not answered in full): ` +
        `p50 ${ms(quantile(tokenMs, 0.5))}, p99 ${ms(quantile(tokenMs, 0.99))} (budget p99 ≤ 1 ms for the server's own part); load ${load()}`,
    );

    // 3. Capacity: OPEN sessions open at once and idle, then every one of them takes a turn, WAVE at a time.
    standIn.setFallbackReply({ text: ANSWER });
    await pause(2000);
    const beforeMiB = residentMiB(app.child.pid!);
    const heapBeforeMiB = await heapUsedMiB(app.url);
    const open = await openMany(socketUrl, OPEN);
    await pause(3000);
    const afterMiB = residentMiB(app.child.pid!);
    const heapAfterMiB = await heapUsedMiB(app.url);
    const perSession = (mib: number) => Math.round((mib * 1024) / OPEN);
    line(
      `${OPEN} idle sessions open: server resident memory ${beforeMiB} → ${afterMiB} MiB, about ${perSession(afterMiB - beforeMiB)} KiB per session (goal ≤ 30), ` +
        `of which JavaScript heap ${heapBeforeMiB.toFixed(0)} → ${heapAfterMiB.toFixed(0)} MiB, ${perSession(heapAfterMiB - heapBeforeMiB)} KiB; load ${load()}`,
    );
    const startedMs = performance.now();
    let answered = 0;
    for (let start = 0; start < open.length; start += WAVE) {
      await Promise.all(
        open.slice(start, start + WAVE).map(async (session, index) => {
          const from = session.prompt(`open-${start + index}`);
          if (await session.until(isLast, from).catch(() => null)) answered += 1;
        }),
      );
    }
    const stillOpen = open.filter((session) => session.socket.readyState === WebSocket.OPEN).length;
    line(`then each took a turn, ${WAVE} at a time: ${answered} of ${OPEN} answered in ${((performance.now() - startedMs) / 1000).toFixed(1)} s, ${stillOpen} sessions still open; load ${load()}`);
    for (const session of open) session.socket.close();
  } finally {
    await app.stop();
    await standIn.close();
  }
}

await main();
process.exit(0);
