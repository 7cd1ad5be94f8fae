// A server whose knowledge base has dense vectors (a real model's kind, from the stand-in) builds their graph in the background, says so, and searches through it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { denseEmbedding } from '../../bench/dense-embeddings.ts';
import { syntheticDocuments } from '../../bench/synthetic-knowledge.ts';
import type { Db } from '../../src/db/db.ts';
import { apiRequest } from '../helpers/api-client.ts';
import { eventually, testKnowledge } from '../helpers/knowledge.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { openTestDb, startTestServer, testEnv, type TestServer } from '../helpers/test-app.ts';

// 1,000 passages of 1,024 dimensions: just over the size at which a scan would cost a millisecond.
const PASSAGES = 1_000;
const DIMS = 1_024;

describe('the vector graph in a running server', () => {
  let standIn: LlmStandIn;
  let db: Db;
  let server: TestServer;
  const logLines: string[] = [];
  const graphLogs = () => logLines.filter((line) => line.includes('vector graph built')).map((line) => JSON.parse(line) as { passages: number; seconds: number });
  const gauge = async () => Number(/^phone_assistant_knowledge_vector_graph_passages (\d+)$/m.exec(await (await fetch(`${server.url}/metrics`)).text())?.[1]);

  before(async () => {
    standIn = await startLlmStandIn(denseEmbedding(DIMS));
    db = await openTestDb();
    const { knowledge } = testKnowledge(db, standIn);
    for (const document of syntheticDocuments(PASSAGES)) await knowledge.add(document);
    server = await startTestServer(testEnv(standIn, 'openai', { LOG_LEVEL: 'info' }), { db, logLines });
  });
  after(async () => {
    await server?.close();
    await db?.close();
    await standIn?.close();
  });

  it('builds the graph once the index is loaded, says so in the log and the metrics, and finds a passage by its words through it', async () => {
    const passage = new TextDecoder().decode(syntheticDocuments(PASSAGES)[3]!.bytes).split('\n## ')[5]!;
    const words = passage.split('\n\n')[1]!.slice(0, 120);
    const firstFound = async () => {
      const found = await apiRequest(`${server.url}/v1/knowledge/search?q=${encodeURIComponent(words)}&language=en&limit=3`);
      assert.equal(found.status, 200);
      return (found.body.items as { text: string }[])[0]!.text;
    };
    // The first search loads the index (the server proper loads it at start) and is answered by scan.
    assert.ok((await firstFound()).includes(words.slice(0, 60)));
    await eventually(async () => graphLogs().length === 1, 'the graph was built', 60_000);
    assert.equal(graphLogs()[0]!.passages, PASSAGES);
    assert.equal(await gauge(), PASSAGES);
    assert.ok((await firstFound()).includes(words.slice(0, 60)));
  });

  it('builds a new graph for the knowledge base as changed, and searches find the new passage', async () => {
    const created = await apiRequest(`${server.url}/v1/knowledge/documents`, {
      json: { title: 'Parking', content: '# Parking\n\nThe practice has six parking spaces behind the building, free for patients.', format: 'markdown' },
    });
    assert.equal(created.status, 201);
    const found = await apiRequest(`${server.url}/v1/knowledge/search?q=${encodeURIComponent('parking spaces behind the building')}&language=en&limit=1`);
    assert.equal((found.body.items as { title: string }[])[0]?.title, 'Parking');
    await eventually(async () => graphLogs().length === 2, 'a second graph was built', 60_000);
    assert.equal(graphLogs()[1]!.passages, PASSAGES + 1);
    assert.equal(await gauge(), PASSAGES + 1);
  });
});
