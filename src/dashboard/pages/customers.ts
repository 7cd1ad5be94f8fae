// Customers: searchable list, and a page per customer with their conversations and appointments.
import type { FastifyInstance } from 'fastify';
import { listAppointments } from '../../booking/appointments-repo.ts';
import { findCustomer, listCustomerConversations, listCustomers } from '../../booking/customers-repo.ts';
import type { DashboardContext } from '../context.ts';
import { CHANNEL_NAMES, masked, phone, statusName, when } from '../format.ts';
import { html } from '../html.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PAGE_SIZE = 50;

export function registerCustomers(app: FastifyInstance, context: DashboardContext): void {
  const timeZone = context.profile.timezone;

  app.get('/dashboard/customers', async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const search = query.q?.trim().slice(0, 100) || undefined;
    const pageNumber = Math.max(0, Math.min(1000, Number.parseInt(query.page ?? '0', 10) || 0));
    const customers = await listCustomers(context.db, { limit: PAGE_SIZE + 1, offset: pageNumber * PAGE_SIZE, search });
    const more = customers.length > PAGE_SIZE;
    const body = html`
<form method="get" action="/dashboard/customers" class="filters">
<label>Name or number <input type="search" name="q" value="${search ?? ''}"></label>
<button type="submit">Search</button>
</form>
${
  customers.length === 0
    ? html`<p class="muted">${search ? 'Nobody matches.' : 'No customers yet: they appear after their first call or message.'}</p>`
    : html`<table class="rows">
<thead><tr><th>Name</th><th>Number</th><th>Last contact</th><th>Conversations</th><th>Language</th></tr></thead>
<tbody>${customers.slice(0, PAGE_SIZE).map(
        (c) => html`<tr>
<td data-label="Name"><a href="/dashboard/customers/${c.id}">${c.name ?? 'No name yet'}</a></td>
<td data-label="Number">${masked(c.phone)}</td>
<td data-label="Last contact">${when(c.lastContactAt, timeZone)}</td>
<td data-label="Conversations">${c.conversationCount}</td>
<td data-label="Language">${c.language ?? '—'}</td>
</tr>`,
      )}</tbody></table>`
}
${more ? html`<p><a href="/dashboard/customers?${new URLSearchParams({ ...(search ? { q: search } : {}), page: String(pageNumber + 1) }).toString()}">More customers</a></p>` : ''}`;
    return context.render(reply, 'customers', 'Customers', body);
  });

  app.get('/dashboard/customers/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    const customer = UUID.test(id) ? await findCustomer(context.db, id) : null;
    if (!customer) {
      reply.code(404);
      return context.render(reply, 'customers', 'Not found', html`<p>There is no such customer. <a href="/dashboard/customers">All customers</a></p>`);
    }
    const [conversations, appointments] = await Promise.all([
      listCustomerConversations(context.db, customer.phone, 50),
      listAppointments(context.db, { customerId: customer.id, limit: 50 }),
    ]);
    const body = html`
<dl class="facts">
<dt>Number</dt><dd>${phone(customer.phone)}</dd>
<dt>First contact</dt><dd>${when(customer.firstContactAt, timeZone)}</dd>
<dt>Last contact</dt><dd>${when(customer.lastContactAt, timeZone)}</dd>
<dt>Conversations</dt><dd>${customer.conversationCount}</dd>
<dt>Language</dt><dd>${customer.language ?? '—'}</dd>
${customer.notes ? html`<dt>Notes</dt><dd>${customer.notes}</dd>` : ''}
</dl>
<section class="card">
<h2>Appointments</h2>
${
  appointments.length === 0
    ? html`<p class="muted">None.</p>`
    : html`<ul class="plain">${appointments.map((a) => html`<li class="${a.status}"><strong>${when(a.startsAt, timeZone)}</strong> ${a.service}${a.status === 'cancelled' ? ' (cancelled)' : ''}</li>`)}</ul>`
}
</section>
<section class="card">
<h2>Conversations</h2>
${
  conversations.length === 0
    ? html`<p class="muted">None.</p>`
    : html`<ul class="plain">${conversations.map(
        (c) => html`<li><a href="/dashboard/conversations/${c.id}">${when(c.createdAt, timeZone)}</a> ${CHANNEL_NAMES[c.channel] ?? c.channel} · ${statusName(c.status)}</li>`,
      )}</ul>`
}
</section>`;
    return context.render(reply, 'customers', customer.name ?? masked(customer.phone), body);
  });
}
