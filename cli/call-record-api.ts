// Reads what the server kept of a simulated call (its texts and summary) through the /v1 API, with API_KEY.
import { z } from 'zod';

// The API is on the same server as the webhooks; an answer slower than this is not worth holding the terminal for.
const REQUEST_TIMEOUT_MS = 5_000;

const textSchema = z.object({
  id: z.string(),
  body: z.string(),
  status: z.string(),
});

const summarySchema = z.object({
  caller: z.string(),
  intent: z.string(),
  outcome: z.string(),
  follow_up_needed: z.boolean(),
  follow_up: z.string().nullable(),
});

// Only the fields the simulator shows; a server without texts (an older version) answers none.
const callSchema = z.object({
  id: z.string(),
  summary: summarySchema.nullable(),
  // When the background job was done with the call; set with a null summary, there will be none.
  summarized_at: z.string().nullable().default(null),
  texts: z.array(textSchema).default([]),
});

const callsPageSchema = z.object({ items: z.array(z.object({ id: z.string(), call_sid: z.string().nullable() })) });

export type CallText = z.infer<typeof textSchema>;
export type CallSummary = z.infer<typeof summarySchema>;
export type CallRecord = z.infer<typeof callSchema>;

/** The API could not be read: `reason` says why in words the user can act on. */
export class RecordUnavailable extends Error {
  readonly reason: string;
  constructor(reason: string) {
    super(reason);
    this.name = 'RecordUnavailable';
    this.reason = reason;
  }
}

export interface ApiAccess {
  baseUrl: string;
  apiKey: string;
}

async function getJson<T>(access: ApiAccess, path: string, schema: z.ZodType<T>): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${access.baseUrl}${path}`, {
      headers: { authorization: `Bearer ${access.apiKey}`, accept: 'application/json' },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    throw new RecordUnavailable(`the server's API did not answer (${error instanceof Error ? error.message : String(error)})`);
  }
  if (response.status === 401) throw new RecordUnavailable("the server refused API_KEY (401): set it to the server's API_KEY");
  if (response.status === 503) throw new RecordUnavailable('the server has no API_KEY, so its API is off (503)');
  if (!response.ok) throw new RecordUnavailable(`the server answered ${response.status} to GET ${path}`);
  const parsed = schema.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success) throw new RecordUnavailable(`the server's answer to GET ${path} is not what this simulator reads`);
  return parsed.data;
}

/** The conversation of a call, found by its CallSid; undefined while the server has none. */
export async function findCallId(access: ApiAccess, callSid: string): Promise<string | undefined> {
  const page = await getJson(access, `/v1/calls?channel=voice&call_sid=${encodeURIComponent(callSid)}`, callsPageSchema);
  // Checked here too, so that a server which ignores call_sid cannot have another call's texts shown.
  return page.items.find((item) => item.call_sid === callSid)?.id;
}

export function loadCall(access: ApiAccess, callId: string): Promise<CallRecord> {
  return getJson(access, `/v1/calls/${encodeURIComponent(callId)}`, callSchema);
}
