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
import { LANGUAGE_NAMES, stringsOf } from '../i18n/strings.ts';
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
    const t = stringsOf(request);
    const w = t.knowledge;
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
<h2>${w.add}</h2>
<form method="post" action="/dashboard/knowledge" enctype="multipart/form-data" class="upload" data-upload>
${csrfField(csrfToken)}
<label>${w.file} <input type="file" name="file" required accept=".md,.markdown,.txt,.html,.htm,.pdf"></label>
<label>${w.title} <input type="text" name="title" maxlength="300"></label>
<button type="submit">${w.upload}</button>
<progress max="100" value="0" hidden></progress>
</form>
<p class="muted">${w.replaces} ${context.knowledge.description}.</p>
</section>
<section class="card">
<h2>${w.documents} <span class="count">${documents.length}</span></h2>
${
  documents.length === 0
    ? html`<p class="muted">${w.noDocuments}</p>`
    : html`<table class="rows"><thead><tr><th>${w.title}</th><th>${w.fileName}</th><th>${w.passages}</th><th>${w.size}</th><th>${w.updated}</th></tr></thead>
<tbody>${documents.map(
        (d) => html`<tr><td data-label="${w.title}"><a href="/dashboard/knowledge/${d.id}">${d.title}</a></td><td data-label="${w.fileName}">${d.name}</td><td data-label="${w.passages}">${d.chunks}</td><td data-label="${w.size}">${kilobytes(d.bytes)}</td><td data-label="${w.updated}">${when(d.updatedAt, timeZone, t.locale)}</td></tr>`,
      )}</tbody></table>`
}
</section>
<section class="card">
<h2>${w.trySearch}</h2>
<form method="get" action="/dashboard/knowledge" class="filters">
<label>${w.question} <input type="search" name="q" value="${q ?? ''}" required></label>
<label>${t.common.language} <select name="language">${LANGUAGES.map((l) => html`<option value="${l}"${l === language ? html` selected` : ''}>${LANGUAGE_NAMES[l]}</option>`)}</select></label>
<button type="submit">${t.common.search}</button>
</form>
${
  results === null
    ? ''
    : results.length === 0
      ? html`<p class="muted">${w.nothingFound}</p>`
      : html`<ol class="passages">${results.map(
          (r) => html`<li><p class="muted">${r.title}${r.heading ? ` › ${r.heading}` : ''} · ${w.foundBy} ${r.matchedBy.join(` ${w.and} `)}</p><p>${r.text}</p></li>`,
        )}</ol>`
}
</section>`;
    return context.render(reply, 'knowledge', t.nav.knowledge, body);
  });

  app.get('/dashboard/knowledge/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    const t = stringsOf(request);
    const document = UUID.test(id) ? (await context.knowledge.list()).find((d) => d.id === id) : undefined;
    if (!document) {
      reply.code(404);
      return context.render(reply, 'knowledge', t.common.notFound, html`<p>${t.knowledge.noSuch} <a href="/dashboard/knowledge">${t.knowledge.all}</a></p>`);
    }
    const chunks = await chunkTexts(context.db, document.id);
    const body = html`<p class="muted">${document.name} · ${t.knowledge.passageCount(chunks.length)} · ${kilobytes(document.bytes)}</p>
<ol class="passages">${chunks.map((c) => html`<li>${c.heading ? html`<p class="muted">${c.heading}</p>` : ''}<p>${c.text}</p></li>`)}</ol>`;
    return context.render(reply, 'knowledge', document.title, body);
  });

  await app.register(async (scope) => {
    // Parsed whole before the handler, so the CSRF check sees the form's token field.
    await scope.register(multipart, { attachFieldsToBody: true, limits: { fileSize: context.config.knowledge.maxDocumentBytes, files: 1, fields: 5 } });
    scope.post('/dashboard/knowledge', async (request, reply) => {
      // The page's script uploads with progress and then opens the page itself: a redirect it followed would take the notice.
      const done = () => (request.headers['x-dashboard-fetch'] ? reply.send({ location: '/dashboard/knowledge' }) : reply.redirect('/dashboard/knowledge', 303));
      const t = stringsOf(request);
      const { file, title } = upload(request);
      if (!file) {
        request.session.set('flash', { text: t.knowledge.chooseFile, problem: true });
        return done();
      }
      try {
        const result = await context.knowledge.add({ name: file.filename || 'upload', title, mediaType: file.mimetype, bytes: await file.toBuffer() });
        const said = result.status === 'unchanged' ? t.knowledge.unchanged : result.status === 'replaced' ? t.knowledge.replaced : t.knowledge.added;
        request.session.set('flash', { text: said(result.title, result.chunks), problem: false });
      } catch (error) {
        if (!(error instanceof KnowledgeInputError || error instanceof EmbeddingError)) throw error;
        request.session.set('flash', { text: t.knowledge.notAdded(error.message), problem: true });
      }
      return done();
    });
  });
}
