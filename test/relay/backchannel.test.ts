// Which short utterances count as backchannels, in all four languages.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBackchannel } from '../../src/relay/backchannel.ts';

describe('backchannels', () => {
  it('are short acknowledgements in any of the four languages', () => {
    for (const text of ['Okay.', 'mm-hm', 'Yeah, right', 'Угу', 'Да, понятно.', 'Добре', 'Áno', 'Aha, jasné']) assert.equal(isBackchannel(text), true, text);
  });
  it('are not questions, answers with content, or three words and more', () => {
    for (const text of ['', 'No', 'Okay, but when?', 'Yes please book it', 'ok ok ok', 'Да, завтра', 'Áno, o deviatej']) assert.equal(isBackchannel(text), false, text);
  });
});
