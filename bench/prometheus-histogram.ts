// A Prometheus histogram read from /metrics text: two scrapes' difference, and quantiles interpolated within buckets as histogram_quantile does.

export interface Histogram {
  /** Cumulative counts by upper bound, ascending, the last one +Inf. */
  buckets: { le: number; count: number }[];
  sum: number;
  count: number;
}

/** The unlabelled histogram `name` in a scrape; empty when it is not there (yet). */
export function parseHistogram(text: string, name: string): Histogram {
  const buckets: Histogram['buckets'] = [];
  let sum = 0;
  let count = 0;
  for (const line of text.split('\n')) {
    const bucket = new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\S+)$`).exec(line);
    if (bucket) buckets.push({ le: bucket[1] === '+Inf' ? Infinity : Number(bucket[1]), count: Number(bucket[2]) });
    if (line.startsWith(`${name}_sum `)) sum = Number(line.slice(name.length + 5));
    if (line.startsWith(`${name}_count `)) count = Number(line.slice(name.length + 7));
  }
  return { buckets: buckets.sort((a, b) => a.le - b.le), sum, count };
}

/** What was observed between scrape `before` and scrape `after`. */
export function histogramDelta(after: Histogram, before: Histogram): Histogram {
  const earlier = new Map(before.buckets.map((bucket) => [bucket.le, bucket.count]));
  return {
    buckets: after.buckets.map((bucket) => ({ le: bucket.le, count: bucket.count - (earlier.get(bucket.le) ?? 0) })),
    sum: after.sum - before.sum,
    count: after.count - before.count,
  };
}

/** The q-quantile, linear within its bucket (from 0 for the first); the highest finite bound when it falls in +Inf. */
export function histogramQuantile(histogram: Histogram, q: number): number {
  const total = histogram.buckets.at(-1)?.count ?? 0;
  if (total === 0) return Number.NaN;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const { le, count } of histogram.buckets) {
    if (count >= rank) {
      if (le === Infinity) return lower;
      return lower + ((le - lower) * (rank - below)) / Math.max(1, count - below);
    }
    lower = le;
    below = count;
  }
  return lower;
}

/** The share of observations at or below `bound`, when `bound` is one of the buckets' bounds. */
export function histogramShareWithin(histogram: Histogram, bound: number): number {
  const total = histogram.buckets.at(-1)?.count ?? 0;
  return (histogram.buckets.find((bucket) => bucket.le === bound)?.count ?? Number.NaN) / total;
}
