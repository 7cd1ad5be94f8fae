// Adds one document: extract, chunk, detect languages, embed, then store it all at once or not at all.
import { createHash, randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Language } from '../config.ts';
import type { Db } from '../db/db.ts';
import { chunkSections, type ChunkOptions } from './chunk.ts';
import { deleteDocument, findDocumentByName, insertDocument, type NewChunk } from './documents-repo.ts';
import type { Embedder } from './embedder.ts';
import { detectFormat, KnowledgeInputError, type DocumentFormat } from './formats.ts';
import { detectLanguage } from '../detect-language.ts';
import type { VectorStore } from './vector-store.ts';

export interface DocumentInput {
  /** Identifies the document: adding one with the same name replaces it. */
  name: string;
  /** Defaults to the document's first heading, else its name without the extension. */
  title?: string;
  /** Defaults to what the name's extension (or mediaType) says. */
  format?: DocumentFormat;
  mediaType?: string;
  bytes: Uint8Array;
}

export type IngestStatus = 'added' | 'replaced' | 'unchanged';

export interface IngestResult {
  id: string;
  name: string;
  title: string;
  chunks: number;
  status: IngestStatus;
}

export interface IngestDeps {
  db: Db;
  embedder: Embedder | null;
  vectors: VectorStore;
  /** Removes documents' vectors from the vector store, logging rather than failing: the rows are what count. */
  forget(documentIds: string[]): Promise<void>;
  chunking: ChunkOptions;
  maxDocumentBytes: number;
  maxChunks: number;
  /** Language of passages with nothing to tell it by (numbers only). */
  defaultLanguage: Language;
}

export interface IngestProgress {
  /** Passages embedded so far, of `total`. */
  embedded(done: number, total: number): void;
}

export async function ingestDocument(deps: IngestDeps, input: DocumentInput, progress?: IngestProgress): Promise<IngestResult> {
  const { name } = input;
  if (input.bytes.byteLength > deps.maxDocumentBytes) {
    throw new KnowledgeInputError('too_large', `${name}: ${formatBytes(input.bytes.byteLength)} is more than the ${formatBytes(deps.maxDocumentBytes)} a document may have`);
  }
  const format = input.format ?? detectFormat(name, input.mediaType);
  const contentHash = hashOf(format, input, deps.chunking);
  const existing = await findDocumentByName(deps.db, name);
  const model = deps.embedder?.model ?? null;
  if (existing && existing.contentHash === contentHash && existing.embeddingModel === model) {
    return { id: existing.id, name, title: existing.title, chunks: existing.chunks, status: 'unchanged' };
  }

  // The parsers (pdf.js among them) load on the first document, not with every server start.
  const { extractSections } = await import('./extract.ts');
  const sections = await extractSections(name, format, input.bytes);
  const title = input.title?.trim() || sections.find((s) => s.headings.length > 0)?.headings[0] || path.parse(name).name;
  const pieces = chunkSections(title, sections, deps.chunking);
  if (pieces.length > deps.maxChunks) {
    throw new KnowledgeInputError('too_large', `${name}: ${pieces.length} passages is more than the ${deps.maxChunks} a document may have; split it into smaller documents`);
  }
  const vectors = deps.embedder
    ? await deps.embedder.embedPassages(
        pieces.map((piece) => `${piece.heading}\n${piece.text}`),
        { onBatch: (done) => progress?.embedded(done, pieces.length) },
      )
    : null;
  const id = randomUUID();
  const chunks: NewChunk[] = pieces.map((piece, i) => ({
    id: randomUUID(),
    position: piece.position,
    heading: piece.heading,
    text: piece.text,
    // A passage too short to tell (a price line) is taken to be in the business's default language.
    language: detectLanguage(`${piece.heading} ${piece.text}`) ?? deps.defaultLanguage,
    embedding: vectors && deps.vectors.vectorsInRows ? vectors[i]! : null,
  }));
  const embedding = vectors && model ? { model, dims: vectors[0]?.length ?? 0 } : null;

  if (vectors && model && !deps.vectors.vectorsInRows) {
    await deps.vectors.put(id, model, chunks.map((chunk, i) => ({ chunkId: chunk.id, vector: vectors[i]! })));
  }
  try {
    await deps.db.transaction(async (tx) => {
      if (existing) await deleteDocument(tx, existing.id);
      await insertDocument(tx, { id, name, title, format, contentHash, bytes: input.bytes.byteLength, embedding }, chunks);
    });
  } catch (error) {
    // The rows were never committed: the vectors stored ahead of them must go too.
    await deps.forget([id]);
    throw error;
  }
  if (existing) await deps.forget([existing.id]);
  return { id, name, title, chunks: chunks.length, status: existing ? 'replaced' : 'added' };
}

// What decides whether a document must be read again: its bytes and how they are cut up.
function hashOf(format: DocumentFormat, input: DocumentInput, chunking: ChunkOptions): string {
  return createHash('sha256')
    .update(JSON.stringify([format, input.title ?? '', chunking.sizeChars, chunking.overlapChars]))
    .update(input.bytes)
    .digest('hex');
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
