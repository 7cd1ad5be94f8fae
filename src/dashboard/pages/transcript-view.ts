// A transcript as a chat: the caller's and the assistant's words as bubbles, tool calls as small events between them.
import type { StoredMessage } from '../../db/conversations-repo.ts';
import type { Transfer } from '../../db/transfers-repo.ts';
import { toTranscriptEntry } from '../../api/transcript.ts';
import { inZone } from '../format.ts';
import { html, type Html } from '../html.ts';

type Fields = Record<string, unknown>;

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

function fields(value: unknown): Fields {
  return value && typeof value === 'object' ? (value as Fields) : {};
}

/** What a tool call did, in a few words: "booked check-up Tue 10:00", "took a message". */
export function describeToolCall(name: string, input: unknown, output: unknown, failed: boolean, timeZone: string): string {
  const args = fields(input);
  const result = fields(output);
  const refused = failed || typeof result.error === 'string';
  const start = text(args.start) ? inZone(text(args.start), timeZone).toFormat('ccc HH:mm') : '';
  const words: Record<string, () => string> = {
    book_appointment: () => (refused ? `could not book ${text(args.service)} ${start}` : `booked ${text(args.service)} ${start}`),
    cancel_appointment: () => (refused ? 'could not cancel an appointment' : 'cancelled an appointment'),
    move_appointment: () => (refused ? 'could not move an appointment' : `moved an appointment to ${start}`),
    find_free_slots: () => `looked for free times${text(args.service) ? ` for ${text(args.service)}` : ''}`,
    list_my_appointments: () => "looked up the caller's appointments",
    search_knowledge: () => `looked up “${text(args.query)}”`,
    take_message: () => (refused ? 'could not take a message' : 'took a message'),
    save_customer_name: () => `noted the name ${text(args.name)}`,
    transfer_to_human: () => 'asked to put the caller through',
    end_call: () => 'ended the conversation',
  };
  return (words[name]?.() ?? `used ${name.replaceAll('_', ' ')}${refused ? ' (failed)' : ''}`).replace(/\s+/g, ' ').trim();
}

const TRANSFER_WORDS: Record<string, string> = {
  requested: 'asked',
  dialing: 'ringing',
  completed: 'answered',
  'no-answer': 'no answer',
  busy: 'busy',
  failed: 'failed',
  canceled: 'cancelled',
  unavailable: 'nobody available',
  notified: 'the team was told',
};

export function transcriptView(messages: readonly StoredMessage[], transfers: readonly Transfer[], timeZone: string): Html {
  if (messages.length === 0) return html`<p class="muted">Nothing was said yet.</p>`;
  const results = new Map<string, { output: unknown; failed: boolean }>();
  const entries = messages.map(toTranscriptEntry);
  for (const entry of entries) for (const result of entry.tool_results) results.set(result.id, { output: result.output, failed: result.is_error });
  const items: Html[] = [];
  for (const entry of entries) {
    const at = inZone(entry.created_at, timeZone).toFormat('HH:mm:ss');
    if (entry.text && entry.role !== 'tool') {
      const who = entry.role === 'user' ? 'Caller' : 'Assistant';
      items.push(html`<li class="bubble ${entry.role}"><span class="who">${who} · ${at}</span><p>${entry.text}</p></li>`);
    }
    for (const call of entry.tool_calls) {
      const result = results.get(call.id);
      items.push(html`<li class="event">${describeToolCall(call.name, call.input, result?.output, result?.failed ?? false, timeZone)}</li>`);
    }
  }
  for (const transfer of transfers) {
    const at = inZone(transfer.startedAt, timeZone).toFormat('HH:mm:ss');
    items.push(html`<li class="event">${at} put through — ${TRANSFER_WORDS[transfer.outcome] ?? transfer.outcome}</li>`);
  }
  return html`<ol class="chat">${items}</ol>`;
}
