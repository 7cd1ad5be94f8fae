// Free-slot computation: properties over random hours, bookings and DST days, and the DST days spelled out.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { candidateStarts, formatInstant, freeSlots, type BusyInterval, type SlotQuery } from '../../src/booking/free-slots.ts';
import { WEEKDAYS, type BookingRules } from '../../src/profile.ts';

const MINUTE_MS = 60_000;
// DST changes: Europe 2026-03-29 and 2026-10-25, America 2026-03-08 and 2026-11-01 (all Sundays).
const DST_CASES = [
  { zone: 'Europe/Bratislava', days: ['2026-03-29', '2026-10-25'] },
  { zone: 'America/New_York', days: ['2026-03-08', '2026-11-01'] },
] as const;

const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

// A closing time the clock skips (02:xx on a spring-forward day) has no inside or outside, so closings avoid hour 2.
const dayHours = fc
  .tuple(fc.integer({ min: 0, max: 23 * 60 + 59 }), fc.integer({ min: 0, max: 23 * 60 + 59 }))
  .filter(([open, close]) => close > open && Math.floor(close / 60) !== 2)
  .map(([open, close]) => `${hhmm(open)}-${hhmm(close)}`);

const rulesArb = fc.record({
  slot_minutes: fc.constantFrom(5, 10, 15, 20, 30, 45, 60, 90),
  min_notice_minutes: fc.integer({ min: 0, max: 6 * 60 }),
  max_days_ahead: fc.integer({ min: 1, max: 30 }),
  buffer_minutes: fc.constantFrom(0, 5, 10, 15),
  parallel: fc.integer({ min: 1, max: 3 }),
});

const caseArb = fc
  .record({
    place: fc.constantFrom(...DST_CASES),
    dayIndex: fc.integer({ min: 0, max: 1 }),
    hours: fc.tuple(...WEEKDAYS.map(() => fc.option(dayHours, { nil: undefined }))),
    rules: rulesArb,
    durationMinutes: fc.integer({ min: 5, max: 240 }),
    nowOffsetMinutes: fc.integer({ min: -3 * 24 * 60, max: 12 * 60 }),
    busy: fc.array(fc.record({ lane: fc.integer({ min: 1, max: 3 }), startOffsetMinutes: fc.integer({ min: -2 * 24 * 60, max: 3 * 24 * 60 }), minutes: fc.integer({ min: 5, max: 300 }) }), { maxLength: 25 }),
  })
  .map(({ place, dayIndex, hours, rules, durationMinutes, nowOffsetMinutes, busy }) => {
    const dstDay = place.days[dayIndex]!;
    const midnight = DateTime.fromISO(dstDay, { zone: place.zone }).toMillis();
    const query: SlotQuery = {
      profile: { timezone: place.zone, hours: Object.fromEntries(WEEKDAYS.map((day, i) => [day, hours[i]]).filter(([, h]) => h)), booking: rules as BookingRules },
      durationMinutes,
      from: DateTime.fromISO(dstDay).minus({ days: 1 }).toISODate()!,
      to: DateTime.fromISO(dstDay).plus({ days: 1 }).toISODate()!,
      now: new Date(midnight + nowOffsetMinutes * MINUTE_MS),
    };
    const intervals: BusyInterval[] = busy.map((b) => ({
      lane: ((b.lane - 1) % rules.parallel) + 1,
      startsAt: new Date(midnight + b.startOffsetMinutes * MINUTE_MS),
      blockedUntil: new Date(midnight + (b.startOffsetMinutes + b.minutes) * MINUTE_MS),
    }));
    return { query, busy: intervals };
  });

function minutesOfDay(instant: DateTime): number {
  return instant.hour * 60 + instant.minute;
}

const wallClock = new Map<string, Intl.DateTimeFormat>();

/**
 * Every instant at which the zone's clocks show `time` on `date`, found with Intl rather than the
 * library under test: two on the hour a clock falls back, none in the hour it springs forward.
 */
function instantsShowing(date: string, time: string, zone: string): number[] {
  let format = wallClock.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    wallClock.set(zone, format);
  }
  const asUtc = Date.parse(`${date}T${time}:00Z`);
  const found = new Set<number>();
  for (let offsetMinutes = -14 * 60; offsetMinutes <= 14 * 60; offsetMinutes += 15) {
    const candidate = asUtc - offsetMinutes * MINUTE_MS;
    if (format.format(candidate).replace(',', '') === `${date} ${time}`) found.add(candidate);
  }
  return [...found].sort((a, b) => a - b);
}

function lanesTaken(start: Date, query: SlotQuery, busy: BusyInterval[]): Set<number> {
  const endMs = start.getTime() + (query.durationMinutes + query.profile.booking.buffer_minutes) * MINUTE_MS;
  return new Set(busy.filter((b) => b.startsAt.getTime() < endMs && b.blockedUntil.getTime() > start.getTime()).map((b) => b.lane));
}

describe('free slots', () => {
  it('never start or end outside the day\'s opening hours in the profile\'s zone, DST days included', () => {
    fc.assert(
      fc.property(caseArb, ({ query, busy }) => {
        for (const slot of freeSlots(query, busy)) {
          const start = DateTime.fromJSDate(slot, { zone: query.profile.timezone });
          const end = DateTime.fromMillis(slot.getTime() + query.durationMinutes * MINUTE_MS, { zone: query.profile.timezone });
          const range = query.profile.hours[WEEKDAYS[start.weekday - 1]!];
          assert.ok(range && range !== 'closed', `slot ${start.toISO()} on a closed day`);
          const [open, close] = range.split('-') as [string, string];
          const date = start.toISODate()!;
          // Opening at the first moment the clock shows the time (or, in a skipped hour, once the clock is past it);
          // closing at the last moment it shows the closing time.
          const opensMs = instantsShowing(date, open, query.profile.timezone)[0];
          if (opensMs === undefined) assert.ok(minutesOfDay(start) * MINUTE_MS >= Date.parse(`1970-01-01T${open}:00Z`), `slot ${start.toISO()} before opening ${range}`);
          else assert.ok(slot.getTime() >= opensMs, `slot ${start.toISO()} before opening ${range}`);
          const closesMs = instantsShowing(date, close, query.profile.timezone).at(-1);
          assert.ok(closesMs !== undefined && end.toMillis() <= closesMs, `slot ${start.toISO()}–${end.toISO()} after closing ${range}`);
          assert.ok(start.toISODate()! >= query.from && start.toISODate()! <= query.to, 'slot outside the asked dates');
          assert.ok(slot.getTime() >= query.now.getTime() + query.profile.booking.min_notice_minutes * MINUTE_MS, 'slot inside the minimum notice');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never overlap a booking on every lane, and leave out only starts that would', () => {
    fc.assert(
      fc.property(caseArb, ({ query, busy }) => {
        const free = freeSlots(query, busy);
        const freeMs = new Set(free.map((slot) => slot.getTime()));
        for (const slot of free) assert.ok(lanesTaken(slot, query, busy).size < query.profile.booking.parallel, `slot ${slot.toISOString()} overlaps every lane`);
        for (const candidate of candidateStarts(query)) {
          if (!freeMs.has(candidate.getTime())) {
            const taken = lanesTaken(candidate, query, busy);
            assert.ok([...Array(query.profile.booking.parallel).keys()].every((i) => taken.has(i + 1)), `free start ${candidate.toISOString()} left out`);
          }
        }
        const times = free.map((slot) => slot.getTime());
        assert.deepEqual(times, [...new Set(times)].sort((a, b) => a - b), 'slots are unique and in order');
      }),
      { numRuns: 300 },
    );
  });

  const allDay = (zone: string, hours: string): SlotQuery['profile'] => ({
    timezone: zone,
    hours: Object.fromEntries(WEEKDAYS.map((day) => [day, hours])),
    booking: { slot_minutes: 60, min_notice_minutes: 0, max_days_ahead: 365, buffer_minutes: 0, parallel: 1 },
  });
  const slotsOn = (zone: string, hours: string, day: string) =>
    freeSlots({ profile: allDay(zone, hours), durationMinutes: 60, from: day, to: day, now: new Date('2026-01-01T00:00:00Z') }, []).map((slot) => formatInstant(slot, zone));

  it('keeps hourly slots an hour apart when Bratislava springs forward and falls back', () => {
    assert.deepEqual(slotsOn('Europe/Bratislava', '00:00-04:00', '2026-03-29'), ['2026-03-29T00:00:00+01:00', '2026-03-29T01:00:00+01:00', '2026-03-29T03:00:00+02:00']);
    assert.deepEqual(slotsOn('Europe/Bratislava', '00:00-04:00', '2026-10-25'), [
      '2026-10-25T00:00:00+02:00',
      '2026-10-25T01:00:00+02:00',
      '2026-10-25T02:00:00+02:00',
      '2026-10-25T02:00:00+01:00',
      '2026-10-25T03:00:00+01:00',
    ]);
    assert.deepEqual(slotsOn('Europe/Bratislava', '08:00-10:00', '2026-03-30'), ['2026-03-30T08:00:00+02:00', '2026-03-30T09:00:00+02:00']);
  });

  it('keeps hourly slots an hour apart when New York springs forward and falls back', () => {
    assert.deepEqual(slotsOn('America/New_York', '00:00-04:00', '2026-03-08'), ['2026-03-08T00:00:00-05:00', '2026-03-08T01:00:00-05:00', '2026-03-08T03:00:00-04:00']);
    assert.deepEqual(slotsOn('America/New_York', '00:00-03:00', '2026-11-01'), [
      '2026-11-01T00:00:00-04:00',
      '2026-11-01T01:00:00-04:00',
      '2026-11-01T01:00:00-05:00',
      '2026-11-01T02:00:00-05:00',
    ]);
    assert.deepEqual(slotsOn('America/New_York', '09:00-11:00', '2026-11-02'), ['2026-11-02T09:00:00-05:00', '2026-11-02T10:00:00-05:00']);
  });
});
