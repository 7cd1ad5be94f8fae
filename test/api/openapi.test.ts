// GET /openapi.json and GET /docs: the document lists every /v1 route the app serves, from the routes' own schemas.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { VERSION } from '../../src/version.ts';
import { postJson, startTestServer, testEnv, type TestServer } from '../helpers/test-app.ts';

type Operation = {
  summary?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  requestBody?: { content: Record<string, { schema: { properties: Record<string, Record<string, unknown>> } }> };
  parameters?: { name: string; in: string }[];
  responses: Record<string, { description: string; content?: Record<string, { schema: Record<string, unknown> }> }>;
};
type OpenApiDocument = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, Record<string, unknown>> };
};

/** `METHOD /path` for every route, read back from Fastify's own route tree (printRoutes, no common prefixes). */
function registeredRoutes(tree: string): string[] {
  const routes: string[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^(.*?)[├└]── (.+?) \(([A-Z, ]+)\)$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    stack.push(match[2]!);
    const path = stack.join('').replace(/\/+/g, '/');
    for (const method of match[3]!.split(', ')) routes.push(`${method} ${path}`);
  }
  return routes;
}

describe('OpenAPI document', () => {
  let server: TestServer;
  let doc: OpenApiDocument;

  before(async () => {
    server = await startTestServer(testEnv(null));
    const response = await fetch(`${server.url}/openapi.json`);
    assert.equal(response.status, 200);
    doc = (await response.json()) as OpenApiDocument;
  });
  after(async () => {
    await server.close();
  });

  it('lists every /v1 route the app serves, behind the bearer key (the calendar feed behind its own token), plus /health and /ready', () => {
    const v1 = registeredRoutes(server.fastify.printRoutes({ commonPrefix: false })).filter((route) => / \/v1\//.test(route) && !route.startsWith('HEAD '));
    assert.ok(v1.length >= 6, `found ${v1.join(', ')}`);
    for (const route of v1) {
      const [method, path] = route.split(' ') as [string, string];
      const operation = doc.paths[path.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()];
      assert.ok(operation, `${route} is missing from the document`);
      assert.deepEqual(operation.security, [path === '/v1/appointments.ics' ? { feedToken: [] } : { bearerAuth: [] }], route);
      assert.ok(['200', '201', '204'].some((code) => operation.responses[code]), `${route} documents its success answer`);
    }
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`));
    assert.equal(documented.filter((route) => / \/v1\//.test(route)).length, v1.length);
    assert.ok(doc.paths['/health']?.get && doc.paths['/ready']?.get);
    assert.ok(!Object.keys(doc.paths).some((path) => path.startsWith('/twilio/') || path === '/metrics' || path.startsWith('/docs')));
  });

  it('gives every operation a summary and tags, and lists every answer it gives with a description', () => {
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })));
    const statuses = (route: string) => Object.keys(operations.find((o) => o.route === route)!.op.responses).sort();
    for (const { route, op } of operations) {
      assert.ok(op.summary, `${route} has a summary`);
      assert.ok(op.tags?.length, `${route} has tags`);
      for (const [status, response] of Object.entries(op.responses)) {
        assert.notEqual(response.description, 'Default Response', `${route} ${status} says when it is given`);
      }
    }
    assert.deepEqual(statuses('POST /v1/text'), ['200', '401', '404', '409', '413', '415', '422', '429', '500', '503']);
    assert.deepEqual(statuses('POST /v1/tts'), ['200', '401', '413', '415', '422', '429', '500', '502', '503']);
    assert.deepEqual(statuses('GET /v1/calls'), ['200', '401', '422', '429', '500', '503']);
    assert.deepEqual(statuses('GET /v1/calls/{id}'), ['200', '401', '404', '422', '429', '500', '503']);
    assert.deepEqual(statuses('GET /v1/messages'), ['200', '401', '422', '429', '500', '503']);
    assert.deepEqual(statuses('POST /v1/messages/{id}/handled'), ['200', '401', '404', '422', '429', '500', '503']);
    assert.deepEqual(statuses('GET /v1/customers'), ['200', '401', '422', '429', '500', '503']);
    assert.deepEqual(statuses('GET /v1/customers/{id}'), ['200', '401', '404', '422', '429', '500', '503']);
    assert.deepEqual(statuses('PATCH /v1/customers/{id}'), ['200', '401', '404', '413', '415', '422', '429', '500', '503']);
    assert.deepEqual(statuses('DELETE /v1/customers/{id}'), ['200', '401', '404', '422', '429', '500', '503']);
    assert.deepEqual(statuses('GET /v1/appointments'), ['200', '401', '422', '429', '500', '503']);
    assert.deepEqual(statuses('POST /v1/appointments/{id}/cancel'), ['200', '401', '404', '409', '422', '429', '500', '503']);
    assert.deepEqual(statuses('GET /v1/appointments.ics'), ['200', '401', '404', '422', '429', '500', '503']);
    assert.deepEqual(statuses('GET /ready'), ['200', '503']);
  });

  it('documents answers the routes really give', async () => {
    const text = `${server.url}/v1/text`;
    assert.equal((await postJson(text, { text: 'hi' }, { authorization: '' })).status, 401);
    const xml = await postJson(text, '<text>hi</text>', { 'content-type': 'application/xml' });
    assert.deepEqual([xml.status, xml.body.error], [415, 'unsupported_media_type']);
    assert.equal((await postJson(text, { text: 'x'.repeat(70_000) })).status, 413);
    assert.equal((await postJson(text, { text: '' })).status, 422);
    const calls = await fetch(`${server.url}/v1/calls/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`, { headers: { authorization: 'Bearer test-api-key-0123456789' } });
    assert.equal(calls.status, 404);
  });

  it('names the API, its version and the bearer scheme', () => {
    assert.match(doc.openapi, /^3\.1\./);
    assert.equal(doc.info.title, 'phone-assistant');
    assert.equal(doc.info.version, VERSION);
    assert.deepEqual({ ...doc.components.securitySchemes.bearerAuth, description: undefined }, { type: 'http', scheme: 'bearer', description: undefined });
  });

  it('carries the rules of the zod schemas', () => {
    const text = doc.paths['/v1/text']!.post!.requestBody!.content['application/json']!.schema.properties;
    assert.deepEqual(text.language!.enum, ['en', 'ru', 'uk', 'sk']);
    const tts = doc.paths['/v1/tts']!.post!;
    const speed = tts.requestBody!.content['application/json']!.schema.properties.speed!;
    assert.equal(speed.minimum, 0.25);
    assert.equal(speed.maximum, 4);
    assert.equal(speed.default, 1);
    assert.deepEqual(Object.keys(tts.responses['200']!.content!).sort(), ['audio/aac', 'audio/flac', 'audio/mpeg', 'audio/ogg', 'audio/pcm', 'audio/wav']);
    const calls = doc.paths['/v1/calls']!.get!;
    assert.deepEqual(calls.parameters!.map((p) => `${p.in}:${p.name}`).sort(), ['query:call_sid', 'query:channel', 'query:cursor', 'query:from', 'query:limit', 'query:status', 'query:to']);
    assert.deepEqual(doc.paths['/v1/calls/{id}']!.get!.parameters!.map((p) => `${p.in}:${p.name}`), ['path:id']);
    const detail = doc.paths['/v1/calls/{id}']!.get!.responses['200']!.content!['application/json']!.schema as { properties: Record<string, { items?: { properties: Record<string, unknown> } }> };
    assert.deepEqual(Object.keys(detail.properties['texts']!.items!.properties).sort(), ['body', 'created_at', 'id', 'sent_at', 'status', 'to']);
  });

  it('serves Swagger UI at /docs', async () => {
    const response = await fetch(`${server.url}/docs`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await response.text(), /swagger/i);
  });
});
