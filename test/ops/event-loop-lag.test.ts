// The event-loop delay gauges: the same names as prom-client's, sampled while the server works and not while it idles.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { DEFAULT_MONITOR_PRECISION_MS, registerEventLoopLag } from '../../src/ops/event-loop-lag.ts';

const value = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);

function blockFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // a handler holding the loop
  }
}

describe('event-loop delay gauges', () => {
  it('replace the default ones under the same names and see a blocked loop', async () => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: DEFAULT_MONITOR_PRECISION_MS });
    const lag = registerEventLoopLag(registry);
    assert.equal(lag.sampling(), false, 'nothing is sampled before the first request');
    lag.busy();
    assert.equal(lag.sampling(), true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    blockFor(60);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const text = await registry.metrics();
    for (const name of ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99']) {
      assert.equal(text.match(new RegExp(`^nodejs_eventloop_lag_${name}_seconds `, 'gm'))?.length, 1, `${name} once`);
    }
    assert.ok(value(text, 'nodejs_eventloop_lag_max_seconds') >= 0.06, 'the 60 ms block shows as the longest delay');
    assert.ok(value(text, 'nodejs_eventloop_lag_min_seconds') >= 0.009, 'a delay includes the 10 ms interval, as before');
  });

  it('stops sampling once the loop has been quiet for a check, and starts again with the next request', async () => {
    const registry = new Registry();
    const lag = registerEventLoopLag(registry);
    lag.busy();
    while (lag.sampling()) await new Promise((resolve) => setTimeout(resolve, 100));
    const first = await registry.metrics();
    lag.busy();
    assert.equal(lag.sampling(), true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = await registry.metrics();
    assert.ok(value(first, 'nodejs_eventloop_lag_p50_seconds') > 0 && value(second, 'nodejs_eventloop_lag_p50_seconds') > 0);
  });
});
