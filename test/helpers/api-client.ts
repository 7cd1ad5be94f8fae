// Requests to the /v1 API with the test key, answering status, headers and the parsed JSON body.
import { TEST_API_KEY } from './test-app.ts';

export interface ApiReply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

export async function apiRequest(url: string, init: { method?: string; key?: string | null; json?: unknown } = {}): Promise<ApiReply> {
  const headers: Record<string, string> = {};
  if (init.key !== null) headers.authorization = `Bearer ${init.key ?? TEST_API_KEY}`;
  if (init.json !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, {
    method: init.method ?? (init.json === undefined ? 'GET' : 'POST'),
    headers,
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** Every page of a list endpoint, following next_cursor; `pages` counts the requests. */
export async function allPages(url: string): Promise<{ items: Record<string, unknown>[]; pages: number }> {
  const items: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await apiRequest(cursor ? `${url}${url.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(cursor)}` : url);
    if (page.status !== 200) throw new Error(`page ${pages + 1} answered ${page.status}: ${JSON.stringify(page.body)}`);
    pages += 1;
    items.push(...(page.body.items as Record<string, unknown>[]));
    cursor = page.body.next_cursor as string | null;
  } while (cursor !== null && pages < 1000);
  return { items, pages };
}
