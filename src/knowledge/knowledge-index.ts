// One version of the knowledge base in memory: its passages, their full-text index and (vectors in the rows) their vectors.
import type { Queryable } from '../db/db.ts';
import { loadIndexRows, type IndexRow, type Passage } from './documents-repo.ts';
import { buildTextIndex, type TextIndex } from './text-index.ts';
import { buildVectorIndex, type VectorIndex } from './vector-index.ts';

export interface KnowledgeIndex {
  /** The knowledge base's change counter when it was read. */
  readonly version: number;
  readonly passages: readonly Passage[];
  readonly text: TextIndex;
  /** null when vectors are kept elsewhere (Qdrant) or no passage has one from the model. */
  readonly vectors: VectorIndex | null;
  /** Rows of `vectors`, by their position there. */
  readonly vectorRows: Int32Array;
  /** Some passage has vectors from the embedding model (here or in the vector store). */
  readonly hasVectors: boolean;
  rowOf(chunkId: string): number | undefined;
}

/** Reads every passage and builds the index; `withEmbeddings` when the vectors live in the rows. */
export async function loadKnowledgeIndex(db: Queryable, version: number, model: string | null, withEmbeddings: boolean): Promise<KnowledgeIndex> {
  return buildKnowledgeIndex(version, await loadIndexRows(db, model, withEmbeddings));
}

export function buildKnowledgeIndex(version: number, rows: readonly IndexRow[]): KnowledgeIndex {
  const passages = rows.map(({ chunkId, documentId, title, heading, text, language }): Passage => ({ chunkId, documentId, title, heading, text, language }));
  const text = buildTextIndex(
    rows.map((row) => ({
      lexemes: row.lexemes,
      headingCounts: row.weights.map((w) => count(w, 'A')),
      textCounts: row.weights.map((w) => w.length - count(w, 'A')),
    })),
  );
  // A model always gives one length; rows of another length cannot be compared and are left out.
  const dims = rows.find((row) => row.embedding)?.embedding?.length ?? 0;
  const withVector = rows.flatMap((row, i) => (row.embedding && row.embedding.length === dims ? [i] : []));
  const byId = new Map(passages.map((passage, row) => [passage.chunkId, row]));
  return {
    version,
    passages,
    text,
    vectors: withVector.length > 0 ? buildVectorIndex(withVector.map((i) => rows[i]!.embedding!)) : null,
    vectorRows: Int32Array.from(withVector),
    hasVectors: rows.some((row) => row.embedded),
    rowOf: (chunkId) => byId.get(chunkId),
  };
}

function count(text: string, letter: string): number {
  let n = 0;
  for (const c of text) if (c === letter) n += 1;
  return n;
}
