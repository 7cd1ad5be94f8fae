// Turns a document's bytes into sections of plain text, each under its path of headings.
import { convert, type DomNode, type FormatCallback } from 'html-to-text';
import { marked, type Token, type Tokens } from 'marked';
import { extractTextItems, getDocumentProxy, type StructuredTextItem } from 'unpdf';
import { KnowledgeInputError, type DocumentFormat } from './formats.ts';

export interface Section {
  /** Outermost first, e.g. ["Prices", "Whitening"]. */
  headings: string[];
  paragraphs: string[];
}

/** Sections of `bytes` read as `format`; throws KnowledgeInputError (unreadable, empty) naming `name`. */
export async function extractSections(name: string, format: DocumentFormat, bytes: Uint8Array): Promise<Section[]> {
  const sections =
    format === 'pdf'
      ? await pdfSections(name, bytes)
      : format === 'docx'
        ? headedTextSections(htmlToText(await readDocx(name, bytes)))
        : textSections(format, decodeUtf8(name, bytes));
  const kept = sections.filter((section) => section.paragraphs.length > 0);
  if (kept.length === 0) throw new KnowledgeInputError('empty', `${name}: no text found in it`);
  return kept;
}

// mammoth takes a few hundred ms to load: only a Word document pays for it.
async function readDocx(name: string, bytes: Uint8Array): Promise<string> {
  const { docxToHtml } = await import('./docx.ts');
  return docxToHtml(name, bytes);
}

function decodeUtf8(name: string, bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new KnowledgeInputError('unreadable', `${name}: not UTF-8 text (save it as UTF-8 and add it again)`);
  }
}

function textSections(format: Exclude<DocumentFormat, 'pdf' | 'docx'>, text: string): Section[] {
  if (format === 'markdown') return markdownSections(text);
  return headedTextSections(format === 'html' ? htmlToText(text) : text);
}

// ---- Markdown: the lexer's block tokens, headings opening sections, tables read row by row.

function markdownSections(markdown: string): Section[] {
  const sections: Section[] = [{ headings: [], paragraphs: [] }];
  const path: string[] = [];
  const add = (paragraph: string) => {
    const clean = normaliseSpace(paragraph);
    if (clean) sections.at(-1)!.paragraphs.push(clean);
  };
  for (const token of marked.lexer(markdown)) {
    if (token.type === 'heading') {
      const heading = token as Tokens.Heading;
      path.length = Math.min(path.length, heading.depth - 1);
      path.push(normaliseSpace(inlineText(heading.tokens)));
      sections.push({ headings: path.filter(Boolean), paragraphs: [] });
    } else {
      for (const paragraph of blockText(token)) add(paragraph);
    }
  }
  return sections;
}

function blockText(token: Token): string[] {
  switch (token.type) {
    case 'paragraph':
    case 'text':
      return [inlineText((token as Tokens.Paragraph).tokens ?? [])];
    case 'list':
      return (token as Tokens.List).items.map((item) => item.tokens.flatMap(blockText).join(' '));
    case 'table': {
      const table = token as Tokens.Table;
      const header = table.header.map((cell) => inlineText(cell.tokens));
      // "Service: Whitening; Price: 250 EUR" keeps each value next to what it is.
      return table.rows.map((row) => row.map((cell, i) => `${header[i] ? `${header[i]}: ` : ''}${inlineText(cell.tokens)}`).join('; '));
    }
    case 'blockquote':
      return (token as Tokens.Blockquote).tokens.flatMap(blockText);
    case 'code':
      return [(token as Tokens.Code).text];
    default:
      return [];
  }
}

function inlineText(tokens: Token[]): string {
  return tokens
    .map((token) => {
      if (token.type === 'br') return '\n';
      if ('tokens' in token && token.tokens && token.tokens.length > 0) return inlineText(token.tokens);
      if (token.type === 'image' || token.type === 'html') return '';
      return 'text' in token && typeof token.text === 'string' ? decodeEntities(token.text) : '';
    })
    .join('');
}

// marked escapes these in text tokens; the passage should read as written.
function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, (_, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[name] ?? _);
}

// ---- HTML (and .docx, through its HTML): converted to text with "#" headings, then read like plain text.

const markdownHeading: FormatCallback = (elem, walk, builder, options) => {
  builder.openBlock({ leadingLineBreaks: 2 });
  builder.addLiteral(`${'#'.repeat(Number(options['level'] ?? 1))} `);
  walk(elem.children ?? [], builder);
  builder.closeBlock({ trailingLineBreaks: 2 });
};

// A table row by row, each its own paragraph; "Product: Gel; Price: 12 €" when the first row is of <th> cells,
// as markdown tables read, so that a price stays next to what it is the price of.
const rowsTable: FormatCallback = (elem, _walk, builder) => {
  const rows = descendants(elem, 'tr').map((tr) =>
    (tr.children ?? []).filter((cell) => cell.name === 'td' || cell.name === 'th').map((cell) => ({ header: cell.name === 'th', text: normaliseSpace(textOf(cell)) })),
  );
  const header = rows[0]?.length && rows[0].every((cell) => cell.header) ? rows.shift()!.map((cell) => cell.text) : [];
  for (const row of rows) {
    const line = row.map((cell, i) => (cell.text && header[i] ? `${header[i]}: ${cell.text}` : cell.text)).filter(Boolean);
    if (line.length === 0) continue;
    builder.openBlock({ leadingLineBreaks: 2 });
    builder.addInline(line.join('; '));
    builder.closeBlock({ trailingLineBreaks: 2 });
  }
};

/** `elem`'s descendants named `name`, not looking inside them (a table nested in a cell stays part of its cell's text). */
function descendants(elem: DomNode, name: string): DomNode[] {
  return (elem.children ?? []).flatMap((child) => (child.name === name ? [child] : descendants(child, name)));
}

// Elements whose text stands apart from its neighbours' (a Word cell holds its lines as <p>s).
const BLOCK_ELEMENTS = new Set(['p', 'div', 'br', 'li', 'ul', 'ol', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'tr', 'td', 'th']);

function textOf(node: DomNode): string {
  if (node.type === 'text') return node.data ?? '';
  const inner = (node.children ?? []).map(textOf).join('');
  return node.name && BLOCK_ELEMENTS.has(node.name) ? ` ${inner} ` : inner;
}

function htmlToText(html: string): string {
  return convert(html, {
    wordwrap: false,
    formatters: { markdownHeading, rowsTable },
    selectors: [
      ...[1, 2, 3, 4, 5, 6].map((level) => ({ selector: `h${level}`, format: 'markdownHeading', options: { level } })),
      { selector: 'a', options: { ignoreHref: true } },
      { selector: 'img', format: 'skip' },
      { selector: 'nav', format: 'skip' },
      { selector: 'header', format: 'skip' },
      { selector: 'footer', format: 'skip' },
      { selector: 'table', format: 'rowsTable' },
    ],
  });
}

// ---- Plain text: paragraphs between blank lines; "# " lines (from HTML, or written so) are headings.

function headedTextSections(text: string): Section[] {
  const sections: Section[] = [{ headings: [], paragraphs: [] }];
  const path: string[] = [];
  for (const block of text.split(/\r?\n\s*\r?\n/)) {
    const heading = /^(#{1,6})\s+(.+)$/.exec(block.trim());
    if (heading && !heading[2]!.includes('\n')) {
      path.length = Math.min(path.length, heading[1]!.length - 1);
      path.push(normaliseSpace(heading[2]!));
      sections.push({ headings: [...path], paragraphs: [] });
      continue;
    }
    const clean = normaliseSpace(block);
    if (clean) sections.at(-1)!.paragraphs.push(clean);
  }
  return sections;
}

// ---- PDF: lines rebuilt from positioned text; larger type opens a section, a wider gap a paragraph.

interface PdfLine {
  text: string;
  y: number;
  fontSize: number;
}

async function pdfSections(name: string, bytes: Uint8Array): Promise<Section[]> {
  let pages: StructuredTextItem[][];
  try {
    // pdf.js takes ownership of (detaches) the buffer it is given: hand it a copy.
    const pdf = await getDocumentProxy(new Uint8Array(bytes));
    pages = (await extractTextItems(pdf)).items;
  } catch (error) {
    throw new KnowledgeInputError('unreadable', `${name}: not a readable PDF (${error instanceof Error ? error.message : String(error)})`);
  }
  const pageLines = pages.map(toLines);
  const bodySize = commonFontSize(pageLines.flat());
  const sections: Section[] = [{ headings: [], paragraphs: [] }];
  for (const lines of pageLines) {
    let paragraph: string[] = [];
    const flush = () => {
      const text = normaliseSpace(paragraph.join(' '));
      if (text) sections.at(-1)!.paragraphs.push(text);
      paragraph = [];
    };
    lines.forEach((line, i) => {
      if (line.fontSize > bodySize * 1.15) {
        flush();
        sections.push({ headings: [normaliseSpace(line.text)], paragraphs: [] });
        return;
      }
      const previous = lines[i - 1];
      if (previous && previous.y - line.y > line.fontSize * 1.8) flush();
      paragraph.push(line.text);
    });
    flush();
  }
  return sections;
}

function toLines(items: StructuredTextItem[]): PdfLine[] {
  const lines: PdfLine[] = [];
  let current: PdfLine | undefined;
  for (const item of items) {
    if (!current) current = { text: '', y: item.y, fontSize: item.fontSize };
    current.text += item.str;
    current.fontSize = Math.max(current.fontSize, item.fontSize);
    if (item.hasEOL) {
      lines.push(current);
      current = undefined;
    }
  }
  if (current) lines.push(current);
  return lines.filter((line) => line.text.trim());
}

/** The font size most of the text is set in. */
function commonFontSize(lines: PdfLine[]): number {
  const chars = new Map<number, number>();
  for (const line of lines) chars.set(line.fontSize, (chars.get(line.fontSize) ?? 0) + line.text.length);
  return [...chars].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
}

function normaliseSpace(text: string): string {
  return text.replace(/[\s\u00a0]+/g, ' ').trim();
}
