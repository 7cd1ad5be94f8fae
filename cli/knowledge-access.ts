// What `phone-assistant knowledge` needs of a knowledge base: the local one (KnowledgeBase) or a running server's API.
import type { Language } from '../src/config.ts';
import type { StoredDocument } from '../src/knowledge/documents-repo.ts';
import type { IngestProgress, IngestResult } from '../src/knowledge/ingest.ts';
import type { SearchResult } from '../src/knowledge/retrieve.ts';

export type ListedDocument = Pick<StoredDocument, 'id' | 'name' | 'title' | 'chunks' | 'embeddingModel' | 'updatedAt'> & { format: string };
export type FoundPassage = Pick<SearchResult, 'heading' | 'text' | 'language' | 'score' | 'matchedBy'>;

export interface KnowledgeAccess {
  /** After reindex: the model the vectors now come from. */
  readonly embeddingModel: string | null;
  add(input: { name: string; bytes: Uint8Array }, progress?: IngestProgress): Promise<Pick<IngestResult, 'id' | 'title' | 'chunks' | 'status'>>;
  list(): Promise<ListedDocument[]>;
  remove(id: string): Promise<boolean>;
  search(query: string, language: Language, limit: number): Promise<FoundPassage[]>;
  reindex(all: boolean, progress?: (document: { name: string }, done: number, total: number) => void): Promise<number>;
}
