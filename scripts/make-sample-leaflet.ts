// Writes knowledge/sample/leaflet.pdf, the sample practice's three-page leaflet (run once; the PDF is committed).
import { readFileSync, writeFileSync } from 'node:fs';
import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, rgb, type PDFFont, type PDFPage } from 'pdf-lib';

// DejaVu Sans (Debian's fonts-dejavu-core) has every letter of Slovak, Ukrainian and Russian.
const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
const BOLD = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';
const OUT = new URL('../knowledge/sample/leaflet.pdf', import.meta.url);

type Block = { heading: string } | { text: string };

const PAGES: Block[][] = [
  [
    { heading: 'Bright Smile Dental' },
    { text: 'A family dental practice at Hlavná 12, Košice. Check-ups, hygiene, fillings, whitening, implants and emergency care for adults and children.' },
    { heading: 'Professional teeth whitening' },
    { text: 'In-office whitening takes about 90 minutes and lightens teeth by several shades in one visit. The result lasts one to two years, longer if you avoid coffee, red wine and smoking.' },
    { text: 'Whitening is not suitable for patients under 18, during pregnancy or breastfeeding, or with untreated decay. A check-up and hygiene are required before whitening.' },
  ],
  [
    { heading: 'Dentálna hygiena' },
    { text: 'Dentálna hygiena trvá približne 45 minút. Odporúčame ju dvakrát ročne. Hygienička odstráni zubný kameň a povlak, vyleští zuby a naučí vás správne čistiť medzizubné priestory.' },
    { heading: 'Zubné implantáty' },
    { text: 'Implantát nahrádza chýbajúci zub. Ošetrenie prebieha v dvoch fázach: vloženie implantátu a po troch až šiestich mesiacoch upevnenie korunky. Pred ošetrením je potrebné panoramatické RTG vyšetrenie.' },
  ],
  [
    { heading: 'Children at Bright Smile' },
    { text: 'Bring your child for the first visit at about one year of age. Children get a sticker and a small gift after every visit. Fissure sealing protects the back teeth of children from decay and is done from the age of six.' },
    { heading: 'Opening hours' },
    { text: 'Monday to Wednesday 8:00 to 17:00, Thursday 8:00 to 19:00, Friday 8:00 to 14:00. Closed at the weekend.' },
  ],
];

const MARGIN = 56;
const BODY_SIZE = 11;
const HEADING_SIZE = 17;

function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const next = line ? `${line} ${word}` : word;
    if (font.widthOfTextAtSize(next, size) > width && line) {
      lines.push(line);
      line = word;
    } else {
      line = next;
    }
  }
  if (line) lines.push(line);
  return lines;
}

function drawPage(page: PDFPage, blocks: Block[], font: PDFFont, bold: PDFFont): void {
  const width = page.getWidth() - 2 * MARGIN;
  let y = page.getHeight() - MARGIN;
  for (const block of blocks) {
    if ('heading' in block) {
      y -= HEADING_SIZE * 1.6;
      page.drawText(block.heading, { x: MARGIN, y, size: HEADING_SIZE, font: bold, color: rgb(0.05, 0.35, 0.55) });
      y -= HEADING_SIZE * 0.6;
      continue;
    }
    for (const line of wrap(block.text, font, BODY_SIZE, width)) {
      y -= BODY_SIZE * 1.4;
      page.drawText(line, { x: MARGIN, y, size: BODY_SIZE, font });
    }
    y -= BODY_SIZE * 1.2;
  }
}

const pdf = await PDFDocument.create();
pdf.registerFontkit(fontkit);
pdf.setTitle('Bright Smile Dental leaflet');
pdf.setCreationDate(new Date('2026-01-01T00:00:00Z'));
pdf.setModificationDate(new Date('2026-01-01T00:00:00Z'));
const font = await pdf.embedFont(readFileSync(FONT), { subset: true });
const bold = await pdf.embedFont(readFileSync(BOLD), { subset: true });
for (const blocks of PAGES) drawPage(pdf.addPage([595, 842]), blocks, font, bold);
writeFileSync(OUT, await pdf.save());
console.log(`wrote ${OUT.pathname}`);
