// Conversations: a filtered, paged list, and one conversation with its summary, hand-overs and transcript as a chat.
import type { FastifyInstance } from 'fastify';
import { DateTime } from 'luxon';
import { decodeCursor, encodeCursor } from '../../api/pagination.ts';
import { findConversationSummary, listConversations, type ConversationFilter } from '../../db/call-history-repo.ts';
import { loadRecentMessages, type Channel } from '../../db/conversations-repo.ts';
import { loadSummary } from '../../db/summaries-repo.ts';
import { listTransfers } from '../../db/transfers-repo.ts';
import { normalizePhone } from '../../phone.ts';
import type { DashboardContext } from '../context.ts';
import { channelName, duration, phone, statusName, when } from '../format.ts';
import { html } from '../html.ts';
import { stringsOf, type Strings } from '../i18n/strings.ts';
import { conversationRows } from './conversation-rows.ts';
import { transcriptView } from './transcript-view.ts';

const CHANNELS = ['voice', 'sms', 'text'] as const;
const STATUSES = ['in-progress', 'active', 'completed', 'no-answer', 'busy', 'failed', 'canceled'] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

type Query = Record<string, string | undefined>;

/** The filters the form sent, as the repository takes them; what cannot be read is dropped and said. */
function readFilter(query: Query, timeZone: string, t: Strings): { filter: ConversationFilter; problems: string[] } {
  const filter: ConversationFilter = {};
  const problems: string[] = [];
  if (query.channel && (CHANNELS as readonly string[]).includes(query.channel)) filter.channel = query.channel as Channel;
  if (query.status && (STATUSES as readonly string[]).includes(query.status)) filter.status = query.status;
  const day = (value: string | undefined, name: string, end: boolean) => {
    if (!value) return undefined;
    const date = DATE.test(value) ? DateTime.fromISO(value, { zone: timeZone }) : null;
    if (!date?.isValid) return void problems.push(t.conversations.notADate(name));
    return (end ? date.plus({ days: 1 }) : date).toUTC().toISO()!;
  };
  filter.from = day(query.from, t.conversations.from, false);
  filter.to = day(query.to, t.conversations.to, true);
  if (query.caller) {
    const caller = normalizePhone(query.caller);
    if (caller) filter.caller = caller;
    else problems.push(t.conversations.notAPhone);
  }
  const said = query.q?.trim().slice(0, 200);
  if (said) filter.said = said;
  return { filter, problems };
}

const option = (value: string, label: string, selected: string | undefined) => html`<option value="${value}"${value === selected ? html` selected` : ''}>${label}</option>`;

export function registerConversations(app: FastifyInstance, context: DashboardContext): void {
  const timeZone = context.profile.timezone;

  app.get('/dashboard/conversations', async (request, reply) => {
    const query = request.query as Query;
    const t = stringsOf(request);
    const w = t.conversations;
    const { filter, problems } = readFilter(query, timeZone, t);
    const after = query.cursor ? (decodeCursor(query.cursor) ?? undefined) : undefined;
    const page = await listConversations(context.db, filter, { limit: 50, after });
    const next = page.next ? new URLSearchParams({ ...Object.fromEntries(Object.entries(query).filter(([, v]) => v)), cursor: encodeCursor(page.next) }) : null;
    const body = html`
<form method="get" action="/dashboard/conversations" class="filters">
<label class="grow">${w.said} <input type="search" name="q" value="${query.q ?? ''}" placeholder="${w.saidHint}" maxlength="200"></label>
<label>${t.list.channel} <select name="channel">${option('', t.common.any, query.channel)}${CHANNELS.map((c) => option(c, channelName(c, t), query.channel))}</select></label>
<label>${t.list.status} <select name="status">${option('', t.common.any, query.status)}${STATUSES.map((s) => option(s, statusName(s, t), query.status))}</select></label>
<label>${w.from} <input type="date" name="from" value="${query.from ?? ''}"></label>
<label>${w.to} <input type="date" name="to" value="${query.to ?? ''}"></label>
<label>${t.list.caller} <input type="search" name="caller" value="${query.caller ?? ''}" placeholder="+14155551234" inputmode="tel"></label>
<button type="submit">${w.filter}</button>
</form>
${problems.length > 0 ? html`<p class="problem" role="alert">${problems.join('. ')}.</p>` : ''}
<section id="conversation-list" data-live-region>
${conversationRows(page.items, timeZone, w.noneMatch, t)}
</section>
${next ? html`<p><a href="/dashboard/conversations?${next.toString()}">${w.older}</a></p>` : ''}`;
    return context.render(reply, 'conversations', t.nav.conversations, body);
  });

  app.get('/dashboard/conversations/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    const t = stringsOf(request);
    const w = t.conversations;
    const conversation = UUID.test(id) ? await findConversationSummary(context.db, id) : null;
    if (!conversation) {
      reply.code(404);
      return context.render(reply, 'conversations', t.common.notFound, html`<p>${w.noSuch} <a href="/dashboard/conversations">${w.all}</a></p>`);
    }
    const [messages, summary, transfers] = await Promise.all([
      loadRecentMessages(context.db, conversation.id),
      loadSummary(context.db, conversation.id),
      listTransfers(context.db, conversation.id),
    ]);
    const written = summary?.summary;
    const body = html`
<dl class="facts">
<dt>${t.list.channel}</dt><dd>${channelName(conversation.channel, t)}</dd>
<dt>${t.list.caller}</dt><dd>${phone(conversation.caller, t)}</dd>
<dt>${w.started}</dt><dd>${when(conversation.createdAt, timeZone, t.locale)}</dd>
<dt>${t.list.status}</dt><dd><span class="status status-${conversation.status}">${statusName(conversation.status, t)}</span></dd>
<dt>${t.list.length}</dt><dd>${duration(conversation.durationSeconds, t)}</dd>
<dt>${t.common.language}</dt><dd>${conversation.language}</dd>
</dl>
<section class="card summary">
<h2>${w.summary}</h2>
${
  written
    ? html`<p>${written.intent} — ${written.outcome}</p>${written.follow_up_needed ? html`<p class="problem">${w.followUp} ${written.follow_up ?? w.yes}</p>` : ''}`
    : html`<p class="muted">${summary?.summarizedAt ? w.noSummary : conversation.endedAt ? w.notYet : w.whenEnded}</p>`
}
</section>
<section id="transcript" data-live-region class="card">
<h2>${w.transcript}</h2>
${transcriptView(messages, transfers, timeZone, t)}
</section>`;
    return context.render(reply, 'conversations', `${t.common.channels[conversation.channel] ?? w.conversation} ${when(conversation.createdAt, timeZone, t.locale)}`, body);
  });
}
