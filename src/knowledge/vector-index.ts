// Nearest passages by cosine similarity in process: a cheap first pass over the query's heaviest dimensions, then exact scores.
//
// Scoring 10,000 vectors of 256 dimensions exactly is 2.5 million multiplications (2–5 ms on the
// event loop, per turn). Instead, a first pass scores every passage on the few dimensions that carry
// most of the query's weight (a partial dot product, read column by column from a dimension-major
// copy), and only the best few hundred are scored exactly. This is the "partial distance" idea of
// pruned nearest-neighbour search: with unit vectors, the dimensions left out can change a passage's
// score by at most the length of the query's remainder (Cauchy–Schwarz), so once the next candidate's
// first-pass score plus that bound falls below the k-th exact score, no passage left can enter the
// top k and the answer is exact. Sign (binary) quantisation with a Hamming prefilter was tried first:
// in JavaScript (no popcount instruction) it cost as much, and it cannot rank sparse query vectors.
// For a large index of dense vectors (a real model's) even that first pass costs milliseconds per
// turn, so a nearest-neighbour graph is built beside it (vector-graph.ts) and, once ready, gives the
// candidates that are scored exactly.
import { buildVectorGraph, type VectorGraph } from './vector-graph.ts';

export interface VectorMatch {
  /** The passage's position in the index. */
  row: number;
  /** Cosine similarity, -1 to 1. */
  score: number;
}

export interface VectorIndex {
  readonly dims: number;
  readonly size: number;
  /** The `limit` rows nearest to the unit vector `query` with a similarity of at least `minScore`, best first. */
  nearest(query: readonly number[], limit: number, minScore: number): VectorMatch[];
  /** How queries are answered once any graph build has ended: by the graph, or by the scan alone. */
  ready(): Promise<'graph' | 'scan'>;
  /** Stops a graph build still running (the index is being replaced); searches go on as they were. */
  close(): void;
}

export interface VectorIndexOptions {
  /** Told when the graph could not be built; dense queries are then answered by the scan. */
  onGraphFailure?(error: unknown): void;
  /** Told when the graph is built and answers every query from now on. */
  onGraphReady?(rows: number, buildMs: number): void;
}

// The first pass reads at most this many of the query's dimensions (64 for a 256-dimension model)…
const FIRST_PASS_SHARE = 1 / 4;
// …and stops sooner once the dimensions read carry all but this much of the query's length.
const NEGLIGIBLE_REMAINDER = 1e-3;
// Candidates scored exactly when the bound does not end the search sooner.
const MIN_RESCORED = 256;
const RESCORED_PER_RESULT = 16;
const ROUNDING = 1e-6;
// A graph is built when an exact scan would be at least this many multiplications (about a millisecond)…
const GRAPH_MIN_WORK = 1_000_000;
// …and the graph's candidates per result asked for, all scored exactly.
const GRAPH_CANDIDATES_PER_RESULT = 2;
const GRAPH_MIN_CANDIDATES = 40;

/** `vectors[i]` is the vector of row i, of unit length, all of one length. */
export function buildVectorIndex(vectors: readonly ArrayLike<number>[], options: VectorIndexOptions = {}): VectorIndex {
  const size = vectors.length;
  const dims = vectors[0]?.length ?? 0;
  // Shared memory: the graph's worker reads the vectors where they are.
  const matrix = new Float32Array(new SharedArrayBuffer(size * dims * Float32Array.BYTES_PER_ELEMENT));
  vectors.forEach((vector, row) => matrix.set(vector, row * dims));
  // The same numbers dimension by dimension: the first pass reads one dimension of every row at a time.
  let columns = Array.from({ length: dims }, (_, d) => {
    const column = new Float32Array(size);
    for (let row = 0; row < size; row += 1) column[row] = matrix[row * dims + d]!;
    return column;
  });
  const partial = new Float64Array(size);
  let graph: VectorGraph | null = null;
  const startedMs = performance.now();
  const build = size * dims >= GRAPH_MIN_WORK && isDense(matrix, dims) ? buildVectorGraph(matrix, dims, options.onGraphFailure ?? (() => {})) : null;
  const settled: Promise<'graph' | 'scan'> = build
    ? build.ready.then((built) => {
        if (!built) return 'scan';
        graph = built;
        // The graph answers every query from now on: the scan's copy by dimension goes (61 MB at 10,000 × 1,536).
        columns = [];
        options.onGraphReady?.(size, performance.now() - startedMs);
        return 'graph';
      })
    : Promise.resolve('scan');

  function exact(row: number, query: Float64Array): number {
    let score = 0;
    const offset = row * dims;
    for (let d = 0; d < dims; d += 1) score += matrix[offset + d]! * query[d]!;
    return score;
  }

  /**
   * A query with at most the first pass's share of non-zero dimensions (a sparse model's): its
   * columns read in dimension order add up, row by row, exactly what `exact` would (the other
   * dimensions add zeros), so one pass gives every row's exact score and no rescoring is needed.
   */
  function sparseNearest(query: Float64Array, limit: number, minScore: number): VectorMatch[] {
    partial.fill(0);
    const weighted: number[] = [];
    for (let d = 0; d < dims; d += 1) if (query[d] !== 0) weighted.push(d);
    // Two columns a row at a time, added in order: half the reads and writes of `partial`.
    let i = 0;
    for (; i + 1 < weighted.length; i += 2) {
      const a = columns[weighted[i]!]!;
      const b = columns[weighted[i + 1]!]!;
      const wa = query[weighted[i]!]!;
      const wb = query[weighted[i + 1]!]!;
      for (let row = 0; row < size; row += 1) partial[row] = partial[row]! + wa * a[row]! + wb * b[row]!;
    }
    if (i < weighted.length) {
      const a = columns[weighted[i]!]!;
      const wa = query[weighted[i]!]!;
      for (let row = 0; row < size; row += 1) partial[row] = partial[row]! + wa * a[row]!;
    }
    return bestRows(partial, limit, minScore);
  }

  return {
    dims,
    size,
    nearest(vector, limit, minScore) {
      if (size === 0 || vector.length !== dims || limit <= 0) return [];
      const query = Float64Array.from(vector);
      if (graph) return graphNearest(graph, query, limit, minScore);
      let weighted = 0;
      for (let d = 0; d < dims; d += 1) if (query[d] !== 0) weighted += 1;
      const maxRead = Math.max(1, Math.ceil(dims * FIRST_PASS_SHARE));
      if (weighted <= maxRead) return sparseNearest(query, limit, minScore);
      // The query's dimensions by weight, heaviest first, until what is left of it is negligible.
      const order = Array.from({ length: dims }, (_, d) => d).sort((a, b) => Math.abs(query[b]!) - Math.abs(query[a]!));
      let remainder = query.reduce((sum, weight) => sum + weight * weight, 0);
      // The dimensions to read: heaviest first, until what is left of the query is negligible.
      let read = 0;
      while (read < maxRead && remainder > NEGLIGIBLE_REMAINDER * NEGLIGIBLE_REMAINDER && query[order[read]!] !== 0) {
        remainder -= query[order[read]!]! ** 2;
        read += 1;
      }
      partial.fill(0);
      // Four columns a row at a time: a quarter of the reads and writes of `partial`.
      let i = 0;
      for (; i + 3 < read; i += 4) {
        const [a, b, c, e] = [columns[order[i]!]!, columns[order[i + 1]!]!, columns[order[i + 2]!]!, columns[order[i + 3]!]!];
        const [wa, wb, wc, we] = [query[order[i]!]!, query[order[i + 1]!]!, query[order[i + 2]!]!, query[order[i + 3]!]!];
        for (let row = 0; row < size; row += 1) partial[row] = partial[row]! + wa * a[row]! + wb * b[row]! + wc * c[row]! + we * e[row]!;
      }
      for (; i < read; i += 1) {
        const column = columns[order[i]!]!;
        const weight = query[order[i]!]!;
        for (let row = 0; row < size; row += 1) partial[row] = partial[row]! + weight * column[row]!;
      }
      // What the unread dimensions can add to any row's score at most: |q_rest| · |v_rest| ≤ |q_rest|
      // (stored vectors have unit length), plus a margin for rounding.
      const bound = Math.sqrt(Math.max(0, remainder)) + ROUNDING;
      const candidates = topRows(partial, Math.max(MIN_RESCORED, limit * RESCORED_PER_RESULT), minScore - bound);
      const best: VectorMatch[] = [];
      for (const row of candidates) {
        const floor = best.length === limit ? best.at(-1)!.score : minScore;
        // Candidates come best first: none after this one can reach the k-th score.
        if (partial[row]! + bound < floor) break;
        keepBest(best, row, exact(row, query), limit, minScore);
      }
      return best;
    },
    ready: () => settled,
    close() {
      build?.cancel();
    },
  };

  /** The graph's candidates for a query, scored exactly. */
  function graphNearest(found: VectorGraph, query: Float64Array, limit: number, minScore: number): VectorMatch[] {
    const best: VectorMatch[] = [];
    for (const row of found.candidates(Float32Array.from(query), Math.max(GRAPH_MIN_CANDIDATES, limit * GRAPH_CANDIDATES_PER_RESULT))) {
      keepBest(best, row, exact(row, query), limit, minScore);
    }
    return best;
  }
}

/** Puts `row` into `best` (at most `limit`, best first) when its score earns a place; equal scores go by row, as a scan in row order ranks them. */
function keepBest(best: VectorMatch[], row: number, score: number, limit: number, minScore: number): void {
  if (score < minScore) return;
  const before = (match: VectorMatch) => match.score < score || (match.score === score && match.row > row);
  if (best.length === limit && !before(best.at(-1)!)) return;
  let at = best.length;
  while (at > 0 && before(best[at - 1]!)) at -= 1;
  best.splice(at, 0, { row, score });
  if (best.length > limit) best.pop();
}

/** Whether the stored vectors are dense (a real model's) rather than sparse (the stand-in's), judged on the first rows. */
function isDense(matrix: Float32Array, dims: number): boolean {
  const sample = matrix.subarray(0, Math.min(matrix.length, dims * 100));
  let nonZero = 0;
  for (const value of sample) if (value !== 0) nonZero += 1;
  return nonZero > sample.length * FIRST_PASS_SHARE;
}

/** The `limit` rows of highest `scores` at or above `minScore`, best first, equal scores by row (as a scan in row order ranks them). */
function bestRows(scores: Float64Array, limit: number, minScore: number): VectorMatch[] {
  const rows: number[] = [];
  let floor = minScore;
  for (let row = 0; row < scores.length; row += 1) {
    const score = scores[row]!;
    // Once `limit` are kept, a later row must beat the last of them (a tie goes to the earlier row).
    if (score < floor || (rows.length === limit && score === floor)) continue;
    let at = rows.length;
    while (at > 0 && scores[rows[at - 1]!]! < score) at -= 1;
    rows.splice(at, 0, row);
    if (rows.length > limit) rows.pop();
    if (rows.length === limit) floor = scores[rows[limit - 1]!]!;
  }
  return rows.map((row) => ({ row, score: scores[row]! }));
}

/** The `count` rows of highest `scores` at or above `floor`, best first (a bounded min-heap in typed arrays, then sorted). */
function topRows(scores: Float64Array, count: number, floor: number): number[] {
  const heapRows = new Int32Array(count);
  const heapScores = new Float64Array(count);
  let size = 0;
  for (let row = 0; row < scores.length; row += 1) {
    const score = scores[row]!;
    if (score < floor) continue;
    let at: number;
    if (size === count) {
      if (score <= heapScores[0]!) continue;
      // The new row takes the weakest's place and sinks below every child weaker than it.
      at = 0;
      for (;;) {
        const left = 2 * at + 1;
        if (left >= size) break;
        const child = left + 1 < size && heapScores[left + 1]! < heapScores[left]! ? left + 1 : left;
        if (!(heapScores[child]! < score)) break;
        heapRows[at] = heapRows[child]!;
        heapScores[at] = heapScores[child]!;
        at = child;
      }
    } else {
      // The new row rises above every parent stronger than it.
      at = size;
      size += 1;
      while (at > 0) {
        const parent = (at - 1) >> 1;
        if (!(score < heapScores[parent]!)) break;
        heapRows[at] = heapRows[parent]!;
        heapScores[at] = heapScores[parent]!;
        at = parent;
      }
    }
    heapRows[at] = row;
    heapScores[at] = score;
  }
  return Array.from(heapRows.subarray(0, size)).sort((a, b) => scores[b]! - scores[a]! || a - b);
}
