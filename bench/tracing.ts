// Server CPU per voice turn with tracing off and on (batch export to a loopback OTLP receiver), and optionally before tracing
// existed (BEFORE_DIR: a checkout of an earlier commit): each a fresh server on PGlite, in alternating rounds. `npm run bench:tracing`.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../test/helpers/free-port.ts';
import { startLlmStandIn } from '../test/helpers/llm-stand-in.ts';
import { accountSid, callSid, signedPost, TEST_TWILIO_TOKEN } from '../test/helpers/twilio-client.ts';
import { startOtlpReceiver } from '../test/telemetry/otlp-receiver.ts';
import { ROOT, track } from './processes.ts';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const TURNS = Number(process.env.TURNS ?? 400);
const CALLS = 4;
const WARM_UP_TURNS = 40;
const TICKS_PER_SECOND = 100;

type Mode = 'before' | 'off' | 'on';

/** User + system CPU of a process so far, in ms, from /proc (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** `turns` turns spread over CALLS calls at once, each turn sent when the call's previous one was answered. */
async function voiceTurns(url: string, turns: number): Promise<void> {
  const account = accountSid();
  await Promise.all(
    Array.from({ length: CALLS }, async (_, index) => {
      const call = { CallSid: callSid(), AccountSid: account, From: `+1415${String(3_000_000 + index).padStart(7, '0')}`, To: '+14155550199', CallStatus: 'in-progress' };
      await signedPost(url, '/twilio/incoming', call);
      for (let turn = 1; turn <= turns / CALLS; turn += 1) {
        const { status, text } = await signedPost(url, `/twilio/voice?turn=${turn}`, { ...call, SpeechResult: 'When are you open on Thursday?', Confidence: '0.93' });
        if (status !== 200 || !text.includes('<Gather')) throw new Error(`turn ${turn} failed: ${status} ${text.slice(0, 200)}`);
      }
    }),
  );
}

async function measure(mode: Mode, llmUrl: string, otlpUrl: string): Promise<number> {
  const port = await freePort();
  const root = mode === 'before' ? process.env.BEFORE_DIR! : ROOT;
  const args = mode === 'before' ? [path.join(root, 'src/server.ts')] : ['--import', path.join(root, 'src/telemetry/register.ts'), path.join(root, 'src/server.ts')];
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: mkdtempSync(path.join(tmpdir(), `pa-bench-tracing-${mode}-`)),
    OPENAI_API_KEY: 'sk-bench',
    OPENAI_BASE_URL: llmUrl,
    OPENAI_MODEL: 'stand-in-model',
    TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN,
    RATE_LIMIT_CALLER_PER_MINUTE: '100000',
    ...(mode === 'on' ? { OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl } : {}),
  };
  const child = track(spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'inherit'] }));
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${port}`;
  for (let tries = 0; !(await fetch(`${url}/health`).then((response) => response.ok, () => false)); tries += 1) {
    if (tries > 3000) throw new Error(`${mode}: the server did not start`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await voiceTurns(url, WARM_UP_TURNS);
  const before = cpuMs(child.pid!);
  await voiceTurns(url, TURNS);
  const perTurn = (cpuMs(child.pid!) - before) / TURNS;
  child.kill('SIGTERM');
  await exited;
  return perTurn;
}

const standIn = await startLlmStandIn();
standIn.setFallbackReply({ text: 'We are open from nine to five on Thursday.' });
const receiver = await startOtlpReceiver();
const modes: Mode[] = process.env.BEFORE_DIR ? ['before', 'off', 'on'] : ['off', 'on'];
const figures: Record<Mode, number[]> = { before: [], off: [], on: [] };
console.log(`load average at start: ${loadavg().map((value) => value.toFixed(2)).join(' ')}; ${ROUNDS} rounds of ${TURNS} voice turns (${CALLS} calls at once) per mode`);
for (let round = 0; round < ROUNDS; round += 1) {
  // Alternating order, so that a drift in the machine's load does not favour one mode.
  for (const mode of round % 2 === 0 ? modes : [...modes].reverse()) {
    const perTurn = await measure(mode, standIn.openaiBaseUrl, receiver.url);
    figures[mode].push(perTurn);
    console.log(`round ${round + 1} ${mode}: ${perTurn.toFixed(2)} ms CPU per turn`);
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
for (const mode of modes) console.log(`${mode}: median ${median(figures[mode]).toFixed(2)} ms CPU per turn (${figures[mode].map((value) => value.toFixed(2)).join(', ')})`);
console.log(`tracing on vs off: ${((median(figures.on) / median(figures.off) - 1) * 100).toFixed(1)} %; spans received: ${receiver.spans.length}`);
if (process.env.BEFORE_DIR) console.log(`tracing off vs before: ${((median(figures.off) / median(figures.before) - 1) * 100).toFixed(1)} %`);
console.log(`load average at end: ${loadavg().map((value) => value.toFixed(2)).join(' ')}`);
await Promise.all([standIn.close(), receiver.close()]);
