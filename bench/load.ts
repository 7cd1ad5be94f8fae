// autocannon runs: a plain GET, and signed Twilio voice turns, each a new call so each is a full turn.
import autocannon from 'autocannon';
import twilio from 'twilio';
import { accountSid as newAccountSid, callSid } from '../test/helpers/twilio-client.ts';

export interface LoadResult {
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** The load generator's own CPU over the run (ms), added by its process. */
  cpuMs?: number;
}

function summarize(result: autocannon.Result): LoadResult {
  return {
    requestsPerSecond: Math.round(result.requests.average),
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

export async function loadGet(url: string, connections: number, durationSeconds: number): Promise<LoadResult> {
  return summarize(await autocannon({ url, connections, duration: durationSeconds }));
}

/** Every request is the first spoken turn of a new call from a new number, signed like Twilio's. */
export async function loadVoiceTurns(baseUrl: string, authToken: string, connections: number, durationSeconds: number): Promise<LoadResult> {
  const url = `${baseUrl}/twilio/voice?turn=1`;
  const accountSid = newAccountSid();
  return summarize(
    await autocannon({
      url,
      connections,
      duration: durationSeconds,
      requests: [
        {
          method: 'POST',
          setupRequest: (request) => {
            const params = {
              CallSid: callSid(),
              AccountSid: accountSid,
              From: `+1415${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`,
              To: '+14155550199',
              CallStatus: 'in-progress',
              SpeechResult: 'When are you open on Thursday?',
              Confidence: '0.93',
            };
            return {
              ...request,
              body: new URLSearchParams(params).toString(),
              headers: {
                'content-type': 'application/x-www-form-urlencoded',
                'x-twilio-signature': twilio.getExpectedTwilioSignature(authToken, url, params),
              },
            };
          },
        },
      ],
    }),
  );
}
