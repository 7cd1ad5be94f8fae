// Concurrent calls as callers make them: each call speaks a turn, listens, pauses, speaks again.
import twilio from 'twilio';
import { request } from 'undici';
import { accountSid as newAccountSid, callSid } from '../test/helpers/twilio-client.ts';

export interface CallersResult {
  turns: number;
  failures: number;
  turnsPerSecond: number;
  /** The callers' own CPU over the run (ms), added by their process. */
  cpuMs?: number;
}

/**
 * A turn went well when the caller is asked to speak again. Signed as Twilio signs, sent with
 * undici's `request` over keep-alive connections rather than `fetch`, whose web streams cost the
 * callers more CPU on the two cores they share with the server.
 */
async function answered(baseUrl: string, path: string, params: Record<string, string>, authToken: string): Promise<boolean> {
  const url = baseUrl + path;
  const { statusCode, body } = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(authToken, url, params) },
    body: new URLSearchParams(params).toString(),
  });
  return statusCode === 200 && (await body.text()).includes('<Gather');
}

/** `calls` calls at once for `durationSeconds`, each pausing `pauseMs` between its turns (the caller speaking). */
export async function runCallers(baseUrl: string, authToken: string, calls: number, durationSeconds: number, pauseMs: number): Promise<CallersResult> {
  const endAt = performance.now() + durationSeconds * 1000;
  let turns = 0;
  let failures = 0;
  const accountSid = newAccountSid();
  const oneCall = async (index: number) => {
    const base = { CallSid: callSid(), AccountSid: accountSid, From: `+1415${String(2_000_000 + index).padStart(7, '0')}`, To: '+14155550199', CallStatus: 'in-progress' };
    // Spread the calls' first turns over one pause, as real calls do not start in the same millisecond.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * pauseMs));
    if (!(await answered(baseUrl, '/twilio/incoming', base, authToken))) failures += 1;
    for (let turn = 1; performance.now() < endAt; turn += 1) {
      const ok = await answered(baseUrl, `/twilio/voice?turn=${turn}`, { ...base, SpeechResult: 'When are you open on Thursday?', Confidence: '0.93' }, authToken);
      turns += 1;
      if (!ok) failures += 1;
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  };
  const startedMs = performance.now();
  await Promise.all(Array.from({ length: calls }, (_, index) => oneCall(index)));
  return { turns, failures, turnsPerSecond: Math.round((turns / (performance.now() - startedMs)) * 1000) };
}

/** One call's first turn: the app loads what it loads on first use (the knowledge index) before anything is measured. */
export async function warmUp(baseUrl: string, authToken: string): Promise<boolean> {
  const base = { CallSid: callSid(), AccountSid: newAccountSid(), From: '+14153999999', To: '+14155550199', CallStatus: 'in-progress' };
  return (
    (await answered(baseUrl, '/twilio/incoming', base, authToken)) &&
    answered(baseUrl, '/twilio/voice?turn=1', { ...base, SpeechResult: 'When are you open on Thursday?', Confidence: '0.93' }, authToken)
  );
}
