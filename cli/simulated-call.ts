// A simulated inbound call's identity: the parameters Twilio sends with each of its webhooks, and the report that it ended.
import { newSid, type CallSettings } from './call-settings.ts';
import { postWebhook } from './twilio-request.ts';

export interface SimulatedCall {
  callSid: string;
  /** The parameters every webhook of this call carries, with its status. */
  params(status: 'ringing' | 'in-progress' | 'completed'): Record<string, string>;
  /** Tells /twilio/status the call is over, with its duration, as Twilio does after a hang-up. */
  reportEnded(): Promise<unknown>;
}

export function startSimulatedCall(settings: CallSettings): SimulatedCall {
  const callSid = newSid('CA');
  const startedAtMs = Date.now();
  const params: SimulatedCall['params'] = (status) => ({
    CallSid: callSid,
    AccountSid: settings.accountSid,
    From: settings.from,
    To: settings.to,
    CallStatus: status,
    Direction: 'inbound',
    ApiVersion: '2010-04-01',
  });
  return {
    callSid,
    params,
    reportEnded: () =>
      postWebhook(
        { url: `${settings.baseUrl}/twilio/status`, params: { ...params('completed'), CallDuration: String(Math.round((Date.now() - startedAtMs) / 1000)) } },
        settings,
      ),
  };
}
