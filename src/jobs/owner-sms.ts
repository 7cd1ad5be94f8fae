// A short text to the owner (OWNER_NOTIFY_NUMBER) for a call-back request or a failed hand-over, sent through Twilio's REST API.
import type { Logger } from 'pino';
import { clipText } from '../clean-text.ts';
import { isPermanentTwilioError, type SmsSender } from '../twilio/rest-client.ts';
import { parseEvent, type BusinessEvent } from './business-events.ts';
import { PermanentJobError, type JobHandler } from './outbox-worker.ts';

export interface OwnerSmsDeps {
  /** Sends from the business's Twilio number; null when no Twilio account and number are configured: nothing is sent. */
  sms: SmsSender | null;
  to: string | undefined;
  log: Logger;
}

// Two SMS segments at most: enough for who and why.
const OWNER_SMS_MAX = 300;

const text = (value: unknown) => (typeof value === 'string' && value ? value : null);

export function ownerSmsText(event: BusinessEvent): string {
  const { data } = event;
  const caller = text(data['caller']) ?? 'a withheld number';
  if (event.type === 'transfer.failed') {
    const reason = text(data['reason']);
    return clipText(`Missed hand-over (${String(data['outcome'])}) from ${caller}${reason ? `: ${reason}` : ''}`, OWNER_SMS_MAX, 'utf16');
  }
  const who = text(data['name']) ? `${text(data['name'])} (${caller})` : caller;
  const message = text(data['message']);
  const asked = data['handover'] === true ? `${who} asked for a person by ${String(data['channel'])}` : `Call-back requested by ${who}`;
  return clipText(`${asked}${message ? `: ${message}` : ''}`, OWNER_SMS_MAX, 'utf16');
}

export function ownerSmsHandler(deps: OwnerSmsDeps): JobHandler {
  return async (job) => {
    if (!deps.sms || !deps.to) return;
    const event = parseEvent(job.payload);
    try {
      const sent = await deps.sms.sendSms(deps.to, ownerSmsText(event));
      deps.log.info({ eventId: event.id, type: event.type, messageSid: sent.sid }, 'owner notified by SMS');
    } catch (error) {
      if (isPermanentTwilioError(error)) throw new PermanentJobError(`Twilio refused the owner SMS: ${(error as Error).message}`);
      throw error;
    }
  };
}
