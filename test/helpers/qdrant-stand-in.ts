// Loopback stand-in for the Qdrant REST endpoints the knowledge base uses, so the official client runs over real HTTP.
// Collections keep points in memory and score them exactly by cosine; filters support `must` with
// `match: {value}` and `match: {any}`, the only ones we send.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface StoredPoint {
  id: string | number;
  vector: number[];
  payload: Record<string, unknown>;
}

export interface QdrantCollection {
  size: number;
  distance: string;
  points: Map<string, StoredPoint>;
}

export interface QdrantStandIn {
  url: string;
  collections: Map<string, QdrantCollection>;
  /** Method and path of every request, in order. */
  requests: string[];
  /** The next `count` requests whose path matches answer `status` (or hang, when status is 'hang'). */
  failNext(pathPattern: RegExp, status: number | 'hang', count?: number): void;
  /** When set, requests without this `api-key` header answer 401. */
  requireApiKey(key: string | undefined): void;
  close(): Promise<void>;
}

type Condition = { key: string; match: { value?: unknown; any?: unknown[] } };

function matches(point: StoredPoint, filter: { must?: Condition[] } | undefined): boolean {
  return (filter?.must ?? []).every(({ key, match }) => {
    const value = point.payload[key];
    if (match.any) return match.any.includes(value);
    return value === match.value;
  });
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i += 1) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

export async function startQdrantStandIn(): Promise<QdrantStandIn> {
  const collections = new Map<string, QdrantCollection>();
  const requests: string[] = [];
  const failures: { pattern: RegExp; status: number | 'hang'; left: number }[] = [];
  let apiKey: string | undefined;
  const sockets = new Set<Socket>();

  const send = (res: ServerResponse, status: number, result: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(status < 300 ? { result, status: 'ok', time: 0.0001 } : { status: { error: String(result) }, time: 0.0001 }));
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
    const path = (req.url ?? '/').split('?')[0]!;
    const method = req.method ?? 'GET';
    requests.push(`${method} ${path}`);
    const failure = failures.find((f) => f.left > 0 && f.pattern.test(path));
    if (failure) {
      failure.left -= 1;
      if (failure.status === 'hang') return; // the socket stays open until the client gives up
      return send(res, failure.status, 'stand-in: scripted failure');
    }
    if (apiKey !== undefined && req.headers['api-key'] !== apiKey) return send(res, 401, 'Must provide an API key or an Authorization bearer token');
    if (method === 'GET' && path === '/') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ title: 'qdrant - vector search engine', version: '1.19.0' }));
    if (method === 'GET' && path === '/collections') return send(res, 200, { collections: [...collections.keys()].map((name) => ({ name })) });

    const match = /^\/collections\/([^/]+)(\/.*)?$/.exec(path);
    if (!match) return send(res, 404, `stand-in: no route for ${method} ${path}`);
    const name = decodeURIComponent(match[1]!);
    const rest = match[2] ?? '';
    const collection = collections.get(name);
    if (method === 'GET' && rest === '/exists') return send(res, 200, { exists: collection !== undefined });
    if (method === 'PUT' && rest === '') {
      const vectors = body['vectors'] as { size: number; distance: string };
      if (collection) return send(res, 409, `Collection \`${name}\` already exists!`);
      collections.set(name, { size: vectors.size, distance: vectors.distance, points: new Map() });
      return send(res, 200, true);
    }
    if (!collection) return send(res, 404, `Collection \`${name}\` doesn't exist!`);
    if (method === 'GET' && rest === '') {
      return send(res, 200, { status: 'green', points_count: collection.points.size, config: { params: { vectors: { size: collection.size, distance: collection.distance } } } });
    }
    if (method === 'DELETE' && rest === '') {
      collections.delete(name);
      return send(res, 200, true);
    }
    if (method === 'PUT' && rest === '/index') return send(res, 200, { operation_id: 1, status: 'completed' });
    if (method === 'PUT' && rest === '/points') {
      for (const point of body['points'] as StoredPoint[]) {
        if (point.vector.length !== collection.size) return send(res, 400, `Wrong input: Vector dimension error: expected dim: ${collection.size}, got ${point.vector.length}`);
        collection.points.set(String(point.id), point);
      }
      return send(res, 200, { operation_id: 1, status: 'completed' });
    }
    if (method === 'POST' && rest === '/points/delete') {
      for (const [id, point] of collection.points) if (matches(point, body['filter'] as { must?: Condition[] })) collection.points.delete(id);
      return send(res, 200, { operation_id: 1, status: 'completed' });
    }
    if (method === 'POST' && rest === '/points/query') {
      const query = body['query'] as number[];
      const threshold = typeof body['score_threshold'] === 'number' ? body['score_threshold'] : -Infinity;
      const points = [...collection.points.values()]
        .filter((point) => matches(point, body['filter'] as { must?: Condition[] }))
        .map((point) => ({ id: point.id, version: 1, score: cosine(point.vector, query), payload: point.payload }))
        .filter((point) => point.score >= threshold)
        .sort((a, b) => b.score - a.score)
        .slice(0, Number(body['limit'] ?? 10));
      return send(res, 200, { points });
    }
    return send(res, 404, `stand-in: no route for ${method} ${path}`);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, `stand-in: ${String(error)}`);
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    collections,
    requests,
    failNext(pattern, status, count = 1) {
      failures.push({ pattern, status, left: count });
    },
    requireApiKey(key) {
      apiKey = key;
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
