// prom-client's event-loop delay gauges (nodejs_eventloop_lag_*), sampled only while the server works: an idle one no longer wakes 100 times a second.
import { eventLoopUtilization, monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

/** prom-client's default precision, so the figures mean what they meant: the delay of a 10 ms timer, interval included. */
const RESOLUTION_MS = 10;
/** Sampling stops once a check this long finds no response sent and the loop almost idle. */
const QUIET_CHECK_MS = 1_000;
/** Below this share of a second busy, the loop has nothing worth measuring (a relay session's frames still count as work). */
const IDLE_UTILIZATION = 0.01;
/** For collectDefaultMetrics: its own monitor, which cannot be left out or stopped, then never ticks (about 25 days). */
export const DEFAULT_MONITOR_PRECISION_MS = 2 ** 31 - 1;

const GAUGES = {
  min: ['nodejs_eventloop_lag_min_seconds', 'The minimum recorded event loop delay.'],
  max: ['nodejs_eventloop_lag_max_seconds', 'The maximum recorded event loop delay.'],
  mean: ['nodejs_eventloop_lag_mean_seconds', 'The mean of the recorded event loop delays.'],
  stddev: ['nodejs_eventloop_lag_stddev_seconds', 'The standard deviation of the recorded event loop delays.'],
  p50: ['nodejs_eventloop_lag_p50_seconds', 'The 50th percentile of the recorded event loop delays.'],
  p90: ['nodejs_eventloop_lag_p90_seconds', 'The 90th percentile of the recorded event loop delays.'],
  p99: ['nodejs_eventloop_lag_p99_seconds', 'The 99th percentile of the recorded event loop delays.'],
} as const;

export interface EventLoopLag {
  /** A request was answered: sample the loop (again) until it has been quiet for a check. */
  busy(): void;
  /** Whether the monitor is running now. */
  sampling(): boolean;
}

/**
 * Replaces the delay gauges collectDefaultMetrics registered in `registry` (their monitor left
 * without ticks) by the same names, read from a monitor that runs only while there is work: a
 * 10 ms timer costs an idle process about 5 ms of CPU a second on a small VM, more than all its
 * other idle work. What an idle loop would report is the interval itself, so nothing is lost; a
 * scrape with no sample since the last one keeps the last figures.
 */
export function registerEventLoopLag(registry: Registry): EventLoopLag {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  for (const [name] of Object.values(GAUGES)) registry.removeSingleMetric(name);
  // One gauge's collect sets them all, as prom-client's own does; each scrape then starts afresh.
  const gauges = {} as Record<keyof typeof GAUGES, Gauge>;
  for (const [key, [name, help]] of Object.entries(GAUGES) as [keyof typeof GAUGES, (typeof GAUGES)[keyof typeof GAUGES]][]) {
    gauges[key] = new Gauge({ name, help, registers: [registry], ...(key === 'min' ? { collect } : {}) });
  }
  function collect(): void {
    if (histogram.count === 0) return;
    gauges.min.set(histogram.min / 1e9);
    gauges.max.set(histogram.max / 1e9);
    gauges.mean.set(histogram.mean / 1e9);
    gauges.stddev.set(histogram.stddev / 1e9);
    gauges.p50.set(histogram.percentile(50) / 1e9);
    gauges.p90.set(histogram.percentile(90) / 1e9);
    gauges.p99.set(histogram.percentile(99) / 1e9);
    histogram.reset();
  }

  let watch: NodeJS.Timeout | undefined;
  let answered = false;
  let utilization = eventLoopUtilization();
  function check(): void {
    const since = eventLoopUtilization(utilization);
    utilization = eventLoopUtilization();
    if (answered || since.utilization >= IDLE_UTILIZATION) {
      answered = false;
      return;
    }
    histogram.disable();
    clearInterval(watch);
    watch = undefined;
  }
  return {
    busy() {
      answered = true;
      if (watch) return;
      histogram.enable();
      utilization = eventLoopUtilization();
      watch = setInterval(check, QUIET_CHECK_MS);
      // A sampling monitor is no reason to keep the process alive.
      watch.unref();
    },
    sampling: () => watch !== undefined,
  };
}
