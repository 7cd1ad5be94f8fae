// Query words are stemmed in process exactly as PostgreSQL's english and russian configurations make the passages' lexemes, on PGlite and PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../../src/db/db.ts';
import { queryTerms } from '../../src/knowledge/text-search.ts';
import { QUALITY_QUESTIONS } from '../helpers/knowledge-quality.ts';
import { sampleDocuments, testKnowledge } from '../helpers/knowledge.ts';
import { databaseBackends } from '../helpers/database-backends.ts';

const WORD = /[\p{L}\p{N}]+/gu;
const HYPHENATED = /[\p{L}\p{N}]+(?:-[\p{L}\p{N}]+)+/gu;

const backends = databaseBackends;

for (const backend of backends) {
  describe(`query terms against ${backend.name}'s text search`, { skip: backend.skip }, () => {
    let db: Db;
    let drop: () => Promise<void>;
    let words: string[];

    before(async () => {
      ({ db, drop } = await backend.open());
      // Every word of the sample documents as stored (the PDF's too) and of the quality questions.
      const { knowledge } = testKnowledge(db, null);
      for (const document of sampleDocuments()) await knowledge.add(document);
      const { rows } = await db.query<{ heading: string; text: string }>('SELECT heading, text FROM knowledge_chunks');
      const text = [...rows.map((row) => `${row.heading} ${row.text}`), ...QUALITY_QUESTIONS.map((q) => q.question)].join(' ');
      words = [...new Set([...(text.toLowerCase().match(WORD) ?? []), ...(text.toLowerCase().match(HYPHENATED) ?? [])])];
    });
    after(async () => {
      await drop?.();
    });

    for (const config of ['english', 'russian'] as const) {
      it(`makes of every word what to_tsvector('${config}', word) makes of it: the same stems, or nothing for a stop word`, async () => {
        assert.ok(words.length > 500, `${words.length} words`);
        const { rows } = await db.query<{ word: string; lexemes: string[] }>(
          'SELECT w AS word, tsvector_to_array(to_tsvector($1::regconfig, w)) AS lexemes FROM unnest($2::text[]) w',
          [config, words],
        );
        const differ = rows.flatMap(({ word, lexemes }) => {
          const ours = queryTerms(config === 'english' ? 'en' : 'ru', word).map((term) => term.lexeme);
          const same = JSON.stringify(ours.sort()) === JSON.stringify([...lexemes].sort());
          return same ? [] : [`${word}: database ${JSON.stringify(lexemes)}, ours ${JSON.stringify(ours)}`];
        });
        assert.deepEqual(differ, []);
      });
    }

    it('finds in a question the lexemes the database finds, for every English and Russian quality question', async () => {
      for (const q of QUALITY_QUESTIONS.filter((question) => question.language === 'en' || question.language === 'ru')) {
        const config = q.language === 'en' ? 'english' : 'russian';
        const { rows } = await db.query<{ lexemes: string[] }>('SELECT tsvector_to_array(to_tsvector($1::regconfig, $2)) AS lexemes', [config, q.question]);
        const ours = queryTerms(q.language, q.question).map((term) => term.lexeme);
        assert.deepEqual(ours.sort(), rows[0]!.lexemes.sort(), q.question);
      }
    });
  });
}

describe('query terms of Ukrainian and Slovak', () => {
  it('fold accents, drop function words, and match longer words by their first five letters', () => {
    assert.deepEqual(queryTerms('sk', 'Koľko stojí bielenie zubov?'), [
      { lexeme: 'biele', prefix: true },
      { lexeme: 'zubov', prefix: false },
    ]);
    assert.deepEqual(queryTerms('uk', 'Які документи потрібно взяти?'), [
      { lexeme: 'докум', prefix: true },
      { lexeme: 'потрі', prefix: true },
      { lexeme: 'взяти', prefix: false },
    ]);
  });
});
