// What the caller received by text during a simulated call, and the summary written after it, shown from the server's /v1 API.
import { findCallId, loadCall, RecordUnavailable, type ApiAccess, type CallRecord, type CallSummary, type CallText } from './call-record-api.ts';
import { eventLine, noteLine } from './terminal.ts';

/** The summary is written by a background job once the call has ended; this long is worth waiting for it. */
export const SUMMARY_WAIT_MS = 20_000;
const SUMMARY_POLL_MS = 500;

const TEXT_STATUS_NOTES: Record<string, string> = {
  not_configured: 'was not sent: the server has no Twilio credentials (it is what the caller would receive)',
  failed: 'could not be sent: Twilio refused it or could not be reached',
};

export interface CallRecordView {
  /** Prints the texts sent to the caller since the last look; quiet when the API cannot be read. */
  showNewTexts(): Promise<void>;
  /** After the call: the texts not shown yet, then the summary, waiting up to `summaryWaitMs` for it. */
  showAftermath(summaryWaitMs?: number): Promise<void>;
}

export function callRecordView(access: { baseUrl: string; apiKey: string | undefined }, callSid: string): CallRecordView {
  const { apiKey } = access;
  if (!apiKey) {
    return {
      showNewTexts: () => Promise.resolve(),
      showAftermath: () => {
        noteLine("(set API_KEY to the server's API_KEY to see the texts the caller received and the call's summary here)");
        return Promise.resolve();
      },
    };
  }
  const api: ApiAccess = { baseUrl: access.baseUrl, apiKey };
  const shown = new Set<string>();
  let callId: string | undefined;
  // The first reason the API could not be read: said once, at the end, rather than after every turn.
  let unavailable: string | undefined;

  async function load(): Promise<CallRecord | undefined> {
    if (unavailable) return undefined;
    try {
      callId ??= await findCallId(api, callSid);
      return callId === undefined ? undefined : await loadCall(api, callId);
    } catch (error) {
      if (!(error instanceof RecordUnavailable)) throw error;
      unavailable = error.reason;
      return undefined;
    }
  }

  function printNew(texts: CallText[]): void {
    for (const text of texts) {
      if (shown.has(text.id)) continue;
      shown.add(text.id);
      eventLine(`(text message to you: "${text.body}")`);
    }
  }

  return {
    async showNewTexts() {
      const record = await load();
      if (record) printNew(record.texts);
    },

    async showAftermath(summaryWaitMs = SUMMARY_WAIT_MS) {
      let record = await load();
      if (record) printNew(record.texts);
      if (record && !record.summary && !record.summarized_at) {
        noteLine(`(waiting up to ${Math.round(summaryWaitMs / 1000)} s for the call's summary, written by a background job …)`);
        const deadline = Date.now() + summaryWaitMs;
        while (!record.summary && !record.summarized_at && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, SUMMARY_POLL_MS));
          record = (await load()) ?? record;
          if (unavailable) break;
        }
        // Texts can still be going out while the summary is written.
        printNew(record.texts);
      }
      if (unavailable || !record) {
        noteLine(`(the texts and summary of this call cannot be shown: ${unavailable ?? 'the server has no record of it'})`);
        return;
      }
      for (const text of record.texts) {
        const note = TEXT_STATUS_NOTES[text.status];
        if (note) noteLine(`(the text message "${excerpt(text.body)}" ${note})`);
      }
      const later = `GET ${access.baseUrl}/v1/calls/${record.id}`;
      if (record.summary) printSummary(record.summary);
      else if (record.summarized_at) noteLine(`(the server wrote no summary of this call: it has no LLM, the LLM failed, or the caller said nothing; the transcript is in ${later})`);
      else noteLine(`(no summary yet; it appears later in ${later})`);
    },
  };
}

function printSummary(summary: CallSummary): void {
  eventLine('summary of the call:');
  eventLine(`  caller: ${summary.caller}`);
  eventLine(`  intent: ${summary.intent}`);
  eventLine(`  outcome: ${summary.outcome}`);
  eventLine(`  follow-up: ${summary.follow_up_needed ? (summary.follow_up ?? 'needed') : 'none'}`);
}

/** The start of a text, to name it in a note: up to 40 characters, cut between words. */
function excerpt(body: string): string {
  if (body.length <= 40) return body;
  const cut = body.slice(0, 40);
  const space = cut.lastIndexOf(' ');
  return `${space > 0 ? cut.slice(0, space) : cut}…`;
}
