// /v1/knowledge: upload (multipart or JSON), list and remove documents, and search them as the assistant would.
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { LANGUAGES, type Language } from '../config.ts';
import { HttpError } from '../http-error.ts';
import { EmbeddingError } from '../knowledge/embedder.ts';
import { DOCUMENT_FORMATS, KnowledgeInputError } from '../knowledge/formats.ts';
import type { DocumentInput } from '../knowledge/ingest.ts';
import type { KnowledgeBase } from '../knowledge/knowledge-base.ts';
import { errorResponse } from '../ops/error-handler.ts';

export interface KnowledgeRoutesDeps {
  knowledge: KnowledgeBase;
  maxDocumentBytes: number;
  defaultLanguage: Language;
}

const jsonDocument = z.object({
  title: z.string().trim().min(1, { error: 'must not be empty' }).max(300, { error: 'must be at most 300 characters' }),
  content: z.string().min(1, { error: 'must not be empty' }),
  format: z.enum(['markdown', 'text', 'html'], { error: 'must be markdown, text or html' }).default('markdown'),
});

const added = z.object({
  id: z.string(),
  title: z.string(),
  chunks: z.number().int().describe('Passages the document was split into'),
  status: z.enum(['added', 'replaced', 'unchanged']),
});

const documentItem = z.object({
  id: z.string(),
  name: z.string(),
  title: z.string(),
  format: z.enum(DOCUMENT_FORMATS),
  chunks: z.number().int(),
  bytes: z.number().int(),
  embedding_model: z.string().nullable(),
  updated_at: z.date(),
});

const searchQuery = z.object({
  q: z.string().trim().min(1, { error: 'must not be empty' }).max(1000, { error: 'must be at most 1000 characters' }),
  language: z.enum(LANGUAGES, { error: 'must be one of en, ru, uk, sk' }).optional(),
  limit: z.coerce.number({ error: 'must be a whole number from 1 to 20' }).int({ error: 'must be a whole number from 1 to 20' }).min(1, { error: 'must be a whole number from 1 to 20' }).max(20, { error: 'must be a whole number from 1 to 20' }).default(3),
});

const searchItem = z.object({
  document_id: z.string(),
  title: z.string(),
  heading: z.string(),
  text: z.string(),
  language: z.enum(LANGUAGES),
  score: z.number().describe('Reciprocal-rank-fusion score; higher is better'),
  matched_by: z.array(z.enum(['text', 'vector'])).describe('Which searches found the passage'),
});

const reindexBody = z.object({ all: z.boolean().default(false).describe('Re-embed every document, not only those made with another model') });
const reindexed = z.object({
  reindexed: z.number().int().describe('Documents re-embedded'),
  embedding_model: z.string().nullable().describe('The model their vectors now come from; null: no embedding endpoint, vectors dropped'),
});

const STATUS_OF_PROBLEM = { too_large: 413, unsupported: 415, unreadable: 422, empty: 422 } as const;

export async function registerKnowledgeRoutes(app: FastifyInstance, deps: KnowledgeRoutesDeps): Promise<void> {
  await app.register(multipart, { limits: { fileSize: deps.maxDocumentBytes, files: 1, fields: 5 } });
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post(
    '/v1/knowledge/documents',
    {
      // JSON carries the text escaped, so it may be somewhat larger than the document it holds.
      bodyLimit: Math.ceil(deps.maxDocumentBytes * 1.25) + 4096,
      schema: {
        summary: 'Add or replace a document',
        tags: ['knowledge'],
        description:
          'multipart/form-data with a `file` field (.md, .txt, .html, .pdf, .docx; known by its extension, else its content type) and an optional `title` field, or JSON `{title, content, format}`. ' +
          'A document with the same name (file name, or title for JSON) replaces the old one; identical content is not processed again (200, status unchanged).',
        body: jsonDocument.nullish(),
        response: {
          200: added.describe('The same content was already there: nothing changed (status unchanged)'),
          201: added.describe('Added, or replaced the document of the same name'),
          413: errorResponse('The document is larger than KNOWLEDGE_MAX_DOCUMENT_BYTES (too_large)'),
          415: errorResponse('The file type is not one the knowledge base reads (unsupported_media_type)'),
          422: errorResponse('The body is invalid, or the file could not be read (a broken PDF or Word document, text not in UTF-8) or holds no text (unreadable_document)'),
          503: errorResponse('The embeddings endpoint failed (embedding_unavailable)'),
        },
      },
    },
    async (request, reply) => {
      const input = request.isMultipart() ? await readUpload(request) : readJson(request.body);
      const result = await addDocument(deps.knowledge, input);
      return reply.code(result.status === 'unchanged' ? 200 : 201).send({ id: result.id, title: result.title, chunks: result.chunks, status: result.status });
    },
  );

  api.get(
    '/v1/knowledge/documents',
    { schema: { summary: 'List the documents', tags: ['knowledge'], response: { 200: z.object({ items: z.array(documentItem) }).describe('Every document, by name') } } },
    async () => {
      const documents = await deps.knowledge.list();
      return {
        items: documents.map((d) => ({ id: d.id, name: d.name, title: d.title, format: d.format, chunks: d.chunks, bytes: d.bytes, embedding_model: d.embeddingModel, updated_at: d.updatedAt })),
      };
    },
  );

  api.delete(
    '/v1/knowledge/documents/:id',
    {
      schema: {
        summary: 'Remove a document',
        tags: ['knowledge'],
        params: z.object({ id: z.uuid({ error: 'must be a document id (a UUID) from GET /v1/knowledge/documents' }) }),
        response: { 204: z.null().describe('Removed'), 404: errorResponse('No document has this id (not_found)') },
      },
    },
    async (request, reply) => {
      if (!(await deps.knowledge.remove(request.params.id))) throw new HttpError(404, 'not_found', `No document with id ${request.params.id}`);
      return reply.code(204).send(null);
    },
  );

  api.get(
    '/v1/knowledge/search',
    {
      schema: {
        summary: 'Search the knowledge base as the assistant does before answering',
        tags: ['knowledge'],
        querystring: searchQuery,
        response: { 200: z.object({ items: z.array(searchItem) }).describe('The passages, best first') },
      },
    },
    async (request) => {
      const { q, language, limit } = request.query;
      const results = await deps.knowledge.search(q, language ?? deps.defaultLanguage, limit);
      return {
        items: results.map((r) => ({ document_id: r.documentId, title: r.title, heading: r.heading, text: r.text, language: r.language, score: r.score, matched_by: r.matchedBy })),
      };
    },
  );

  api.post(
    '/v1/knowledge/reindex',
    {
      schema: {
        summary: 'Re-embed documents whose vectors come from another EMBEDDING_MODEL',
        tags: ['knowledge'],
        body: reindexBody.nullish(),
        response: { 200: reindexed.describe('Done: how many documents were re-embedded'), 503: errorResponse('The embeddings endpoint failed (embedding_unavailable)') },
      },
    },
    async (request) => {
      const count = await embedding(() => deps.knowledge.reindex(request.body?.all ?? false));
      return { reindexed: count, embedding_model: deps.knowledge.embeddingModel };
    },
  );
}

async function readUpload(request: FastifyRequest): Promise<DocumentInput> {
  const file = await request.file();
  if (!file || file.fieldname !== 'file') throw new HttpError(422, 'invalid_request', 'file: a multipart upload needs the document in a field named "file"');
  // toBuffer fails with a 413 once the file passes the multipart fileSize limit.
  const bytes = await file.toBuffer();
  const title = file.fields['title'];
  const titleValue = title && !Array.isArray(title) && title.type === 'field' ? String(title.value) : undefined;
  return { name: file.filename || 'upload', title: titleValue, mediaType: file.mimetype, bytes };
}

function readJson(body: z.output<typeof jsonDocument> | null | undefined): DocumentInput {
  if (!body) throw new HttpError(422, 'invalid_request', 'send the document as multipart/form-data (field "file") or as JSON {title, content, format}');
  return { name: body.title, title: body.title, format: body.format, bytes: new TextEncoder().encode(body.content) };
}

async function addDocument(knowledge: KnowledgeBase, input: DocumentInput) {
  try {
    return await embedding(() => knowledge.add(input));
  } catch (error) {
    if (error instanceof KnowledgeInputError) {
      const status = STATUS_OF_PROBLEM[error.problem];
      throw new HttpError(status, status === 413 ? 'too_large' : status === 415 ? 'unsupported_media_type' : 'unreadable_document', error.message);
    }
    throw error;
  }
}

async function embedding<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof EmbeddingError) throw new HttpError(503, 'embedding_unavailable', error.message);
    throw error;
  }
}
