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
import { LANGUAGE_NAMES, stringsOf } from '../i18n/strings.ts';
import { csrfField } from '../layout.ts';
import { transcriptView } from './transcript-view.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function registerTryIt(app: FastifyInstance, context: DashboardContext): void {
  const textDeps = { db: context.db, assistant: context.assistant, llmConfigured: context.llmConfigured, defaultLanguage: context.config.defaultLanguage };

  app.get('/dashboard/try', async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const t = stringsOf(request);
    const w = t.tryIt;
    const found = query.call && UUID.test(query.call) ? await findConversation(context.db, query.call) : null;
    const conversation = found?.channel === 'text' ? found : null;
    const [messages, csrfToken] = await Promise.all([conversation ? loadRecentMessages(context.db, conversation.id) : Promise.resolve([]), reply.generateCsrf()]);
    const language = conversation?.language ?? context.config.defaultLanguage;
    const ended = conversation !== null && conversation.status !== 'active';
    const flash = takeFlash(request);
    const body = html`
${context.llmConfigured ? '' : html`<p class="problem">${w.noLlm}</p>`}
${flash ? html`<p class="problem" role="alert">${flash.text}</p>` : ''}
<section class="card try">
<div id="try-chat">${conversation ? transcriptView(messages, [], context.profile.timezone, t) : html`<ol class="chat"></ol>`}</div>
${ended ? html`<p class="muted">${w.ended}</p>` : ''}
<form method="post" action="/dashboard/try" class="say" data-try data-you="${t.transcript.you}" data-assistant="${t.transcript.assistant}" data-went-wrong="${w.wentWrong}" data-ended="${w.endedLive}" data-no-answer="${w.noAnswer}">
${csrfField(csrfToken)}
${conversation && !ended ? html`<input type="hidden" name="call_id" value="${conversation.id}">` : ''}
<label>${t.common.language} <select name="language">${LANGUAGES.map((l) => html`<option value="${l}"${l === language ? html` selected` : ''}>${LANGUAGE_NAMES[l]}</option>`)}</select></label>
<label class="grow">${w.youSay} <input type="text" name="text" required maxlength="4000" autocomplete="off" placeholder="${w.placeholder}"></label>
<button type="submit">${w.send}</button>
</form>
<p><a href="/dashboard/try">${w.startOver}</a> · ${conversation ? html`<a href="/dashboard/conversations/${conversation.id}">${w.thisConversation}</a>` : w.kept}</p>
</section>`;
    return context.render(reply, 'try', t.nav.try, body);
  });

  app.post('/dashboard/try', async (request, reply) => {
    const form = (request.body ?? {}) as Record<string, unknown>;
    const text = typeof form.text === 'string' ? cleanText(form.text).slice(0, 4000) : '';
    const language = (LANGUAGES as readonly unknown[]).includes(form.language) ? (form.language as Language) : undefined;
    const callId = typeof form.call_id === 'string' && UUID.test(form.call_id) ? form.call_id : undefined;
    const wantsJson = request.headers.accept === 'application/json';
    if (!text) {
      if (wantsJson) return reply.code(422).send({ error: stringsOf(request).tryIt.saySomething });
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
