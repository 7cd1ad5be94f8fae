// Messages: callback requests callers left, a tel: link to call back, and marking them handled.
import type { FastifyInstance } from 'fastify';
import { decodeCursor, encodeCursor } from '../../api/pagination.ts';
import { listCallbackRequests, markCallbackHandled, type CallbackRequest } from '../../db/callbacks-repo.ts';
import type { DashboardContext } from '../context.ts';
import { phone, when } from '../format.ts';
import { html, type Html } from '../html.ts';
import { stringsOf, type Strings } from '../i18n/strings.ts';
import { csrfField } from '../layout.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Where "mark handled" returns to: only our own pages, never an address from outside.
const BACK = new Set(['/', '/dashboard/messages', '/dashboard/messages?show=handled', '/dashboard/messages?show=all']);

/** `back`: the page the mark-handled form returns to. */
export function messageItems(items: readonly CallbackRequest[], timeZone: string, csrfToken: string, empty: string, back: string, t: Strings): Html {
  const w = t.messages;
  if (items.length === 0) return html`<p class="muted">${empty}</p>`;
  return html`<ul class="messages">${items.map(
    (m) => html`<li class="message${m.handledAt ? ' handled' : ''}">
<div class="message-head"><strong>${m.name}</strong> <span class="muted">${when(m.createdAt, timeZone, t.locale)}</span></div>
<p>${m.message}</p>
<div class="message-actions">
${phone(m.caller, t)}
${m.caller ? html`<a class="button" href="tel:${m.caller}">${w.callBack}</a>` : ''}
${m.conversationId ? html`<a href="/dashboard/conversations/${m.conversationId}">${w.conversation}</a>` : ''}
${
  m.handledAt
    ? html`<span class="muted">${w.handled} ${when(m.handledAt, timeZone, t.locale)}</span>`
    : html`<form method="post" action="/dashboard/messages/${m.id}/handled">${csrfField(csrfToken)}<input type="hidden" name="back" value="${back}"><button type="submit">${w.markHandled}</button></form>`
}
</div>
</li>`,
  )}</ul>`;
}

export function registerMessages(app: FastifyInstance, context: DashboardContext): void {
  const timeZone = context.profile.timezone;
  app.get('/dashboard/messages', async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const t = stringsOf(request);
    const w = t.messages;
    const show = query.show === 'handled' || query.show === 'all' ? query.show : 'open';
    const handled = show === 'open' ? false : show === 'handled' ? true : undefined;
    const after = query.cursor ? (decodeCursor(query.cursor) ?? undefined) : undefined;
    const [page, csrfToken] = await Promise.all([listCallbackRequests(context.db, { handled }, { limit: 50, after }), reply.generateCsrf()]);
    const here = show === 'open' ? '/dashboard/messages' : `/dashboard/messages?show=${show}`;
    const tab = (value: string, label: string) =>
      html`<a href="${value === 'open' ? '/dashboard/messages' : `/dashboard/messages?show=${value}`}"${value === show ? html` aria-current="page"` : ''}>${label}</a>`;
    const body = html`
<nav class="tabs">${tab('open', w.open)}${tab('handled', w.handledTab)}${tab('all', w.all)}</nav>
<section id="message-list" data-live-region>
${messageItems(page.items, timeZone, csrfToken, show === 'open' ? t.today.nobodyWaiting : w.noMessages, here, t)}
</section>
${page.next ? html`<p><a href="/dashboard/messages?show=${show}&amp;cursor=${encodeCursor(page.next)}">${w.older}</a></p>` : ''}`;
    return context.render(reply, 'messages', t.nav.messages, body);
  });

  app.post('/dashboard/messages/:id/handled', async (request, reply) => {
    const { id } = request.params as { id: string };
    const found = UUID.test(id) ? await markCallbackHandled(context.db, id) : null;
    if (!found) return reply.code(404).type('text/plain; charset=utf-8').send(stringsOf(request).messages.noSuch);
    const back = (request.body as Record<string, unknown> | undefined)?.back;
    return reply.redirect(typeof back === 'string' && BACK.has(back) ? back : '/dashboard/messages', 303);
  });
}
