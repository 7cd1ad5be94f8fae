// Each conversation's words in its own row (migration 011), on both databases: kept current as messages are stored, filled in for conversations stored before it, and searched as one transcript.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listConversations } from '../../src/db/call-history-repo.ts';
import { appendMessages, createConversation } from '../../src/db/conversations-repo.ts';
import type { Db } from '../../src/db/db.ts';
import { truncateLastReply } from '../../src/db/heard-replies-repo.ts';
import type { Keyset } from '../../src/db/keyset.ts';
import { migrate } from '../../src/db/migrate.ts';
import { openPglite } from '../../src/db/pglite-db.ts';
import { openPostgres } from '../../src/db/postgres-db.ts';
import { databaseBackends } from '../helpers/database-backends.ts';
import { createTestDatabase } from '../helpers/postgres.ts';

const WORDS_MIGRATION = '011_conversation_words';

/** A database with no migrations applied, for watching one migration run over rows stored before it. */
async function openBare(backend: string): Promise<{ db: Db; drop(): Promise<void> }> {
  if (backend === 'PGlite') {
    const db = await openPglite(undefined);
    return { db, drop: () => db.close() };
  }
  const database = (await createTestDatabase())!;
  const db = await openPostgres({ url: database.url, poolSize: 1, poolMaxOverflow: 2, poolIdleTimeoutMs: 1000, poolAcquireTimeoutMs: 2000, queryTimeoutMs: 10_000, statementTimeoutMs: 8_000 });
  return { db, drop: async () => (await db.close(), await database.drop()) };
}

async function wordsOf(db: Db, id: string): Promise<string> {
  const { rows } = await db.query<{ words: string }>('SELECT words::text AS words FROM conversations WHERE id = $1', [id]);
  return rows[0]!.words;
}

for (const backend of databaseBackends) {
  describe(`conversation words on ${backend.name}`, { skip: backend.skip }, () => {
    let db: Db;
    let drop: () => Promise<void>;

    before(async () => ({ db, drop } = await backend.open()));
    after(async () => drop?.());

    const found = async (said: string) => (await listConversations(db, { said }, { limit: 10 })).items.map((c) => c.id);

    it('keeps each conversation’s words current as its messages are stored', async () => {
      const call = await createConversation(db, { channel: 'voice', language: 'sk', caller: '+421900123456' });
      assert.equal(await wordsOf(db, call.id), '');
      await appendMessages(db, call.id, [
        { role: 'user', content: 'Dobrý deň, chcem sa objednať.' },
        { role: 'assistant', content: 'Kedy vám to vyhovuje?' },
      ]);
      assert.equal(await wordsOf(db, call.id), "'chcem' 'deň' 'dobrý' 'kedy' 'objednať' 'sa' 'to' 'vyhovuje' 'vám'");
      await appendMessages(db, call.id, [{ role: 'user', content: 'Zajtra RÁNO, deň po sviatku.' }]);
      assert.equal(await wordsOf(db, call.id), "'chcem' 'deň' 'dobrý' 'kedy' 'objednať' 'po' 'ráno' 'sa' 'sviatku' 'to' 'vyhovuje' 'vám' 'zajtra'");
      assert.deepEqual(await found('zajtra rán'), [call.id]);
    });

    it('keeps the words of rows inserted by any statement, several conversations at once', async () => {
      const [a, b] = [await createConversation(db, { channel: 'sms', language: 'en' }), await createConversation(db, { channel: 'sms', language: 'en' })];
      await db.query(
        `INSERT INTO conversation_messages (conversation_id, seq, role, content, text)
         VALUES ($1, 1, 'user', '"Quokka here"', 'Quokka here'), ($2, 1, 'user', '"Wombat"', 'Wombat'), ($1, 2, 'assistant', '"Hi"', ''), ($2, 2, 'user', '"again"', 'again')`,
        [a.id, b.id],
      );
      assert.equal(await wordsOf(db, a.id), "'here' 'quokka'");
      assert.equal(await wordsOf(db, b.id), "'again' 'wombat'");
      assert.deepEqual(await found('wombat again'), [b.id]);
    });

    it('still stores messages whose words would overfill their conversation’s (a tsvector holds 1 MB), leaving those words out', async () => {
      const thread = await createConversation(db, { channel: 'sms', language: 'en' });
      // 300 distinct 1,601-character words a statement: two fit in 1 MB, the third would not; a short word still does.
      for (const batch of [1, 2, 3]) {
        await db.query(
          `INSERT INTO conversation_messages (conversation_id, seq, role, content, text)
           SELECT $1, $2 * 1000 + i, 'user', '"x"', 'w' || repeat(md5($2 * 1000 + i || ''), 50) FROM generate_series(1, 300) i`,
          [thread.id, batch],
        );
      }
      await appendMessages(db, thread.id, [{ role: 'user', content: 'Zebra' }]);
      const { rows } = await db.query<{ lexemes: number; messages: number }>(
        `SELECT length(words) AS lexemes, (SELECT count(*)::int FROM conversation_messages WHERE conversation_id = $1) AS messages FROM conversations WHERE id = $1`,
        [thread.id],
      );
      assert.deepEqual(rows[0], { lexemes: 601, messages: 901 });
      assert.deepEqual(await found('zebra'), [thread.id]);
    });

    it('finds a conversation by words said in different messages of it', async () => {
      const call = await createConversation(db, { channel: 'voice', language: 'en' });
      await appendMessages(db, call.id, [
        { role: 'user', content: 'Could I see Dr Okonkwo?' },
        { role: 'assistant', content: 'Yes, on Thursday afternoon.' },
      ]);
      assert.deepEqual(await found('okonkwo thursday'), [call.id]);
    });

    it('forgets the words of a reply cut down to what the caller heard, or dropped when nothing was', async () => {
      const call = await createConversation(db, { channel: 'voice', language: 'en' });
      await appendMessages(db, call.id, [
        { role: 'user', content: 'How much is whitening?' },
        { role: 'assistant', content: 'Whitening costs ninety euros per session.' },
      ]);
      assert.deepEqual(await found('ninety'), [call.id]);
      assert.equal(await truncateLastReply(db, call.id, 'Whitening costs'), true);
      assert.equal(await wordsOf(db, call.id), "'costs' 'how' 'is' 'much' 'whitening'");
      assert.deepEqual(await found('ninety'), []);
      assert.equal(await truncateLastReply(db, call.id, ''), true);
      assert.equal(await wordsOf(db, call.id), "'how' 'is' 'much' 'whitening'");
      assert.deepEqual(await found('costs'), []);
    });

    it('pages through words found in one conversation in a hundred, past the first thousand checked, newest first', async () => {
      // Ten in the first thousand is short of a page of ten and one more: the search looks further, then pages on.
      const { rows } = await db.query<{ id: string }>(`
        WITH made AS (
          INSERT INTO conversations (channel, language, status, created_at)
          SELECT 'text', 'en', 'completed', now() + interval '1 day' - (i || ' seconds')::interval FROM generate_series(1, 1500) i
          RETURNING id, created_at)
        INSERT INTO conversation_messages (conversation_id, seq, role, content, text)
        SELECT id, 1, 'user', '"x"', CASE WHEN row_number() OVER (ORDER BY created_at DESC) % 100 = 0 THEN 'A quince tart' ELSE 'A pear' END FROM made
        RETURNING (SELECT id FROM made WHERE made.id = conversation_id AND text LIKE '%quince%') AS id`);
      const quince = rows.map((r) => r.id).filter(Boolean);
      assert.equal(quince.length, 15);
      const pages: string[][] = [];
      let after: Keyset | null | undefined;
      do {
        const next = await listConversations(db, { said: 'quin', channel: 'text' }, { limit: 10, after: after ?? undefined });
        pages.push(next.items.map((c) => c.id));
        after = next.next;
      } while (after);
      assert.deepEqual(pages.map((p) => p.length), [10, 5]);
      assert.deepEqual(pages.flat().sort(), [...quince].sort());
    });
  });

  describe(`migration ${WORDS_MIGRATION} on ${backend.name}`, { skip: backend.skip }, () => {
    it('fills in the words of conversations stored before it', async () => {
      const { db, drop } = await openBare(backend.name);
      try {
        // Every migration but this one, some conversations, then this one over them.
        await db.query('CREATE TABLE schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
        await db.query('INSERT INTO schema_migrations (version) VALUES ($1)', [WORDS_MIGRATION]);
        await migrate(db);
        const old = await createConversation(db, { channel: 'text', language: 'ru' });
        await appendMessages(db, old.id, [{ role: 'user', content: 'Привет' }, { role: 'assistant', content: 'Здравствуйте! Чем помочь?' }]);
        const empty = await createConversation(db, { channel: 'text', language: 'en' });
        await db.query('DELETE FROM schema_migrations WHERE version = $1', [WORDS_MIGRATION]);
        assert.deepEqual(await migrate(db), [WORDS_MIGRATION]);
        assert.equal(await wordsOf(db, old.id), "'здравствуйте' 'помочь' 'привет' 'чем'");
        assert.equal(await wordsOf(db, empty.id), '');
        assert.deepEqual((await listConversations(db, { said: 'привет помо' }, { limit: 10 })).items.map((c) => c.id), [old.id]);
      } finally {
        await drop();
      }
    });
  });
}
