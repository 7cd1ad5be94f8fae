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
import { CHANNEL_NAMES, duration, phone, statusName, when } from '../format.ts';
import { html } from '../html.ts';
import { conversationRows } from './conversation-rows.ts';
import { transcriptView } from './transcript-view.ts';

const CHANNELS = ['voice', 'sms', 'text'] as const;
const STATUSES = ['in-progress', 'active', 'completed', 'no-answer', 'busy', 'failed', 'canceled'] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

type Query = Record<string, string | undefined>;

/** The filters the form sent, as the repository takes them; what cannot be read is dropped and said. */
function readFilter(query: Query, timeZone: string): { filter: ConversationFilter; problems: string[] } {
  const filter: ConversationFilter = {};
  const problems: string[] = [];
  if (query.channel && (CHANNELS as readonly string[]).includes(query.channel)) filter.channel = query.channel as Channel;
  if (query.status && (STATUSES as readonly string[]).includes(query.status)) filter.status = query.status;
  const day = (value: string | undefined, name: string, end: boolean) => {
    if (!value) return undefined;
    const date = DATE.test(value) ? DateTime.fromISO(value, { zone: timeZone }) : null;
    if (!date?.isValid) return void problems.push(`${name} is not a date`);
    return (end ? date.plus({ days: 1 }) : date).toUTC().toISO()!;
  };
  filter.from = day(query.from, 'From', false);
  filter.to = day(query.to, 'To', true);
  if (query.caller) {
    const caller = normalizePhone(query.caller);
    if (caller) filter.caller = caller;
    else problems.push('Caller is not a phone number (use the international form, +14155551234)');
  }
  return { filter, problems };
}

const option = (value: string, label: string, selected: string | undefined) => html`<option value="${value}"${value === selected ? html` selected` : ''}>${label}</option>`;

export function registerConversations(app: FastifyInstance, context: DashboardContext): void {
  const timeZone = context.profile.timezone;

  app.get('/dashboard/conversations', async (request, reply) => {
    const query = request.query as Query;
    const { filter, problems } = readFilter(query, timeZone);
    const after = query.cursor ? (decodeCursor(query.cursor) ?? undefined) : undefined;
    const page = await listConversations(context.db, filter, { limit: 50, after });
    const next = page.next ? new URLSearchParams({ ...Object.fromEntries(Object.entries(query).filter(([, v]) => v)), cursor: encodeCursor(page.next) }) : null;
    const body = html`
<form method="get" action="/dashboard/conversations" class="filters">
<label>Channel <select name="channel">${option('', 'Any', query.channel)}${CHANNELS.map((c) => option(c, CHANNEL_NAMES[c]!, query.channel))}</select></label>
<label>Status <select name="status">${option('', 'Any', query.status)}${STATUSES.map((s) => option(s, statusName(s), query.status))}</select></label>
<label>From <input type="date" name="from" value="${query.from ?? ''}"></label>
<label>To <input type="date" name="to" value="${query.to ?? ''}"></label>
<label>Caller <input type="search" name="caller" value="${query.caller ?? ''}" placeholder="+14155551234" inputmode="tel"></label>
<button type="submit">Filter</button>
</form>
${problems.length > 0 ? html`<p class="problem" role="alert">${problems.join('. ')}.</p>` : ''}
<section id="conversation-list" data-live-region>
${conversationRows(page.items, timeZone, 'No conversation matches.')}
</section>
${next ? html`<p><a href="/dashboard/conversations?${next.toString()}">Older conversations</a></p>` : ''}`;
    return context.render(reply, 'conversations', 'Conversations', body);
  });

  app.get('/dashboard/conversations/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    const conversation = UUID.test(id) ? await findConversationSummary(context.db, id) : null;
    if (!conversation) {
      reply.code(404);
      return context.render(reply, 'conversations', 'Not found', html`<p>There is no such conversation. <a href="/dashboard/conversations">All conversations</a></p>`);
    }
    const [messages, summary, transfers] = await Promise.all([
      loadRecentMessages(context.db, conversation.id),
      loadSummary(context.db, conversation.id),
      listTransfers(context.db, conversation.id),
    ]);
    const written = summary?.summary;
    const body = html`
<dl class="facts">
<dt>Channel</dt><dd>${CHANNEL_NAMES[conversation.channel] ?? conversation.channel}</dd>
<dt>Caller</dt><dd>${phone(conversation.caller)}</dd>
<dt>Started</dt><dd>${when(conversation.createdAt, timeZone)}</dd>
<dt>Status</dt><dd><span class="status status-${conversation.status}">${statusName(conversation.status)}</span></dd>
<dt>Length</dt><dd>${duration(conversation.durationSeconds)}</dd>
<dt>Language</dt><dd>${conversation.language}</dd>
</dl>
<section class="card summary">
<h2>Summary</h2>
${
  written
    ? html`<p>${written.intent} — ${written.outcome}</p>${written.follow_up_needed ? html`<p class="problem">Follow up: ${written.follow_up ?? 'yes'}</p>` : ''}`
    : html`<p class="muted">${summary?.summarizedAt ? 'No summary could be written.' : conversation.endedAt ? 'Not written yet.' : 'Written once the conversation has ended.'}</p>`
}
</section>
<section id="transcript" data-live-region class="card">
<h2>Transcript</h2>
${transcriptView(messages, transfers, timeZone)}
</section>`;
    return context.render(reply, 'conversations', `${CHANNEL_NAMES[conversation.channel] ?? 'Conversation'} ${when(conversation.createdAt, timeZone)}`, body);
  });
}
