// Splits sections into passages of about `sizeChars`, along paragraphs then sentences, each under its heading path.
import type { Section } from './extract.ts';

export interface ChunkOptions {
  /** Longest passage, in characters (a passage of one longer word is cut at this length). */
  sizeChars: number;
  /** How much of the passage before a passage repeats, in characters, so a fact cut in two is still found whole. */
  overlapChars: number;
}

export interface Chunk {
  position: number;
  /** "Title > Heading > Subheading", what the passage is about even when its text does not say. */
  heading: string;
  text: string;
}

const sentences = new Intl.Segmenter('en', { granularity: 'sentence' });

export function chunkSections(title: string, sections: readonly Section[], options: ChunkOptions): Chunk[] {
  const chunks: Chunk[] = [];
  for (const section of sections) {
    const heading = [title, ...section.headings].filter((part, i, all) => part && all.indexOf(part) === i).join(' > ');
    for (const text of packSection(section.paragraphs, options)) chunks.push({ position: chunks.length, heading, text });
  }
  return chunks;
}

/** Whole paragraphs while they fit; a paragraph too long for one passage is split between sentences. */
function packSection(paragraphs: readonly string[], { sizeChars, overlapChars }: ChunkOptions): string[] {
  const pieces = paragraphs.flatMap((paragraph) => (paragraph.length <= sizeChars ? [paragraph] : splitLong(paragraph, sizeChars)));
  const packed: string[] = [];
  let current = '';
  for (const piece of pieces) {
    if (current && current.length + 1 + piece.length > sizeChars) {
      packed.push(current);
      const carried = tail(current, Math.min(overlapChars, sizeChars - piece.length - 1));
      current = carried ? `${carried} ${piece}` : piece;
    } else {
      current = current ? `${current} ${piece}` : piece;
    }
  }
  if (current) packed.push(current);
  return packed;
}

function splitLong(paragraph: string, sizeChars: number): string[] {
  const parts: string[] = [];
  for (const { segment } of sentences.segment(paragraph)) {
    const sentence = segment.trim();
    if (sentence.length <= sizeChars) parts.push(sentence);
    else parts.push(...splitWords(sentence, sizeChars));
  }
  return parts.filter(Boolean);
}

function splitWords(text: string, sizeChars: number): string[] {
  const parts: string[] = [];
  let current = '';
  // A word longer than a passage (a URL, a code) is cut into pieces of the passage's length.
  const pieces = text.split(' ').flatMap((word) => word.match(new RegExp(`.{1,${sizeChars}}`, 'gsu')) ?? []);
  for (const piece of pieces) {
    if (current && current.length + 1 + piece.length > sizeChars) {
      parts.push(current);
      current = piece;
    } else {
      current = current ? `${current} ${piece}` : piece;
    }
  }
  if (current) parts.push(current);
  return parts;
}

/** The last whole sentences of `text` within `maxChars`, or nothing when even the last one is longer. */
function tail(text: string, maxChars: number): string {
  if (maxChars <= 0) return '';
  const all = [...sentences.segment(text)].map((s) => s.segment.trim()).filter(Boolean);
  let kept = '';
  for (let i = all.length - 1; i >= 0; i -= 1) {
    const next = kept ? `${all[i]} ${kept}` : all[i]!;
    if (next.length > maxChars) break;
    kept = next;
  }
  return kept;
}
