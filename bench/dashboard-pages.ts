// Server time of each dashboard page over 100,000 conversations (400,000 transcript messages) in PostgreSQL: node bench/dashboard-pages.ts
import { migrate } from '../src/db/migrate.ts';
import { openPostgres } from '../src/db/postgres-db.ts';
import { DashboardVisitor, TEST_DASHBOARD_PASSWORD } from '../test/helpers/dashboard-client.ts';
import { createTestDatabase } from '../test/helpers/postgres.ts';
import { startTestServer, testEnv } from '../test/helpers/test-app.ts';

const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 100_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 100);

// Bulk rows straight in SQL: the pages under test read them through the repositories.
const SEED = `
INSERT INTO customers (phone, name, conversation_count, first_contact_at, last_contact_at)
  SELECT '+1415' || lpad(i::text, 7, '0'), 'Customer ' || i, 10, now() - interval '90 days', now() - (i || ' minutes')::interval
  FROM generate_series(1, ${CONVERSATIONS / 10}) i;
INSERT INTO conversations (channel, call_sid, caller, language, status, created_at, updated_at, ended_at, duration_seconds, last_seq)
  SELECT (ARRAY['voice','voice','voice','voice','voice','voice','voice','sms','sms','text'])[1 + i % 10],
         CASE WHEN i % 10 < 7 THEN 'CA' || md5(i::text) END,
         '+1415' || lpad((1 + i % ${CONVERSATIONS / 10})::text, 7, '0'),
         'en',
         (ARRAY['completed','completed','completed','completed','completed','completed','no-answer','busy','active','completed'])[1 + i % 10],
         now() - (i * 30 || ' seconds')::interval, now() - (i * 30 || ' seconds')::interval, now() - (i * 30 - 60 || ' seconds')::interval, 60, 4
  FROM generate_series(1, ${CONVERSATIONS}) i;
-- Four messages a conversation, words varied by its number: common ones ("appointment"), rarer ones ("implant",
-- one conversation in a thousand) and other languages, for the transcript search.
INSERT INTO conversation_messages (conversation_id, seq, role, content, text)
  SELECT c.id, s.seq, s.role, to_jsonb(s.words), s.words
  FROM (SELECT id, row_number() OVER (ORDER BY created_at DESC) AS n FROM conversations) c,
  LATERAL (VALUES
    (1, 'user', 'Hello, I would like to ' || (ARRAY['book a check-up', 'cancel my appointment', 'ask about prices', 'move my cleaning', 'talk to the dentist'])[1 + c.n % 5]
       || ' on ' || (ARRAY['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'])[1 + c.n % 6] || CASE WHEN c.n % 1000 = 7 THEN ', about an implant' ELSE '' END),
    (2, 'assistant', 'Certainly. Which time suits you best? Reference ' || c.n),
    (3, 'user', (ARRAY['The morning, please.', 'Утром, пожалуйста.', 'Вранці, будь ласка.', 'Ráno, prosím.'])[1 + c.n % 4]),
    (4, 'assistant', 'Done, see you then. Goodbye!')
  ) AS s(seq, role, words);
INSERT INTO callback_requests (caller, name, message, created_at, handled_at)
  SELECT '+1415' || lpad(i::text, 7, '0'), 'Caller ' || i, 'Please call back about ' || i, now() - (i || ' minutes')::interval,
         CASE WHEN i > 200 THEN now() END
  FROM generate_series(1, ${CONVERSATIONS / 20}) i;`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const database = await createTestDatabase();
  if (!database) throw new Error('PostgreSQL is needed (TEST_DATABASE_URL)');
  const db = await openPostgres({ url: database.url, poolSize: 5, poolMaxOverflow: 5, poolIdleTimeoutMs: 10_000, poolAcquireTimeoutMs: 5_000, queryTimeoutMs: 600_000, statementTimeoutMs: 590_000 });
  const server = await startTestServer(testEnv(null, 'openai', { DATABASE_URL: database.url, DASHBOARD_PASSWORD: TEST_DASHBOARD_PASSWORD }), { db: await (async () => (await migrate(db), db))() });
  try {
    const seededAt = performance.now();
    await db.query(SEED);
    // As autovacuum would leave it: storing the messages rewrote every conversation row once (their words, migration 011).
    await db.query('VACUUM ANALYZE');
    // The seed's writes flushed now, not by a checkpoint in the middle of the timings (needs a superuser, as the bench's database has).
    await db.query('CHECKPOINT');
    console.log(`seeded ${CONVERSATIONS} conversations in ${Math.round(performance.now() - seededAt)} ms`);
    const { rows } = await db.query<{ id: string }>('SELECT id FROM conversations ORDER BY created_at DESC LIMIT 1');
    const customer = await db.query<{ id: string }>('SELECT id FROM customers ORDER BY last_contact_at DESC LIMIT 1');
    const owner = new DashboardVisitor(server.url);
    await owner.signIn();
    const pages = [
      '/',
      '/dashboard/conversations',
      '/dashboard/conversations?channel=sms',
      '/dashboard/conversations?status=busy',
      '/dashboard/conversations?caller=%2B14150000042',
      `/dashboard/conversations?from=${new Date(Date.now() - 20 * 86_400_000).toISOString().slice(0, 10)}&to=${new Date(Date.now() - 19 * 86_400_000).toISOString().slice(0, 10)}`,
      '/dashboard/conversations?q=implant',
      '/dashboard/conversations?q=check-up',
      '/dashboard/conversations?q=book%20tuesday',
      // 5% ("prices" and "Утром") and 1.1% ("Reference 12…", a word start of 1,111 numbers): where a first window falls short.
      '/dashboard/conversations?q=prices%20%D1%83%D1%82%D1%80%D0%BE%D0%BC',
      '/dashboard/conversations?q=reference%2012',
      '/dashboard/conversations?q=%D0%B2%D1%80%D0%B0%D0%BD%D1%86%D1%96',
      '/dashboard/conversations?q=nobody-said-this',
      '/dashboard/conversations?q=prices&channel=sms',
      '/dashboard/conversations?q=appointment&caller=%2B14150000042',
      `/dashboard/conversations/${rows[0]!.id}`,
      '/dashboard/messages',
      '/dashboard/messages?show=all',
      '/dashboard/customers',
      '/dashboard/customers?q=Customer%20123',
      `/dashboard/customers/${customer.rows[0]!.id}`,
      '/dashboard/appointments',
      '/dashboard/settings',
    ];
    console.log('| page | p50 ms | p95 ms | bytes |');
    console.log('|---|---|---|---|');
    for (const path of pages) {
      const times: number[] = [];
      let bytes = 0;
      for (let i = 0; i < REQUESTS + 10; i++) {
        const started = performance.now();
        const response = await owner.get(path);
        const elapsed = performance.now() - started;
        if (response.status !== 200) throw new Error(`${path}: ${response.status}`);
        bytes = response.text.length;
        if (i >= 10) times.push(elapsed);
      }
      times.sort((a, b) => a - b);
      console.log(`| \`${path}\` | ${percentile(times, 50).toFixed(1)} | ${percentile(times, 95).toFixed(1)} | ${bytes} |`);
    }
  } finally {
    await server.close();
    await db.close();
    await database.drop();
  }
}

await main();
