// Free appointment slots: opening hours in the profile's time zone on a slot grid, minus what is booked.
import { DateTime } from 'luxon';
import { WEEKDAYS, type BookingRules, type Profile } from '../profile.ts';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** Time an appointment keeps on one lane (a chair, a room): from its start to its end plus the buffer. */
export interface BusyInterval {
  lane: number;
  startsAt: Date;
  blockedUntil: Date;
}

export interface SlotQuery {
  profile: Pick<Profile, 'hours' | 'timezone'> & { booking: BookingRules };
  durationMinutes: number;
  /** Local dates in the profile's time zone, YYYY-MM-DD, both included. */
  from: string;
  to: string;
  now: Date;
}

/** A date as the profile's time zone sees it, YYYY-MM-DD. */
export function localDate(instant: Date, timeZone: string): string {
  return DateTime.fromJSDate(instant, { zone: timeZone }).toISODate()!;
}

/** An instant as ISO 8601 with the profile's offset, e.g. 2026-03-29T09:00:00+02:00. */
export function formatInstant(instant: Date, timeZone: string): string {
  return DateTime.fromJSDate(instant, { zone: timeZone }).toISO({ suppressMilliseconds: true })!;
}

/** Opening and closing instants of one local date, or null when closed (or the range is empty). */
export function openingOf(profile: SlotQuery['profile'], date: string): { opens: Date; closes: Date } | null {
  const day = DateTime.fromISO(date, { zone: profile.timezone });
  const range = profile.hours[WEEKDAYS[day.weekday - 1]!];
  if (!range || range === 'closed') return null;
  const [open, close] = range.split('-') as [string, string];
  // Wall-clock times: a time skipped by a DST change moves forward, as a clock on the wall would.
  const at = (hhmm: string) => day.set({ hour: Number(hhmm.slice(0, 2)), minute: Number(hhmm.slice(3, 5)) }).toJSDate();
  const opens = at(open);
  const closes = at(close);
  return closes > opens ? { opens, closes } : null;
}

/**
 * Every start an appointment of this length may have, ignoring bookings: inside opening hours,
 * on the slot grid counted in real minutes from opening (so a DST day keeps evenly spaced slots),
 * no sooner than the minimum notice and no later than the booking horizon.
 */
export function candidateStarts(query: SlotQuery): Date[] {
  const { profile, durationMinutes, now } = query;
  const rules = profile.booking;
  const earliestMs = now.getTime() + rules.min_notice_minutes * MINUTE_MS;
  const latestMs = now.getTime() + rules.max_days_ahead * DAY_MS;
  const durationMs = durationMinutes * MINUTE_MS;
  const starts: Date[] = [];
  let day = DateTime.fromISO(query.from, { zone: profile.timezone });
  const last = DateTime.fromISO(query.to, { zone: profile.timezone });
  if (!day.isValid || !last.isValid) return starts;
  for (; day <= last && day.toMillis() <= latestMs; day = day.plus({ days: 1 })) {
    const opening = openingOf(profile, day.toISODate()!);
    if (!opening) continue;
    for (let startMs = opening.opens.getTime(); startMs + durationMs <= opening.closes.getTime(); startMs += rules.slot_minutes * MINUTE_MS) {
      if (startMs >= earliestMs && startMs <= latestMs) starts.push(new Date(startMs));
    }
  }
  return starts;
}

/** Whether some lane has nothing booked that overlaps [start, start + duration + buffer). */
export function hasFreeLane(start: Date, durationMinutes: number, rules: BookingRules, busy: readonly BusyInterval[]): boolean {
  const startMs = start.getTime();
  const blockedUntilMs = startMs + (durationMinutes + rules.buffer_minutes) * MINUTE_MS;
  for (let lane = 1; lane <= rules.parallel; lane++) {
    const taken = busy.some((b) => b.lane === lane && b.startsAt.getTime() < blockedUntilMs && b.blockedUntil.getTime() > startMs);
    if (!taken) return true;
  }
  return false;
}

export function freeSlots(query: SlotQuery, busy: readonly BusyInterval[]): Date[] {
  return candidateStarts(query).filter((start) => hasFreeLane(start, query.durationMinutes, query.profile.booking, busy));
}
