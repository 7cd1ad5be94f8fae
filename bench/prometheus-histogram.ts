// A Prometheus histogram read from /metrics text: two scrapes' difference, and quantiles interpolated within buckets as histogram_quantile does.

export interface Histogram {
  /** Cumulative counts by upper bound, ascending, the last one +Inf. */
  buckets: { le: number; count: number }[];
  sum: number;
  count: number;
}

/** The histogram `name` in a scrape, the series with `labels` (none: the unlabelled one); empty when it is not there (yet). */
export function parseHistogram(text: string, name: string, labels: Record<string, string> = {}): Histogram {
  const wanted = Object.entries(labels).map(([label, value]) => `${label}="${value}"`);
  // prom-client writes `le` before or after the other labels: compare them as a set.
  const isSeries = (found: string[]) => found.length === wanted.length && wanted.every((pair) => found.includes(pair));
  const sampleLine = new RegExp(`^${name}_(bucket|sum|count)(?:\\{([^}]*)\\})? (\\S+)$`);
  const buckets: Histogram['buckets'] = [];
  let sum = 0;
  let count = 0;
  for (const line of text.split('\n')) {
    const sample = sampleLine.exec(line);
    if (!sample) continue;
    const pairs = sample[2] ? sample[2].split(',') : [];
    const le = pairs.find((pair) => pair.startsWith('le='));
    if (!isSeries(pairs.filter((pair) => pair !== le))) continue;
    const value = Number(sample[3]);
    if (sample[1] === 'bucket' && le) buckets.push({ le: le === 'le="+Inf"' ? Infinity : Number(le.slice(4, -1)), count: value });
    if (sample[1] === 'sum') sum = value;
    if (sample[1] === 'count') count = value;
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
