// /v1/appointments: range filters, cancelling, and the iCalendar feed behind its own read-only token.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DateTime } from 'luxon';
import { bookSlot } from '../../src/booking/booking.ts';
import { formatInstant } from '../../src/booking/free-slots.ts';
import { loadProfile } from '../../src/profile.ts';
import { startTestServer, testEnv, TEST_API_KEY, type TestServer } from '../helpers/test-app.ts';

const FEED_TOKEN = 'feed-token-abcdefghijklmnop';
const auth = { authorization: `Bearer ${TEST_API_KEY}` };
const ZONE = 'Europe/Bratislava';

describe('/v1/appointments', () => {
  let server: TestServer;
  let serverWithoutFeed: TestServer;
  const ids: string[] = [];
  // The first Monday of next year (winter time, +01:00), and the Tuesday after it.
  const year = new Date().getUTCFullYear() + 1;
  let monday = DateTime.fromObject({ year, month: 1, day: 1 }, { zone: ZONE });
  while (monday.weekday !== 1) monday = monday.plus({ days: 1 });
  const mondayDate = monday.toISODate()!;
  const tuesday = monday.plus({ days: 1 }).toISODate()!;

  before(async () => {
    server = await startTestServer(testEnv(null, 'openai', { CALENDAR_FEED_TOKEN: FEED_TOKEN }));
    serverWithoutFeed = await startTestServer(testEnv(null));
    const profile = await loadProfile(new URL('../../profiles/sample.yaml', import.meta.url).pathname);
    const rules = { ...profile, booking: { ...profile.booking, max_days_ahead: 400 } };
    const now = new Date(Date.UTC(year - 1, 11, 1));
    for (const [i, local] of [`${mondayDate}T09:00`, `${mondayDate}T16:00`, `${tuesday}T08:00`].entries()) {
      const at = DateTime.fromISO(local, { zone: ZONE }).toJSDate();
      const booked = await bookSlot(server.db, rules, { phone: `+42190500010${i}`, conversationId: null, service: profile.services[0]!, name: `Patient ${i}`, start: at, now }, (d) => formatInstant(d, ZONE));
      assert.ok(!('error' in booked), JSON.stringify(booked));
      ids.push(booked.id);
    }
  });
  after(async () => {
    await server.close();
    await serverWithoutFeed.close();
  });

  async function get(path: string, target = server) {
    const response = await fetch(`${target.url}${path}`, { headers: auth });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('filters by a local day or by instants, in start order', async () => {
    const day = await get(`/v1/appointments?from=${mondayDate}&to=${mondayDate}`);
    assert.equal(day.status, 200);
    const items = day.body['items'] as { id: string; local_start: string; phone: string }[];
    assert.deepEqual(items.map((a) => a.id), ids.slice(0, 2));
    assert.match(items[0]!.local_start, new RegExp(`^${mondayDate}T09:00:00\\+01:00$`));
    const after = await get(`/v1/appointments?from=${encodeURIComponent(`${mondayDate}T12:00:00+01:00`)}`);
    assert.deepEqual((after.body['items'] as { id: string }[]).map((a) => a.id), ids.slice(1));
    assert.equal((await get('/v1/appointments?from=tomorrow')).status, 422);
    assert.equal((await get(`/v1/appointments?from=${mondayDate}T12:00:00`)).status, 422, 'a time without offset is ambiguous');
  });

  it('cancels once, then says it already was, and 404s an unknown id', async () => {
    const cancel = (id: string) => fetch(`${server.url}/v1/appointments/${id}/cancel`, { method: 'POST', headers: auth });
    const first = await cancel(ids[2]!);
    assert.equal(first.status, 200);
    assert.equal(((await first.json()) as { status: string }).status, 'cancelled');
    assert.equal((await cancel(ids[2]!)).status, 409);
    assert.equal((await cancel('00000000-0000-4000-8000-000000000000')).status, 404);
    const booked = await get('/v1/appointments?status=booked');
    assert.deepEqual((booked.body['items'] as { id: string }[]).map((a) => a.id), ids.slice(0, 2));
  });

  it('serves booked appointments as iCalendar with the feed token only', async () => {
    const feed = await fetch(`${server.url}/v1/appointments.ics?token=${FEED_TOKEN}`);
    assert.equal(feed.status, 200);
    assert.match(feed.headers.get('content-type') ?? '', /^text\/calendar/);
    const text = await feed.text();
    assert.match(text, /^BEGIN:VCALENDAR/);
    assert.equal(text.match(/BEGIN:VEVENT/g)?.length, 2);
    for (const id of ids.slice(0, 2)) assert.ok(text.includes(`UID:${id}`));
    assert.ok(!text.includes(`UID:${ids[2]}`), 'cancelled appointments leave the calendar');

    assert.equal((await fetch(`${server.url}/v1/appointments.ics?token=wrong-token-000000000`)).status, 401);
    assert.equal((await fetch(`${server.url}/v1/appointments.ics`, { headers: auth })).status, 401, 'the API key is no feed token');
    assert.equal((await fetch(`${server.url}/v1/appointments?token=${FEED_TOKEN}`)).status, 401, 'the feed token opens nothing else');
    assert.equal((await fetch(`${serverWithoutFeed.url}/v1/appointments.ics?token=${FEED_TOKEN}`)).status, 404);
  });
});
