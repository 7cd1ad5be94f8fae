// GET /openapi.json and GET /docs: the document lists every /v1 route the app serves, from the routes' own schemas.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { VERSION } from '../../src/version.ts';
import { startTestServer, testEnv, type TestServer } from '../helpers/test-app.ts';

type Operation = {
  security?: Record<string, string[]>[];
  requestBody?: { content: Record<string, { schema: { properties: Record<string, Record<string, unknown>> } }> };
  parameters?: { name: string; in: string }[];
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
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

  it('lists every /v1 route the app serves, behind the bearer key, plus /health and /ready', () => {
    const v1 = registeredRoutes(server.fastify.printRoutes({ commonPrefix: false })).filter((route) => / \/v1\//.test(route) && !route.startsWith('HEAD '));
    assert.ok(v1.length >= 6, `found ${v1.join(', ')}`);
    for (const route of v1) {
      const [method, path] = route.split(' ') as [string, string];
      const operation = doc.paths[path.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()];
      assert.ok(operation, `${route} is missing from the document`);
      assert.deepEqual(operation.security, [{ bearerAuth: [] }], route);
      assert.ok(['200', '201', '204'].some((code) => operation.responses[code]), `${route} documents its success answer`);
    }
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`));
    assert.equal(documented.filter((route) => / \/v1\//.test(route)).length, v1.length);
    assert.ok(doc.paths['/health']?.get && doc.paths['/ready']?.get);
    assert.ok(!Object.keys(doc.paths).some((path) => path.startsWith('/twilio/') || path === '/metrics' || path.startsWith('/docs')));
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
    assert.deepEqual(calls.parameters!.map((p) => `${p.in}:${p.name}`).sort(), ['query:channel', 'query:cursor', 'query:from', 'query:limit', 'query:status', 'query:to']);
    assert.deepEqual(doc.paths['/v1/calls/{id}']!.get!.parameters!.map((p) => `${p.in}:${p.name}`), ['path:id']);
  });

  it('serves Swagger UI at /docs', async () => {
    const response = await fetch(`${server.url}/docs`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await response.text(), /swagger/i);
  });
});
