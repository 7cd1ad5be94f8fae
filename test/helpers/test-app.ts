// Starts the real app on loopback with in-memory PGlite and an LLM stand-in, for HTTP tests.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildApp, type App } from '../../src/app.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import type { Db } from '../../src/db/db.ts';
import { migrate } from '../../src/db/migrate.ts';
import { openPglite } from '../../src/db/pglite-db.ts';
import { createLogger } from '../../src/ops/logger.ts';
import { startLlmStandIn, type LlmStandIn } from './llm-stand-in.ts';

export const TEST_API_KEY = 'test-api-key-0123456789';

export type Provider = 'openai' | 'anthropic';

/** The environment a test server runs with: talks to `standIn` as `provider`. */
export function testEnv(standIn: LlmStandIn | null, provider: Provider = 'openai', extra: Record<string, string> = {}): Record<string, string> {
  const llm: Record<string, string> =
    standIn === null
      ? {}
      : provider === 'openai'
        ? { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: standIn.openaiBaseUrl, OPENAI_MODEL: 'stand-in-model' }
        : { ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: standIn.anthropicBaseUrl, ANTHROPIC_MODEL: 'claude-haiku-4-5' };
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    API_KEY: TEST_API_KEY,
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'pa-test-')),
    LLM_TURN_TIMEOUT_MS: '2000',
    // Background jobs (summaries ask the LLM stand-in too) would take replies a test scripted for
    // its own turns; a test of them sets its own interval or runs the worker itself.
    OUTBOX_POLL_INTERVAL_MS: '3600000',
    ...llm,
    ...extra,
  };
}

export async function openTestDb(): Promise<Db> {
  const db = await openPglite(undefined);
  await migrate(db);
  return db;
}

export interface TestServer extends App {
  url: string;
  config: Readonly<Config>;
  close(): Promise<void>;
}

/** A listening app; `db` is shared when given (and then not closed with the server). */
export async function startTestServer(env: Record<string, string>, options: { db?: Db; logLines?: string[] } = {}): Promise<TestServer> {
  const config = loadConfig(env);
  const db = options.db ?? (await openTestDb());
  const logger = options.logLines
    ? createLogger(config, { write: (line: string) => void options.logLines!.push(line) })
    : createLogger(config);
  const app = await buildApp(config, { db, logger });
  const url = await app.fastify.listen({ port: 0, host: '127.0.0.1' });
  return {
    ...app,
    url,
    config,
    async close() {
      await app.fastify.close();
      if (!options.db) await db.close();
    },
  };
}

export async function withStandIn(): Promise<LlmStandIn> {
  return startLlmStandIn();
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
}
