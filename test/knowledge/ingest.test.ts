// Ingestion on PGlite: every shipped format, replacement, dedup by hash, and nothing half-stored after a failure.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Db } from '../../src/db/db.ts';
import { KnowledgeInputError } from '../../src/knowledge/formats.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { sampleDocument, sampleDocuments, testKnowledge } from '../helpers/knowledge.ts';
import { storedZip } from '../helpers/stored-zip.ts';
import { openTestDb } from '../helpers/test-app.ts';

async function counts(db: Db): Promise<{ documents: number; chunks: number }> {
  const { rows } = await db.query<{ documents: number; chunks: number }>(
    'SELECT (SELECT count(*)::int FROM knowledge_documents) AS documents, (SELECT count(*)::int FROM knowledge_chunks) AS chunks',
  );
  return rows[0]!;
}

async function passages(db: Db, name: string): Promise<{ heading: string; text: string; language: string }[]> {
  const { rows } = await db.query<{ heading: string; text: string; language: string }>(
    `SELECT c.heading, c.text, c.language FROM knowledge_chunks c JOIN knowledge_documents d ON d.id = c.document_id
     WHERE d.name = $1 ORDER BY c.position`,
    [name],
  );
  return rows;
}

const WORD_NS = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';

/** The fixture with 64 bytes of word/document.xml's compressed text overwritten: a zip whose main part does not unpack. */
function damagedDocx(): Uint8Array {
  const bytes = Buffer.from(readFileSync(new URL('../fixtures/aftercare.docx', import.meta.url)));
  const at = bytes.indexOf('word/document.xml') + 'word/document.xml'.length + 200;
  return new Uint8Array(bytes.fill(0x41, at, at + 64));
}

describe('knowledge ingestion', () => {
  let standIn: LlmStandIn;
  let db: Db;

  before(async () => {
    standIn = await startLlmStandIn();
  });
  after(async () => {
    await standIn.close();
  });
  beforeEach(async () => {
    standIn.reset();
    await db?.close();
    db = await openTestDb();
  });
  after(async () => {
    await db.close();
  });

  it('reads markdown tables row by row, under their headings, in the language they are written in', async () => {
    const { knowledge } = testKnowledge(db, standIn);
    const result = await knowledge.add(sampleDocument('cennik.md'));
    assert.equal(result.status, 'added');
    assert.equal(result.title, 'Cenník Bright Smile Dental');
    const stored = await passages(db, 'cennik.md');
    assert.equal(stored.length, result.chunks);
    const whitening = stored.find((p) => p.text.includes('Bielenie zubov v ambulancii'));
    assert.ok(whitening, 'the whitening row is stored');
    assert.equal(whitening.heading, 'Cenník Bright Smile Dental > Estetika a protetika');
    assert.match(whitening.text, /Služba: Bielenie zubov v ambulancii; Cena: 250 €/);
    assert.ok(stored.every((p) => p.language === 'sk'));
  });

  it('reads HTML without its navigation, with <h1>/<h2> as the heading path', async () => {
    const { knowledge } = testKnowledge(db, standIn);
    await knowledge.add(sampleDocument('dlia-patsiientiv-z-ukrainy.html'));
    const stored = await passages(db, 'dlia-patsiientiv-z-ukrainy.html');
    assert.ok(stored.every((p) => !p.text.includes('Головна')), 'the <nav> is left out');
    const documents = stored.find((p) => p.heading === 'Пацієнтам з України > Які документи взяти з собою');
    assert.ok(documents);
    assert.match(documents.text, /тимчасовий захист/);
    assert.ok(stored.every((p) => p.language === 'uk'));

    // A table is read row by row (a paragraph each, here sharing one passage); without <th> cells naming the columns, cells stand side by side.
    const table = '<h1>Prices</h1><table><tr><td>Whitening</td><td>250 &euro;</td></tr><tr><td>Check-up <b>for</b> adults</td><td><p>40 €</p><p>(30 minutes)</p></td></tr></table>';
    await knowledge.add({ name: 'prices.html', bytes: new TextEncoder().encode(table) });
    assert.deepEqual((await passages(db, 'prices.html')).map((p) => p.text), ['Whitening; 250 € Check-up for adults; 40 € (30 minutes)']);
  });

  it('reads plain text, and every page of a multi-page PDF with its headings', async () => {
    const { knowledge } = testKnowledge(db, standIn);
    await knowledge.add(sampleDocument('garantii.txt'));
    const text = await passages(db, 'garantii.txt');
    assert.match(text.map((p) => p.text).join(' '), /гарантию два года на пломбы/);
    assert.equal(text[0]!.language, 'ru');

    const pdf = await knowledge.add(sampleDocument('leaflet.pdf'));
    assert.equal(pdf.title, 'Bright Smile Dental');
    const pages = await passages(db, 'leaflet.pdf');
    const byHeading = (heading: string) => pages.find((p) => p.heading.endsWith(heading));
    assert.match(byHeading('Professional teeth whitening')!.text, /about 90 minutes/, 'page 1');
    assert.match(byHeading('Dentálna hygiena')!.text, /trvá približne 45 minút/, 'page 2, Slovak letters intact');
    assert.equal(byHeading('Dentálna hygiena')!.language, 'sk');
    assert.match(byHeading('Opening hours')!.text, /Thursday 8:00 to 19:00/, 'page 3');
  });

  it('reads a Word document: its heading styles as the heading path, lists and table rows as passages', async () => {
    // test/fixtures/aftercare.docx is written by scripts/make-docx-fixture.ts.
    const bytes = readFileSync(new URL('../fixtures/aftercare.docx', import.meta.url));
    const { knowledge } = testKnowledge(db, standIn);
    const result = await knowledge.add({ name: 'aftercare.docx', bytes });
    assert.equal(result.status, 'added');
    assert.equal(result.title, 'Aftercare instructions');
    const stored = await passages(db, 'aftercare.docx');
    assert.equal(stored.length, result.chunks);
    const under = (heading: string) => stored.filter((p) => p.heading === `Aftercare instructions > ${heading}`).map((p) => p.text).join(' ');
    assert.match(under('After a tooth extraction'), /^Bite on the gauze for 30 minutes\. Do not rinse, smoke or drink through a straw for 24 hours\./);
    assert.match(under('After whitening'), /Avoid coffee, tea and red wine for 48 hours\./);
    assert.match(under('Aftercare products'), /Product: Desensitising gel; Price: 12 €.*Product: Soft toothbrush; Price: 4 €/);
    const slovak = stored.find((p) => p.heading.endsWith('Po extrakcii zuba'));
    assert.match(slovak!.text, /nepite horúce nápoje/);
    assert.equal(slovak!.language, 'sk');
    assert.equal(stored.find((p) => p.heading.endsWith('After whitening'))!.language, 'en');
    assert.equal((await knowledge.list())[0]!.format, 'docx');

    // Found by what it says, under its headings, like any other document.
    const found = await knowledge.search('How much is the desensitising gel?', 'en', 1);
    assert.match(found[0]!.text, /Desensitising gel; Price: 12 €/);
    assert.equal(found[0]!.heading, 'Aftercare instructions > Aftercare products');
  });

  it('splits a long section into passages no longer than the chunk size, overlapping by whole sentences', async () => {
    const { knowledge } = testKnowledge(db, null, { KNOWLEDGE_CHUNK_SIZE: '200', KNOWLEDGE_CHUNK_OVERLAP: '60' });
    const sentences = Array.from({ length: 12 }, (_, i) => `Sentence number ${i + 1} tells one fact.`).join(' ');
    await knowledge.add({ name: 'long.md', bytes: new TextEncoder().encode(`# Long\n\n${sentences}`) });
    const stored = await passages(db, 'long.md');
    assert.ok(stored.length >= 3);
    assert.ok(stored.every((p) => p.text.length <= 200));
    for (let i = 1; i < stored.length; i += 1) {
      const firstSentence = /^.*?\./.exec(stored[i]!.text)![0];
      assert.ok(stored[i - 1]!.text.includes(firstSentence), `passage ${i + 1} starts with the end of the one before`);
    }
  });

  it('skips identical content without embedding it again, and replaces a document added again under its name', async () => {
    const { knowledge } = testKnowledge(db, standIn);
    const first = await knowledge.add(sampleDocument('faq.md'));
    const embedded = standIn.embeddingRequests.length;
    assert.ok(embedded > 0);

    const again = await knowledge.add(sampleDocument('faq.md'));
    assert.deepEqual({ ...again }, { ...first, status: 'unchanged' });
    assert.equal(standIn.embeddingRequests.length, embedded, 'no new embedding request');

    const changed = await knowledge.add({ name: 'faq.md', bytes: new TextEncoder().encode('# FAQ\n\nWe are closed in August.') });
    assert.equal(changed.status, 'replaced');
    assert.notEqual(changed.id, first.id);
    assert.deepEqual(await counts(db), { documents: 1, chunks: 1 });
    assert.equal((await knowledge.list())[0]!.id, changed.id);
  });

  it('refuses bad files with a message naming the file and the reason, storing nothing', async () => {
    const { knowledge } = testKnowledge(db, standIn, { KNOWLEDGE_MAX_DOCUMENT_BYTES: '16384' });
    const refusals: [string, Uint8Array, string, RegExp][] = [
      ['prices.odt', new Uint8Array([0x50, 0x4b, 3, 4]), 'unsupported', /^prices\.odt: "\.odt" files are not supported; use \.md, .*\.pdf, \.docx$/],
      ['random.docx', new Uint8Array(2000).map((_, i) => (i * 7919) % 251), 'unreadable', /^random\.docx: not a readable Word document \(it is not a zip archive, or it is cut short, so it is no \.docx\)$/],
      ['pk.docx', new TextEncoder().encode('PK'), 'unreadable', /^pk\.docx: not a readable Word document \(it is not a zip archive, or it is cut short, so it is no \.docx\)$/],
      ['zip.docx', storedZip({ 'readme.txt': 'not a Word document' }), 'unreadable', /^zip\.docx: not a readable Word document \(it is a zip archive without word\/document\.xml, so it is no Word document\)$/],
      ['old.docx', new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]), 'unreadable', /^old\.docx: not a readable Word document \(it is an older Word \.doc or a password-protected document; save it from Word as \.docx without a password\)$/],
      ['damaged.docx', damagedDocx(), 'unreadable', /^damaged\.docx: not a readable Word document \(it is damaged: part of its zip archive does not unpack\)$/],
      ['badxml.docx', storedZip({ 'word/document.xml': '<w:document><w:body' }), 'unreadable', /^badxml\.docx: not a readable Word document \(the XML inside it is damaged\)$/],
      ['blank.docx', storedZip({ 'word/document.xml': `<w:document xmlns:w="${WORD_NS}"><w:body><w:p/></w:body></w:document>` }), 'empty', /^blank\.docx: no text found in it$/],
      ['cut.docx', readFileSync(new URL('../fixtures/aftercare.docx', import.meta.url)).subarray(0, 4000), 'unreadable', /^cut\.docx: not a readable Word document \(it is not a zip archive, or it is cut short/],
      ['broken.pdf', new TextEncoder().encode('%PDF-1.7\nthis is not really a PDF'), 'unreadable', /^broken\.pdf: not a readable PDF/],
      ['latin1.txt', new Uint8Array([0x43, 0x65, 0x6e, 0xed, 0x6b]), 'unreadable', /^latin1\.txt: not UTF-8 text/],
      ['blank.md', new TextEncoder().encode('  \n\n# \n'), 'empty', /^blank\.md: no text found in it$/],
      ['huge.md', new Uint8Array(20_000).fill(0x61), 'too_large', /^huge\.md: 19\.5 KiB is more than the 16\.0 KiB a document may have$/],
    ];
    for (const [name, bytes, problem, message] of refusals) {
      await assert.rejects(knowledge.add({ name, bytes }), (error: unknown) => {
        assert.ok(error instanceof KnowledgeInputError, `${name}: ${String(error)}`);
        assert.equal(error.problem, problem);
        assert.match(error.message, message);
        return true;
      });
    }
    assert.deepEqual(await counts(db), { documents: 0, chunks: 0 });
  });

  it('leaves nothing behind, and the old version in place, when embedding fails part-way', async () => {
    const { knowledge } = testKnowledge(db, standIn);
    const old = await knowledge.add({ name: 'faq.md', bytes: new TextEncoder().encode('# FAQ\n\nWe are open on Mondays.') });
    // 70 passages take two embedding requests; the second is refused (a 400 is not retried).
    const long = Array.from({ length: 70 }, (_, i) => `## Question ${i}\n\nAnswer number ${i}.`).join('\n\n');
    standIn.enqueueEmbedding({ text: 'ok' }, { status: 400 });
    await assert.rejects(knowledge.add({ name: 'faq.md', bytes: new TextEncoder().encode(long) }), /the embedding endpoint failed for text-embedding-3-small/);
    assert.deepEqual(await counts(db), { documents: 1, chunks: 1 });
    assert.equal((await knowledge.list())[0]!.id, old.id);
  });

  it('ingests every sample document', async () => {
    const { knowledge } = testKnowledge(db, standIn);
    for (const document of sampleDocuments()) assert.equal((await knowledge.add(document)).status, 'added');
    const listed = await knowledge.list();
    assert.deepEqual(listed.map((d) => [d.name, d.format]), [
      ['cennik.md', 'markdown'],
      ['dlia-patsiientiv-z-ukrainy.html', 'html'],
      ['faq.md', 'markdown'],
      ['garantii.txt', 'text'],
      ['leaflet.pdf', 'pdf'],
    ]);
    assert.ok(listed.every((d) => d.embeddingModel === 'text-embedding-3-small'));
  });
});
