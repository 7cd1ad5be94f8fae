// zod schemas for the form bodies Twilio posts to our webhooks.
import { z } from 'zod';
import { cleanText, clipText } from '../clean-text.ts';
import { normalizePhone } from '../phone.ts';

const SID_MAX = 64;
const SPEECH_MAX = 4000;
const SMS_BODY_MAX = 1600;
const IDENTITY_MAX = 256;

export const CALL_STATUSES = ['queued', 'ringing', 'in-progress', 'completed', 'busy', 'failed', 'no-answer', 'canceled'] as const;

// Twilio sends an empty value for some parameters it has nothing for; that means "absent".
const emptyAsAbsent = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

const sid = (pattern: RegExp, rule: string) =>
  z
    .string({ error: rule })
    .trim()
    .max(SID_MAX, { error: `must be at most ${SID_MAX} characters`, abort: true })
    .regex(pattern, { error: rule });

const callSid = sid(/^CA[0-9a-fA-F]{32}$/, 'must be a Twilio call SID (CA followed by 32 hex digits)');
const accountSid = sid(/^AC[0-9a-fA-F]{32}$/, 'must be a Twilio account SID (AC followed by 32 hex digits)');
const messageSid = sid(/^(SM|MM)[0-9a-fA-F]{32}$/, 'must be a Twilio message SID (SM or MM followed by 32 hex digits)');

/** Cleans, then cuts to `max` characters (code points, as zod's `max` counts them), at a word's end when one is near. */
const clip = (text: string, max: number) => clipText(cleanText(text), max);

// A caller cannot fix what the speech recogniser or their phone produced, so long text is
// truncated rather than rejected.
const callerText = (max: number) => z.string({ error: 'must be text' }).transform((value) => clip(value, max));

// How Twilio reports a caller who withheld their number; such a call must still be answered.
const WITHHELD = new Set(['', 'anonymous', 'restricted', 'unknown', 'private', '+266696687', '266696687']);
// Calls from Twilio Client softphones and SIP endpoints carry an identity instead of a number.
const SOFTPHONE = /^(client|sip):\S+$/i;
const E164 = /^\+[1-9]\d{6,14}$/;

/** E.164 number, softphone identity as sent, or null for a withheld number. */
const phone = z.string({ error: 'must be a phone number in E.164 format' }).transform((raw, ctx): string | null => {
  const value = cleanText(raw);
  if (WITHHELD.has(value.toLowerCase())) return null;
  if (value.length <= IDENTITY_MAX) {
    if (SOFTPHONE.test(value)) return value;
    const normalized = normalizePhone(value);
    // The E.164 shape is checked again because libphonenumber deems some 6-digit numbers possible.
    if (normalized && E164.test(normalized)) return normalized;
  }
  ctx.addIssue({ code: 'custom', message: 'must be a phone number in E.164 format', input: raw });
  return z.NEVER;
});

const callStatus = z.enum(CALL_STATUSES, { error: `must be one of ${CALL_STATUSES.join(', ')}` });

const confidence = z.preprocess(
  (value) => {
    const present = emptyAsAbsent(value);
    return typeof present === 'string' ? Number(present) : present;
  },
  z
    .number({ error: 'must be a number from 0 to 1' })
    .min(0, { error: 'must be a number from 0 to 1' })
    .max(1, { error: 'must be a number from 0 to 1' })
    .optional(),
);

const digits = z.preprocess(
  emptyAsAbsent,
  z
    .string({ error: 'must be keys a caller pressed: 0-9, * or #, at most 32' })
    .regex(/^[0-9*#]{1,32}$/, { error: 'must be keys a caller pressed: 0-9, * or #, at most 32' })
    .optional(),
);

const callDuration = z.preprocess(
  (value) => {
    const present = emptyAsAbsent(value);
    // Only plain digit strings become numbers: '1e3' or '0x10' are not a duration Twilio sends.
    return typeof present === 'string' && /^\d{1,9}$/.test(present.trim()) ? Number(present) : present;
  },
  z
    .number({ error: 'must be a whole number of seconds' })
    .int({ error: 'must be a whole number of seconds' })
    .min(0, { error: 'must be a whole number of seconds' })
    .optional(),
);

const incomingCallShape = {
  CallSid: callSid,
  AccountSid: accountSid,
  From: phone,
  To: phone,
  CallStatus: z.preprocess(emptyAsAbsent, callStatus.optional()),
  Direction: z.preprocess(emptyAsAbsent, callerText(64).optional()),
};

// Loose objects: Twilio adds parameters without notice, and an unknown one must not fail a call.

export const incomingCallSchema = z.looseObject(incomingCallShape);

export const gatherSchema = z.looseObject({
  ...incomingCallShape,
  // Empty when the caller said nothing (or only pressed keys): absent rather than ''.
  SpeechResult: z
    .string({ error: 'must be text' })
    .transform((value) => clip(value, SPEECH_MAX) || undefined)
    .optional(),
  Confidence: confidence,
  Digits: digits,
});

export const callStatusSchema = z.looseObject({
  CallSid: callSid,
  AccountSid: accountSid,
  CallStatus: callStatus,
  CallDuration: callDuration,
  From: phone.optional(),
  To: phone.optional(),
});

export const smsSchema = z.looseObject({
  MessageSid: messageSid,
  AccountSid: accountSid,
  From: phone,
  To: phone,
  // Empty for an MMS that carries only media.
  Body: z
    .string({ error: 'must be text' })
    .optional()
    .transform((value) => (value === undefined ? '' : clip(value, SMS_BODY_MAX))),
});

export type IncomingCallPayload = z.infer<typeof incomingCallSchema>;
export type GatherPayload = z.infer<typeof gatherSchema>;
export type CallStatusPayload = z.infer<typeof callStatusSchema>;
export type SmsPayload = z.infer<typeof smsSchema>;
