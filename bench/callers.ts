// Concurrent calls as callers make them: each call speaks a turn, listens, pauses, speaks again.
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';

export interface CallersResult {
  turns: number;
  failures: number;
  turnsPerSecond: number;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

async function signedPost(url: string, authToken: string, params: Record<string, string>): Promise<boolean> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(authToken, url, params) },
    body: new URLSearchParams(params).toString(),
  });
  const text = await response.text();
  return response.ok && text.includes('<Gather');
}

/** `calls` calls at once for `durationSeconds`, each pausing `pauseMs` between its turns (the caller speaking). */
export async function runCallers(baseUrl: string, authToken: string, calls: number, durationSeconds: number, pauseMs: number): Promise<CallersResult> {
  const endAt = performance.now() + durationSeconds * 1000;
  let turns = 0;
  let failures = 0;
  const accountSid = `AC${hex(16)}`;
  const oneCall = async (index: number) => {
    const base = { CallSid: `CA${hex(16)}`, AccountSid: accountSid, From: `+1415${String(2_000_000 + index).padStart(7, '0')}`, To: '+14155550199', CallStatus: 'in-progress' };
    // Spread the calls' first turns over one pause, as real calls do not start in the same millisecond.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * pauseMs));
    if (!(await signedPost(`${baseUrl}/twilio/incoming`, authToken, base))) failures += 1;
    for (let turn = 1; performance.now() < endAt; turn += 1) {
      const ok = await signedPost(`${baseUrl}/twilio/voice?turn=${turn}`, authToken, { ...base, SpeechResult: 'When are you open on Thursday?', Confidence: '0.93' });
      turns += 1;
      if (!ok) failures += 1;
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  };
  const startedMs = performance.now();
  await Promise.all(Array.from({ length: calls }, (_, index) => oneCall(index)));
  return { turns, failures, turnsPerSecond: Math.round((turns / (performance.now() - startedMs)) * 1000) };
}
