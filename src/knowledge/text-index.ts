// Full-text ranking in process: an inverted index of the passages' PostgreSQL lexemes, scored by BM25.
import type { QueryTerm } from './text-search.ts';

/** One passage's lexemes as PostgreSQL stored them: how often each occurs in its heading and in its text. */
export interface IndexedLexemes {
  lexemes: readonly string[];
  headingCounts: readonly number[];
  textCounts: readonly number[];
}

export interface TextHit {
  /** The passage's position in the index. */
  row: number;
  score: number;
}

export interface TextIndex {
  /** The `limit` passages that best match the terms (any of them), best first. */
  search(terms: readonly QueryTerm[], limit: number): TextHit[];
}

// BM25's usual constants: how soon repeating a word stops adding, and how much a long passage is discounted.
const K1 = 1.2;
const B = 0.75;
// A word in the heading counts as this many in the text (the heading names what the passage is about).
const HEADING_WEIGHT = 3;

export function buildTextIndex(passages: readonly IndexedLexemes[]): TextIndex {
  const ids = new Map<string, number>();
  const counts: number[] = [];
  // Each passage's lexemes as term ids, so that the second pass needs no lookup.
  const termsOf = passages.map((passage) => {
    const terms = new Int32Array(passage.lexemes.length);
    passage.lexemes.forEach((lexeme, i) => {
      let id = ids.get(lexeme);
      if (id === undefined) {
        id = counts.length;
        ids.set(lexeme, id);
        counts.push(0);
      }
      counts[id]! += 1;
      terms[i] = id;
    });
    return terms;
  });
  // Postings in one block (compressed sparse rows): the passages of term t are rows[start[t] .. start[t + 1]).
  const start = new Int32Array(counts.length + 1);
  for (let t = 0; t < counts.length; t += 1) start[t + 1] = start[t]! + counts[t]!;
  const rows = new Int32Array(start[counts.length]!);
  const frequencies = new Float32Array(rows.length);
  const fill = start.slice(0, counts.length);
  const lengths = new Float32Array(passages.length);
  passages.forEach((passage, row) => {
    const terms = termsOf[row]!;
    for (let i = 0; i < terms.length; i += 1) {
      const t = terms[i]!;
      const frequency = HEADING_WEIGHT * passage.headingCounts[i]! + passage.textCounts[i]!;
      rows[fill[t]!] = row;
      frequencies[fill[t]!] = frequency;
      fill[t]! += 1;
      lengths[row]! += frequency;
    }
  });
  const averageLength = lengths.reduce((sum, length) => sum + length, 0) / Math.max(1, passages.length) || 1;
  // Sorted, so that the terms beginning with a prefix are one range found by binary search.
  const vocabulary = [...ids.keys()].sort();
  const sortedIds = Int32Array.from(vocabulary, (lexeme) => ids.get(lexeme)!);

  // Scratch space reused by every search (searches run one at a time on the event loop).
  const scores = new Float64Array(passages.length);
  const isTouched = new Uint8Array(passages.length);
  const seenFor = new Int32Array(passages.length).fill(-1);
  const termFrequency = new Float64Array(passages.length);
  const touched: number[] = [];

  function termIdsOf(term: QueryTerm): number[] {
    if (!term.prefix) {
      const id = ids.get(term.lexeme);
      return id === undefined ? [] : [id];
    }
    const found: number[] = [];
    for (let i = lowerBound(vocabulary, term.lexeme); i < vocabulary.length && vocabulary[i]!.startsWith(term.lexeme); i += 1) found.push(sortedIds[i]!);
    return found;
  }

  return {
    search(terms, limit) {
      if (passages.length === 0) return [];
      terms.forEach((term, termIndex) => {
        // A prefix stands for every lexeme it begins: their occurrences add up, as one word's would.
        const group: number[] = [];
        for (const t of termIdsOf(term)) {
          for (let p = start[t]!; p < start[t + 1]!; p += 1) {
            const row = rows[p]!;
            if (seenFor[row] !== termIndex) {
              seenFor[row] = termIndex;
              termFrequency[row] = 0;
              group.push(row);
            }
            termFrequency[row]! += frequencies[p]!;
          }
        }
        if (group.length === 0) return;
        const idf = Math.log(1 + (passages.length - group.length + 0.5) / (group.length + 0.5));
        for (const row of group) {
          const tf = termFrequency[row]!;
          if (isTouched[row] === 0) {
            isTouched[row] = 1;
            touched.push(row);
          }
          scores[row]! += (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * lengths[row]!) / averageLength));
        }
      });
      const hits = best(touched, scores, limit);
      for (const row of touched) {
        scores[row] = 0;
        isTouched[row] = 0;
        seenFor[row] = -1;
      }
      touched.length = 0;
      return hits;
    },
  };
}

/**
 * The `limit` best rows by BM25. Passages with more of the query's words rank higher by themselves
 * (each matched word adds), while a rare word counts for more than a common one.
 */
function best(touched: readonly number[], scores: Float64Array, limit: number): TextHit[] {
  const better = (a: number, b: number) => scores[a]! - scores[b]! || b - a;
  const top: number[] = [];
  for (const row of touched) {
    if (top.length === limit && better(row, top.at(-1)!) <= 0) continue;
    let at = top.length;
    while (at > 0 && better(row, top[at - 1]!) > 0) at -= 1;
    top.splice(at, 0, row);
    if (top.length > limit) top.pop();
  }
  return top.map((row) => ({ row, score: scores[row]! }));
}

function lowerBound(sorted: readonly string[], value: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! < value) low = middle + 1;
    else high = middle;
  }
  return low;
}
