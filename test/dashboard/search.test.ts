// The dashboard's searches through the repositories, on both databases: words said in transcripts, customers by part of a name or number, and the indexes that serve them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ensureCustomer, listCustomers, saveCustomerName } from '../../src/booking/customers-repo.ts';
import { listConversations, transcriptQuery } from '../../src/db/call-history-repo.ts';
import { appendMessages, createConversation } from '../../src/db/conversations-repo.ts';
import type { Db } from '../../src/db/db.ts';
import type { Keyset } from '../../src/db/keyset.ts';
import { databaseBackends } from '../helpers/database-backends.ts';

describe('transcriptQuery', () => {
  it('keeps only words, each as a prefix, all required', () => {
    assert.equal(transcriptQuery('book  check-up'), 'book:* & check:* & up:*');
    assert.equal(transcriptQuery("O'Brien's <script> & | !:*"), 'O:* & Brien:* & s:* & script:*');
    assert.equal(transcriptQuery('Привіт, коли'), 'Привіт:* & коли:*');
    assert.equal(transcriptQuery(' ,.!? '), null);
  });
});

for (const backend of databaseBackends) {
  describe(`dashboard searches on ${backend.name}`, { skip: backend.skip }, () => {
    let db: Db;
    let drop: () => Promise<void>;
    let booking: string;
    let ukrainian: string;
    let sms: string;

    before(async () => {
      ({ db, drop } = await backend.open());
      const call = await createConversation(db, { channel: 'voice', language: 'en', caller: '+14155550101' });
      await appendMessages(db, call.id, [
        { role: 'user', content: "I'd like to book a check-up on Tuesday." },
        { role: 'assistant', content: 'You are booked for Tuesday at ten.' },
      ]);
      const other = await createConversation(db, { channel: 'voice', language: 'uk', caller: '+380441234567' });
      await appendMessages(db, other.id, [{ role: 'user', content: 'Привіт! Коли ви ВІДКРИТІ у суботу?' }]);
      const text = await createConversation(db, { channel: 'sms', language: 'en', caller: '+14155550101' });
      await appendMessages(db, text.id, [{ role: 'user', content: 'Can I book for Tuesday?' }]);
      [booking, ukrainian, sms] = [call.id, other.id, text.id];
      await saveCustomerName(db, (await ensureCustomer(db, '+14155550101')).phone, 'Jana Nováková');
      await ensureCustomer(db, '+380441234567');
    });
    after(async () => drop?.());

    const ids = async (said: string, channel?: 'voice' | 'sms') =>
      (await listConversations(db, { said, channel }, { limit: 10 })).items.map((c) => c.id).sort();

    it('finds conversations by words either side said, as word starts, in any case and language', async () => {
      assert.deepEqual(await ids('booked tuesday'), [booking].sort());
      assert.deepEqual(await ids('book tues'), [booking, sms].sort());
      assert.deepEqual(await ids('відкриті субот'), [ukrainian]);
      assert.deepEqual(await ids('ВІДКРИТІ'), [ukrainian]);
      assert.deepEqual(await ids('check-up'), [booking]);
      assert.deepEqual(await ids('book', 'sms'), [sms]);
      assert.deepEqual(await ids('dentures'), []);
    });

    it('reads markup and query syntax in a search as words', async () => {
      assert.deepEqual(await ids("<script>tuesday</script> & !'"), []);
      assert.deepEqual(await ids("tuesday' | 'x"), []);
      assert.deepEqual(await ids("Tuesday!!! ('"), [booking, sms].sort());
    });

    it('finds customers by part of a name or of a number', async () => {
      assert.deepEqual((await listCustomers(db, { limit: 10, offset: 0, search: 'nováK' })).map((c) => c.name), ['Jana Nováková']);
      assert.deepEqual((await listCustomers(db, { limit: 10, offset: 0, search: '3804412' })).map((c) => c.phone), ['+380441234567']);
      assert.deepEqual(await listCustomers(db, { limit: 10, offset: 0, search: '100%' }), []);
    });

    it('finds rare words far back as well as common ones among the newest (more conversations than one window)', async () => {
      await db.query(`
        WITH made AS (
          INSERT INTO conversations (channel, caller, language, status, created_at)
          SELECT 'voice', '+1415555' || lpad(i::text, 4, '0'), 'en', 'completed', now() + (i || ' seconds')::interval FROM generate_series(1, 1200) i
          RETURNING id)
        INSERT INTO conversation_messages (conversation_id, seq, role, content, text)
        SELECT id, 1, 'user', to_jsonb('Hello there'::text), 'Hello there' FROM made`);
      // The three seeded conversations are now the oldest, behind 1,200 newer ones.
      assert.deepEqual(await ids('booked tuesday'), [booking]);
      assert.deepEqual(await ids('відкриті'), [ukrainian]);
      const first = await listConversations(db, { said: 'hello' }, { limit: 50 });
      assert.equal(first.items.length, 50);
      const second = await listConversations(db, { said: 'hello' }, { limit: 50, after: first.next! });
      assert.equal(second.items.length, 50);
      assert.ok(second.items.every((c) => !first.items.some((f) => f.id === c.id)));
      // Page by page (one a page), the rare way too.
      const pages: string[] = [];
      let after: Keyset | null | undefined;
      do {
        const next = await listConversations(db, { said: 'book tues' }, { limit: 1, after: after ?? undefined });
        pages.push(...next.items.map((c) => c.id));
        after = next.next;
      } while (after);
      assert.deepEqual(pages, [sms, booking], 'newest first');
    });

    it('has the indexes that keep these fast with many rows', async () => {
      const { rows } = await db.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE indexname IN
        ('conversations_words_idx', 'callback_requests_created_at_idx', 'customers_name_trgm_idx', 'customers_phone_trgm_idx') ORDER BY 1`);
      assert.deepEqual(
        rows.map((r) => r.indexname),
        ['callback_requests_created_at_idx', 'conversations_words_idx', 'customers_name_trgm_idx', 'customers_phone_trgm_idx'],
      );
    });
  });
}
