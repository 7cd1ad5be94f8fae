// Knowledge: the documents the assistant answers from, uploading one (with progress), its passages, and a search as the assistant does it.
import multipart, { type MultipartFile, type MultipartValue } from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LANGUAGES, type Language } from '../../config.ts';
import { chunkTexts } from '../../knowledge/documents-repo.ts';
import { EmbeddingError } from '../../knowledge/embedder.ts';
import { KnowledgeInputError } from '../../knowledge/formats.ts';
import type { DashboardContext } from '../context.ts';
import { when } from '../format.ts';
import { html } from '../html.ts';
import { csrfField } from '../layout.ts';
import { takeFlash } from '../flash.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function kilobytes(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${Math.round(bytes / 1024)} KB`;
}

/** The upload's file and title from a multipart body parsed whole (so the CSRF field is there to check first). */
function upload(request: FastifyRequest): { file: MultipartFile | undefined; title: string | undefined } {
  const body = (request.body ?? {}) as Record<string, MultipartFile | MultipartValue | undefined>;
  const file = body.file && body.file.type === 'file' ? body.file : undefined;
  const title = body.title && body.title.type === 'field' ? String(body.title.value).trim() : undefined;
  return { file, title: title || undefined };
}

export async function registerKnowledge(app: FastifyInstance, context: DashboardContext): Promise<void> {
  const timeZone = context.profile.timezone;

  app.get('/dashboard/knowledge', async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const q = query.q?.trim().slice(0, 1000) || undefined;
    const language: Language = (LANGUAGES as readonly string[]).includes(query.language ?? '') ? (query.language as Language) : context.config.defaultLanguage;
    const [documents, results, csrfToken] = await Promise.all([
      context.knowledge.list(),
      q ? context.knowledge.search(q, language, context.config.knowledge.passages) : Promise.resolve(null),
      reply.generateCsrf(),
    ]);
    const flash = takeFlash(request);
    const body = html`
${flash ? html`<p class="${flash.problem ? 'problem' : 'notice'}" role="status">${flash.text}</p>` : ''}
<section class="card">
<h2>Add a document</h2>
<form method="post" action="/dashboard/knowledge" enctype="multipart/form-data" class="upload" data-upload>
${csrfField(csrfToken)}
<label>File (.md, .txt, .html, .pdf) <input type="file" name="file" required accept=".md,.markdown,.txt,.html,.htm,.pdf"></label>
<label>Title (optional) <input type="text" name="title" maxlength="300"></label>
<button type="submit">Upload</button>
<progress max="100" value="0" hidden></progress>
</form>
<p class="muted">A document with the same file name replaces the old one. Retrieval: ${context.knowledge.description}.</p>
</section>
<section class="card">
<h2>Documents <span class="count">${documents.length}</span></h2>
${
  documents.length === 0
    ? html`<p class="muted">No documents yet: the assistant answers from the business profile alone.</p>`
    : html`<table class="rows"><thead><tr><th>Title</th><th>File</th><th>Passages</th><th>Size</th><th>Updated</th></tr></thead>
<tbody>${documents.map(
        (d) => html`<tr><td data-label="Title"><a href="/dashboard/knowledge/${d.id}">${d.title}</a></td><td data-label="File">${d.name}</td><td data-label="Passages">${d.chunks}</td><td data-label="Size">${kilobytes(d.bytes)}</td><td data-label="Updated">${when(d.updatedAt, timeZone)}</td></tr>`,
      )}</tbody></table>`
}
</section>
<section class="card">
<h2>Try a search</h2>
<form method="get" action="/dashboard/knowledge" class="filters">
<label>Question <input type="search" name="q" value="${q ?? ''}" required></label>
<label>Language <select name="language">${LANGUAGES.map((l) => html`<option value="${l}"${l === language ? html` selected` : ''}>${l}</option>`)}</select></label>
<button type="submit">Search</button>
</form>
${
  results === null
    ? ''
    : results.length === 0
      ? html`<p class="muted">Nothing found: the assistant would answer without a passage.</p>`
      : html`<ol class="passages">${results.map(
          (r) => html`<li><p class="muted">${r.title}${r.heading ? ` › ${r.heading}` : ''} · found by ${r.matchedBy.join(' and ')}</p><p>${r.text}</p></li>`,
        )}</ol>`
}
</section>`;
    return context.render(reply, 'knowledge', 'Knowledge', body);
  });

  app.get('/dashboard/knowledge/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    const document = UUID.test(id) ? (await context.knowledge.list()).find((d) => d.id === id) : undefined;
    if (!document) {
      reply.code(404);
      return context.render(reply, 'knowledge', 'Not found', html`<p>There is no such document. <a href="/dashboard/knowledge">All documents</a></p>`);
    }
    const chunks = await chunkTexts(context.db, document.id);
    const body = html`<p class="muted">${document.name} · ${chunks.length} passages · ${kilobytes(document.bytes)}</p>
<ol class="passages">${chunks.map((c) => html`<li>${c.heading ? html`<p class="muted">${c.heading}</p>` : ''}<p>${c.text}</p></li>`)}</ol>`;
    return context.render(reply, 'knowledge', document.title, body);
  });

  await app.register(async (scope) => {
    // Parsed whole before the handler, so the CSRF check sees the form's token field.
    await scope.register(multipart, { attachFieldsToBody: true, limits: { fileSize: context.config.knowledge.maxDocumentBytes, files: 1, fields: 5 } });
    scope.post('/dashboard/knowledge', async (request, reply) => {
      // The page's script uploads with progress and then opens the page itself: a redirect it followed would take the notice.
      const done = () => (request.headers['x-dashboard-fetch'] ? reply.send({ location: '/dashboard/knowledge' }) : reply.redirect('/dashboard/knowledge', 303));
      const { file, title } = upload(request);
      if (!file) {
        request.session.set('flash', { text: 'Choose a file to upload.', problem: true });
        return done();
      }
      try {
        const result = await context.knowledge.add({ name: file.filename || 'upload', title, mediaType: file.mimetype, bytes: await file.toBuffer() });
        const verb = result.status === 'unchanged' ? 'was already there, unchanged' : result.status === 'replaced' ? 'replaced the old version' : 'was added';
        request.session.set('flash', { text: `“${result.title}” ${verb}: ${result.chunks} passages.`, problem: false });
      } catch (error) {
        if (!(error instanceof KnowledgeInputError || error instanceof EmbeddingError)) throw error;
        request.session.set('flash', { text: `The document was not added: ${error.message}`, problem: true });
      }
      return done();
    });
  });
}
