// The Qdrant adapter through the official client against the loopback Qdrant stand-in (no Qdrant server runs here).
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Db } from '../../src/db/db.ts';
import { STAND_IN_EMBEDDING_DIMS } from '../helpers/stand-in-embeddings.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { sampleDocument, testKnowledge } from '../helpers/knowledge.ts';
import { startQdrantStandIn, type QdrantStandIn } from '../helpers/qdrant-stand-in.ts';
import { openTestDb } from '../helpers/test-app.ts';

const COLLECTION = 'test_knowledge';

describe('knowledge with vectors in Qdrant', () => {
  let standIn: LlmStandIn;
  let qdrant: QdrantStandIn;
  let db: Db;
  const env = () => ({ QDRANT_URL: qdrant.url, QDRANT_API_KEY: 'qdrant-secret', QDRANT_COLLECTION: COLLECTION });
  const points = () => [...(qdrant.collections.get(COLLECTION)?.points.values() ?? [])];

  before(async () => {
    standIn = await startLlmStandIn();
    qdrant = await startQdrantStandIn();
    qdrant.requireApiKey('qdrant-secret');
  });
  after(async () => {
    await db?.close();
    await qdrant.close();
    await standIn.close();
  });
  beforeEach(async () => {
    await db?.close();
    db = await openTestDb();
    qdrant.collections.clear();
    qdrant.requests.length = 0;
  });

  it('creates the collection with the model\'s dimension on first use, keeps vectors there (not in rows), and searches it', async () => {
    const { knowledge } = testKnowledge(db, standIn, env());
    assert.match(knowledge.description, new RegExp(`^full text \\+ Qdrant collection ${COLLECTION} at 127\\.0\\.0\\.1:\\d+`));
    const added = await knowledge.add(sampleDocument('cennik.md'));
    const collection = qdrant.collections.get(COLLECTION);
    assert.equal(collection?.size, STAND_IN_EMBEDDING_DIMS);
    assert.equal(collection.distance, 'Cosine');
    assert.equal(points().length, added.chunks);
    assert.ok(points().every((p) => p.payload['document_id'] === added.id && p.payload['model'] === 'text-embedding-3-small'));
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM knowledge_chunks WHERE embedding IS NOT NULL');
    assert.equal(rows[0]!.n, 0);

    const results = await knowledge.search('Сколько стоит отбеливание?', 'ru', 3);
    assert.equal(results[0]?.heading, 'Cenník Bright Smile Dental > Estetika a protetika');
    assert.deepEqual(results[0]!.matchedBy, ['vector']);
    assert.ok(qdrant.requests.includes(`POST /collections/${COLLECTION}/points/query`));
  });

  it('replacing a document swaps its points; removing it deletes them', async () => {
    const { knowledge } = testKnowledge(db, standIn, env());
    const first = await knowledge.add({ name: 'faq.md', bytes: new TextEncoder().encode('# FAQ\n\nWe whiten teeth.\n\n## Parking\n\nPark in the yard.') });
    const second = await knowledge.add({ name: 'faq.md', bytes: new TextEncoder().encode('# FAQ\n\nWe no longer whiten teeth.') });
    assert.deepEqual(points().map((p) => p.payload['document_id']), [second.id]);
    assert.notEqual(first.id, second.id);
    assert.equal(await knowledge.remove(second.id), true);
    assert.deepEqual(points(), []);
  });

  it('removes the new points again when the rows cannot be stored, and keeps nothing when Qdrant refuses them', async () => {
    const { knowledge } = testKnowledge(db, standIn, env());
    await knowledge.add({ name: 'a.md', bytes: new TextEncoder().encode('# A\n\nFirst document.') });
    qdrant.failNext(/\/points$/, 503);
    await assert.rejects(knowledge.add({ name: 'b.md', bytes: new TextEncoder().encode('# B\n\nSecond document.') }));
    assert.equal((await knowledge.list()).length, 1);
    assert.equal(points().length, 1);

    const pointsBefore = points().length;
    const failing = await openTestDb();
    const broken = testKnowledge(failing, standIn, env()).knowledge;
    await failing.query('DROP TABLE knowledge_chunks CASCADE');
    await assert.rejects(broken.add({ name: 'c.md', bytes: new TextEncoder().encode('# C\n\nThird document.') }));
    assert.equal(points().length, pointsBefore, 'the points written ahead of the failed rows were removed');
    await failing.close();
  });

  it('goes on with full text, saying so, when Qdrant does not answer a search', async () => {
    const { knowledge, warnings } = testKnowledge(db, standIn, env());
    await knowledge.add(sampleDocument('cennik.md'));
    qdrant.failNext(/points\/query$/, 500);
    const results = await knowledge.search('Koľko stojí bielenie zubov?', 'sk', 3);
    assert.equal(results[0]?.heading, 'Cenník Bright Smile Dental > Estetika a protetika');
    assert.deepEqual(results[0]!.matchedBy, ['text']);
    assert.deepEqual(warnings, ['knowledge: vector search failed; answering from full-text matches only']);
  });

  it('refuses to write vectors of another length into an existing collection, saying what to do', async () => {
    qdrant.collections.set(COLLECTION, { size: 1536, distance: 'Cosine', points: new Map() });
    const { knowledge } = testKnowledge(db, standIn, env());
    await assert.rejects(knowledge.add(sampleDocument('garantii.txt')), /holds vectors of 1536 dimensions but the embedding model gives 256: set QDRANT_COLLECTION to a new name/);
    assert.deepEqual(await knowledge.list(), []);
  });
});
