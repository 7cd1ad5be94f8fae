// The system prompt, made once a minute per language and profile: the same text as made afresh, whatever the turn brings.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { buildSystemPrompt, loadPromptTemplates } from '../../src/assistant/system-prompt.ts';
import { LANGUAGES, loadConfig } from '../../src/config.ts';
import { loadProfile } from '../../src/profile.ts';

const profile = await loadProfile(loadConfig({}).assistantProfilePath);
const templates = loadPromptTemplates();
const START = Date.UTC(2026, 10, 30, 21, 59, 0);

describe('buildSystemPrompt', () => {
  it('gives the text a fresh build gives, for any sequence of turns within and across minutes', () => {
    const turn = fc.record({
      language: fc.constantFrom(...LANGUAGES),
      atMs: fc.integer({ min: 0, max: 5 * 60_000 }),
      passages: fc.option(fc.string(), { nil: undefined }),
      caller: fc.option(fc.record({ name: fc.option(fc.string(), { nil: null }), previousConversations: fc.nat(5) }), { nil: null }),
    });
    fc.assert(
      fc.property(fc.array(turn, { minLength: 1, maxLength: 20 }), (turns) => {
        for (const { language, atMs, passages, caller } of turns.sort((a, b) => a.atMs - b.atMs)) {
          const now = new Date(START + atMs);
          // A copy of the profile has nothing remembered: it is built afresh.
          assert.equal(buildSystemPrompt(templates, profile, language, now, passages, caller), buildSystemPrompt(templates, structuredClone(profile), language, now, passages, caller));
        }
      }),
      { numRuns: 100 },
    );
  });

  it('shows the new minute once it has come', () => {
    const before = buildSystemPrompt(templates, profile, 'en', new Date(START + 59_000));
    const after = buildSystemPrompt(templates, profile, 'en', new Date(START + 60_000));
    assert.notEqual(before, after);
    assert.match(after, / 23:00\./, "Europe/Bratislava, an hour ahead of UTC in November");
  });

  it('never reads a value as a placeholder: a business named like one keeps its name, and the passages come once', () => {
    const odd = { ...profile, name: '{{passages}} & {{instructions}}' };
    const prompt = buildSystemPrompt(templates, odd, 'en', new Date(START), 'PASSAGE-TEXT');
    assert.ok(prompt.includes('{{passages}} & {{instructions}}'));
    assert.equal(prompt.split('PASSAGE-TEXT').length, 2);
  });
});
