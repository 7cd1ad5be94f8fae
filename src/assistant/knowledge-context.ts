// Passages from the business's documents for a turn: fetched within a deadline, rendered for the system prompt.
import type { ModelMessage } from 'ai';
import type { Logger } from 'pino';
import type { Language } from '../config.ts';

export interface KnowledgePassage {
  title: string;
  heading: string;
  text: string;
}

/** What the engine needs of a knowledge base; app.ts hands it one, so the engine knows no store. */
export interface KnowledgeSource {
  /** `onEmbeddingWait` is told when the search sat waiting on the embedding request (performance.now() times). */
  search(query: string, language: Language, signal: AbortSignal, onEmbeddingWait?: EmbeddingWaitListener): Promise<KnowledgePassage[]>;
}

export type EmbeddingWaitListener = (wait: { fromMs: number; toMs: number }) => void;

/**
 * The caller's words, with the previous thing they said, so a follow-up ("and for children?")
 * still finds what the question before it was about.
 */
export function retrievalQuery(history: readonly ModelMessage[], text: string): string {
  for (let i = history.length - 1; i >= 0; i -= 1) {
    const message = history[i]!;
    if (message.role === 'user' && typeof message.content === 'string') return `${message.content}\n${text}`;
  }
  return text;
}

/**
 * The passages for `query`, or none when retrieval fails or passes `deadlineMs` (the turn goes on
 * without them, and the late search is aborted): a caller waiting on the line matters more.
 */
export async function passagesWithin(
  source: KnowledgeSource,
  query: string,
  language: Language,
  deadlineMs: number,
  log: Logger,
  onEmbeddingWait?: EmbeddingWaitListener,
): Promise<KnowledgePassage[]> {
  const controller = new AbortController();
  const startedMs = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), deadlineMs);
  });
  try {
    const outcome = await Promise.race([source.search(query, language, controller.signal, onEmbeddingWait), deadline]);
    if (outcome === 'late') {
      controller.abort();
      log.warn({ deadlineMs }, 'knowledge retrieval passed its deadline; answering without passages');
      return [];
    }
    log.debug({ passages: outcome.length, elapsedMs: Math.round(performance.now() - startedMs) }, 'knowledge retrieved');
    return outcome;
  } catch (error) {
    log.warn({ err: error }, 'knowledge retrieval failed; answering without passages');
    return [];
  } finally {
    clearTimeout(timer);
  }
}

/** The passages as the system prompt lists them, numbered, each under its document and heading. */
export function renderPassages(passages: readonly KnowledgePassage[]): string {
  if (passages.length === 0) return '-';
  return passages.map((passage, i) => `[${i + 1}] ${passage.heading || passage.title}\n${passage.text}`).join('\n\n');
}
