// Appointments as a week view: seven days, Monday first, in the business's time zone.
import type { FastifyInstance } from 'fastify';
import { DateTime } from 'luxon';
import { listAppointments, type Appointment } from '../../booking/appointments-repo.ts';
import type { DashboardContext } from '../context.ts';
import { inZone, masked } from '../format.ts';
import { html } from '../html.ts';
import { stringsOf } from '../i18n/strings.ts';

export function registerAppointments(app: FastifyInstance, context: DashboardContext): void {
  const timeZone = context.profile.timezone;
  app.get('/dashboard/appointments', async (request, reply) => {
    const { week } = request.query as Record<string, string | undefined>;
    const t = stringsOf(request);
    const w = t.appointments;
    const asked = week && /^\d{4}-\d{2}-\d{2}$/.test(week) ? DateTime.fromISO(week, { zone: timeZone }) : null;
    const monday = (asked?.isValid ? asked : DateTime.now().setZone(timeZone)).startOf('week').setLocale(t.locale);
    const appointments = await listAppointments(context.db, { from: monday.toJSDate(), to: monday.plus({ weeks: 1 }).toJSDate(), limit: 1000 });
    const days = Array.from({ length: 7 }, (_, i) => monday.plus({ days: i }));
    const byDay = new Map<string, Appointment[]>();
    for (const a of appointments) {
      const key = inZone(a.startsAt, timeZone).toISODate()!;
      byDay.set(key, [...(byDay.get(key) ?? []), a]);
    }
    const today = DateTime.now().setZone(timeZone).toISODate();
    const link = (d: DateTime, label: string) => html`<a href="/dashboard/appointments?week=${d.toISODate()}">${label}</a>`;
    const body = html`
<nav class="tabs">${link(monday.minus({ weeks: 1 }), w.previous)}${link(DateTime.now().setZone(timeZone), w.this)}${link(monday.plus({ weeks: 1 }), w.next)}</nav>
<p class="muted">${w.weekOf(monday.toFormat('d MMMM yyyy'), timeZone)}</p>
<div class="week">${days.map((day) => {
      const items = byDay.get(day.toISODate()!) ?? [];
      return html`<section class="day${day.toISODate() === today ? ' today' : ''}">
<h2>${day.toFormat('ccc d MMM')}</h2>
${
  items.length === 0
    ? html`<p class="muted">—</p>`
    : html`<ul class="plain">${items.map(
        (a) => html`<li class="appointment ${a.status}"><strong>${inZone(a.startsAt, timeZone).toFormat('HH:mm')}–${inZone(a.endsAt, timeZone).toFormat('HH:mm')}</strong> ${a.service}<br><a href="/dashboard/customers/${a.customerId}">${a.name}</a> <span class="muted">${masked(a.phone)}</span>${a.status === 'cancelled' ? html` <em>${w.cancelled}</em>` : ''}</li>`,
      )}</ul>`
}
</section>`;
    })}</div>`;
    return context.render(reply, 'appointments', t.nav.appointments, body);
  });
}
