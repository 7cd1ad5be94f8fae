// Booking on both backends: one winner per slot under a race, lanes for parallel capacity, moves and cancels.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listAppointments, moveAppointmentTo } from '../../src/booking/appointments-repo.ts';
import { bookSlot, cancelAndAnnounce, findFreeSlots, moveCallersAppointment, type BookingProfile } from '../../src/booking/booking.ts';
import { formatInstant } from '../../src/booking/free-slots.ts';
import type { Db } from '../../src/db/db.ts';
import { migrate } from '../../src/db/migrate.ts';
import { openPostgres } from '../../src/db/postgres-db.ts';
import { openTestDb } from '../helpers/test-app.ts';
import { createTestDatabase, pgSkip, type TestDatabase } from '../helpers/postgres.ts';

// Awaited before any test is registered, or --test-force-exit could drop the tests after it (eslint.config.js).
const postgresSkip = await pgSkip();

const ZONE = 'Europe/Bratislava';
const NOW = new Date('2026-03-02T06:00:00Z'); // Monday 07:00 in Bratislava
const format = (d: Date) => formatInstant(d, ZONE);

function profile(parallel: number): BookingProfile {
  return {
    timezone: ZONE,
    hours: { monday: '08:00-12:00', tuesday: '08:00-12:00' },
    services: [{ name: 'check-up', duration_minutes: 30 }],
    booking: { slot_minutes: 30, min_notice_minutes: 60, max_days_ahead: 30, buffer_minutes: 0, parallel },
  };
}
const checkUp = profile(1).services[0]!;

/** The business events waiting in the outbox about one appointment (or all of them), oldest first. */
async function eventsAbout(db: Db, appointmentId: string | null): Promise<string[]> {
  const { rows } = await db.query<{ type: string }>(
    `SELECT payload->>'type' AS type FROM outbox_jobs
     WHERE kind = 'webhook' AND ($1::text IS NULL OR payload->'data'->>'appointment_id' = $1) ORDER BY created_at, id`,
    [appointmentId],
  );
  return rows.map((row) => row.type);
}
const TUESDAY_NINE = new Date('2026-03-03T08:00:00Z');

function callers(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `+4219051${String(i).padStart(5, '0')}`);
}

async function race(db: Db, parallel: number, contenders: number) {
  const results = await Promise.all(
    callers(contenders).map((phone, i) =>
      bookSlot(db, profile(parallel), { phone, conversationId: null, service: checkUp, name: `Caller ${i}`, start: TUESDAY_NINE, now: NOW }, format),
    ),
  );
  const winners = results.filter((r) => !('error' in r));
  const losers = results.filter((r) => 'error' in r);
  return { winners, losers };
}

function bookingSuite(name: string, open: () => Promise<{ db: Db; close(): Promise<void> }>, options: { skip?: string | false } = {}) {
  describe(name, { skip: options.skip }, () => {
    let handle: { db: Db; close(): Promise<void> };
    let db: Db;
    before(async () => {
      handle = await open();
      db = handle.db;
    });
    after(async () => handle?.close());

    it('gives a contested last slot to exactly one of many callers and offers the others the next free ones', async () => {
      const { winners, losers } = await race(db, 1, 12);
      assert.equal(winners.length, 1);
      assert.equal(losers.length, 11);
      for (const loser of losers) {
        assert.ok('error' in loser && loser.error === 'slot_taken');
        assert.ok(loser.error === 'slot_taken' && loser.slots[0] === '2026-03-03T09:30:00+01:00', `offered ${JSON.stringify(loser)}`);
        assert.ok(!loser.slots.includes('2026-03-03T09:00:00+01:00'));
      }
      const booked = await listAppointments(db, { from: TUESDAY_NINE, to: new Date(TUESDAY_NINE.getTime() + 60_000), status: 'booked', limit: 50 });
      assert.equal(booked.length, 1);
      // The business hears of the one booking that stands, and of none of the eleven that lost.
      assert.deepEqual(await eventsAbout(db, booked[0]!.id), ['appointment.booked']);
      assert.equal((await eventsAbout(db, null)).filter((type) => type === 'appointment.booked').length, 1);
    });

    it('lets as many callers as `parallel` share a start, and no more', async () => {
      const start = new Date('2026-03-03T09:00:00Z');
      const results = await Promise.all(
        callers(9).map((phone, i) => bookSlot(db, profile(3), { phone, conversationId: null, service: checkUp, name: `P${i}`, start, now: NOW }, format)),
      );
      assert.equal(results.filter((r) => !('error' in r)).length, 3);
      const free = await findFreeSlots(db, profile(3), checkUp, { from: '2026-03-03', to: '2026-03-03' }, NOW);
      assert.ok(Array.isArray(free) && !free.some((slot) => slot.getTime() === start.getTime()));
    });

    it('refuses a start outside the hours or off the grid, naming bookable ones', async () => {
      const result = await bookSlot(db, profile(1), { phone: '+421905999001', conversationId: null, service: checkUp, name: 'X', start: new Date('2026-03-03T08:10:00Z'), now: NOW }, format);
      assert.ok('error' in result && result.error === 'not_offered' && result.slots.length > 0);
    });

    it('moves only within free time, and a cancelled slot is free again', async () => {
      const phone = '+421905999002';
      const first = await bookSlot(db, profile(1), { phone, conversationId: null, service: checkUp, name: 'Mover', start: new Date('2026-03-03T10:00:00Z'), now: NOW }, format);
      assert.ok(!('error' in first));
      const onTaken = await moveCallersAppointment(db, profile(1), { phone, appointmentId: first.id, conversationId: null, start: TUESDAY_NINE, now: NOW }, format);
      assert.ok('error' in onTaken && onTaken.error === 'slot_taken');
      const moved = await moveCallersAppointment(db, profile(1), { phone, appointmentId: first.id, conversationId: null, start: new Date('2026-03-03T10:30:00Z'), now: NOW }, format);
      assert.ok(!('error' in moved) && moved.id === first.id && moved.startsAt.toISOString() === '2026-03-03T10:30:00.000Z');
      const { rows } = await db.query<{ data: Record<string, unknown> }>(`SELECT payload->'data' AS data FROM outbox_jobs WHERE payload->>'type' = 'appointment.moved' AND payload->'data'->>'appointment_id' = $1`, [first.id]);
      assert.deepEqual([rows[0]?.data['previous_start'], rows[0]?.data['start']], ['2026-03-03T10:00:00.000Z', '2026-03-03T10:30:00.000Z'], 'the business hears the old time and the new');
      assert.ok(await cancelAndAnnounce(db, first.id, null));
      assert.equal(await cancelAndAnnounce(db, first.id, null), null, 'a second cancel finds nothing to cancel');
      // A move racing the cancel finds it no longer booked, rather than reporting the cancelled one as moved.
      const span = { startsAt: new Date('2026-03-03T11:00:00Z'), endsAt: new Date('2026-03-03T11:30:00Z'), blockedUntil: new Date('2026-03-03T11:30:00Z') };
      assert.equal(await db.transaction((tx) => moveAppointmentTo(tx, first.id, span, 1)), 'not_booked');
      assert.deepEqual(await eventsAbout(db, first.id), ['appointment.booked', 'appointment.moved', 'appointment.cancelled']);
      const again = await bookSlot(db, profile(1), { phone: '+421905999003', conversationId: null, service: checkUp, name: 'Next', start: new Date('2026-03-03T10:30:00Z'), now: NOW }, format);
      assert.ok(!('error' in again));
    });
  });
}

bookingSuite('booking on PGlite', async () => {
  const db = await openTestDb();
  return { db, close: () => db.close() };
});

let database: TestDatabase | null = null;
bookingSuite(
  'booking on PostgreSQL',
  async () => {
    database = await createTestDatabase();
    assert.ok(database);
    const db = await openPostgres({ url: database.url, poolSize: 4, poolMaxOverflow: 8, poolIdleTimeoutMs: 1_000, poolAcquireTimeoutMs: 10_000, queryTimeoutMs: 20_000, statementTimeoutMs: 15_000 });
    await migrate(db);
    return {
      db,
      async close() {
        await db.close();
        await database?.drop();
      },
    };
  },
  { skip: postgresSkip },
);
