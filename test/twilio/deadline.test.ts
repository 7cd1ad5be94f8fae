// A webhook's deadline and the turn's timeout: they end what they bound in time, and leave no timer to fire once the work is done.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeadlineExceededError, startDeadline } from '../../src/twilio/deadline.ts';
import { timeoutSignal } from '../../src/timeout-signal.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('startDeadline', () => {
  it('races work to its end, and rejects once the budget is spent', async () => {
    const deadline = startDeadline(50);
    assert.equal(await deadline.race(Promise.resolve('in time')), 'in time');
    await assert.rejects(deadline.race(new Promise(() => {})), DeadlineExceededError);
    assert.equal(deadline.remainingMs(), 0);
    await assert.rejects(deadline.race(Promise.resolve('late')), DeadlineExceededError, 'a spent budget rejects at once');
  });

  it('gives a signal that aborts with a TimeoutError when the budget ends, or at once when it has', async () => {
    const deadline = startDeadline(30);
    const { signal } = deadline;
    assert.equal(signal.aborted, false);
    await sleep(60);
    assert.equal(signal.aborted, true);
    assert.equal((signal.reason as DOMException).name, 'TimeoutError');
    const spent = startDeadline(1);
    await sleep(10);
    assert.equal(spent.signal.aborted, true, 'asked for after the budget, the signal is aborted already');
  });
});

describe('timeoutSignal', () => {
  it('aborts with the TimeoutError AbortSignal.timeout gives', async () => {
    const timeout = timeoutSignal(10);
    await sleep(40);
    const expected = AbortSignal.timeout(1);
    await sleep(20);
    assert.equal(timeout.signal.aborted, true);
    assert.equal((timeout.signal.reason as DOMException).name, (expected.reason as DOMException).name);
    assert.equal((timeout.signal.reason as DOMException).message, (expected.reason as DOMException).message);
  });

  it('never aborts once cleared', async () => {
    const timeout = timeoutSignal(10);
    timeout.clear();
    await sleep(40);
    assert.equal(timeout.signal.aborted, false);
  });
});
