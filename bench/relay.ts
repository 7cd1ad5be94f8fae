// Relay benchmark: caller's end of speech (`prompt`) → first `text` frame with a model whose first token takes 300 ms, and memory per idle session.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import twilio from 'twilio';
import WebSocket from 'ws';
import { startLlmStandIn } from '../test/helpers/llm-stand-in.ts';
import { residentMiB, startProcess } from './processes.ts';

const AUTH_TOKEN = '0123456789abcdef0123456789abcdef';
const FIRST_TOKEN_MS = 300;
const TALKING = Number(process.env.BENCH_RELAY_TALKING ?? 100);
const TURNS = Number(process.env.BENCH_RELAY_TURNS ?? 5);
const IDLE = Number(process.env.BENCH_RELAY_IDLE ?? 1000);

const line = (text: string) => process.stdout.write(`${text}\n`);

interface Session {
  socket: WebSocket;
  /** Resolves with the next frame of `type`. */
  next(type: string): Promise<Record<string, unknown>>;
}

async function openSession(socketUrl: string): Promise<Session> {
  const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, socketUrl, {});
  const socket = new WebSocket(socketUrl, { headers: { 'x-twilio-signature': signature } });
  const waiting: { type: string; resolve: (frame: Record<string, unknown>) => void }[] = [];
  socket.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as Record<string, unknown>;
    const index = waiting.findIndex((waiter) => waiter.type === frame['type'] || (waiter.type === 'last' && frame['last'] === true));
    if (index >= 0) waiting.splice(index, 1)[0]!.resolve(frame);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  socket.send(JSON.stringify({ type: 'setup', sessionId: `VX${randomBytes(16).toString('hex')}`, callSid: `CA${randomBytes(16).toString('hex')}`, from: '+14155551234', customParameters: { language: 'en' } }));
  return { socket, next: (type) => new Promise((resolve) => waiting.push({ type, resolve })) };
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

async function main(): Promise<void> {
  const standIn = await startLlmStandIn();
  standIn.setFallbackReply({ text: 'We are open on Thursday from eight to seven.', delayMs: FIRST_TOKEN_MS });
  const app = await startProcess('src/server.ts', {
    OPENAI_BASE_URL: standIn.openaiBaseUrl,
    OPENAI_API_KEY: 'sk-bench',
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    VOICE_MODE: 'relay',
    LOG_LEVEL: 'warn',
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'pa-bench-relay-')),
  }, '/health');
  const socketUrl = `${app.url.replace(/^http/, 'ws')}/twilio/relay`;
  try {
    line(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; embedded database`);

    // Latency: TALKING sessions at once, each taking TURNS turns, the next as soon as the last token of the previous is in.
    const talking = await Promise.all(Array.from({ length: TALKING }, () => openSession(socketUrl)));
    const firstFrameMs: number[] = [];
    await Promise.all(
      talking.map(async (session) => {
        for (let turn = 0; turn < TURNS; turn += 1) {
          const first = session.next('text');
          const last = session.next('last');
          const sentMs = performance.now();
          session.socket.send(JSON.stringify({ type: 'prompt', voicePrompt: 'When are you open on Thursday?', lang: 'en-US', last: true }));
          await first;
          firstFrameMs.push(performance.now() - sentMs);
          await last;
        }
      }),
    );
    for (const session of talking) session.socket.close();
    firstFrameMs.sort((a, b) => a - b);
    line(
      `prompt → first text frame, model's first token after ${FIRST_TOKEN_MS} ms, ${TALKING} sessions × ${TURNS} turns: ` +
        `p50 ${quantile(firstFrameMs, 0.5).toFixed(1)} ms, p99 ${quantile(firstFrameMs, 0.99).toFixed(1)} ms (budget p50 ≤ 320)`,
    );

    // Memory: IDLE sessions opened and set up, then left alone.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const beforeMiB = residentMiB(app.child.pid!);
    const idle: Session[] = [];
    for (let opened = 0; opened < IDLE; opened += 50) idle.push(...(await Promise.all(Array.from({ length: Math.min(50, IDLE - opened) }, () => openSession(socketUrl)))));
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const afterMiB = residentMiB(app.child.pid!);
    line(`${IDLE} idle sessions open: server resident memory ${beforeMiB} → ${afterMiB} MiB, about ${Math.round(((afterMiB - beforeMiB) * 1024) / IDLE)} KiB per session (goal ≤ 30)`);
    for (const session of idle) session.socket.close();
  } finally {
    await app.stop();
    await standIn.close();
  }
}

await main();
process.exit(0);
