// `node bench/relay-clock-cost.ts`: what timing a relay token costs the server: undici's chunk event with our subscriber, the clock, the histogram sample.
import diagnostics from 'node:diagnostics_channel';
import { ChunkClock, timedStreamFetch, withChunkClock } from '../src/llm/chunk-clock.ts';
import { createMetrics } from '../src/ops/metrics.ts';
import type { Db } from '../src/db/db.ts';

const ROUNDS = 2_000_000;
const chunkChannel = diagnostics.channel('undici:request:bodyChunkReceived');

/** ns per call of `work`, best of five runs of ROUNDS calls. */
function nsPer(work: (index: number) => void): number {
  let best = Infinity;
  for (let run = 0; run < 5; run += 1) {
    const startedNs = process.hrtime.bigint();
    for (let index = 0; index < ROUNDS; index += 1) work(index);
    best = Math.min(best, Number(process.hrtime.bigint() - startedNs) / ROUNDS);
  }
  return best;
}

const request = {};
const chunk = Buffer.from('data: {"choices":[{"delta":{"content":"word "}}]}\n\n');
const publish = () => chunkChannel.publish({ request, chunk });
// What undici does per chunk before anyone subscribes: the check, and no message.
const unsubscribedNs = nsPer(() => chunkChannel.hasSubscribers && publish());
// Subscribes (through a turn that makes no request) and times a chunk of a request that is not a turn's: the WeakMap miss.
await withChunkClock(new ChunkClock(), () => timedStreamFetch('http://127.0.0.1:9/', { method: 'POST', body: '{"stream":true}' }).catch(() => null));
const subscribedMissNs = nsPer(() => chunkChannel.hasSubscribers && publish());
const clock = new ChunkClock();
const claimNs = nsPer(() => {
  clock.arrived(performance.now());
  clock.claim();
});
const metrics = createMetrics({ db: { stats: () => ({ total: 0, idle: 0, waiting: 0 }) } as unknown as Db, provider: 'openai', onCollectError: () => {} });
const observeNs = nsPer((index) => metrics.relayTokenWritten((index % 100) / 100));
const nowNs = nsPer(() => performance.now());
process.stdout.write(
  `per chunk: undici's check without subscribers ${unsubscribedNs.toFixed(0)} ns, publish to our subscriber (a request not timed) ${subscribedMissNs.toFixed(0)} ns\n` +
    `per token: clock arrived + claim ${claimNs.toFixed(0)} ns, histogram sample ${observeNs.toFixed(0)} ns, performance.now() ${nowNs.toFixed(0)} ns\n`,
);
process.exit(0);
