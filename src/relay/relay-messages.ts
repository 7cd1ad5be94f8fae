// The ConversationRelay protocol: zod schemas of what Twilio sends over the socket, and the shapes of what we send back.
import { z } from 'zod';
import { cleanText, clipText } from '../clean-text.ts';

const SPEECH_MAX = 4000;
const SID_MAX = 64;

// Cleaned and cut rather than refused: a caller cannot fix what the recogniser produced.
const spoken = z.string().transform((value) => clipText(cleanText(value), SPEECH_MAX));
// Twilio documents some numbers as strings ("460"); either is taken.
const milliseconds = z.union([z.number(), z.string().regex(/^\d{1,9}$/).transform(Number)]);

// Only the CallSid is needed: anything else in an odd shape is set aside rather than losing the
// whole setup, which would leave the caller talking to a session that cannot answer.
const setupMessage = z.looseObject({
  type: z.literal('setup'),
  callSid: z.string().trim().max(SID_MAX).regex(/^CA[0-9a-fA-F]{32}$/),
  sessionId: z.string().max(SID_MAX).optional().catch(undefined),
  from: z.string().max(256).optional().catch(undefined),
  customParameters: z.record(z.string(), z.unknown()).optional().catch(undefined),
});

const promptMessage = z.looseObject({
  type: z.literal('prompt'),
  voicePrompt: spoken,
  lang: z.string().max(16).optional(),
  // Absent means a whole utterance; false marks a partial one (partialPrompts), which we do not act on.
  last: z.boolean().optional(),
});

const dtmfMessage = z.looseObject({ type: z.literal('dtmf'), digit: z.string().regex(/^[0-9*#A-Da-d]$/) });

const interruptMessage = z.looseObject({
  type: z.literal('interrupt'),
  utteranceUntilInterrupt: spoken.optional().default(''),
  durationUntilInterruptMs: milliseconds.optional(),
});

const infoMessage = z.looseObject({ type: z.literal('info') });
const errorMessage = z.looseObject({ type: z.literal('error'), description: z.string().max(2000).optional() });

export const inboundMessageSchema = z.discriminatedUnion('type', [setupMessage, promptMessage, dtmfMessage, interruptMessage, infoMessage, errorMessage]);

export type InboundMessage = z.infer<typeof inboundMessageSchema>;
export type SetupMessage = z.infer<typeof setupMessage>;

/** One frame from Twilio, or why it was dropped (not JSON, or not a message we know in a shape we accept). */
export function parseInbound(raw: string): { ok: true; message: InboundMessage } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const parsed = inboundMessageSchema.safeParse(json);
  if (parsed.success) return { ok: true, message: parsed.data };
  // The first issue names the field; the value itself may be caller speech and is not repeated.
  const issue = parsed.error.issues[0];
  return { ok: false, reason: issue ? `${issue.path.join('.') || 'message'}: ${issue.message}` : 'invalid' };
}

export type OutboundMessage =
  | { type: 'text'; token: string; last: boolean }
  | { type: 'language'; ttsLanguage: string; transcriptionLanguage: string }
  | { type: 'end'; handoffData: string };

/** What the session hands to the <Connect action> route through Twilio when it ends the session itself. */
export interface HandoffData {
  /** end_call or transfer_to_human by the model, the caller pressing 0 for a person, silence, or our process shutting down (`moved`). */
  reason: 'end_call' | 'transfer' | 'operator' | 'silence' | 'moved';
  /** The final words were held back from the stream, for the action's TwiML to say before hanging up or dialling. */
  say: boolean;
}
