// The in-process index built from PGlite and from PostgreSQL: a query's terms match exactly the passages the database's own tsquery matches.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../../src/db/db.ts';
import { knowledgeVersion } from '../../src/knowledge/documents-repo.ts';
import { parseRealArray, parseTsvector } from '../../src/knowledge/index-row-text.ts';
import { loadKnowledgeIndex, type KnowledgeIndex } from '../../src/knowledge/knowledge-index.ts';
import { queryTerms } from '../../src/knowledge/text-search.ts';
import { QUALITY_QUESTIONS } from '../helpers/knowledge-quality.ts';
import { sampleDocuments, testKnowledge } from '../helpers/knowledge.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { databaseBackends } from '../helpers/database-backends.ts';

const backends = databaseBackends;

for (const backend of backends) {
  describe(`the knowledge index built from ${backend.name}`, { skip: backend.skip }, () => {
    let standIn: LlmStandIn;
    let db: Db;
    let drop: () => Promise<void>;
    let index: KnowledgeIndex;

    before(async () => {
      standIn = await startLlmStandIn();
      ({ db, drop } = await backend.open());
      const { knowledge } = testKnowledge(db, standIn);
      for (const document of sampleDocuments()) await knowledge.add(document);
      index = await loadKnowledgeIndex(db, await knowledgeVersion(db), knowledge.embeddingModel, true);
    });
    after(async () => {
      await drop?.();
      await standIn?.close();
    });

    it('holds every passage with its vector, and the version it was read at', async () => {
      const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM knowledge_chunks');
      assert.equal(index.passages.length, rows[0]!.n);
      assert.equal(index.vectors?.size, rows[0]!.n);
      assert.equal(index.hasVectors, true);
      assert.equal(index.version, await knowledgeVersion(db));
    });

    it("matches, for every quality question, exactly the passages the database's tsquery of the same terms matches", async () => {
      for (const q of QUALITY_QUESTIONS) {
        const terms = queryTerms(q.language, q.question);
        const tsquery = terms.map((term) => `'${term.lexeme.replaceAll("'", "''")}'${term.prefix ? ':*' : ''}`).join(' | ');
        const { rows } = await db.query<{ id: string }>("SELECT id FROM knowledge_chunks WHERE $1 <> '' AND tsv @@ to_tsquery('simple', $1)", [tsquery]);
        const ours = index.text.search(terms, index.passages.length).map((hit) => index.passages[hit.row]!.chunkId);
        assert.deepEqual(ours.sort(), rows.map((row) => row.id).sort(), `${q.question} → ${tsquery}`);
      }
    });

    it("reads the database's text forms exactly: lexemes with quotes and backslashes, weights, and single-precision vectors", async () => {
      const { rows } = await db.query<{ tsv: string; lexemes: string[]; vector: string; numbers: number[] }>(
        `SELECT v::text AS tsv, tsvector_to_array(v) AS lexemes, r::text AS vector, r::float8[] AS numbers
         FROM (SELECT $$'it''s':1A,3 'back\\\\slash':2 'plain' 'x':4B$$::tsvector AS v,
                      ARRAY[0.1, -2.5e-05, 1e-40, 3.4028235e38, 0, -0.33333334]::real[] AS r) t`,
      );
      const { lexemes, headingCounts, textCounts } = parseTsvector(rows[0]!.tsv);
      assert.deepEqual(lexemes, rows[0]!.lexemes);
      assert.deepEqual(lexemes, ['back\\slash', "it's", 'plain', 'x']);
      assert.deepEqual(headingCounts, [0, 1, 0, 0]);
      assert.deepEqual(textCounts, [1, 1, 1, 1]);
      assert.deepEqual([...parseRealArray(rows[0]!.vector)], rows[0]!.numbers);
    });

    it('ranks first the passage whose heading names the word, and best first', () => {
      const hits = index.text.search(queryTerms('en', 'insurance'), 3);
      assert.equal(index.passages[hits[0]!.row]!.heading, 'Frequently asked questions > Insurance');
      assert.ok(hits.every((hit, i) => i === 0 || hit.score <= hits[i - 1]!.score));
    });
  });
}
