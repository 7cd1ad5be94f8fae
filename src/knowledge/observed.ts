// A knowledge base whose searches are timed and counted, for whoever observes them (metrics).
import type { KnowledgeBase } from './knowledge-base.ts';

export interface SearchObserver {
  knowledgeSearched(outcome: 'ok' | 'error', durationMs: number, passages: number): void;
}

export function observedKnowledge(knowledge: KnowledgeBase, observer: SearchObserver): KnowledgeBase {
  return {
    ...knowledge,
    async search(query, language, limit, signal, onEmbeddingWait) {
      const startedMs = performance.now();
      try {
        const results = await knowledge.search(query, language, limit, signal, onEmbeddingWait);
        observer.knowledgeSearched('ok', performance.now() - startedMs, results.length);
        return results;
      } catch (error) {
        observer.knowledgeSearched('error', performance.now() - startedMs, 0);
        throw error;
      }
    },
  };
}
