// The bench's readers of the server's own figures: histograms from /metrics and `perf` stacks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { componentOfStack } from '../../bench/perf-summary.ts';
import { histogramDelta, histogramQuantile, parseHistogram } from '../../bench/prometheus-histogram.ts';

const scrape = (voice: number[], sms: number[]) =>
  [
    '# HELP t help',
    `t_bucket{le="0.002",channel="voice"} ${voice[0]}`,
    `t_bucket{channel="voice",le="0.01"} ${voice[1]}`,
    `t_bucket{le="+Inf",channel="voice"} ${voice[2]}`,
    `t_sum{channel="voice"} ${voice[2]! / 1000}`,
    `t_count{channel="voice"} ${voice[2]}`,
    `t_bucket{le="0.002",channel="sms"} ${sms[0]}`,
    `t_bucket{le="+Inf",channel="sms"} ${sms[1]}`,
    `t_count{channel="sms"} ${sms[1]}`,
    'u_bucket{le="1"} 4',
    'u_bucket{le="+Inf"} 5',
    'u_sum 2.5',
    'u_count 5',
  ].join('\n');

test('a labelled series is read whichever side of its labels prom-client writes le, and no other series is mixed in', () => {
  const voice = parseHistogram(scrape([6, 9, 10], [100, 100]), 't', { channel: 'voice' });
  assert.deepEqual(voice, { buckets: [{ le: 0.002, count: 6 }, { le: 0.01, count: 9 }, { le: Infinity, count: 10 }], sum: 0.01, count: 10 });
  assert.deepEqual(parseHistogram(scrape([6, 9, 10], [100, 100]), 'u'), { buckets: [{ le: 1, count: 4 }, { le: Infinity, count: 5 }], sum: 2.5, count: 5 });
  assert.equal(parseHistogram(scrape([6, 9, 10], [1, 1]), 't').count, 0, 'the unlabelled series of a labelled histogram is not there');
});

test('quantiles are of what was observed between two scrapes', () => {
  const before = parseHistogram(scrape([100, 100, 100], [0, 0]), 't', { channel: 'voice' });
  const after = parseHistogram(scrape([100, 190, 200], [0, 0]), 't', { channel: 'voice' });
  const window = histogramDelta(after, before);
  assert.equal(window.count, 100);
  // None of the window's turns took under 2 ms, 90 took 2–10 ms: the median lies in that bucket.
  assert.ok(histogramQuantile(window, 0.5) > 0.002 && histogramQuantile(window, 0.5) < 0.01);
});

test('a perf sample counts for the package of the nearest JavaScript on its stack, Node internals for their caller', () => {
  const write = [
    '7f0 __GI___writev+0x1 (/usr/lib/libc.so.6)',
    "7f1 JS:+'writevGeneric node:internal/stream_base_commons:121:23 (/tmp/perf-1.map)",
    "7f2 JS:+'submit /work/main/node_modules/pg/lib/query.js:152:9 (/tmp/perf-1.map)",
    '7f3 JS:+execute file:///work/main/src/db/postgres-db.ts:244:43 (/tmp/perf-1.map)',
  ];
  assert.equal(componentOfStack(write), 'pg');
  assert.equal(componentOfStack(write.slice(0, 2).concat(write.slice(3))), 'src/db', 'our folder, when no package is nearer');
  assert.equal(componentOfStack(["1 JS:+'fn /work/main/node_modules/@ai-sdk/provider-utils/dist/index.mjs:2564:7 (/tmp/perf-1.map)"]), '@ai-sdk/provider-utils');
  assert.equal(componentOfStack(['1 JS:*wasm-function[20]-20-turbofan (/tmp/perf-1.map)']), "(WebAssembly: PGlite's PostgreSQL)");
  assert.equal(componentOfStack(['1 v8::internal::Scavenger::ScavengeObject (/node)']), '(garbage collector)');
  assert.equal(componentOfStack(['1 tcp_recvmsg ([kernel])', '2 uv__io_poll (/node)']), '(libuv and the kernel: polling, socket reads; no JavaScript)');
});
