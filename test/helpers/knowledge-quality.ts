// recall@k of a knowledge base on the answer-quality fixture: how often a passage that answers the question is among the first k.
import { readFileSync } from 'node:fs';
import type { Language } from '../../src/config.ts';
import type { KnowledgeBase } from '../../src/knowledge/knowledge-base.ts';

export interface QualityQuestion {
  language: Language;
  question: string;
  /** [document name, a phrase of the answering passage]; any one found counts. */
  answers: [string, string][];
}

export const QUALITY_QUESTIONS: QualityQuestion[] = (
  JSON.parse(readFileSync(new URL('../fixtures/knowledge-questions.json', import.meta.url), 'utf8')) as { questions: QualityQuestion[] }
).questions;

export interface Recall {
  /** Share of questions answered within the first k passages, per language and overall ("all"). */
  byLanguage: Record<Language | 'all', number>;
  missed: string[];
}

export async function recallAt(knowledge: KnowledgeBase, k: number, questions: readonly QualityQuestion[] = QUALITY_QUESTIONS): Promise<Recall> {
  const names = new Map((await knowledge.list()).map((d) => [d.id, d.name]));
  const hits: Record<string, [found: number, asked: number]> = {};
  const missed: string[] = [];
  for (const q of questions) {
    const results = await knowledge.search(q.question, q.language, k);
    const found = results.some((r) => q.answers.some(([name, phrase]) => names.get(r.documentId) === name && r.text.includes(phrase)));
    for (const key of [q.language, 'all']) {
      const entry = (hits[key] ??= [0, 0]);
      entry[0] += found ? 1 : 0;
      entry[1] += 1;
    }
    if (!found) missed.push(`[${q.language}] ${q.question}`);
  }
  const byLanguage = Object.fromEntries(Object.entries(hits).map(([key, [found, asked]]) => [key, found / asked])) as Recall['byLanguage'];
  return { byLanguage, missed };
}
