// Dense stand-in embeddings of a real model's length for the benchmarks (BENCH_EMBEDDING_DIMENSIONS): the stand-in's vectors through a fixed random map.
//
// The stand-in's own vectors are sparse (4–8 of 256 dimensions), which the vector index answers in one
// exact pass; a real model's are dense. Each of the stand-in's 256 dimensions gets a fixed Gaussian
// vector of `dims` numbers, and a text's dense vector is the normalised sum of those, weighted by its
// stand-in vector: every dimension is non-zero, and texts sharing words (a question and its passage,
// passages of one topic) stay near each other, clustered as real embeddings are.
import { normalise } from '../src/knowledge/embedder.ts';
import { seededGaussian } from './synthetic-vectors.ts';
import { STAND_IN_EMBEDDING_DIMS, standInEmbedding } from '../test/helpers/stand-in-embeddings.ts';

/** A text's dense unit vector of `dims` numbers, the same for the same text on every run. */
export function denseEmbedding(dims: number): (text: string) => number[] {
  const gaussian = seededGaussian(1_234_567);
  const basis = Array.from({ length: STAND_IN_EMBEDDING_DIMS }, () => Float64Array.from({ length: dims }, gaussian));
  return (text) => {
    const sparse = standInEmbedding(text);
    const dense = new Array<number>(dims).fill(0);
    sparse.forEach((weight, d) => {
      if (weight === 0) return;
      const column = basis[d]!;
      for (let i = 0; i < dims; i += 1) dense[i] = dense[i]! + weight * column[i]!;
    });
    return normalise(dense);
  };
}
