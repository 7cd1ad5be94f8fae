// Today: live calls, callback requests not yet handled, today's conversations and the next appointments.
import { DateTime } from 'luxon';
import { listAppointments } from '../../booking/appointments-repo.ts';
import { listConversations } from '../../db/call-history-repo.ts';
import { listCallbackRequests } from '../../db/callbacks-repo.ts';
import type { DashboardContext } from '../context.ts';
import { masked, when } from '../format.ts';
import { html } from '../html.ts';
import { stringsOf } from '../i18n/strings.ts';
import { conversationRows } from './conversation-rows.ts';
import { messageItems } from './messages.ts';
import type { FastifyInstance } from 'fastify';

export function registerToday(app: FastifyInstance, context: DashboardContext): void {
  const timeZone = context.profile.timezone;
  app.get('/', async (request, reply) => {
    const t = stringsOf(request);
    const w = t.today;
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
<h2>${w.live} <span class="count">${live.length}</span></h2>
${
  live.length === 0
    ? html`<p class="muted">${w.noLive}</p>`
    : html`<ul class="live">${live.map(
        (call) => html`<li><span class="pulse" aria-hidden="true"></span><a href="/dashboard/conversations/${call.id}">${call.caller ? masked(call.caller) : w.withheldNumber}</a> · ${w.since} ${when(call.createdAt, timeZone, t.locale)} · ${w.messageCount(call.turns)}</li>`,
      )}</ul>`
}
</section>
<section id="open-messages" data-live-region class="card">
<h2>${w.callBack} <span class="count">${open.items.length}</span></h2>
${messageItems(open.items, timeZone, csrfToken, w.nobodyWaiting, '/', t)}
</section>
<section id="today-conversations" data-live-region class="card">
<h2>${w.conversations} <span class="count">${conversations.items.length}</span></h2>
${conversationRows(conversations.items, timeZone, w.noneToday, t)}
</section>
<section class="card">
<h2>${w.next}</h2>
${
  upcoming.length === 0
    ? html`<p class="muted">${w.nothingBooked}</p>`
    : html`<ul class="plain">${upcoming.map((a) => html`<li><strong>${when(a.startsAt, timeZone, t.locale)}</strong> ${a.service} — <a href="/dashboard/customers/${a.customerId}">${a.name}</a></li>`)}</ul>`
}
<p><a href="/dashboard/appointments">${w.week}</a></p>
</section>`;
    return context.render(reply, 'today', t.nav.today, body);
  });
}
