// SQL of the knowledge base: documents, their chunks, full-text search and the change counter.
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

export interface KnowledgeState {
  version: number;
  /** No passage at all. */
  empty: boolean;
  /** Some document has vectors from the model asked about. */
  hasVectors: boolean;
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

export async function hasNoChunks(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ empty: boolean }>('SELECT NOT EXISTS (SELECT 1 FROM knowledge_chunks) AS empty');
  return rows[0]!.empty;
}

export interface TextHit extends Passage {
  rank: number;
}

/**
 * The passages matching any of the query's words, best first, with the knowledge base's state,
 * in one statement: a turn pays one round trip for both. The state asks only whether rows exist:
 * counting 10,000 chunks was a sequential scan that cost a third of the search on PGlite.
 *
 * Ranking reads every matching row, and a common word matches thousands: so passages with at least
 * two of the query's words are ranked first, and those with any one of them only when the first
 * are fewer than `limit` (the result is then what ranking every match gives).
 */
export async function fullTextSearch(
  db: Queryable,
  query: { language: Language; text: string; prefixQuery: string | null },
  limit: number,
  embeddingModel: string | null,
): Promise<{ hits: TextHit[]; state: KnowledgeState }> {
  const config = SEARCH_CONFIG[query.language];
  // English and Russian: the server's stemmer reads the words, and AND becomes OR so that a
  // passage with some of them still counts. Ukrainian and Slovak: prefixes built by prefixQuery.
  const anyOf =
    config === 'simple'
      ? `to_tsquery($1::regconfig, $2)`
      : `regexp_replace(plainto_tsquery($1::regconfig, $2)::text, ' (&|<->|<\\d+>) ', ' | ', 'g')::tsquery`;
  // The query's terms as tsquery operands: prefixQuery's, or the stemmer's lexemes quoted
  // (the rare one with a quote or a backslash is left to anyOf).
  const terms =
    config === 'simple'
      ? `string_to_array($2, ' | ')`
      : `ARRAY(SELECT format('%L', l) FROM unnest(tsvector_to_array(to_tsvector($1::regconfig, $2))) l WHERE l !~ $$['\\\\]$$)`;
  const pairs = `(SELECT string_agg(a || ' & ' || b, ' | ') FROM unnest(t.terms) a, unnest(t.terms) b WHERE a < b)`;
  const twoOf = config === 'simple' ? `to_tsquery($1::regconfig, ${pairs})` : `${pairs}::tsquery`;
  const text = config === 'simple' ? (query.prefixQuery ?? '') : query.text;
  const ranked = (match: string, when: string) => `
       SELECT c.id AS "chunkId", c.document_id AS "documentId", d.title, c.heading, c.text, c.language,
              ts_rank(c.tsv, q.any_of) AS rank
       FROM q, knowledge_chunks c JOIN knowledge_documents d ON d.id = c.document_id
       WHERE $2 <> '' AND ${when} AND c.tsv @@ q.${match}
       ORDER BY rank DESC, c.id
       LIMIT $3`;
  const { rows } = await db.query<KnowledgeState & { hit: (TextHit & { rank: number }) | null }>(
    `WITH t AS (SELECT CASE WHEN $2 = '' THEN '{}'::text[] ELSE ${terms} END AS terms),
     q AS (SELECT any_of, COALESCE(two_of, any_of) AS two_of FROM (SELECT ${anyOf} AS any_of, ${twoOf} AS two_of FROM t) x),
     strict AS (${ranked('two_of', 'true')}),
     loose AS (${ranked('any_of', '(SELECT count(*) FROM strict) < $3')}),
     hits AS (SELECT * FROM strict UNION SELECT * FROM loose ORDER BY rank DESC, "chunkId" LIMIT $3)
     SELECT s.version,
       NOT EXISTS (SELECT 1 FROM knowledge_chunks) AS empty,
       EXISTS (SELECT 1 FROM knowledge_documents WHERE embedding_model = $4) AS "hasVectors",
       CASE WHEN h."chunkId" IS NULL THEN NULL ELSE to_jsonb(h) END AS hit
     FROM knowledge_state s LEFT JOIN hits h ON true
     WHERE s.id = 1
     ORDER BY h.rank DESC NULLS LAST, h."chunkId"`,
    [config, text, limit, embeddingModel],
  );
  const first = rows[0]!;
  return {
    hits: rows.flatMap((row) => (row.hit ? [row.hit] : [])),
    state: { version: first.version, empty: first.empty, hasVectors: first.hasVectors },
  };
}

/** Every chunk with a vector from `model`, for the in-process index. */
export async function loadEmbeddedChunks(db: Queryable, model: string): Promise<(Passage & { embedding: number[] })[]> {
  const { rows } = await db.query<Passage & { embedding: number[] }>(
    `SELECT c.id AS "chunkId", c.document_id AS "documentId", d.title, c.heading, c.text, c.language, c.embedding
     FROM knowledge_chunks c JOIN knowledge_documents d ON d.id = c.document_id
     WHERE d.embedding_model = $1 AND c.embedding IS NOT NULL`,
    [model],
  );
  return rows;
}

export async function passagesByIds(db: Queryable, ids: readonly string[]): Promise<Passage[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<Passage>(
    `SELECT c.id AS "chunkId", c.document_id AS "documentId", d.title, c.heading, c.text, c.language
     FROM knowledge_chunks c JOIN knowledge_documents d ON d.id = c.document_id
     WHERE c.id = ANY($1::uuid[])`,
    [ids],
  );
  return rows;
}
