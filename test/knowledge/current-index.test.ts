// The index kept current, as a search takes it: at once (no promise) when it is in hand, never when a load or this process's change must come first.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCurrentIndex } from '../../src/knowledge/current-index.ts';
import { buildKnowledgeIndex } from '../../src/knowledge/knowledge-index.ts';

describe('the current index', () => {
  it('peek gives nothing before the first load and after this process changed the knowledge base, the loaded index otherwise', async () => {
    let version = 1;
    let reads = 0;
    let loads = 0;
    const current = createCurrentIndex({
      readVersion: async () => {
        reads += 1;
        return version;
      },
      load: async (at) => {
        loads += 1;
        return buildKnowledgeIndex(at, []);
      },
      recheckMs: 60_000,
      onCheckFailure: (error) => assert.fail(String(error)),
    });
    assert.equal(current.peek(), undefined, 'nothing loaded yet');
    const loaded = await current.get();
    assert.equal(current.peek(), loaded);
    assert.equal(reads, 1, 'peek within recheckMs reads nothing');

    version = 2;
    current.changed();
    assert.equal(current.peek(), undefined, 'a change of this process is read before the next search');
    const reloaded = await current.get();
    assert.equal(reloaded.version, 2);
    assert.equal(current.peek(), reloaded);
    assert.deepEqual([reads, loads], [2, 2]);
  });

  it('peek starts a check beside the search once the last one is older than recheckMs, and still gives the index in hand', async () => {
    let reads = 0;
    const current = createCurrentIndex({
      readVersion: async () => {
        reads += 1;
        return 1;
      },
      load: async (at) => buildKnowledgeIndex(at, []),
      recheckMs: 0,
      onCheckFailure: (error) => assert.fail(String(error)),
    });
    const loaded = await current.get();
    // get() itself started a check (recheckMs 0): let it finish first.
    await new Promise((resolve) => setImmediate(resolve));
    const before = reads;
    assert.equal(current.peek(), loaded);
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(reads > before, 'a check ran');
  });
});
