// SQL of the knowledge base: documents, their chunks, the rows the in-process index is built from, and the change counter.
import type { Language } from '../config.ts';
import type { Queryable } from '../db/db.ts';
import type { DocumentFormat } from './formats.ts';
import { searchableText, SEARCH_CONFIG } from './text-search.ts';

export interface StoredDocument {
  id: string;
  name: string;
  title: string;
  format: DocumentFormat;
  contentHash: string;
  bytes: number;
  chunks: number;
  embeddingModel: string | null;
  updatedAt: Date;
}

export interface NewChunk {
  id: string;
  position: number;
  heading: string;
  text: string;
  language: Language;
  /** null when vectors are kept elsewhere (Qdrant) or not made at all. */
  embedding: number[] | null;
}

export interface NewDocument {
  id: string;
  name: string;
  title: string;
  format: DocumentFormat;
  contentHash: string;
  bytes: number;
  embedding: { model: string; dims: number } | null;
}

/** A passage as retrieval returns it. */
export interface Passage {
  chunkId: string;
  documentId: string;
  title: string;
  heading: string;
  text: string;
  language: Language;
}

const DOCUMENT_COLUMNS = `id, name, title, format, content_hash AS "contentHash", bytes, chunk_count AS chunks,
  embedding_model AS "embeddingModel", updated_at AS "updatedAt"`;

// Rows per INSERT: well under PostgreSQL's 65,535 parameters, large enough to keep round trips few.
const INSERT_BATCH = 200;

export async function findDocumentByName(db: Queryable, name: string): Promise<StoredDocument | undefined> {
  const { rows } = await db.query<StoredDocument>(`SELECT ${DOCUMENT_COLUMNS} FROM knowledge_documents WHERE name = $1`, [name]);
  return rows[0];
}

export async function listDocuments(db: Queryable): Promise<StoredDocument[]> {
  const { rows } = await db.query<StoredDocument>(`SELECT ${DOCUMENT_COLUMNS} FROM knowledge_documents ORDER BY name`);
  return rows;
}

export async function insertDocument(tx: Queryable, document: NewDocument, chunks: readonly NewChunk[]): Promise<void> {
  await tx.query(
    `INSERT INTO knowledge_documents (id, name, title, format, content_hash, bytes, chunk_count, embedding_model, embedding_dims)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [document.id, document.name, document.title, document.format, document.contentHash, document.bytes, chunks.length, document.embedding?.model ?? null, document.embedding?.dims ?? null],
  );
  for (let start = 0; start < chunks.length; start += INSERT_BATCH) {
    await insertChunks(tx, document.id, chunks.slice(start, start + INSERT_BATCH));
  }
  await bumpVersion(tx);
}

async function insertChunks(tx: Queryable, documentId: string, chunks: readonly NewChunk[]): Promise<void> {
  const params: unknown[] = [documentId];
  const rows = chunks.map((chunk) => {
    const config = SEARCH_CONFIG[chunk.language];
    params.push(chunk.id, chunk.position, chunk.heading, chunk.text, chunk.language, config, searchableText(chunk.language, chunk.heading), searchableText(chunk.language, chunk.text), chunk.embedding);
    const p = (offset: number) => `$${params.length - 8 + offset}`;
    return `(${p(0)}::uuid, $1::uuid, ${p(1)}::int, ${p(2)}, ${p(3)}, ${p(4)},
      setweight(to_tsvector(${p(5)}::regconfig, ${p(6)}), 'A') || to_tsvector(${p(5)}::regconfig, ${p(7)}), ${p(8)}::real[])`;
  });
  await tx.query(`INSERT INTO knowledge_chunks (id, document_id, position, heading, text, language, tsv, embedding) VALUES ${rows.join(',\n')}`, params);
}

/** Deletes the document and its chunks; false when there was none with that id. */
export async function deleteDocument(tx: Queryable, id: string): Promise<boolean> {
  const { rows } = await tx.query('DELETE FROM knowledge_documents WHERE id = $1 RETURNING id', [id]);
  if (rows.length > 0) await bumpVersion(tx);
  return rows.length > 0;
}

/** Replaces the vectors of a document's chunks (re-embedding with another model, or dropping them). */
export async function setEmbeddings(
  tx: Queryable,
  documentId: string,
  embedding: { model: string; dims: number } | null,
  vectors: ReadonlyMap<string, number[]> | null,
): Promise<void> {
  await tx.query('UPDATE knowledge_documents SET embedding_model = $2, embedding_dims = $3, updated_at = now() WHERE id = $1', [
    documentId,
    embedding?.model ?? null,
    embedding?.dims ?? null,
  ]);
  await tx.query('UPDATE knowledge_chunks SET embedding = NULL WHERE document_id = $1', [documentId]);
  const entries = [...(vectors ?? [])];
  for (let start = 0; start < entries.length; start += INSERT_BATCH) {
    const params: unknown[] = [documentId];
    const rows = entries.slice(start, start + INSERT_BATCH).map(([id, vector]) => {
      params.push(id, vector);
      return `($${params.length - 1}::uuid, $${params.length}::real[])`;
    });
    await tx.query(`UPDATE knowledge_chunks c SET embedding = v.embedding FROM (VALUES ${rows.join(', ')}) AS v(id, embedding) WHERE c.document_id = $1 AND c.id = v.id`, params);
  }
  await bumpVersion(tx);
}

async function bumpVersion(tx: Queryable): Promise<void> {
  await tx.query('UPDATE knowledge_state SET version = version + 1 WHERE id = 1');
}

export async function chunkTexts(db: Queryable, documentId: string): Promise<{ id: string; heading: string; text: string }[]> {
  const { rows } = await db.query<{ id: string; heading: string; text: string }>(
    'SELECT id, heading, text FROM knowledge_chunks WHERE document_id = $1 ORDER BY position',
    [documentId],
  );
  return rows;
}

export async function knowledgeVersion(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ version: number }>('SELECT version FROM knowledge_state WHERE id = 1');
  return Number(rows[0]!.version);
}

/** A passage with what the in-process index needs of it, in PostgreSQL's text forms (index-row-text.ts reads them). */
export interface IndexRow extends Passage {
  /** Its tsvector, as text: the lexemes, their positions and weights (A: the heading). */
  tsv: string;
  /** Its document's vectors are from the embedding model asked about. */
  embedded: boolean;
  /** The vector as real[] text, when asked for and embedded. */
  embedding: string | null;
}

/**
 * Up to `limit` passages after `afterId` (by id), for the in-process index: lexemes exactly as
 * PostgreSQL's text-search configuration made them at ingestion, and the vector from `model` when
 * `withEmbeddings`. Sent as text: node-postgres and PGlite parse arrays of 256 numbers slowly.
 */
export async function loadIndexRows(db: Queryable, model: string | null, withEmbeddings: boolean, afterId: string | null, limit: number): Promise<IndexRow[]> {
  const { rows } = await db.query<IndexRow>(
    `SELECT c.id AS "chunkId", c.document_id AS "documentId", d.title, c.heading, c.text, c.language, c.tsv::text AS tsv,
            COALESCE(d.embedding_model = $1, false) AS embedded,
            CASE WHEN $2 AND d.embedding_model = $1 THEN c.embedding::text END AS embedding
     FROM knowledge_chunks c JOIN knowledge_documents d ON d.id = c.document_id
     WHERE $3::uuid IS NULL OR c.id > $3::uuid
     ORDER BY c.id
     LIMIT $4`,
    [model, withEmbeddings, afterId, limit],
  );
  return rows;
}
