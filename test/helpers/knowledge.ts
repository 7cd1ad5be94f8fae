// A knowledge base over a test database, with embeddings from the LLM stand-in, and the sample documents it ships.
import { readdirSync, readFileSync } from 'node:fs';
import { loadConfig } from '../../src/config.ts';
import type { Db } from '../../src/db/db.ts';
import { createKnowledgeBase, type KnowledgeBase } from '../../src/knowledge/knowledge-base.ts';
import type { LlmStandIn } from './llm-stand-in.ts';

export const SAMPLE_DIR = new URL('../../knowledge/sample/', import.meta.url);

/** The sample dental practice's documents: name and bytes. */
export function sampleDocuments(): { name: string; bytes: Uint8Array }[] {
  return readdirSync(SAMPLE_DIR)
    .sort()
    .map((name) => ({ name, bytes: readFileSync(new URL(name, SAMPLE_DIR)) }));
}

/** `check()` again every 50 ms until it holds, or fails with `message` after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean>, message: string, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${message}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function sampleDocument(name: string): { name: string; bytes: Uint8Array } {
  return { name, bytes: readFileSync(new URL(name, SAMPLE_DIR)) };
}

/** Warnings the knowledge base logged, for tests that expect (or forbid) them. */
export interface TestKnowledge {
  knowledge: KnowledgeBase;
  warnings: string[];
}

/**
 * `standIn` null: no embedding endpoint, full text only. `env` adds variables (QDRANT_URL, chunk sizes);
 * `recheckMs`: how long searches trust the passages loaded before reading the change counter again.
 */
export function testKnowledge(db: Db, standIn: LlmStandIn | null, env: Record<string, string> = {}, options: { recheckMs?: number } = {}): TestKnowledge {
  const warnings: string[] = [];
  const llm = standIn ? { OPENAI_BASE_URL: standIn.openaiBaseUrl, OPENAI_API_KEY: 'sk-test' } : {};
  const config = loadConfig({ NODE_ENV: 'test', ...llm, ...env });
  const knowledge = createKnowledgeBase({ db, config, log: { warn: (_obj, msg) => void warnings.push(msg) }, recheckMs: options.recheckMs });
  return { knowledge, warnings };
}
