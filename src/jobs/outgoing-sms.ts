// Texts to callers through the outbox: recorded with the decision (outgoing_sms), sent by the worker through Twilio's REST API.
import type { Logger } from 'pino';
import type { Queryable } from '../db/db.ts';
import { enqueueJob } from '../db/outbox-repo.ts';
import { findOutgoingSms, insertOutgoingSms, markSmsAttemptFailed, markSmsSent } from '../db/outgoing-sms-repo.ts';
import { maskPhone } from '../phone.ts';
import { isPermanentTwilioError, type SmsSender } from '../twilio/rest-client.ts';
import { PermanentJobError, type JobHandler } from './outbox-worker.ts';

export const SMS_SEND_JOB = 'sms.send';

export interface QueuedSms {
  conversationId: string;
  appointmentId: string | null;
  to: string;
  body: string;
}

/**
 * Records a text and, when there is a Twilio account to send it from, the job that sends it. Given a
 * transaction, the text exists exactly when what it reports does. Without an account it is kept as
 * not_configured, so the owner (and the simulator) still see what would have gone. Returns its id.
 */
export async function queueSms(db: Queryable, sms: QueuedSms, sendingConfigured: boolean): Promise<string> {
  const id = await insertOutgoingSms(db, { ...sms, status: sendingConfigured ? 'pending' : 'not_configured' });
  if (sendingConfigured) await enqueueJob(db, { kind: SMS_SEND_JOB, payload: { smsId: id } });
  return id;
}

function smsId(payload: unknown): string {
  const id = (payload as { smsId?: unknown } | null)?.smsId;
  if (typeof id !== 'string') throw new PermanentJobError('not an sms.send job: no smsId');
  return id;
}

/** Twilio's error text can quote the number: the status and code say enough. */
function describeTwilioError(error: unknown): string {
  const { status, code } = error as { status?: number; code?: number | string };
  if (status === undefined) return error instanceof Error ? error.message : String(error);
  return `Twilio answered ${status}${code === undefined ? '' : ` (code ${code})`}`;
}

/**
 * Sends a pending text once; a text already sent, given up or erased is done. Twilio's 4xx (a number
 * that cannot receive texts) is final; anything else is retried with the worker's backoff.
 */
export function smsSendHandler(deps: { db: Queryable; sms: SmsSender | null; log: Logger }): JobHandler {
  const handler: JobHandler = async (job) => {
    const sms = await findOutgoingSms(deps.db, smsId(job.payload));
    if (sms?.status !== 'pending') return;
    if (!deps.sms) throw new Error('no Twilio account is configured to send texts');
    const log = deps.log.child({ smsId: sms.id, phone: maskPhone(sms.to) });
    try {
      const { sid } = await deps.sms.sendSms(sms.to, sms.body);
      await markSmsSent(deps.db, sms.id, sid);
      log.info({ messageSid: sid, attempt: job.attempts }, 'text to the caller sent');
    } catch (error) {
      const reason = describeTwilioError(error);
      await markSmsAttemptFailed(deps.db, sms.id, reason, false);
      if (isPermanentTwilioError(error)) throw new PermanentJobError(`Twilio refused the text: ${reason}`);
      throw new Error(`the text could not be sent: ${reason}`, { cause: error });
    }
  };
  handler.givenUp = async (job, reason) => {
    await markSmsAttemptFailed(deps.db, smsId(job.payload), reason, true);
  };
  return handler;
}
