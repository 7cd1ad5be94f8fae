// /v1/appointments: the owner's view of bookings, cancelling one, and a read-only iCalendar feed.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import ical from 'ical-generator';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { findAppointment, listAppointments } from '../booking/appointments-repo.ts';
import { cancelAndAnnounce } from '../booking/booking.ts';
import type { Db } from '../db/db.ts';
import { HttpError } from '../http-error.ts';
import { errorResponse } from '../ops/error-handler.ts';
import { appointmentJson, toAppointmentJson } from './appointment-json.ts';

const LIMIT_RULE = 'must be a whole number from 1 to 500';
const RANGE_RULE = 'must be a date (YYYY-MM-DD, in the business\'s time zone) or an ISO 8601 date-time with offset';
/** How far back the feed reaches, so today's and this week's past appointments stay on the calendar. */
const FEED_PAST_DAYS = 7;
const FEED_LIMIT = 2_000;

export interface AppointmentsRouteDeps {
  db: Db;
  timeZone: string;
  businessName: string;
  calendarFeedToken: string | undefined;
}

/** A range bound: a local date means the start of that day (from) or of the day after (to, so the day is included). */
function rangeBound(timeZone: string, endOfDay: boolean) {
  return z
    .string()
    .trim()
    .transform((value, ctx) => {
      const isDate = /^\d{4}-\d{2}-\d{2}$/.test(value);
      const parsed = isDate ? DateTime.fromISO(value, { zone: timeZone }) : DateTime.fromISO(value, { setZone: true });
      if (!parsed.isValid || (!isDate && !/(Z|[+-]\d{2}:?\d{2})$/.test(value))) {
        ctx.addIssue({ code: 'custom', message: RANGE_RULE });
        return z.NEVER;
      }
      return (isDate && endOfDay ? parsed.plus({ days: 1 }) : parsed).toJSDate();
    })
    .optional();
}

const appointmentParams = z.object({ id: z.uuid({ error: 'must be an appointment id (a UUID) from GET /v1/appointments' }) });

const digest = (value: string) => createHash('sha256').update(value).digest();

export function registerAppointmentsRoutes(app: FastifyInstance, deps: AppointmentsRouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get('/v1/appointments', {
    schema: {
      summary: 'List appointments in start order, optionally within a range',
      tags: ['appointments'],
      querystring: z.object({
        from: rangeBound(deps.timeZone, false).describe('Starting at or after this (a date means that day\'s start)'),
        to: rangeBound(deps.timeZone, true).describe('Starting before this (a date includes that whole day)'),
        status: z.enum(['booked', 'cancelled'], { error: 'must be booked or cancelled' }).optional(),
        limit: z.coerce.number({ error: LIMIT_RULE }).int({ error: LIMIT_RULE }).min(1, { error: LIMIT_RULE }).max(500, { error: LIMIT_RULE }).default(100),
      }),
      response: { 200: z.object({ items: z.array(appointmentJson) }).describe('The appointments, at most limit of them') },
    },
    handler: async (request) => {
      const { from, to, status, limit } = request.query;
      const items = await listAppointments(deps.db, { limit, ...(from ? { from } : {}), ...(to ? { to } : {}), ...(status ? { status } : {}) });
      return { items: items.map((a) => toAppointmentJson(a, deps.timeZone)) };
    },
  });

  api.post('/v1/appointments/:id/cancel', {
    schema: {
      summary: 'Cancel an appointment; its time becomes free again',
      tags: ['appointments'],
      params: appointmentParams,
      response: {
        200: appointmentJson.describe('The appointment, now cancelled'),
        404: errorResponse('No appointment has this id (not_found)'),
        409: errorResponse('The appointment was already cancelled (already_cancelled)'),
      },
    },
    handler: async (request) => {
      const cancelled = await cancelAndAnnounce(deps.db, request.params.id, null);
      if (cancelled) return toAppointmentJson(cancelled, deps.timeZone);
      const existing = await findAppointment(deps.db, request.params.id);
      if (!existing) throw new HttpError(404, 'not_found', `No appointment with id ${request.params.id}.`);
      throw new HttpError(409, 'already_cancelled', `Appointment ${request.params.id} was already cancelled.`);
    },
  });
}

/**
 * GET /v1/appointments.ics: outside the bearer check, since calendar apps subscribe by URL alone;
 * its own token (CALENDAR_FEED_TOKEN) in the query reads the feed and nothing else.
 */
export function registerAppointmentsFeed(app: FastifyInstance, deps: AppointmentsRouteDeps): void {
  const expected = deps.calendarFeedToken ? digest(deps.calendarFeedToken) : null;
  app.withTypeProvider<ZodTypeProvider>().get('/v1/appointments.ics', {
    schema: {
      summary: 'Upcoming appointments as an iCalendar feed that calendar apps can subscribe to',
      tags: ['appointments'],
      security: [{ feedToken: [] }],
      querystring: z.object({ token: z.string().max(500).optional().describe('CALENDAR_FEED_TOKEN') }),
      response: {
        200: { description: 'Booked appointments from a week ago onwards, as iCalendar', content: { 'text/calendar': { schema: z.string() } } },
        401: errorResponse('The token is missing or wrong (unauthorized)'),
        404: errorResponse('The feed is off because CALENDAR_FEED_TOKEN is unset (feed_disabled)'),
        503: errorResponse('The database is busy or unreachable (unavailable, with Retry-After)'),
      },
    },
    handler: async (request, reply) => {
      if (!expected) throw new HttpError(404, 'feed_disabled', 'The calendar feed is off: set CALENDAR_FEED_TOKEN to enable it.');
      const token = request.query.token;
      if (!token || !timingSafeEqual(digest(token), expected)) {
        throw new HttpError(401, 'unauthorized', 'Missing or wrong feed token: subscribe to /v1/appointments.ics?token=<CALENDAR_FEED_TOKEN>.');
      }
      const from = new Date(Date.now() - FEED_PAST_DAYS * 24 * 3_600_000);
      const appointments = await listAppointments(deps.db, { from, status: 'booked', limit: FEED_LIMIT });
      const calendar = ical({ name: `${deps.businessName} appointments`, timezone: deps.timeZone, prodId: { company: 'phone-assistant', product: 'appointments' } });
      for (const a of appointments) {
        calendar.createEvent({ id: a.id, start: a.startsAt, end: a.endsAt, summary: `${a.service}: ${a.name}`, description: `${a.name}, ${a.phone}`, stamp: a.createdAt });
      }
      return reply.type('text/calendar; charset=utf-8').header('cache-control', 'private, no-store').send(calendar.toString());
    },
  });
}
