// Loopback HTTP stand-in for the OpenAI and Anthropic APIs, so tests drive the real AI SDK over real HTTP.
// POST /v1/embeddings answers with standInEmbedding(input) per input, unless a reply scripted with
// enqueueEmbedding is waiting (a failure or a delay); its requests are kept apart, in embeddingRequests.
// POST /v1/audio/speech answers with standInAudio(body), unless the next scripted reply is a failure
// (`{status}`, `{drop}`) or a delay (`{hangMs}`): then it takes that reply from the queue and acts on it.
// A streamed answer can come slowly (`pieceDelayMs` between its pieces, the first at once), as a real model writes.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { standInEmbedding } from './stand-in-embeddings.ts';

export type ScriptedToolCall = { name: string; input: Record<string, unknown> };

export type ScriptedReply =
  /** `pieceDelayMs`: a pause between the pieces of a streamed answer, the first sent at once (a plain JSON answer ignores it). */
  | { text: string; delayMs?: number; pieceDelayMs?: number }
  | { toolCalls: ScriptedToolCall[]; text?: string; delayMs?: number; pieceDelayMs?: number }
  // body defaults to the provider's own error JSON; 429 gets `retry-after: 0` unless headers are given.
  | { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number }
  | { drop: true; afterMs?: number }
  | { hangMs: number; text?: string };

export type WireFormat = 'openai' | 'anthropic';

/**
 * Content types of OpenAI's /audio/speech per response_format. Written out here rather than
 * imported from src/llm/speech.ts: the stand-in plays the provider, so a mistake in our own
 * table must not be mirrored by it.
 */
export const SPEECH_CONTENT_TYPES: Record<string, string> = {
  mp3: 'audio/mpeg',
  opus: 'audio/ogg',
  aac: 'audio/aac',
  flac: 'audio/flac',
  wav: 'audio/wav',
  pcm: 'audio/pcm',
};

/** The bytes /v1/audio/speech answers with: they spell out the request, so a test sees what passed through. */
export function standInAudio(body: Record<string, unknown>): Buffer {
  const field = (key: string) => (body[key] === undefined ? '' : String(body[key]));
  return Buffer.from(`stand-in-audio|${field('model')}|${field('voice')}|${field('response_format')}|${field('speed')}|${field('input')}`);
}

export interface RecordedRequest {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
  format: WireFormat;
  stream: boolean;
  /** The client went away before the answer was complete (an aborted request). */
  closedEarly: boolean;
  /** When the request arrived (performance.now()), for benchmarks that split a latency at the model. */
  receivedMs?: number;
  /** When each text piece of a streamed answer was written (performance.now()), for benchmarks timing them to the other end. */
  piecesMs?: number[];
}

export interface ModelsResponse {
  status?: number;
  delayMs?: number;
  drop?: boolean;
}

export interface LlmStandIn {
  url: string;
  openaiBaseUrl: string;
  anthropicBaseUrl: string;
  enqueue(...replies: ScriptedReply[]): void;
  requests: RecordedRequest[];
  /** Requests to /v1/embeddings, kept apart so that chat tests count only chat requests. */
  embeddingRequests: RecordedRequest[];
  /** Failures or delays for the next /v1/embeddings requests, one each: `{status}`, `{drop}` or `{hangMs}`. */
  enqueueEmbedding(...replies: ScriptedReply[]): void;
  setModelsResponse(r: ModelsResponse): void;
  /** What to answer once the queue is empty (benchmarks); null restores the 500 that tells a test it ran dry. */
  setFallbackReply(reply: ScriptedReply | null): void;
  reset(): void;
  close(): Promise<void>;
}

const MODEL_ID = 'stand-in-model';
const NO_REPLY_MESSAGE = 'stand-in: no scripted reply';

// What to send, after any delay: a model answer, an HTTP error, or nothing at all.
type Plan =
  | { kind: 'answer'; waitMs: number; text: string; toolCalls: ScriptedToolCall[]; pieceDelayMs?: number }
  | { kind: 'error'; waitMs: number; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'drop'; waitMs: number };

function toPlan(reply: ScriptedReply): Plan {
  if ('drop' in reply) return { kind: 'drop', waitMs: reply.afterMs ?? 0 };
  if ('hangMs' in reply) return { kind: 'answer', waitMs: reply.hangMs, text: reply.text ?? 'late', toolCalls: [] };
  if ('status' in reply) {
    return { kind: 'error', waitMs: reply.delayMs ?? 0, status: reply.status, body: reply.body, headers: reply.headers };
  }
  if ('toolCalls' in reply) {
    return { kind: 'answer', waitMs: reply.delayMs ?? 0, text: reply.text ?? '', toolCalls: reply.toolCalls, pieceDelayMs: reply.pieceDelayMs };
  }
  return { kind: 'answer', waitMs: reply.delayMs ?? 0, text: reply.text, toolCalls: [], pieceDelayMs: reply.pieceDelayMs };
}

// A tool call with the id it was given on the wire.
type IdentifiedCall = ScriptedToolCall & { id: string };

// Several pieces so a streaming client sees more than one delta; words keep their trailing space.
export function splitIntoPieces(text: string): string[] {
  if (text.length === 0) return [];
  const words = text.match(/\S+\s*|\s+/g) ?? [text];
  if (words.length >= 2) return words;
  const size = Math.max(1, Math.ceil(text.length / 3));
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces;
}

function halves(s: string): string[] {
  const mid = Math.ceil(s.length / 2);
  return [s.slice(0, mid), s.slice(mid)].filter((p) => p.length > 0);
}

const OPENAI_ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'invalid_request_error',
  403: 'permission_error',
  404: 'invalid_request_error',
  429: 'requests',
};
const ANTHROPIC_ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  529: 'overloaded_error',
};

export function defaultErrorBody(format: WireFormat, status: number, message?: string): Record<string, unknown> {
  const text = message ?? `stand-in: scripted HTTP ${status}`;
  if (format === 'anthropic') {
    const type = ANTHROPIC_ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
    return { type: 'error', error: { type, message: text } };
  }
  const type = OPENAI_ERROR_TYPES[status] ?? (status >= 500 ? 'server_error' : 'invalid_request_error');
  const code = status === 429 ? 'rate_limit_exceeded' : null;
  return { error: { message: text, type, param: null, code } };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(payload);
}

function sendError(res: ServerResponse, format: WireFormat, plan: Extract<Plan, { kind: 'error' }>): void {
  // Real providers send retry-after on 429; 0 keeps SDK retries instant when a test allows them.
  const headers = plan.headers ?? (plan.status === 429 ? { 'retry-after': '0' } : {});
  sendJson(res, plan.status, plan.body ?? defaultErrorBody(format, plan.status), headers);
}

function startSse(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
}

function usageTokens(text: string, calls: IdentifiedCall[]): number {
  return splitIntoPieces(text).length + calls.length * 5;
}

function openaiToolCall(call: IdentifiedCall): Record<string, unknown> {
  return { id: call.id, type: 'function', function: { name: call.name, arguments: JSON.stringify(call.input) } };
}

function writeOpenAiJson(res: ServerResponse, id: string, model: string, text: string, calls: IdentifiedCall[]): void {
  const completion = usageTokens(text, calls);
  sendJson(res, 200, {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: calls.length > 0 && text === '' ? null : text,
          ...(calls.length > 0 ? { tool_calls: calls.map(openaiToolCall) } : {}),
        },
        finish_reason: calls.length > 0 ? 'tool_calls' : 'stop',
      },
    ],
    usage: { prompt_tokens: 10, completion_tokens: completion, total_tokens: 10 + completion },
  });
}

/** Resolves false when the client has gone away and the stream should stop. */
type PieceGap = () => Promise<boolean>;

async function writeOpenAiStream(
  res: ServerResponse,
  id: string,
  model: string,
  text: string,
  calls: IdentifiedCall[],
  includeUsage: boolean,
  gap: PieceGap,
): Promise<void> {
  const created = Math.floor(Date.now() / 1000);
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}): void => {
    res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices, ...extra })}\n\n`);
  };
  startSse(res);
  chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
  for (const [index, piece] of splitIntoPieces(text).entries()) {
    if (index > 0 && !(await gap())) return;
    chunk([{ index: 0, delta: { content: piece }, finish_reason: null }]);
  }
  calls.forEach((call, index) => {
    // Like OpenAI: the first delta names the call, later deltas carry only argument fragments.
    const head = { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } };
    chunk([{ index: 0, delta: { tool_calls: [head] }, finish_reason: null }]);
    for (const part of halves(JSON.stringify(call.input))) {
      chunk([{ index: 0, delta: { tool_calls: [{ index, function: { arguments: part } }] }, finish_reason: null }]);
    }
  });
  chunk([{ index: 0, delta: {}, finish_reason: calls.length > 0 ? 'tool_calls' : 'stop' }]);
  if (includeUsage) {
    const completion = usageTokens(text, calls);
    chunk([], { usage: { prompt_tokens: 10, completion_tokens: completion, total_tokens: 10 + completion } });
  }
  res.end('data: [DONE]\n\n');
}

function writeAnthropicJson(res: ServerResponse, id: string, model: string, text: string, calls: IdentifiedCall[]): void {
  const content: unknown[] = [];
  if (text !== '') content.push({ type: 'text', text });
  for (const call of calls) content.push({ type: 'tool_use', id: call.id, name: call.name, input: call.input });
  sendJson(res, 200, {
    id,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: calls.length > 0 ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: usageTokens(text, calls) },
  });
}

async function writeAnthropicStream(res: ServerResponse, id: string, model: string, text: string, calls: IdentifiedCall[], gap: PieceGap): Promise<void> {
  const event = (type: string, data: Record<string, unknown>): void => {
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  };
  startSse(res);
  event('message_start', {
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 1 },
    },
  });
  let index = 0;
  if (text !== '') {
    event('content_block_start', { index, content_block: { type: 'text', text: '' } });
    for (const [pieceIndex, piece] of splitIntoPieces(text).entries()) {
      if (pieceIndex > 0 && !(await gap())) return;
      event('content_block_delta', { index, delta: { type: 'text_delta', text: piece } });
    }
    event('content_block_stop', { index });
    index += 1;
  }
  for (const call of calls) {
    event('content_block_start', { index, content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} } });
    for (const part of halves(JSON.stringify(call.input))) {
      event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: part } });
    }
    event('content_block_stop', { index });
    index += 1;
  }
  event('message_delta', {
    delta: { stop_reason: calls.length > 0 ? 'tool_use' : 'end_turn', stop_sequence: null },
    usage: { output_tokens: usageTokens(text, calls) },
  });
  event('message_stop', {});
  res.end();
}

const MODELS_BODY = {
  object: 'list',
  data: [{ id: MODEL_ID, object: 'model', type: 'model', display_name: 'Stand-in model', created_at: '2024-01-01T00:00:00Z' }],
  has_more: false,
  first_id: MODEL_ID,
  last_id: MODEL_ID,
};

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseObject(raw: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through: the caller answers 400
  }
  return undefined;
}

function formatOf(method: string | undefined, path: string): WireFormat | undefined {
  if (method !== 'POST') return undefined;
  if (path === '/v1/chat/completions') return 'openai';
  if (path === '/v1/messages') return 'anthropic';
  return undefined;
}

/** `embed` replaces standInEmbedding (the benchmarks' dense vectors of a real model's length). */
export async function startLlmStandIn(embed: (text: string) => number[] = standInEmbedding): Promise<LlmStandIn> {
  const queue: ScriptedReply[] = [];
  let fallback: ScriptedReply | null = null;
  const requests: RecordedRequest[] = [];
  const embeddingQueue: ScriptedReply[] = [];
  const embeddingRequests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let models: ModelsResponse = {};
  // Never reset, so ids stay unique for the stand-in's whole life even across reset().
  let sequence = 0;
  const nextId = (prefix: string): string => `${prefix}_${++sequence}`;

  // Resolves true after waitMs, or false as soon as the client goes away, so timers never outlive a request.
  const wait = (waitMs: number, res: ServerResponse): Promise<boolean> => {
    if (waitMs <= 0) return Promise.resolve(!res.destroyed);
    return new Promise((resolve) => {
      const onClose = (): void => {
        clearTimeout(timer);
        timers.delete(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        timers.delete(timer);
        res.off('close', onClose);
        resolve(!res.destroyed);
      }, waitMs);
      timers.add(timer);
      res.once('close', onClose);
    });
  };

  const handleChat = async (req: IncomingMessage, res: ServerResponse, path: string, format: WireFormat): Promise<void> => {
    const receivedMs = performance.now();
    const body = parseObject(await readBody(req));
    if (body === undefined) {
      sendJson(res, 400, defaultErrorBody(format, 400, 'stand-in: request body is not a JSON object'));
      return;
    }
    const stream = body['stream'] === true;
    const record: RecordedRequest = { path, headers: { ...req.headers }, body, format, stream, closedEarly: false, receivedMs };
    requests.push(record);
    res.once('close', () => {
      if (!res.writableEnded) record.closedEarly = true;
    });
    const reply = queue.shift() ?? fallback;
    if (reply === null) {
      sendJson(res, 500, defaultErrorBody(format, 500, NO_REPLY_MESSAGE));
      return;
    }
    const plan = toPlan(reply);
    if (!(await wait(plan.waitMs, res))) return;
    if (plan.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (plan.kind === 'error') {
      sendError(res, format, plan);
      return;
    }
    const model = typeof body['model'] === 'string' ? body['model'] : MODEL_ID;
    const calls = plan.toolCalls.map((call) => ({ ...call, id: nextId(format === 'openai' ? 'call' : 'toolu') }));
    const gapMs = plan.pieceDelayMs ?? 0;
    // The first piece goes out at once; each later one right after its gap.
    record.piecesMs = [performance.now()];
    const gap: PieceGap = async () => {
      const goOn = await wait(gapMs, res);
      record.piecesMs?.push(performance.now());
      return goOn;
    };
    if (format === 'openai') {
      const id = nextId('chatcmpl');
      const options = body['stream_options'];
      const includeUsage = typeof options === 'object' && options !== null && 'include_usage' in options && options.include_usage === true;
      if (stream) await writeOpenAiStream(res, id, model, plan.text, calls, includeUsage, gap);
      else writeOpenAiJson(res, id, model, plan.text, calls);
    } else {
      const id = nextId('msg');
      if (stream) await writeAnthropicStream(res, id, model, plan.text, calls, gap);
      else writeAnthropicJson(res, id, model, plan.text, calls);
    }
  };

  // Takes only the replies meant for it from the queue, so scripted chat answers stay for the chat.
  /** Carries out a scripted wait, dropped socket or error of the OpenAI side; true when that was the whole answer. */
  const answeredByFailure = async (plan: ReturnType<typeof toPlan>, req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (!(await wait(plan.waitMs, res))) return true;
    if (plan.kind === 'drop') {
      req.socket.destroy();
      return true;
    }
    if (plan.kind === 'error') {
      sendError(res, 'openai', plan);
      return true;
    }
    return false;
  };

  const handleSpeech = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const body = parseObject(await readBody(req));
    if (body === undefined) {
      sendJson(res, 400, defaultErrorBody('openai', 400, 'stand-in: request body is not a JSON object'));
      return;
    }
    requests.push({ path, headers: { ...req.headers }, body, format: 'openai', stream: false, closedEarly: false });
    const next = queue[0];
    const plan = next !== undefined && ('status' in next || 'drop' in next || 'hangMs' in next) ? toPlan(queue.shift()!) : undefined;
    if (plan && (await answeredByFailure(plan, req, res))) return;
    const format = typeof body['response_format'] === 'string' ? body['response_format'] : 'mp3';
    res.writeHead(200, { 'content-type': SPEECH_CONTENT_TYPES[format] ?? 'application/octet-stream' });
    res.end(standInAudio(body));
  };

  const handleEmbeddings = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const body = parseObject(await readBody(req));
    const input = body?.['input'];
    const inputs = typeof input === 'string' ? [input] : Array.isArray(input) && input.every((i) => typeof i === 'string') ? (input as string[]) : undefined;
    if (body === undefined || inputs === undefined) {
      sendJson(res, 400, defaultErrorBody('openai', 400, 'stand-in: input must be a string or an array of strings'));
      return;
    }
    embeddingRequests.push({ path, headers: { ...req.headers }, body, format: 'openai', stream: false, closedEarly: false });
    const scripted = embeddingQueue.shift();
    const plan = scripted ? toPlan(scripted) : undefined;
    if (plan && (await answeredByFailure(plan, req, res))) return;
    const tokens = inputs.reduce((sum, text) => sum + splitIntoPieces(text).length, 0);
    sendJson(res, 200, {
      object: 'list',
      data: inputs.map((text, index) => ({ object: 'embedding', index, embedding: embed(text) })),
      model: typeof body['model'] === 'string' ? body['model'] : 'stand-in-embedding',
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  };

  const handleModels = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    await readBody(req);
    const current = models;
    if (!(await wait(current.delayMs ?? 0, res))) return;
    if (current.drop === true) {
      req.socket.destroy();
      return;
    }
    const status = current.status ?? 200;
    if (status === 200) sendJson(res, 200, MODELS_BODY);
    else sendJson(res, status, defaultErrorBody('openai', status));
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const format = formatOf(req.method, path);
    const work =
      format !== undefined
        ? handleChat(req, res, path, format)
        : req.method === 'GET' && path === '/v1/models'
          ? handleModels(req, res)
          : req.method === 'POST' && path === '/v1/audio/speech'
            ? handleSpeech(req, res, path)
            : req.method === 'POST' && path === '/v1/embeddings'
              ? handleEmbeddings(req, res, path)
            : Promise.resolve(sendJson(res, 404, defaultErrorBody('openai', 404, `stand-in: no route for ${req.method} ${path}`)));
    work.catch((error: unknown) => {
      // A handler bug must be loud in the test, not a hung request.
      if (!res.headersSent) sendJson(res, 500, defaultErrorBody('openai', 500, `stand-in: ${String(error)}`));
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    openaiBaseUrl: `${url}/v1`,
    anthropicBaseUrl: `${url}/v1`,
    requests,
    embeddingRequests,
    enqueue: (...replies) => {
      queue.push(...replies);
    },
    enqueueEmbedding: (...replies) => {
      embeddingQueue.push(...replies);
    },
    setModelsResponse: (r) => {
      models = { ...r };
    },
    setFallbackReply: (reply) => {
      fallback = reply;
    },
    reset: () => {
      queue.length = 0;
      requests.length = 0;
      embeddingQueue.length = 0;
      embeddingRequests.length = 0;
      models = {};
      fallback = null;
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
