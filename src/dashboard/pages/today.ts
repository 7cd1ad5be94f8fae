// Today: live calls, callback requests not yet handled, today's conversations and the next appointments.
import { DateTime } from 'luxon';
import { listAppointments } from '../../booking/appointments-repo.ts';
import { listConversations } from '../../db/call-history-repo.ts';
import { listCallbackRequests } from '../../db/callbacks-repo.ts';
import type { DashboardContext } from '../context.ts';
import { masked, when } from '../format.ts';
import { html } from '../html.ts';
import { conversationRows } from './conversation-rows.ts';
import { messageItems } from './messages.ts';
import type { FastifyInstance } from 'fastify';

export function registerToday(app: FastifyInstance, context: DashboardContext): void {
  const timeZone = context.profile.timezone;
  app.get('/', async (_request, reply) => {
    const startOfDay = DateTime.now().setZone(timeZone).startOf('day').toUTC().toISO()!;
    const [snapshot, conversations, open, upcoming] = await Promise.all([
      context.live.snapshot(),
      listConversations(context.db, { from: startOfDay }, { limit: 50 }),
      listCallbackRequests(context.db, { handled: false }, { limit: 20 }),
      listAppointments(context.db, { from: new Date(), status: 'booked', limit: 8 }),
    ]);
    const live = snapshot.activity.liveCalls;
    const csrfToken = await reply.generateCsrf();
    const body = html`
<section id="live-calls" data-live-region class="card">
<h2>Live calls <span class="count">${live.length}</span></h2>
${
  live.length === 0
    ? html`<p class="muted">No call in progress.</p>`
    : html`<ul class="live">${live.map(
        (call) => html`<li><span class="pulse" aria-hidden="true"></span><a href="/dashboard/conversations/${call.id}">${call.caller ? masked(call.caller) : 'Withheld number'}</a> · since ${when(call.createdAt, timeZone)} · ${call.turns === 1 ? '1 message' : `${call.turns} messages`}</li>`,
      )}</ul>`
}
</section>
<section id="open-messages" data-live-region class="card">
<h2>Call back <span class="count">${open.items.length}</span></h2>
${messageItems(open.items, timeZone, csrfToken, 'Nobody is waiting for a call back.', '/')}
</section>
<section id="today-conversations" data-live-region class="card">
<h2>Today's conversations <span class="count">${conversations.items.length}</span></h2>
${conversationRows(conversations.items, timeZone, 'No calls or messages yet today.')}
</section>
<section class="card">
<h2>Next appointments</h2>
${
  upcoming.length === 0
    ? html`<p class="muted">Nothing booked.</p>`
    : html`<ul class="plain">${upcoming.map((a) => html`<li><strong>${when(a.startsAt, timeZone)}</strong> ${a.service} — <a href="/dashboard/customers/${a.customerId}">${a.name}</a></li>`)}</ul>`
}
<p><a href="/dashboard/appointments">The week's appointments</a></p>
</section>`;
    return context.render(reply, 'today', 'Today', body);
  });
}
