// The answer-quality fixture: its answers exist in the sample documents, and hybrid retrieval finds at least what full text finds.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../../src/db/db.ts';
import { QUALITY_QUESTIONS, recallAt } from '../helpers/knowledge-quality.ts';
import { sampleDocuments, testKnowledge } from '../helpers/knowledge.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { openTestDb } from '../helpers/test-app.ts';

describe('answer quality on the sample practice', () => {
  let standIn: LlmStandIn;
  let db: Db;

  before(async () => {
    standIn = await startLlmStandIn();
    db = await openTestDb();
    const { knowledge } = testKnowledge(db, standIn);
    for (const document of sampleDocuments()) await knowledge.add(document);
  });
  after(async () => {
    await db.close();
    await standIn.close();
  });

  it('has at least 40 questions, at least 10 in each of the four languages, and every answer phrase is in a stored passage', async () => {
    assert.ok(QUALITY_QUESTIONS.length >= 40);
    for (const language of ['en', 'ru', 'uk', 'sk']) assert.ok(QUALITY_QUESTIONS.filter((q) => q.language === language).length >= 10, language);
    const { rows } = await db.query<{ name: string; text: string }>('SELECT d.name, c.text FROM knowledge_chunks c JOIN knowledge_documents d ON d.id = c.document_id');
    for (const q of QUALITY_QUESTIONS) {
      for (const [name, phrase] of q.answers) assert.ok(rows.some((row) => row.name === name && row.text.includes(phrase)), `${name}: "${phrase}"`);
    }
  });

  it('hybrid retrieval answers at least every question full text answers, and most of the rest', async () => {
    const textOnly = await recallAt(testKnowledge(db, null).knowledge, 3);
    const hybrid = await recallAt(testKnowledge(db, standIn).knowledge, 3);
    for (const missed of hybrid.missed) assert.ok(textOnly.missed.includes(missed), `hybrid lost what full text found: ${missed}`);
    assert.ok(hybrid.byLanguage.all > textOnly.byLanguage.all, `hybrid ${hybrid.byLanguage.all} vs full text ${textOnly.byLanguage.all}`);
  });
});
