// Retrieval on PGlite and on the running PostgreSQL: full text per language, vectors from the stand-in, fusion, model changes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../../src/db/db.ts';
import type { Language } from '../../src/config.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import type { KnowledgeBase } from '../../src/knowledge/knowledge-base.ts';
import { eventually, sampleDocuments, testKnowledge } from '../helpers/knowledge.ts';
import { databaseBackends } from '../helpers/database-backends.ts';

const backends = databaseBackends;

for (const backend of backends) {
  describe(`knowledge retrieval on ${backend.name}`, { skip: backend.skip }, () => {
    let standIn: LlmStandIn;
    let db: Db;
    let drop: () => Promise<void>;
    const headingsOf = (results: { heading: string }[]) => results.map((r) => r.heading);

    before(async () => {
      standIn = await startLlmStandIn();
      ({ db, drop } = await backend.open());
      const { knowledge } = testKnowledge(db, standIn);
      for (const document of sampleDocuments()) await knowledge.add(document);
    });
    after(async () => {
      await drop?.();
      await standIn?.close();
    });

    it('full text alone finds a passage in the language of the question, stemmed or by word beginnings', async () => {
      const { knowledge } = testKnowledge(db, null);
      assert.equal(knowledge.description, 'full text only (no embedding endpoint configured)');
      const cases: [string, Language, string][] = [
        ['Koľko stojí bielenie zubov?', 'sk', 'Cenník Bright Smile Dental > Estetika a protetika'],
        ['Do you take my health insurance?', 'en', 'Frequently asked questions > Insurance'],
        ['Какая гарантия на пломбы?', 'ru', 'garantii'],
        ['Які документи потрібно взяти?', 'uk', 'Пацієнтам з України > Які документи взяти з собою'],
      ];
      for (const [query, language, heading] of cases) {
        const results = await knowledge.search(query, language, 3);
        assert.equal(results[0]?.heading, heading, `${query} → ${JSON.stringify(headingsOf(results))}`);
        assert.deepEqual(results[0]!.matchedBy, ['text']);
      }
      assert.deepEqual(await knowledge.search('Сколько стоит отбеливание?', 'ru', 3), [], 'no Russian words in the Slovak price list');
    });

    it('hybrid retrieval also finds the passage in another language, and ranks passages both rankings found first', async () => {
      const { knowledge } = testKnowledge(db, standIn);
      const russian = await knowledge.search('Сколько стоит отбеливание?', 'ru', 3);
      assert.equal(russian[0]?.heading, 'Cenník Bright Smile Dental > Estetika a protetika');
      assert.deepEqual(russian[0]!.matchedBy, ['vector']);
      const slovak = await knowledge.search('Koľko stojí bielenie zubov?', 'sk', 3);
      assert.equal(slovak[0]?.heading, 'Cenník Bright Smile Dental > Estetika a protetika');
      assert.deepEqual(slovak[0]!.matchedBy, ['text', 'vector']);
      assert.ok(slovak[0]!.score > slovak[1]!.score);
    });

    it('finds nothing for a question the documents do not touch', async () => {
      const { knowledge } = testKnowledge(db, standIn);
      assert.deepEqual(await knowledge.search('Do you sell used cars?', 'en', 3), []);
      assert.deepEqual(await knowledge.search('Какая погода будет завтра?', 'ru', 3), []);
    });

    it('asks for no embedding when the caller\'s latest words are small talk, and still finds the earlier question\'s passage by its words', async () => {
      const { knowledge } = testKnowledge(db, standIn);
      const before = standIn.embeddingRequests.length;
      const followUp = await knowledge.search('Koľko stojí bielenie zubov?\nÁno, ďakujem.', 'sk', 3);
      assert.equal(followUp[0]?.heading, 'Cenník Bright Smile Dental > Estetika a protetika');
      assert.deepEqual(followUp[0]!.matchedBy, ['text']);
      for (const [words, language] of [['Yes, thank you!', 'en'], ['Да, спасибо.', 'ru'], ['Так, дякую', 'uk'], ['Dobre, dovidenia', 'sk']] as const) {
        await knowledge.search(words, language, 3);
      }
      assert.equal(standIn.embeddingRequests.length, before, 'no embedding request for small talk');
      await knowledge.search('Yes, and how much is whitening?', 'en', 3);
      assert.equal(standIn.embeddingRequests.length, before + 1, 'a question is embedded');
    });

    it('sees documents added and removed by another instance within about a second, and never mixes vectors of two models', async () => {
      const other = testKnowledge(db, standIn).knowledge;
      const reader = testKnowledge(db, standIn).knowledge;
      const firstHit = async (knowledge: KnowledgeBase) => (await knowledge.search('parrot grooming', 'en', 3))[0];
      assert.equal(await firstHit(reader), undefined);
      const added = await other.add({ name: 'parrots.md', bytes: new TextEncoder().encode('# Parrots\n\nWe also groom parrots on Fridays.') });
      assert.equal((await firstHit(other))?.documentId, added.id, 'a change through this knowledge base is seen at once');
      await eventually(async () => (await firstHit(reader))?.documentId === added.id, 'the reader sees the new document');

      // Another model's vectors are not compared with this model's query; full text still finds the passage.
      const otherModel = testKnowledge(db, standIn, { EMBEDDING_MODEL: 'other-model' }).knowledge;
      assert.deepEqual((await firstHit(otherModel))?.matchedBy, ['text']);
      assert.equal(await otherModel.reindex(false), 6, 'every document had vectors of the other model');
      assert.equal(await otherModel.reindex(false), 0);
      assert.deepEqual((await firstHit(otherModel))?.matchedBy, ['text', 'vector']);
      await eventually(async () => (await firstHit(reader))?.matchedBy.join() === 'text', 'the first model no longer has vectors here');

      assert.equal(await other.remove(added.id), true);
      assert.equal(await other.remove(added.id), false);
      await eventually(async () => (await firstHit(reader)) === undefined, 'the reader no longer finds the removed document');
    });
  });
}
