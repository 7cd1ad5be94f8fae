// SQL statements a signed voice turn costs, counted at the Db both backends implement: at most two, for a new call and a continuing one.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { Db, Queryable, QueryOptions } from '../../src/db/db.ts';
import { databaseBackends } from '../helpers/database-backends.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { PhoneCall } from '../helpers/phone-call.ts';
import { startTestServer, testEnv, type TestServer } from '../helpers/test-app.ts';
import { TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';

// The knowledge base reads its change counter at most once a second, whatever the number of
// turns (src/knowledge/current-index.ts): a cost of the clock, not of a turn. Its passages are
// loaded once per process, by the warm-up turn.
const KNOWLEDGE_COUNTER = /FROM knowledge_state/;

/** `inner`, recording each statement sent to the server (a transaction's BEGIN and COMMIT too), marked when sent as a prepared one. */
function countingDb(inner: Db, statements: string[]): Db {
  const counted = (target: Queryable): Queryable['query'] =>
    ((sql: string, params?: readonly unknown[], options?: QueryOptions) => {
      if (!KNOWLEDGE_COUNTER.test(sql)) statements.push(`${options?.prepared ? 'prepared: ' : ''}${sql.replace(/\s+/g, ' ').slice(0, 120)}`);
      return target.query(sql, params, options);
    }) as Queryable['query'];
  return {
    kind: inner.kind,
    query: counted(inner),
    async transaction(work) {
      statements.push('BEGIN');
      try {
        return await inner.transaction((tx) => work({ query: counted(tx) }));
      } finally {
        statements.push('COMMIT');
      }
    },
    stats: () => inner.stats(),
    close: () => inner.close(),
  };
}

for (const backend of databaseBackends) {
  describe(`statements per voice turn on ${backend.name}`, { skip: backend.skip }, () => {
    let standIn: LlmStandIn;
    let server: TestServer;
    let drop: () => Promise<void>;
    const statements: string[] = [];

    before(async () => {
      standIn = await startLlmStandIn();
      const opened = await backend.open();
      drop = opened.drop;
      server = await startTestServer(testEnv(standIn, 'openai', { TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN }), { db: countingDb(opened.db, statements) });
      await countTurn(new PhoneCall(server.url), 1, 'Warming up.');
    });
    after(async () => {
      await server?.close();
      await drop?.();
      await standIn?.close();
    });

    /** The statements one turn issues, including those after its answer (the reply stored for retries). */
    async function countTurn(call: PhoneCall, turn: number, speech: string): Promise<string[]> {
      standIn.enqueue({ text: `Answer ${turn}.` });
      statements.length = 0;
      const heard = await call.say(`/twilio/voice?turn=${turn}`, speech);
      assert.deepEqual(heard.says, [`Answer ${turn}.`]);
      while (server.pending().turns > 0) await sleep(5);
      return [...statements];
    }

    it('a new call, first heard at its first turn, costs at most two', async () => {
      const call = new PhoneCall(server.url);
      const issued = await countTurn(call, 1, 'When do you open?');
      assert.ok(issued.length <= 2, `${issued.length} statements:\n${issued.join('\n')}`);
    });

    it('a continuing call costs at most two per turn', async () => {
      const call = new PhoneCall(server.url);
      await call.start();
      for (const turn of [1, 2, 3]) {
        const issued = await countTurn(call, turn, `Question ${turn}?`);
        assert.ok(issued.length <= 2, `turn ${turn}: ${issued.length} statements:\n${issued.join('\n')}`);
        // Parsed and planned once per connection on PostgreSQL.
        assert.ok(issued.every((sql) => sql.startsWith('prepared: ')), issued.join('\n'));
      }
    });

    it('a retried turn answers from the stored reply in at most two', async () => {
      const call = new PhoneCall(server.url);
      await call.start();
      const first = await countTurn(call, 1, 'Do you do whitening?');
      assert.ok(first.length <= 2);
      statements.length = 0;
      const retry = await call.say('/twilio/voice?turn=1', 'Do you do whitening?');
      assert.deepEqual(retry.says, ['Answer 1.']);
      assert.ok(statements.length <= 2, `${statements.length} statements:\n${statements.join('\n')}`);
    });
  });
}
