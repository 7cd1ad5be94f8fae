// /v1/knowledge over real HTTP: multipart and JSON uploads, the refusals (401/413/415/422), listing, removal and search.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { apiRequest } from '../helpers/api-client.ts';
import { sampleDocument } from '../helpers/knowledge.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { storedZip } from '../helpers/stored-zip.ts';
import { startTestServer, TEST_API_KEY, testEnv, type TestServer } from '../helpers/test-app.ts';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

async function upload(server: TestServer, name: string, bytes: Uint8Array, type: string, extra: Record<string, string> = {}, key = TEST_API_KEY) {
  const form = new FormData();
  for (const [field, value] of Object.entries(extra)) form.append(field, value);
  form.append('file', new Blob([bytes], { type }), name);
  const response = await fetch(`${server.url}/v1/knowledge/documents`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('/v1/knowledge', () => {
  let standIn: LlmStandIn;
  let server: TestServer;

  before(async () => {
    standIn = await startLlmStandIn();
    server = await startTestServer(testEnv(standIn, 'openai', { KNOWLEDGE_MAX_DOCUMENT_BYTES: '65536' }));
  });
  after(async () => {
    await server.close();
    await standIn.close();
  });

  it('takes a PDF as a multipart upload (201), then the same file again unchanged (200)', async () => {
    const leaflet = sampleDocument('leaflet.pdf');
    const first = await upload(server, 'leaflet.pdf', leaflet.bytes, 'application/pdf');
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body.title, 'Bright Smile Dental');
    assert.equal(first.body.status, 'added');
    assert.ok(Number(first.body.chunks) >= 3);
    const again = await upload(server, 'leaflet.pdf', leaflet.bytes, 'application/pdf');
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, { ...first.body, status: 'unchanged' });
  });

  it('takes a Word document, known by its content type when its name has no extension', async () => {
    const bytes = readFileSync(new URL('../fixtures/aftercare.docx', import.meta.url));
    const created = await upload(server, 'aftercare', bytes, DOCX);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.title, 'Aftercare instructions');
    const listed = await apiRequest(`${server.url}/v1/knowledge/documents`);
    const item = (listed.body.items as Record<string, unknown>[]).find((d) => d.id === created.body.id);
    assert.equal(item?.format, 'docx');
    const found = await apiRequest(`${server.url}/v1/knowledge/search?q=${encodeURIComponent('desensitising gel price')}&language=en&limit=1`);
    assert.equal((found.body.items as Record<string, unknown>[])[0]?.heading, 'Aftercare instructions > Aftercare products');
    assert.equal((await apiRequest(`${server.url}/v1/knowledge/documents/${String(created.body.id)}`, { method: 'DELETE' })).status, 204);
  });

  it('takes JSON {title, content, format}, lists it, finds it, and removes it (204, then 404)', async () => {
    const created = await apiRequest(`${server.url}/v1/knowledge/documents`, {
      json: { title: 'Parking', content: '<h1>Parking</h1><p>Patients park free in the courtyard garage.</p>', format: 'html' },
    });
    assert.equal(created.status, 201);
    const id = String(created.body.id);

    const listed = await apiRequest(`${server.url}/v1/knowledge/documents`);
    const item = (listed.body.items as Record<string, unknown>[]).find((d) => d.id === id);
    assert.deepEqual({ ...item, updated_at: undefined, bytes: undefined }, {
      id,
      name: 'Parking',
      title: 'Parking',
      format: 'html',
      chunks: 1,
      embedding_model: 'text-embedding-3-small',
      updated_at: undefined,
      bytes: undefined,
    });

    const found = await apiRequest(`${server.url}/v1/knowledge/search?q=${encodeURIComponent('where do patients park?')}&language=en&limit=2`);
    assert.equal(found.status, 200);
    const items = found.body.items as Record<string, unknown>[];
    assert.equal(items[0]?.document_id, id);
    assert.equal(items[0]?.text, 'Patients park free in the courtyard garage.');
    assert.equal(typeof items[0]?.score, 'number');
    assert.deepEqual(items[0]?.matched_by, ['text', 'vector']);

    assert.equal((await apiRequest(`${server.url}/v1/knowledge/documents/${id}`, { method: 'DELETE' })).status, 204);
    const gone = await apiRequest(`${server.url}/v1/knowledge/documents/${id}`, { method: 'DELETE' });
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error, 'not_found');
  });

  it('refuses what it cannot take, with the reason', async () => {
    const before = (await apiRequest(`${server.url}/v1/knowledge/documents`)).body.items as unknown[];
    const odt = await upload(server, 'prices.odt', new Uint8Array([0x50, 0x4b, 3, 4]), 'application/vnd.oasis.opendocument.text');
    assert.equal(odt.status, 415);
    assert.equal(odt.body.error, 'unsupported_media_type');
    assert.equal(odt.body.message, 'prices.odt: ".odt" files are not supported; use .md, .markdown, .txt, .text, .html, .htm, .pdf, .docx');

    const notWord = await upload(server, 'prices.docx', storedZip({ 'prices.txt': 'Whitening 250 EUR' }), DOCX);
    assert.equal(notWord.status, 422);
    assert.equal(notWord.body.error, 'unreadable_document');
    assert.equal(notWord.body.message, 'prices.docx: not a readable Word document (it is a zip archive without word/document.xml, so it is no Word document)');
    const renamed = await upload(server, 'leaflet.docx', sampleDocument('leaflet.pdf').bytes, DOCX);
    assert.equal(renamed.status, 422);
    assert.equal(renamed.body.message, 'leaflet.docx: not a readable Word document (it is not a zip archive, or it is cut short, so it is no .docx)');
    assert.deepEqual((await apiRequest(`${server.url}/v1/knowledge/documents`)).body.items, before, 'nothing of the refused documents is stored');

    const big = await upload(server, 'big.md', new Uint8Array(70_000).fill(0x61), 'text/markdown');
    assert.equal(big.status, 413);

    const bigJson = await apiRequest(`${server.url}/v1/knowledge/documents`, { json: { title: 'Big', content: 'a'.repeat(70_000) } });
    assert.equal(bigJson.status, 413);
    assert.equal(bigJson.body.error, 'too_large');
    assert.match(String(bigJson.body.message), /^Big: 68\.4 KiB is more than the 64\.0 KiB a document may have$/);

    const broken = await upload(server, 'broken.pdf', new TextEncoder().encode('%PDF-1.7 nope'), 'application/pdf');
    assert.equal(broken.status, 422);
    assert.equal(broken.body.error, 'unreadable_document');

    const noTitle = await apiRequest(`${server.url}/v1/knowledge/documents`, { json: { content: 'text' } });
    assert.equal(noTitle.status, 422);
    assert.match(String(noTitle.body.message), /^title: /);

    const noFile = new FormData();
    noFile.append('title', 'x');
    const response = await fetch(`${server.url}/v1/knowledge/documents`, { method: 'POST', headers: { authorization: `Bearer ${TEST_API_KEY}` }, body: noFile });
    assert.equal(response.status, 422);

    const xml = await fetch(`${server.url}/v1/knowledge/documents`, { method: 'POST', headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/xml' }, body: '<a/>' });
    assert.equal(xml.status, 415);

    const badSearch = await apiRequest(`${server.url}/v1/knowledge/search?q=&language=de`);
    assert.equal(badSearch.status, 422);
  });

  it('re-embeds on request: the documents made with another model, or with all every one', async () => {
    const upToDate = await apiRequest(`${server.url}/v1/knowledge/reindex`, { json: {} });
    assert.deepEqual([upToDate.status, upToDate.body], [200, { reindexed: 0, embedding_model: 'text-embedding-3-small' }]);
    const listed = await apiRequest(`${server.url}/v1/knowledge/documents`);
    const everything = await apiRequest(`${server.url}/v1/knowledge/reindex`, { json: { all: true } });
    assert.deepEqual(everything.body, { reindexed: (listed.body.items as unknown[]).length, embedding_model: 'text-embedding-3-small' });
  });

  it('needs the bearer key, and is in the OpenAPI document', async () => {
    assert.equal((await upload(server, 'faq.md', sampleDocument('faq.md').bytes, 'text/markdown', {}, 'wrong-key-wrong-key')).status, 401);
    assert.equal((await apiRequest(`${server.url}/v1/knowledge/documents`, { key: null })).status, 401);
    assert.equal((await apiRequest(`${server.url}/v1/knowledge/search?q=x`, { key: null })).status, 401);
    const openapi = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { security?: unknown }>> };
    assert.deepEqual(Object.keys(openapi.paths).filter((p) => p.startsWith('/v1/knowledge')).sort(), [
      '/v1/knowledge/documents',
      '/v1/knowledge/documents/{id}',
      '/v1/knowledge/reindex',
      '/v1/knowledge/search',
    ]);
    assert.deepEqual(openapi.paths['/v1/knowledge/documents']!.post!.security, [{ bearerAuth: [] }]);
  });
});
