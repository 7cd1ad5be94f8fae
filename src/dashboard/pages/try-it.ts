// Try it: talk to the assistant as text in the browser, in any of the four languages, as /v1/text does.
import type { FastifyInstance } from 'fastify';
import { runTextTurn } from '../../api/text-route.ts';
import { cleanText } from '../../clean-text.ts';
import { LANGUAGES, type Language } from '../../config.ts';
import { findConversation, loadRecentMessages } from '../../db/conversations-repo.ts';
import { HttpError } from '../../http-error.ts';
import type { DashboardContext } from '../context.ts';
import { takeFlash } from '../flash.ts';
import { html } from '../html.ts';
import { csrfField } from '../layout.ts';
import { transcriptView } from './transcript-view.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', ru: 'Русский', uk: 'Українська', sk: 'Slovenčina' };

export function registerTryIt(app: FastifyInstance, context: DashboardContext): void {
  const textDeps = { db: context.db, assistant: context.assistant, llmConfigured: context.llmConfigured, defaultLanguage: context.config.defaultLanguage };

  app.get('/dashboard/try', async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const found = query.call && UUID.test(query.call) ? await findConversation(context.db, query.call) : null;
    const conversation = found?.channel === 'text' ? found : null;
    const [messages, csrfToken] = await Promise.all([conversation ? loadRecentMessages(context.db, conversation.id) : Promise.resolve([]), reply.generateCsrf()]);
    const language = conversation?.language ?? context.config.defaultLanguage;
    const ended = conversation !== null && conversation.status !== 'active';
    const flash = takeFlash(request);
    const body = html`
${context.llmConfigured ? '' : html`<p class="problem">No LLM is configured, so the assistant cannot answer: see Settings.</p>`}
${flash ? html`<p class="problem" role="alert">${flash.text}</p>` : ''}
<section class="card try">
<div id="try-chat">${conversation ? transcriptView(messages, [], context.profile.timezone) : html`<ol class="chat"></ol>`}</div>
${ended ? html`<p class="muted">The assistant ended this conversation.</p>` : ''}
<form method="post" action="/dashboard/try" class="say" data-try>
${csrfField(csrfToken)}
${conversation && !ended ? html`<input type="hidden" name="call_id" value="${conversation.id}">` : ''}
<label>Language <select name="language">${LANGUAGES.map((l) => html`<option value="${l}"${l === language ? html` selected` : ''}>${LANGUAGE_NAMES[l]}</option>`)}</select></label>
<label class="grow">You say <input type="text" name="text" required maxlength="4000" autocomplete="off" placeholder="When are you open?"></label>
<button type="submit">Send</button>
</form>
<p><a href="/dashboard/try">Start over</a> · ${conversation ? html`<a href="/dashboard/conversations/${conversation.id}">This conversation's page</a>` : 'Conversations started here are kept with the others (channel Text).'}</p>
</section>`;
    return context.render(reply, 'try', 'Try it', body);
  });

  app.post('/dashboard/try', async (request, reply) => {
    const form = (request.body ?? {}) as Record<string, unknown>;
    const text = typeof form.text === 'string' ? cleanText(form.text).slice(0, 4000) : '';
    const language = (LANGUAGES as readonly unknown[]).includes(form.language) ? (form.language as Language) : undefined;
    const callId = typeof form.call_id === 'string' && UUID.test(form.call_id) ? form.call_id : undefined;
    const wantsJson = request.headers.accept === 'application/json';
    if (!text) {
      if (wantsJson) return reply.code(422).send({ error: 'Say something first.' });
      return reply.redirect(callId ? `/dashboard/try?call=${callId}` : '/dashboard/try', 303);
    }
    try {
      const turn = await runTextTurn(textDeps, { text, language, callId });
      if (wantsJson) return reply.code(turn.status).send(turn.body);
      return reply.redirect(`/dashboard/try?call=${turn.body.call_id}`, 303);
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      if (wantsJson) return reply.code(error.statusCode).send({ error: error.message });
      request.session.set('flash', { text: error.message, problem: true });
      return reply.redirect('/dashboard/try', 303);
    }
  });
}
