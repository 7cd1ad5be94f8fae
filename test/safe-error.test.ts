// The loggable view of an error: what failed and where, never the input it quotes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TypeValidationError } from 'ai';
import { z } from 'zod';
import { safeError, safeErrorMessage, type SafeError } from '../src/safe-error.ts';

const SAID = 'my account number is 12345678, please';

describe('safeError', () => {
  it('keeps type, message, code, stack frames and the cause chain', () => {
    const root = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', address: '127.0.0.1', port: 5432 });
    const outer = new Error('Cannot connect to PostgreSQL', { cause: root });
    const safe = safeError(outer) as SafeError & { cause: SafeError };
    assert.equal(safe.type, 'Error');
    assert.equal(safe.message, 'Cannot connect to PostgreSQL');
    assert.match(safe.stack!, /^Error: Cannot connect to PostgreSQL\n\s+at /);
    assert.deepEqual(
      { type: safe.cause.type, code: safe.cause.code, address: safe.cause.address, port: safe.cause.port },
      { type: 'Error', code: 'ECONNREFUSED', address: '127.0.0.1', port: 5432 },
    );
  });

  it('keeps no line of a message that spans lines out of the stack', () => {
    const error = new Error(`bad input:\n    at ${SAID}`);
    const safe = safeError(Object.assign(error, { input: `\n    at ${SAID}` })) as SafeError;
    assert.doesNotMatch(JSON.stringify(safe), /12345678/);
    assert.match(safe.stack!, /^Error: bad input:\[redacted\]\n\s+at /);
  });

  it('lists the errors an AggregateError holds, and survives a cycle', () => {
    const a = new Error('first');
    const b = new Error('second', { cause: a });
    (a as { cause?: unknown }).cause = b;
    const safe = safeError(new AggregateError([a, b], 'both failed')) as SafeError & { errors: SafeError[] };
    assert.deepEqual(
      safe.errors.map((e) => e.message),
      ['first', 'second'],
    );
  });

  it('drops the fields drivers and SDKs fill with the input, and strikes it from the message', () => {
    const error = new TypeValidationError({ value: { said: SAID }, cause: new Error('expected a string') });
    assert.match(error.message, /12345678/, 'the SDK quotes the value in its message');
    const logged = JSON.stringify(safeError(error));
    assert.doesNotMatch(logged, /12345678/);
    assert.match(logged, /Type validation failed/);
  });

  it('describes a zod error by its paths and rules, not by the input', () => {
    const result = z.object({ text: z.string().max(5) }).safeParse({ text: SAID }, { reportInput: true });
    assert.ok(!result.success);
    assert.match(JSON.stringify(result.error.issues), /12345678/, 'reportInput puts the input in the issues');
    const safe = safeError(result.error) as SafeError;
    assert.equal(safe.message, 'text: Too big: expected string to have <=5 characters');
    assert.doesNotMatch(JSON.stringify(safe), /12345678/);
  });

  it('leaves values that are not objects as they are', () => {
    assert.equal(safeError('plain text'), 'plain text');
    assert.equal(safeErrorMessage(42), '42');
  });
});
