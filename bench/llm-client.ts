// `node bench/llm-client.ts`: the client side of one whole-reply LLM request and one query embedding, CPU per call, with the stand-in in another process.
import { createOpenAI } from '@ai-sdk/openai';
import { embed, generateText, stepCountIs } from 'ai';
import { prepareToolsAndToolChoice } from 'ai/internal';
import { request } from 'undici';
import { buildToolSet, DEFAULT_TOOLS } from '../src/assistant/tools/registry.ts';
import { keepAliveFetch } from '../src/llm/keep-alive-fetch.ts';
import { startAnnounced } from './processes.ts';

const CALLS = Number(process.env.BENCH_CALLS ?? 2000);
const line = (text: string) => process.stdout.write(`${text}\n`);

/** CPU time of this process per call of `call`, run `CALLS` times ten at a time after a warm-up. */
async function cpuPerCall(call: () => Promise<unknown>): Promise<number> {
  // Long enough for V8 to have optimised the SDK's code: the figures are a warm server's.
  for (let i = 0; i < 1000; i += 1) await call();
  const before = process.cpuUsage();
  for (let i = 0; i < CALLS; i += 10) await Promise.all(Array.from({ length: 10 }, call));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / CALLS;
}

const llm = await startAnnounced<{ openaiBaseUrl: string }>('bench/llm-process.ts');
try {
  const baseURL = llm.announced.openaiBaseUrl;
  const messages = [{ role: 'user' as const, content: 'When are you open on Thursday?' }];
  const body = JSON.stringify({ model: 'stand-in-model', messages });
  const chat = createOpenAI({ apiKey: 'sk', baseURL }).chat('m');
  const chatKeepAlive = createOpenAI({ apiKey: 'sk', baseURL, fetch: keepAliveFetch }).chat('m');
  const embedding = createOpenAI({ apiKey: 'sk', baseURL }).embedding('e');
  const embeddingKeepAlive = createOpenAI({ apiKey: 'sk', baseURL, fetch: keepAliveFetch }).embedding('e');
  // A voice turn's request: the app's tools and a system prompt about a real one's size (2 kB).
  const tools = buildToolSet(DEFAULT_TOOLS);
  const system = 'You are the receptionist of a dental practice. '.repeat(40);
  const providerTools = await prepareToolsAndToolChoice({ tools, toolChoice: undefined, activeTools: undefined });
  const prompt = [
    { role: 'system' as const, content: system },
    { role: 'user' as const, content: [{ type: 'text' as const, text: messages[0]!.content }] },
  ];
  const variants: Record<string, () => Promise<unknown>> = {
    'bare undici request, keep-alive': async () =>
      (await request(`${baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).body.json(),
    'generateText, global fetch': () => generateText({ model: chat, system: 'You are brief.', messages, maxRetries: 0 }),
    'generateText, keep-alive fetch': () =>
      generateText({ model: chatKeepAlive, system: 'You are brief.', messages, maxRetries: 0 }),
    // What generateText adds over the provider's own call (validating the prompt, the tool loop's bookkeeping).
    'generateText with the tools, keep-alive fetch': () =>
      generateText({ model: chatKeepAlive, system, messages, tools, stopWhen: stepCountIs(5), maxRetries: 0 }),
    "the provider's doGenerate with the same request, keep-alive fetch": async () => chatKeepAlive.doGenerate({ prompt, ...providerTools }),
    'embed, global fetch': () => embed({ model: embedding, value: 'how much is whitening', maxRetries: 0 }),
    'embed, keep-alive fetch': () =>
      embed({ model: embeddingKeepAlive, value: 'how much is whitening', maxRetries: 0 }),
  };
  line(`${CALLS} calls each, 10 at a time; CPU ms per call of this process (the client)\n`);
  line('| client | CPU ms per call |');
  line('|---|---|');
  // Twice, alternating, so a change in the machine's load shows as a difference between the rounds.
  for (let round = 1; round <= 2; round += 1) {
    for (const [name, call] of Object.entries(variants)) line(`| ${name} (round ${round}) | ${(await cpuPerCall(call)).toFixed(3)} |`);
  }
} finally {
  await llm.stop();
}
