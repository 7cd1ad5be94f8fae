// appendMessages: ordered sequence numbers, and concurrent appends to one conversation on PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { appendMessages, createConversation, loadRecentMessages } from '../../src/db/conversations-repo.ts';
import type { Db } from '../../src/db/db.ts';
import { migrate } from '../../src/db/migrate.ts';
import { openPostgres } from '../../src/db/postgres-db.ts';
import { createTestDatabase, pgSkip, type TestDatabase } from '../helpers/postgres.ts';

const skip = await pgSkip();

describe('appendMessages on PostgreSQL', { skip }, () => {
  let database: TestDatabase;
  let db: Db;
  before(async () => {
    database = (await createTestDatabase())!;
    db = await openPostgres({ url: database.url, poolSize: 4, poolMaxOverflow: 4, poolIdleTimeoutMs: 1000, poolAcquireTimeoutMs: 2000, queryTimeoutMs: 5000, statementTimeoutMs: 4000 });
    await migrate(db);
  });
  after(async () => {
    await db.close();
    await database.drop();
  });

  it('numbers concurrent appends to one conversation without gaps or duplicates', async () => {
    const conversation = await createConversation(db, { channel: 'text', language: 'en' });
    await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        appendMessages(db, conversation.id, [
          { role: 'user', content: `question ${index}` },
          { role: 'assistant', content: [{ type: 'text', text: `answer ${index}` }] },
        ]),
      ),
    );
    const stored = await loadRecentMessages(db, conversation.id, 100);
    assert.deepEqual(
      stored.map((row) => row.seq),
      Array.from({ length: 16 }, (_, index) => index + 1),
    );
    // Each append's two messages stay together, in order.
    for (let index = 0; index < stored.length; index += 2) {
      assert.equal(stored[index]!.text.replace('question', 'answer'), stored[index + 1]!.text);
    }
  });
});
