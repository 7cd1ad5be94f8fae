// The greeting of a returning caller: their name and the business's in each language, the name taken as it is.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { welcomeBack } from '../../src/assistant/phrases.ts';

describe('welcomeBack', () => {
  it('names the caller and the business in each language', () => {
    assert.equal(welcomeBack('en', 'Anna', 'Bright Smile Dental'), 'Hello Anna, welcome back to Bright Smile Dental. How can I help you today?');
    assert.equal(welcomeBack('ru', 'Анна', 'Bright Smile Dental'), 'Здравствуйте, Анна! Вы снова позвонили в Bright Smile Dental. Чем могу помочь?');
    assert.equal(welcomeBack('uk', 'Ганна', 'Bright Smile Dental'), 'Добрий день, Ганна! Ви знову зателефонували до Bright Smile Dental. Чим можу допомогти?');
    assert.equal(welcomeBack('sk', 'Anna', 'Bright Smile Dental'), 'Dobrý deň, Anna, opäť ste sa dovolali do Bright Smile Dental. Ako vám môžem pomôcť?');
  });

  it('says a name as given, placeholders and replacement patterns included, and no longer than a name', () => {
    assert.equal(welcomeBack('en', '{business} $& $1', 'Acme'), 'Hello {business} $& $1, welcome back to Acme. How can I help you today?');
    const long = welcomeBack('en', `  ${'A'.repeat(500)}  `, 'Acme');
    assert.ok(long.startsWith(`Hello ${'A'.repeat(60)}, welcome back`), long);
  });
});
