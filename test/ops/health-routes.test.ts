// /health and /ready: versions, per-check detail, a dependency down, and one that hangs.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pkg from '../../package.json' with { type: 'json' };
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { startTestServer, testEnv, type TestServer } from '../helpers/test-app.ts';

interface ReadyBody {
  status: string;
  checks: Record<string, { status: string; latencyMs?: number; error?: string }>;
}

async function getReady(server: TestServer): Promise<{ status: number; body: ReadyBody; elapsedMs: number }> {
  const startedMs = performance.now();
  const response = await fetch(`${server.url}/ready`);
  return { status: response.status, body: (await response.json()) as ReadyBody, elapsedMs: performance.now() - startedMs };
}

/** A dependency stand-in (vector store, closed port) whose every path answers `status`, or never when `hang`. */
async function startProbeTarget(mode: { status: number } | { hang: true }): Promise<{ url: string; server: Server }> {
  const server = createServer((_request, response) => {
    if ('hang' in mode) return;
    response.writeHead(mode.status).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('GET /health and /ready', () => {
  let standIn: LlmStandIn;
  before(async () => {
    standIn = await startLlmStandIn();
  });
  after(() => standIn.close());

  it('/health answers 200 with the package version', async () => {
    const server = await startTestServer(testEnv(standIn));
    try {
      const response = await fetch(`${server.url}/health`);
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { status: 'ok', version: pkg.version });
    } finally {
      await server.close();
    }
  });

  it('/ready is 200 when the database and the LLM answer; the vector store is the database, named in the detail', async () => {
    const server = await startTestServer(testEnv(standIn));
    try {
      standIn.setModelsResponse({});
      const { status, body } = await getReady(server);
      assert.equal(status, 200);
      assert.equal(body.checks.database?.status, 'ok');
      assert.equal(body.checks.llm?.status, 'ok');
      assert.equal(typeof body.checks.llm?.latencyMs, 'number');
      assert.deepEqual({ ...body.checks.vector_store, latencyMs: 0 }, {
        status: 'ok',
        latencyMs: 0,
        detail: 'full text + vectors (real[] in the database), embeddings from text-embedding-3-small',
      });
    } finally {
      await server.close();
    }
  });

  it('/ready reports no vector store, saying retrieval is full text only, without an embedding endpoint', async () => {
    const server = await startTestServer(testEnv(standIn, 'anthropic'));
    try {
      const { body } = await getReady(server);
      assert.deepEqual(body.checks.vector_store, { status: 'not_configured', detail: 'full text only (no embedding endpoint configured)' });
    } finally {
      await server.close();
    }
  });

  it('/ready is 503 with the reason when the LLM answers with an error', async () => {
    const server = await startTestServer(testEnv(standIn, 'anthropic'));
    try {
      standIn.setModelsResponse({ status: 500 });
      const { status, body } = await getReady(server);
      assert.equal(status, 503);
      assert.equal(body.status, 'not_ready');
      assert.deepEqual({ ...body.checks.llm, latencyMs: 0 }, { status: 'error', error: 'answered HTTP 500', latencyMs: 0 });
      assert.equal(body.checks.database?.status, 'ok');
    } finally {
      standIn.setModelsResponse({});
      await server.close();
    }
  });

  for (const [provider, variable] of [
    ['openai', 'OPENAI_API_KEY'],
    ['anthropic', 'ANTHROPIC_API_KEY'],
  ] as const) {
    it(`/ready names ${variable} when the provider rejects the key`, async () => {
      const server = await startTestServer(testEnv(standIn, provider));
      try {
        for (const status of [401, 403]) {
          standIn.setModelsResponse({ status });
          const { body } = await getReady(server);
          assert.equal(body.checks.llm?.error, `rejected the API key (${variable}): answered HTTP ${status}`);
        }
      } finally {
        standIn.setModelsResponse({});
        await server.close();
      }
    });
  }

  it('/ready asks for OPENAI_API_KEY when a keyless OpenAI-compatible server wants one', async () => {
    const server = await startTestServer({ ...testEnv(null), OPENAI_BASE_URL: standIn.openaiBaseUrl });
    try {
      standIn.setModelsResponse({ status: 401 });
      const { body } = await getReady(server);
      assert.equal(body.checks.llm?.error, 'wants an API key: set OPENAI_API_KEY (answered HTTP 401)');
    } finally {
      standIn.setModelsResponse({});
      await server.close();
    }
  });

  it('/ready is 503 when the LLM is unreachable', async () => {
    const closed = await startProbeTarget({ status: 200 });
    await new Promise((resolve) => closed.server.close(resolve));
    const server = await startTestServer(testEnv(null, 'openai', { OPENAI_BASE_URL: `${closed.url}/v1`, OPENAI_API_KEY: 'sk-x' }));
    try {
      const { status, body } = await getReady(server);
      assert.equal(status, 503);
      assert.match(String(body.checks.llm?.error), /^unreachable: ECONNREFUSED/);
    } finally {
      await server.close();
    }
  });

  it('/ready answers in about 1.5 s when the LLM hangs, with the other checks still reported', async () => {
    const server = await startTestServer(testEnv(standIn));
    try {
      standIn.setModelsResponse({ delayMs: 5000 });
      const { status, body, elapsedMs } = await getReady(server);
      assert.equal(status, 503);
      assert.equal(body.checks.llm?.error, 'no answer within 1500 ms');
      assert.equal(body.checks.database?.status, 'ok');
      assert.ok(elapsedMs >= 1400 && elapsedMs < 3000, `answered after ${Math.round(elapsedMs)} ms`);
    } finally {
      standIn.setModelsResponse({});
      await server.close();
    }
  });

  it('/ready is 503 when the database is gone', async () => {
    const server = await startTestServer(testEnv(standIn));
    try {
      await server.db.close();
      const { status, body } = await getReady(server);
      assert.equal(status, 503);
      assert.equal(body.checks.database?.status, 'error');
      assert.equal(body.checks.llm?.status, 'ok');
    } finally {
      await server.fastify.close();
    }
  });

  it('/ready checks the vector store when QDRANT_URL is set: down, then hanging', async () => {
    const down = await startProbeTarget({ status: 503 });
    const hanging = await startProbeTarget({ hang: true });
    const serverDown = await startTestServer(testEnv(standIn, 'openai', { QDRANT_URL: down.url }));
    const serverHanging = await startTestServer(testEnv(standIn, 'openai', { QDRANT_URL: hanging.url }));
    try {
      const first = await getReady(serverDown);
      assert.equal(first.status, 503);
      assert.equal(first.body.checks.vector_store?.error, 'answered HTTP 503');
      const second = await getReady(serverHanging);
      assert.equal(second.status, 503);
      assert.equal(second.body.checks.vector_store?.error, 'no answer within 1500 ms');
    } finally {
      await serverDown.close();
      await serverHanging.close();
      down.server.close();
      hanging.server.closeAllConnections();
      hanging.server.close();
    }
  });
});
