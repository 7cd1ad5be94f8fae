// A transcript as a chat: the caller's and the assistant's words as bubbles, tool calls as small events between them.
import type { StoredMessage } from '../../db/conversations-repo.ts';
import type { Transfer } from '../../db/transfers-repo.ts';
import { toTranscriptEntry } from '../../api/transcript.ts';
import { inZone } from '../format.ts';
import { html, type Html } from '../html.ts';
import type { Strings } from '../i18n/strings.ts';

type Fields = Record<string, unknown>;

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

function fields(value: unknown): Fields {
  return value && typeof value === 'object' ? (value as Fields) : {};
}

/** What a tool call did, in a few words: "booked check-up Tue 10:00", "took a message". */
export function describeToolCall(name: string, input: unknown, output: unknown, failed: boolean, timeZone: string, t: Strings): string {
  const args = fields(input);
  const result = fields(output);
  const refused = failed || typeof result.error === 'string';
  const start = text(args.start) ? inZone(text(args.start), timeZone).setLocale(t.locale).toFormat('ccc HH:mm') : '';
  const w = t.transcript;
  const words: Record<string, () => string> = {
    book_appointment: () => (refused ? w.notBooked(text(args.service), start) : w.booked(text(args.service), start)),
    cancel_appointment: () => (refused ? w.notCancelled : w.cancelled),
    move_appointment: () => (refused ? w.notMoved : w.moved(start)),
    find_free_slots: () => w.freeTimes(text(args.service)),
    list_my_appointments: () => w.listedAppointments,
    search_knowledge: () => w.lookedUp(text(args.query)),
    take_message: () => (refused ? w.noMessage : w.tookMessage),
    save_customer_name: () => w.notedName(text(args.name)),
    transfer_to_human: () => w.transfer,
    end_call: () => w.ended,
  };
  return (words[name]?.() ?? w.used(name.replaceAll('_', ' '), refused)).replace(/\s+/g, ' ').trim();
}

export function transcriptView(messages: readonly StoredMessage[], transfers: readonly Transfer[], timeZone: string, t: Strings): Html {
  if (messages.length === 0) return html`<p class="muted">${t.transcript.empty}</p>`;
  const results = new Map<string, { output: unknown; failed: boolean }>();
  const entries = messages.map(toTranscriptEntry);
  for (const entry of entries) for (const result of entry.tool_results) results.set(result.id, { output: result.output, failed: result.is_error });
  const items: Html[] = [];
  for (const entry of entries) {
    const at = inZone(entry.created_at, timeZone).toFormat('HH:mm:ss');
    if (entry.text && entry.role !== 'tool') {
      const who = entry.role === 'user' ? t.transcript.caller : t.transcript.assistant;
      items.push(html`<li class="bubble ${entry.role}"><span class="who">${who} · ${at}</span><p>${entry.text}</p></li>`);
    }
    for (const call of entry.tool_calls) {
      const result = results.get(call.id);
      items.push(html`<li class="event">${describeToolCall(call.name, call.input, result?.output, result?.failed ?? false, timeZone, t)}</li>`);
    }
  }
  for (const transfer of transfers) {
    const at = inZone(transfer.startedAt, timeZone).toFormat('HH:mm:ss');
    items.push(html`<li class="event">${at} ${t.transcript.putThrough} ${t.transcript.transfers[transfer.outcome] ?? transfer.outcome}</li>`);
  }
  return html`<ol class="chat">${items}</ol>`;
}
