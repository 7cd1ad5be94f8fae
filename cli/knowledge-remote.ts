// The knowledge base of a running server, through its /v1/knowledge API: for when that server holds the embedded database.
import type { Language } from '../src/config.ts';
import { CliError } from './cli-error.ts';
import type { KnowledgeAccess, ListedDocument, FoundPassage } from './knowledge-access.ts';

/** The server refused a document; its message names the file and the reason. */
export class DocumentRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DocumentRefusedError';
  }
}

interface ApiAnswer {
  status: number;
  body: unknown;
}

export function remoteKnowledge(baseUrl: string, apiKey: string): KnowledgeAccess {
  async function call(method: string, path: string, body?: FormData | object): Promise<ApiAnswer> {
    const headers: Record<string, string> = { authorization: `Bearer ${apiKey}` };
    if (body !== undefined && !(body instanceof FormData)) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${baseUrl}${path}`, { method, headers, body: body instanceof FormData ? body : body === undefined ? undefined : JSON.stringify(body) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(`could not reach the server at ${baseUrl}: ${cause?.code ?? cause?.message ?? (error as Error).message}`, { cause: error });
    }
    const text = await response.text();
    const parsed: unknown = text ? JSON.parse(text) : null;
    if (response.status === 401) throw new CliError(`the server at ${baseUrl} refused API_KEY: give this command the same API_KEY as the server's`);
    if (response.status >= 500 || response.status === 429) throw new CliError(`the server at ${baseUrl} answered ${response.status}: ${messageOf(parsed)}`);
    return { status: response.status, body: parsed };
  }

  let embeddingModel: string | null = null;
  return {
    get embeddingModel() {
      return embeddingModel;
    },
    async add(input) {
      const form = new FormData();
      form.append('file', new File([input.bytes], input.name));
      const answer = await call('POST', '/v1/knowledge/documents', form);
      if (answer.status !== 200 && answer.status !== 201) throw new DocumentRefusedError(messageOf(answer.body));
      return answer.body as { id: string; title: string; chunks: number; status: 'added' | 'replaced' | 'unchanged' };
    },
    async list(): Promise<ListedDocument[]> {
      const answer = await expectOk(await call('GET', '/v1/knowledge/documents'));
      const { items } = answer as { items: { id: string; name: string; title: string; format: string; chunks: number; embedding_model: string | null; updated_at: string }[] };
      return items.map((d) => ({ id: d.id, name: d.name, title: d.title, format: d.format, chunks: d.chunks, embeddingModel: d.embedding_model, updatedAt: new Date(d.updated_at) }));
    },
    async remove(id) {
      const answer = await call('DELETE', `/v1/knowledge/documents/${encodeURIComponent(id)}`);
      if (answer.status === 404) return false;
      await expectOk(answer);
      return true;
    },
    async search(query: string, language: Language, limit: number): Promise<FoundPassage[]> {
      const params = new URLSearchParams({ q: query, language, limit: String(limit) });
      const { items } = (await expectOk(await call('GET', `/v1/knowledge/search?${params}`))) as {
        items: { heading: string; text: string; language: Language; score: number; matched_by: ('text' | 'vector')[] }[];
      };
      return items.map((r) => ({ heading: r.heading, text: r.text, language: r.language, score: r.score, matchedBy: r.matched_by }));
    },
    async reindex(all) {
      const answer = (await expectOk(await call('POST', '/v1/knowledge/reindex', { all }))) as { reindexed: number; embedding_model: string | null };
      embeddingModel = answer.embedding_model;
      return answer.reindexed;
    },
  };

  async function expectOk(answer: ApiAnswer): Promise<unknown> {
    if (answer.status >= 200 && answer.status < 300) return answer.body;
    throw new CliError(`the server at ${baseUrl} answered ${answer.status}: ${messageOf(answer.body)}`);
  }
}

function messageOf(body: unknown): string {
  const message = (body as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : JSON.stringify(body);
}
