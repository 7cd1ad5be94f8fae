// A list of conversations as a table (desktop) that folds into cards (phone), shared by Today, Conversations and Customers.
import type { ConversationSummary } from '../../db/call-history-repo.ts';
import { CHANNEL_NAMES, duration, masked, statusName, when } from '../format.ts';
import { html, type Html } from '../html.ts';

export function conversationRows(items: readonly ConversationSummary[], timeZone: string, empty: string): Html {
  if (items.length === 0) return html`<p class="muted">${empty}</p>`;
  return html`<table class="rows">
<thead><tr><th>When</th><th>Channel</th><th>Caller</th><th>Status</th><th>Length</th><th>Messages</th></tr></thead>
<tbody>${items.map(
    (c) => html`<tr>
<td data-label="When"><a href="/dashboard/conversations/${c.id}">${when(c.createdAt, timeZone)}</a></td>
<td data-label="Channel">${CHANNEL_NAMES[c.channel] ?? c.channel}</td>
<td data-label="Caller">${c.caller ? masked(c.caller) : html`<span class="muted">—</span>`}</td>
<td data-label="Status"><span class="status status-${c.status}">${statusName(c.status)}</span></td>
<td data-label="Length">${duration(c.durationSeconds)}</td>
<td data-label="Messages">${c.messageCount}</td>
</tr>`,
  )}</tbody>
</table>`;
}
