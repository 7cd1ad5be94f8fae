// The in-process vector search against an exact scan: the same nearest passages on 10,000 synthetic passages.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, it } from 'node:test';
import { syntheticDocuments } from '../../bench/synthetic-knowledge.ts';
import { clusteredVectors, exactScan, seededGaussian } from '../../bench/synthetic-vectors.ts';
import { normalise } from '../../src/knowledge/embedder.ts';
import { buildVectorIndex, type VectorMatch } from '../../src/knowledge/vector-index.ts';
import { QUALITY_QUESTIONS } from '../helpers/knowledge-quality.ts';
import { standInEmbedding } from '../helpers/stand-in-embeddings.ts';

/** Share of the exact scan's rows the index also returned. */
function overlap(exact: readonly VectorMatch[], found: readonly VectorMatch[]): number {
  const rows = new Set(found.map((match) => match.row));
  return exact.length === 0 ? 1 : exact.filter((match) => rows.has(match.row)).length / exact.length;
}

describe('the vector index', () => {
  it('returns exactly the exact scan’s nearest passages for every quality question over 10,000 stand-in passages', () => {
    const passages = syntheticDocuments(10_000).flatMap((document) => new TextDecoder().decode(document.bytes).split('\n## ').slice(1));
    assert.equal(passages.length, 10_000);
    const vectors = passages.map((passage) => normalise(standInEmbedding(passage)));
    const index = buildVectorIndex(vectors);
    for (const minScore of [0.35, -1]) {
      for (const q of QUALITY_QUESTIONS) {
        const query = normalise(standInEmbedding(q.question));
        const exact = exactScan(vectors, query, 20, minScore);
        const found = index.nearest(query, 20, minScore);
        assert.deepEqual(found.map((m) => m.row), exact.map((m) => m.row), `${q.question} (min ${minScore})`);
        found.forEach((match, i) => assert.ok(Math.abs(match.score - exact[i]!.score) < 1e-6));
      }
    }
  });

  it('finds nearly all of the exact scan’s nearest passages for dense vectors, where the first pass cannot read every dimension', () => {
    const next = seededGaussian(7);
    const dims = 256;
    const centres = Array.from({ length: 200 }, () => Array.from({ length: dims }, next));
    const vectors = Array.from({ length: 10_000 }, (_, i) => normalise(centres[i % 200]!.map((value) => value + 1.2 * next())));
    const index = buildVectorIndex(vectors);
    let shared = 0;
    const queries = 50;
    for (let i = 0; i < queries; i += 1) {
      const query = normalise(vectors[(i * 197) % vectors.length]!.map((value) => value + 0.08 * next()));
      shared += overlap(exactScan(vectors, query, 20, -1), index.nearest(query, 20, -1));
    }
    assert.ok(shared / queries >= 0.95, `mean overlap ${shared / queries}`);
    index.close();
  });

  it('answers a large index of dense vectors from a graph built in a worker, with the exact scan’s scores', async () => {
    const { vectors, queries } = clusteredVectors(256, 10_000, 50, 11);
    const failures: unknown[] = [];
    const index = buildVectorIndex(vectors, { onGraphFailure: (error) => failures.push(error) });
    assert.equal(await index.ready(), 'graph');
    assert.deepEqual(failures, []);
    let shared = 0;
    for (const query of queries) {
      const exact = exactScan(vectors, query, 20, -1);
      const found = index.nearest(query, 20, -1);
      assert.equal(found.length, 20);
      // Every score is the exact one, and the list is best first.
      const exactScores = new Map(exactScan(vectors, query, vectors.length, -1).map((m) => [m.row, m.score]));
      found.forEach((match, i) => {
        assert.ok(Math.abs(match.score - exactScores.get(match.row)!) < 1e-6);
        if (i > 0) assert.ok(found[i - 1]!.score >= match.score);
      });
      shared += overlap(exact, found);
      // A floor is kept: nothing below it comes back.
      assert.ok(index.nearest(query, 20, 0.5).every((match) => match.score >= 0.5));
    }
    assert.ok(shared / queries.length >= 0.95, `mean overlap ${shared / queries.length}`);
    index.close();
  });

  it('goes on by scan, and says why, when the graph cannot be built (its temporary file cannot be written)', async () => {
    const { vectors, queries } = clusteredVectors(256, 4_000, 5, 11);
    const failures: unknown[] = [];
    const tmp = process.env.TMPDIR;
    process.env.TMPDIR = '/nonexistent/phone-assistant-test';
    let index;
    try {
      index = buildVectorIndex(vectors, { onGraphFailure: (error) => failures.push(error) });
    } finally {
      if (tmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = tmp;
    }
    assert.equal(await index.ready(), 'scan');
    assert.equal(failures.length, 1);
    assert.match(String(failures[0]), /nonexistent|No such file|cannot open|Failed/i);
    for (const query of queries) assert.equal(index.nearest(query, 5, -1).length, 5);
  });

  it('stops a graph build when the index is closed, telling no failure and leaving no file', async () => {
    const { vectors } = clusteredVectors(256, 10_000, 0, 11);
    const failures: unknown[] = [];
    const before = new Set(readdirSync(tmpdir()).filter((name) => name.startsWith('phone-assistant-graph-')));
    const index = buildVectorIndex(vectors, { onGraphFailure: (error) => failures.push(error) });
    index.close();
    assert.equal(await index.ready(), 'scan');
    assert.deepEqual(failures, []);
    assert.deepEqual(readdirSync(tmpdir()).filter((name) => name.startsWith('phone-assistant-graph-') && !before.has(name)), []);
  });

  it('builds no graph for sparse vectors (the stand-in’s), which the scan answers exactly in one pass', async () => {
    const vectors = syntheticDocuments(10_000)
      .flatMap((document) => new TextDecoder().decode(document.bytes).split('\n## ').slice(1))
      .slice(0, 5_000)
      .map((passage) => normalise(standInEmbedding(passage)));
    assert.equal(await buildVectorIndex(vectors).ready(), 'scan');
  });

  it('leaves out vectors of another length and queries of another length', () => {
    const index = buildVectorIndex([
      [1, 0],
      [0, 1],
    ]);
    assert.deepEqual(index.nearest([1, 0, 0], 3, -1), []);
    assert.deepEqual(
      index.nearest([0.6, 0.8], 3, 0.7).map((m) => m.row),
      [1],
    );
  });
});
