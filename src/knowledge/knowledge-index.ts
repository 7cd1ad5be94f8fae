// One version of the knowledge base in memory: its passages, their full-text index and (vectors in the rows) their vectors.
import type { Queryable } from '../db/db.ts';
import { loadIndexRows, type IndexRow, type Passage } from './documents-repo.ts';
import { parseRealArray, parseTsvector } from './index-row-text.ts';
import { buildTextIndex, type IndexedLexemes, type TextIndex } from './text-index.ts';
import { buildVectorIndex, type VectorIndex, type VectorIndexOptions } from './vector-index.ts';

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
  /** This version is being replaced: stops work still running for it (a graph build). */
  close(): void;
}

// Passages read per statement: on PGlite a statement holds the event loop while it runs, and between
// statements searches (and calls) go on with the index they have. A real model's vectors are long
// (1,536 numbers each as text), so once the first page shows their length a statement reads at
// most about PAGE_NUMBERS of them: 65 passages at 1,536 dimensions, where 1,000 held the loop 350 ms.
const PAGE_ROWS = 1_000;
const FIRST_PAGE_ROWS = 100;
const PAGE_NUMBERS = 100_000;
// Parsing yields to the event loop after this long, between passages.
const SLICE_MS = 10;

/** Reads every passage and builds the index; `withEmbeddings` when the vectors live in the rows. */
export async function loadKnowledgeIndex(db: Queryable, version: number, model: string | null, withEmbeddings: boolean, options?: VectorIndexOptions): Promise<KnowledgeIndex> {
  return buildKnowledgeIndex(version, await loadIndexParts(db, model, withEmbeddings), options);
}

/** Every passage, read a page at a time, parsed in slices short enough for calls to go on between them. */
export async function loadIndexParts(db: Queryable, model: string | null, withEmbeddings: boolean): Promise<IndexPart[]> {
  const parts: IndexPart[] = [];
  let afterId: string | null = null;
  let limit = FIRST_PAGE_ROWS;
  for (;;) {
    const rows = await loadIndexRows(db, model, withEmbeddings, afterId, limit);
    let sliceStartMs = performance.now();
    for (const row of rows) {
      parts.push(parseRow(row));
      if (performance.now() - sliceStartMs >= SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        sliceStartMs = performance.now();
      }
    }
    if (rows.length < limit) break;
    afterId = rows.at(-1)!.chunkId;
    const dims = parts.at(-1)?.embedding?.length ?? 0;
    limit = dims > 0 ? Math.max(1, Math.min(PAGE_ROWS, Math.floor(PAGE_NUMBERS / dims))) : PAGE_ROWS;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return parts;
}

/** A passage as the index keeps it. */
export interface IndexPart {
  passage: Passage;
  lexemes: IndexedLexemes;
  embedded: boolean;
  embedding: Float32Array | null;
}

function parseRow({ tsv, embedded, embedding, chunkId, documentId, title, heading, text, language }: IndexRow): IndexPart {
  return {
    passage: { chunkId, documentId, title, heading, text, language },
    lexemes: parseTsvector(tsv),
    embedded,
    embedding: embedding === null ? null : parseRealArray(embedding),
  };
}

export function buildKnowledgeIndex(version: number, parts: readonly IndexPart[], options?: VectorIndexOptions): KnowledgeIndex {
  const passages = parts.map((part) => part.passage);
  const text = buildTextIndex(parts.map((part) => part.lexemes));
  // A model always gives one length; rows of another length cannot be compared and are left out.
  const dims = parts.find((part) => part.embedding)?.embedding?.length ?? 0;
  const withVector = parts.flatMap((part, i) => (part.embedding && part.embedding.length === dims ? [i] : []));
  const rowOf = rowsById(passages);
  const vectors = withVector.length > 0 ? buildVectorIndex(withVector.map((i) => parts[i]!.embedding!), options) : null;
  return {
    version,
    passages,
    text,
    vectors,
    vectorRows: Int32Array.from(withVector),
    hasVectors: parts.some((part) => part.embedded),
    rowOf,
    close: () => vectors?.close(),
  };
}

/** A lookup by chunk id, built apart: a closure made above would keep every part (lexemes, vectors) alive, 59 MiB of heap at 10,000 passages for each GC to mark. */
function rowsById(passages: readonly Passage[]): (chunkId: string) => number | undefined {
  const byId = new Map(passages.map((passage, row) => [passage.chunkId, row]));
  return (chunkId) => byId.get(chunkId);
}
