// A synthetic knowledge base of any size, for the benchmarks: passages in the sample documents' words, the same on every run.
import { sampleDocuments } from '../test/helpers/knowledge.ts';
import { seededRandom } from './synthetic-vectors.ts';

const SECTIONS_PER_DOCUMENT = 50;

// Words of the sample documents, so the synthetic passages share the real ones' vocabulary (and its stems).
function vocabulary(): string[] {
  const text = sampleDocuments()
    .filter((d) => !d.name.endsWith('.pdf'))
    .map((d) => new TextDecoder().decode(d.bytes))
    .join(' ');
  return [...new Set(text.match(/\p{L}{3,}/gu) ?? [])];
}

/** Markdown documents of 50 one-passage sections each, `chunks` passages in all. */
export function syntheticDocuments(chunks: number): { name: string; bytes: Uint8Array }[] {
  const words = vocabulary();
  // A fixed seed: the same corpus on every run.
  const next = seededRandom(42);
  const word = () => words[Math.floor(next() * words.length)]!;
  const sentence = () => `${Array.from({ length: 8 + Math.floor(next() * 10) }, word).join(' ')}.`;
  const documents: { name: string; bytes: Uint8Array }[] = [];
  for (let d = 0; d * SECTIONS_PER_DOCUMENT < chunks; d += 1) {
    const sections = Math.min(SECTIONS_PER_DOCUMENT, chunks - d * SECTIONS_PER_DOCUMENT);
    // Each section short enough to be one passage, so the corpus has exactly `chunks` passages.
    const body = Array.from({ length: sections }, (_, s) => `## ${word()} ${word()} ${s}\n\n${Array.from({ length: 4 }, sentence).join(' ').slice(0, 600)}`);
    documents.push({ name: `synthetic-${String(d).padStart(4, '0')}.md`, bytes: new TextEncoder().encode(`# Synthetic ${d}\n\n${body.join('\n\n')}`) });
  }
  return documents;
}
