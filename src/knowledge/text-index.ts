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
  // Built apart, so that the search keeps only the postings, not the lexemes it was built from.
  return searchable(invert(passages), passages.length);
}

interface Inverted {
  ids: Map<string, number>;
  start: Int32Array;
  rows: Int32Array;
  frequencies: Float32Array;
  lengths: Float32Array;
}

function invert(passages: readonly IndexedLexemes[]): Inverted {
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
  return { ids, start, rows, frequencies, lengths };
}

function searchable({ ids, start, rows, frequencies, lengths }: Inverted, passageCount: number): TextIndex {
  const averageLength = lengths.reduce((sum, length) => sum + length, 0) / Math.max(1, passageCount) || 1;
  // BM25's length normalisation of each passage, worked out once rather than for every posting a search reads.
  const norms = Float64Array.from(lengths, (length) => K1 * (1 - B + (B * length) / averageLength));
  // Sorted, so that the terms beginning with a prefix are one range found by binary search.
  const vocabulary = [...ids.keys()].sort();
  const sortedIds = Int32Array.from(vocabulary, (lexeme) => ids.get(lexeme)!);

  // Scratch space reused by every search (searches run one at a time on the event loop).
  const scores = new Float64Array(passageCount);
  const isTouched = new Uint8Array(passageCount);
  const seenFor = new Int32Array(passageCount).fill(-1);
  const termFrequency = new Float64Array(passageCount);
  const touched: number[] = [];
  const group: number[] = [];

  function touch(row: number): void {
    if (isTouched[row] === 0) {
      isTouched[row] = 1;
      touched.push(row);
    }
  }

  /** A whole lexeme: each passage is in its postings once, scored as it is read. */
  function addLexeme(t: number): void {
    const from = start[t]!;
    const to = start[t + 1]!;
    const idf = Math.log(1 + (passageCount - (to - from) + 0.5) / (to - from + 0.5));
    for (let p = from; p < to; p += 1) {
      const row = rows[p]!;
      const tf = frequencies[p]!;
      touch(row);
      scores[row] = scores[row]! + (idf * tf * (K1 + 1)) / (tf + norms[row]!);
    }
  }

  /** A prefix stands for every lexeme it begins: their occurrences add up, as one word's would. */
  function addPrefix(lexeme: string, termIndex: number): void {
    group.length = 0;
    for (let i = lowerBound(vocabulary, lexeme); i < vocabulary.length && vocabulary[i]!.startsWith(lexeme); i += 1) {
      const t = sortedIds[i]!;
      for (let p = start[t]!; p < start[t + 1]!; p += 1) {
        const row = rows[p]!;
        if (seenFor[row] !== termIndex) {
          seenFor[row] = termIndex;
          termFrequency[row] = 0;
          group.push(row);
        }
        termFrequency[row] = termFrequency[row]! + frequencies[p]!;
      }
    }
    if (group.length === 0) return;
    const idf = Math.log(1 + (passageCount - group.length + 0.5) / (group.length + 0.5));
    for (const row of group) {
      const tf = termFrequency[row]!;
      touch(row);
      scores[row] = scores[row]! + (idf * tf * (K1 + 1)) / (tf + norms[row]!);
    }
  }

  return {
    search(terms, limit) {
      if (passageCount === 0) return [];
      for (let termIndex = 0; termIndex < terms.length; termIndex += 1) {
        const term = terms[termIndex]!;
        if (term.prefix) {
          addPrefix(term.lexeme, termIndex);
        } else {
          const t = ids.get(term.lexeme);
          if (t !== undefined) addLexeme(t);
        }
      }
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
 * The `limit` best rows by BM25, equal scores by row. Passages with more of the query's words rank
 * higher by themselves (each matched word adds), while a rare word counts for more than a common one.
 */
function best(touched: readonly number[], scores: Float64Array, limit: number): TextHit[] {
  const top: number[] = [];
  for (const row of touched) {
    const score = scores[row]!;
    if (top.length === limit) {
      const last = top[limit - 1]!;
      if (score < scores[last]! || (score === scores[last]! && row > last)) continue;
    }
    let at = top.length;
    while (at > 0 && (scores[top[at - 1]!]! < score || (scores[top[at - 1]!]! === score && top[at - 1]! > row))) at -= 1;
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
