// The /twilio/voice action URLs: built by hand, and the same as URLSearchParams would spell them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { LANGUAGES } from '../../src/config.ts';
import { voiceAction } from '../../src/twilio/voice-urls.ts';

function viaSearchParams(turn: number, extra: { silence?: number; wait?: number; language?: string }): string {
  const query = new URLSearchParams({ turn: String(turn) });
  if (extra.silence) query.set('silence', String(extra.silence));
  if (extra.wait) query.set('wait', String(extra.wait));
  if (extra.language) query.set('language', extra.language);
  return `/twilio/voice?${query}`;
}

describe('voiceAction', () => {
  it('spells every turn, counter and language as URLSearchParams does', () => {
    const counter = fc.option(fc.nat({ max: 1_000_000 }), { nil: undefined });
    fc.assert(
      fc.property(fc.nat({ max: 1_000_000 }), counter, counter, fc.option(fc.constantFrom(...LANGUAGES), { nil: undefined }), (turn, silence, wait, language) => {
        const extra = { silence, wait, language };
        assert.equal(voiceAction(turn, extra), viaSearchParams(turn, extra));
      }),
      { numRuns: 2_000 },
    );
    assert.equal(voiceAction(2, { wait: 1, language: 'sk' }), '/twilio/voice?turn=2&wait=1&language=sk');
  });
});
