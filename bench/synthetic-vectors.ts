// Seeded random numbers and clustered unit vectors for the benchmarks and tests, with the exact nearest-neighbour scan they are checked against.
import { normalise } from '../src/knowledge/embedder.ts';

/** A linear congruential generator's raw 32-bit states from `seed`: the same sequence on every run. */
function states(seed: number): () => number {
  let state = seed;
  return () => (state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0);
}

/** Uniform numbers in [0, 1) from `seed`. */
export function seededRandom(seed: number): () => number {
  const next = states(seed);
  return () => next() / 2 ** 32;
}

/** Normally distributed numbers from `seed` (Box–Muller; the uniform draws kept above 0 for the logarithm). */
export function seededGaussian(seed: number): () => number {
  const next = states(seed);
  const uniform = () => (next() + 1) / 2 ** 32;
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/**
 * `count` unit vectors of `dims` numbers around 200 centres (a real model's are clustered by topic), and
 * `queryCount` queries, each a passage's vector plus noise of half a unit vector's length: still nearest its
 * passage's topic (cosine about 0.9 to the passage).
 */
export function clusteredVectors(dims: number, count: number, queryCount: number, seed: number): { vectors: number[][]; queries: number[][] } {
  const next = seededGaussian(seed);
  const centres = Array.from({ length: 200 }, () => Array.from({ length: dims }, next));
  const vectors = Array.from({ length: count }, (_, i) => normalise(centres[i % 200]!.map((value) => value + 0.8 * next())));
  const queries = Array.from({ length: queryCount }, (_, i) => normalise(vectors[(i * 197) % count]!.map((value) => value + (0.5 / Math.sqrt(dims)) * next())));
  return { vectors, queries };
}

/** Every row scored in full, in row order, from single-precision values as stored (real[]): what a vector index must agree with. */
export function exactScan(vectors: readonly (readonly number[])[], query: readonly number[], limit: number, minScore: number): { row: number; score: number }[] {
  const scored = vectors.map((vector, row) => {
    let score = 0;
    for (let d = 0; d < vector.length; d += 1) score += Math.fround(vector[d]!) * query[d]!;
    return { row, score };
  });
  return scored
    .filter((match) => match.score >= minScore)
    .sort((a, b) => b.score - a.score || a.row - b.row)
    .slice(0, limit);
}
