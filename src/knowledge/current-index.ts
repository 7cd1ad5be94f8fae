// The in-process index kept current: the change counter read at most once a second, shared by concurrent searches.
import type { KnowledgeIndex } from './knowledge-index.ts';

export interface CurrentIndexDeps {
  readVersion(): Promise<number>;
  load(version: number): Promise<KnowledgeIndex>;
  /** How long an index is used before the change counter is read again (default 1 s). */
  recheckMs?: number;
  /** Told when a check in the background fails; searches go on with the index they have. */
  onCheckFailure(error: unknown): void;
}

export interface CurrentIndex {
  /** The index to search: loaded at first use, reloaded when the knowledge base changed. */
  get(): Promise<KnowledgeIndex>;
  /** What get() would give at once, without a promise, when no load or check must come first; else undefined. */
  peek(): KnowledgeIndex | undefined;
  /** This process changed the knowledge base: the next search reads the counter (and reloads) first. */
  changed(): void;
}

const RECHECK_MS = 1_000;

/**
 * Another process (the command line, another instance) changes the knowledge base only through the
 * database, so its changes are seen when the counter is next read: within about `recheckMs`. A turn
 * never waits for that read: it searches the index it has while the check runs beside it.
 */
export function createCurrentIndex(deps: CurrentIndexDeps): CurrentIndex {
  const recheckMs = deps.recheckMs ?? RECHECK_MS;
  let index: KnowledgeIndex | undefined;
  let checkedAtMs = -Infinity;
  // changed() counts up `wanted`; `have` is the count when the index in hand was checked.
  let wanted = 0;
  let have = -1;
  // The one check (and reload) in flight, which concurrent searches share.
  let refreshing: Promise<KnowledgeIndex> | undefined;

  function refresh(): Promise<KnowledgeIndex> {
    refreshing ??= (async () => {
      const generation = wanted;
      checkedAtMs = performance.now();
      const version = await deps.readVersion();
      // Read the counter before the rows: a change between the two is seen again at the next check.
      if (!index || index.version !== version) {
        const previous = index;
        index = await deps.load(version);
        previous?.close();
      }
      have = generation;
      return index;
    })().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  }

  /** The index in hand, with a check started beside it when the last is older than recheckMs. */
  function inHand(current: KnowledgeIndex): KnowledgeIndex {
    if (performance.now() - checkedAtMs >= recheckMs && !refreshing) refresh().catch(deps.onCheckFailure);
    return current;
  }

  return {
    async get() {
      // A check that began before this process's own change does not count: run another.
      while (!index || have !== wanted) await refresh();
      return inHand(index);
    },
    peek() {
      return index && have === wanted ? inHand(index) : undefined;
    },
    changed() {
      wanted += 1;
    },
  };
}
