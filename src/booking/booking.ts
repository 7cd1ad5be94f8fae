// Booking rules over the repositories: which service, which starts are offered, and what a caller may change.
import { DateTime } from 'luxon';
import type { Db, Queryable } from '../db/db.ts';
import type { Profile, Service } from '../profile.ts';
import { enqueueEvent } from '../jobs/business-events.ts';
import { cancelAppointment, insertAppointment, listBusy, moveAppointmentTo, findCallersAppointment, type Appointment, type Span } from './appointments-repo.ts';
import { ensureCustomer } from './customers-repo.ts';
import { candidateStarts, freeSlots, localDate } from './free-slots.ts';

const MINUTE_MS = 60_000;
/** Range searched when the caller names no dates, and the most offered at once: enough to choose from, short enough to say. */
const DEFAULT_RANGE_DAYS = 7;
export const MAX_SLOTS_OFFERED = 12;

export type BookingProfile = Pick<Profile, 'hours' | 'timezone' | 'services' | 'booking'>;

/** Something the caller (or the model for them) asked that cannot be done, with what to say instead. */
export type BookingRefusal =
  | { error: 'unknown_service'; services: string[] }
  | { error: 'invalid_range'; message: string }
  | { error: 'not_offered'; message: string; slots: string[] }
  | { error: 'slot_taken'; slots: string[] }
  | { error: 'not_found' };

export function findService(profile: BookingProfile, name: string): Service | undefined {
  const wanted = name.trim().toLowerCase();
  return profile.services.find((service) => service.name.toLowerCase() === wanted);
}

function spanOf(profile: BookingProfile, service: Service, start: Date): Span {
  const endsAt = new Date(start.getTime() + service.duration_minutes * MINUTE_MS);
  return { startsAt: start, endsAt, blockedUntil: new Date(endsAt.getTime() + profile.booking.buffer_minutes * MINUTE_MS) };
}

/** Free starts for `service` between two local dates (default: the next week), at most MAX_SLOTS_OFFERED. */
export async function findFreeSlots(
  db: Queryable,
  profile: BookingProfile,
  service: Service,
  range: { from?: string; to?: string },
  now: Date,
): Promise<Date[] | BookingRefusal> {
  const today = localDate(now, profile.timezone);
  const from = range.from && range.from > today ? range.from : today;
  const to = range.to ?? DateTime.fromISO(from).plus({ days: DEFAULT_RANGE_DAYS - 1 }).toISODate()!;
  if (to < from) return { error: 'invalid_range', message: `"to" (${to}) is before "from" (${from}); dates before today are not bookable.` };
  const query = { profile, durationMinutes: service.duration_minutes, from, to, now };
  const candidates = candidateStarts(query);
  if (candidates.length === 0) return [];
  const busy = await listBusy(db, candidates[0]!, new Date(candidates.at(-1)!.getTime() + (service.duration_minutes + profile.booking.buffer_minutes) * MINUTE_MS));
  return freeSlots(query, busy).slice(0, MAX_SLOTS_OFFERED);
}

/** Free starts on and after the day of `start`: what a caller who lost a slot is offered instead. */
async function nextFreeSlots(db: Queryable, profile: BookingProfile, service: Service, start: Date, now: Date): Promise<Date[]> {
  const from = localDate(start, profile.timezone);
  const to = DateTime.fromISO(from).plus({ days: DEFAULT_RANGE_DAYS - 1 }).toISODate()!;
  const found = await findFreeSlots(db, profile, service, { from, to }, now);
  return Array.isArray(found) ? found.filter((slot) => slot >= start) : [];
}

/** Whether `start` is one of the starts the profile offers for this service (hours, grid, notice, horizon). */
function isOffered(profile: BookingProfile, service: Service, start: Date, now: Date): boolean {
  const day = localDate(start, profile.timezone);
  return candidateStarts({ profile, durationMinutes: service.duration_minutes, from: day, to: day, now }).some((c) => c.getTime() === start.getTime());
}

async function notOffered(db: Queryable, profile: BookingProfile, service: Service, start: Date, now: Date, format: (d: Date) => string): Promise<BookingRefusal> {
  const slots = await nextFreeSlots(db, profile, service, start < now ? now : start, now);
  return {
    error: 'not_offered',
    message: 'That time is not bookable: outside opening hours, off the booking grid, too soon or too far ahead.',
    slots: slots.map(format),
  };
}

export interface BookingRequest {
  phone: string;
  conversationId: string | null;
  service: Service;
  name: string;
  start: Date;
  now: Date;
}

/**
 * Books the slot, or says why not; a slot someone else took comes back with the next free ones.
 * `onBooked` runs in the booking's transaction (the confirmation text is recorded there).
 */
export async function bookSlot(
  db: Db,
  profile: BookingProfile,
  request: BookingRequest,
  format: (d: Date) => string,
  onBooked?: (tx: Queryable, appointment: Appointment) => Promise<void>,
): Promise<Appointment | BookingRefusal> {
  const { service, start, now } = request;
  if (!isOffered(profile, service, start, now)) return notOffered(db, profile, service, start, now, format);
  const booked = await db.transaction(async (tx) => {
    const customer = await ensureCustomer(tx, request.phone);
    if (customer.name === null) await tx.query('UPDATE customers SET name = $2 WHERE id = $1', [customer.id, request.name]);
    const appointment = await insertAppointment(
      tx,
      { ...spanOf(profile, service, start), customerId: customer.id, conversationId: request.conversationId, service: service.name, name: request.name },
      profile.booking.parallel,
    );
    // In the booking's own transaction: the business hears of every booking that stands, and of no other.
    if (appointment) await enqueueEvent(tx, 'appointment.booked', appointmentEvent(appointment, request.conversationId));
    if (appointment && onBooked) await onBooked(tx, appointment);
    return appointment;
  });
  if (booked) return booked;
  return { error: 'slot_taken', slots: (await nextFreeSlots(db, profile, service, start, now)).map(format) };
}

/**
 * Moves the caller's own appointment; anyone else's is `not_found`, exactly as a missing one. The
 * business hears `appointment.moved`, and `onMoved` runs, in the move's own transaction.
 */
export async function moveCallersAppointment(
  db: Db,
  profile: BookingProfile,
  request: { phone: string; appointmentId: string; conversationId: string | null; start: Date; now: Date },
  format: (d: Date) => string,
  onMoved?: (tx: Queryable, appointment: Appointment) => Promise<void>,
): Promise<Appointment | BookingRefusal> {
  const current = await findCallersAppointment(db, request.phone, request.appointmentId);
  if (!current) return { error: 'not_found' };
  const service = findService(profile, current.service) ?? { name: current.service, duration_minutes: Math.round((current.endsAt.getTime() - current.startsAt.getTime()) / MINUTE_MS) };
  if (!isOffered(profile, service, request.start, request.now)) return notOffered(db, profile, service, request.start, request.now, format);
  const moved = await db.transaction(async (tx) => {
    const outcome = await moveAppointmentTo(tx, current.id, spanOf(profile, service, request.start), profile.booking.parallel);
    if (typeof outcome === 'string') return outcome;
    const event = { ...appointmentEvent(outcome, request.conversationId), previous_start: current.startsAt.toISOString() };
    await enqueueEvent(tx, 'appointment.moved', event);
    if (onMoved) await onMoved(tx, outcome);
    return outcome;
  });
  if (moved === 'not_booked') return { error: 'not_found' };
  if (moved !== 'taken') return moved;
  return { error: 'slot_taken', slots: (await nextFreeSlots(db, profile, service, request.start, request.now)).map(format) };
}

/** Cancels a booked appointment and tells the business, in one transaction; null when there was none to cancel. */
export async function cancelAndAnnounce(db: Db, id: string, conversationId: string | null): Promise<Appointment | null> {
  return db.transaction(async (tx) => {
    const cancelled = await cancelAppointment(tx, id);
    if (cancelled) await enqueueEvent(tx, 'appointment.cancelled', appointmentEvent(cancelled, conversationId));
    return cancelled;
  });
}

function appointmentEvent(appointment: Appointment, conversationId: string | null): Record<string, unknown> {
  return {
    appointment_id: appointment.id,
    service: appointment.service,
    name: appointment.name,
    caller: appointment.phone,
    start: appointment.startsAt.toISOString(),
    end: appointment.endsAt.toISOString(),
    conversation_id: conversationId,
  };
}
