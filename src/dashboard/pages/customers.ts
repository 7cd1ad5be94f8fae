// Customers: searchable list, and a page per customer with their conversations and appointments.
import type { FastifyInstance } from 'fastify';
import { listAppointments } from '../../booking/appointments-repo.ts';
import { findCustomer, listCustomerConversations, listCustomers } from '../../booking/customers-repo.ts';
import type { DashboardContext } from '../context.ts';
import { channelName, masked, phone, statusName, when } from '../format.ts';
import { html } from '../html.ts';
import { stringsOf } from '../i18n/strings.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PAGE_SIZE = 50;

export function registerCustomers(app: FastifyInstance, context: DashboardContext): void {
  const timeZone = context.profile.timezone;

  app.get('/dashboard/customers', async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const t = stringsOf(request);
    const w = t.customers;
    const search = query.q?.trim().slice(0, 100) || undefined;
    const pageNumber = Math.max(0, Math.min(1000, Number.parseInt(query.page ?? '0', 10) || 0));
    const customers = await listCustomers(context.db, { limit: PAGE_SIZE + 1, offset: pageNumber * PAGE_SIZE, search });
    const more = customers.length > PAGE_SIZE;
    const body = html`
<form method="get" action="/dashboard/customers" class="filters">
<label>${w.search} <input type="search" name="q" value="${search ?? ''}"></label>
<button type="submit">${t.common.search}</button>
</form>
${
  customers.length === 0
    ? html`<p class="muted">${search ? w.nobody : w.noneYet}</p>`
    : html`<table class="rows">
<thead><tr><th>${w.name}</th><th>${w.number}</th><th>${w.lastContact}</th><th>${w.conversations}</th><th>${t.common.language}</th></tr></thead>
<tbody>${customers.slice(0, PAGE_SIZE).map(
        (c) => html`<tr>
<td data-label="${w.name}"><a href="/dashboard/customers/${c.id}">${c.name ?? w.noName}</a></td>
<td data-label="${w.number}">${masked(c.phone)}</td>
<td data-label="${w.lastContact}">${when(c.lastContactAt, timeZone, t.locale)}</td>
<td data-label="${w.conversations}">${c.conversationCount}</td>
<td data-label="${t.common.language}">${c.language ?? '—'}</td>
</tr>`,
      )}</tbody></table>`
}
${more ? html`<p><a href="/dashboard/customers?${new URLSearchParams({ ...(search ? { q: search } : {}), page: String(pageNumber + 1) }).toString()}">${w.more}</a></p>` : ''}`;
    return context.render(reply, 'customers', t.nav.customers, body);
  });

  app.get('/dashboard/customers/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    const t = stringsOf(request);
    const w = t.customers;
    const customer = UUID.test(id) ? await findCustomer(context.db, id) : null;
    if (!customer) {
      reply.code(404);
      return context.render(reply, 'customers', t.common.notFound, html`<p>${w.noSuch} <a href="/dashboard/customers">${w.all}</a></p>`);
    }
    const [conversations, appointments] = await Promise.all([
      listCustomerConversations(context.db, customer.phone, 50),
      listAppointments(context.db, { customerId: customer.id, limit: 50 }),
    ]);
    const body = html`
<dl class="facts">
<dt>${w.number}</dt><dd>${phone(customer.phone, t)}</dd>
<dt>${w.firstContact}</dt><dd>${when(customer.firstContactAt, timeZone, t.locale)}</dd>
<dt>${w.lastContact}</dt><dd>${when(customer.lastContactAt, timeZone, t.locale)}</dd>
<dt>${w.conversations}</dt><dd>${customer.conversationCount}</dd>
<dt>${t.common.language}</dt><dd>${customer.language ?? '—'}</dd>
${customer.notes ? html`<dt>${w.notes}</dt><dd>${customer.notes}</dd>` : ''}
</dl>
<section class="card">
<h2>${w.appointments}</h2>
${
  appointments.length === 0
    ? html`<p class="muted">${t.common.none}</p>`
    : html`<ul class="plain">${appointments.map((a) => html`<li class="${a.status}"><strong>${when(a.startsAt, timeZone, t.locale)}</strong> ${a.service}${a.status === 'cancelled' ? ` ${w.cancelled}` : ''}</li>`)}</ul>`
}
</section>
<section class="card">
<h2>${w.conversations}</h2>
${
  conversations.length === 0
    ? html`<p class="muted">${t.common.none}</p>`
    : html`<ul class="plain">${conversations.map(
        (c) => html`<li><a href="/dashboard/conversations/${c.id}">${when(c.createdAt, timeZone, t.locale)}</a> ${channelName(c.channel, t)} · ${statusName(c.status, t)}</li>`,
      )}</ul>`
}
</section>`;
    return context.render(reply, 'customers', customer.name ?? masked(customer.phone), body);
  });
}
