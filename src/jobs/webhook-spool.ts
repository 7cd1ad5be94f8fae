// Twilio webhooks kept on disk while the database is out of reach, and how each is stored once it is back.
import { z } from 'zod';
import { LANGUAGES } from '../config.ts';
import { openCallConversation, openSmsConversation, recordCallStatus } from '../db/calls-repo.ts';
import { appendMessages } from '../db/conversations-repo.ts';
import type { Db } from '../db/db.ts';
import { recordReplyOnce, smsReplyKey } from '../db/webhook-replies-repo.ts';
import type { Spool } from './spool.ts';
import { storeCallbackRequest } from './callback-requests.ts';
import { isCallOver, scheduleSummary } from './summaries.ts';

const language = z.enum(LANGUAGES);

const smsRecord = z.object({
  kind: z.literal('sms'),
  messageSid: z.string().regex(/^(SM|MM)[0-9a-fA-F]{32}$/),
  from: z.string().nullable(),
  body: z.string(),
  /** The language the caller wrote in, when it could be told. */
  written: language.nullable(),
  /** The language the apology was sent in. */
  language,
  /** The apology the caller received, as text and as the TwiML sent. */
  replyText: z.string(),
  replyTwiml: z.string(),
  receivedAt: z.iso.datetime(),
});

const callStatusRecord = z.object({
  kind: z.literal('call-status'),
  callSid: z.string().regex(/^CA[0-9a-fA-F]{32}$/),
  status: z.string().max(32),
  durationSeconds: z.number().int().min(0).nullable(),
  from: z.string().nullable(),
  language,
  receivedAt: z.iso.datetime(),
});

export const spooledWebhook = z.discriminatedUnion('kind', [smsRecord, callStatusRecord]);

export type SpooledSms = z.infer<typeof smsRecord>;
export type SpooledCallStatus = z.infer<typeof callStatusRecord>;
export type SpooledWebhook = z.infer<typeof spooledWebhook>;

/** One file per message or per call and status, so a webhook Twilio sends twice is kept once. */
export function spoolId(record: SpooledWebhook): string {
  return record.kind === 'sms' ? `sms-${record.messageSid}` : `call-status-${record.callSid}-${record.status}`;
}

/** Writes the record to disk (fsynced) before the webhook is answered. */
export async function keepWebhook(spool: Spool, record: SpooledWebhook): Promise<void> {
  await spool.put(spoolId(record), spooledWebhook.parse(record));
}

// Rolls the replay's transaction back when the message turns out to be handled already.
class AlreadyHandled extends Error {}

/**
 * Stores a kept SMS as a person would want to find it: the caller's words and the apology they
 * received in their thread, plus a callback request so someone answers. Once per MessageSid,
 * however often it is replayed; false when it had been stored (or answered) before.
 */
async function storeSms(db: Db, record: SpooledSms): Promise<boolean> {
  try {
    await db.transaction(async (tx) => {
      const conversation = await openSmsConversation(tx, record.from, { written: record.written, fallback: record.language });
      if (!(await recordReplyOnce(tx, smsReplyKey(record.messageSid), conversation.id, record.replyTwiml))) throw new AlreadyHandled();
      await appendMessages(tx, conversation.id, [
        { role: 'user', content: record.body },
        { role: 'assistant', content: [{ type: 'text', text: record.replyText }] },
      ]);
      await storeCallbackRequest(tx, { conversationId: conversation.id, channel: 'sms', caller: record.from, name: '(SMS)', message: record.body });
      await scheduleSummary(tx, conversation.id, 'quiet');
    });
    return true;
  } catch (err) {
    if (err instanceof AlreadyHandled) return false;
    throw err;
  }
}

/** A status only moves a call forward, so storing one twice, or late, changes nothing. */
async function storeCallStatus(db: Db, record: SpooledCallStatus): Promise<boolean> {
  return db.transaction(async (tx) => {
    const { conversation } = await openCallConversation(tx, { callSid: record.callSid, caller: record.from, language: record.language });
    const applied = await recordCallStatus(tx, { callSid: record.callSid, status: record.status, durationSeconds: record.durationSeconds ?? undefined });
    if (applied && isCallOver(record.status)) await scheduleSummary(tx, conversation.id, 'ended');
    return applied;
  });
}

/** Stores one kept webhook; true when it changed the database, false when that had been done. */
export function storeWebhook(db: Db, record: SpooledWebhook): Promise<boolean> {
  return record.kind === 'sms' ? storeSms(db, record) : storeCallStatus(db, record);
}

/** What a log line may say of a kept webhook: its ids, never the caller's words or number. */
export function describeWebhook(record: SpooledWebhook): Record<string, string> {
  return record.kind === 'sms' ? { kind: record.kind, messageSid: record.messageSid } : { kind: record.kind, callSid: record.callSid, status: record.status };
}

/** The slice of a pino logger the replayer needs. */
export interface SpoolLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}
