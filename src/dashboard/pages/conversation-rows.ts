// A list of conversations as a table (desktop) that folds into cards (phone), shared by Today, Conversations and Customers.
import type { ConversationSummary } from '../../db/call-history-repo.ts';
import { channelName, duration, masked, statusName, when } from '../format.ts';
import { html, type Html } from '../html.ts';
import type { Strings } from '../i18n/strings.ts';

export function conversationRows(items: readonly ConversationSummary[], timeZone: string, empty: string, t: Strings): Html {
  if (items.length === 0) return html`<p class="muted">${empty}</p>`;
  const l = t.list;
  return html`<table class="rows">
<thead><tr><th>${l.when}</th><th>${l.channel}</th><th>${l.caller}</th><th>${l.status}</th><th>${l.length}</th><th>${l.messages}</th></tr></thead>
<tbody>${items.map(
    (c) => html`<tr>
<td data-label="${l.when}"><a href="/dashboard/conversations/${c.id}">${when(c.createdAt, timeZone, t.locale)}</a></td>
<td data-label="${l.channel}">${channelName(c.channel, t)}</td>
<td data-label="${l.caller}">${c.caller ? masked(c.caller) : html`<span class="muted">—</span>`}</td>
<td data-label="${l.status}"><span class="status status-${c.status}">${statusName(c.status, t)}</span></td>
<td data-label="${l.length}">${duration(c.durationSeconds, t)}</td>
<td data-label="${l.messages}">${c.messageCount}</td>
</tr>`,
  )}</tbody>
</table>`;
}
