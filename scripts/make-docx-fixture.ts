// Writes test/fixtures/aftercare.docx, a small Word document for the .docx ingestion tests (run once; the file is committed).
// Run: node scripts/make-docx-fixture.ts   (the `docx` devDependency writes real OOXML with Word's heading styles). Running it again
// writes the same parts; only the dates in docProps/core.xml and the zip entries differ.
import { writeFileSync } from 'node:fs';
import { Document, HeadingLevel, Packer, Paragraph, Table, TableCell, TableRow, TextRun } from 'docx';

const OUT = new URL('../test/fixtures/aftercare.docx', import.meta.url);

const heading = (text: string, level: (typeof HeadingLevel)[keyof typeof HeadingLevel]) => new Paragraph({ text, heading: level });
const paragraph = (...runs: (string | TextRun)[]) => new Paragraph({ children: runs.map((run) => (typeof run === 'string' ? new TextRun(run) : run)) });
const bullet = (text: string) => new Paragraph({ text, bullet: { level: 0 } });
const cells = (texts: string[]) => texts.map((text) => new TableCell({ children: [new Paragraph(text)] }));
// A header row is marked as Word marks one ("Repeat as header row"), which mammoth turns into <th>.
const headerRow = (...texts: string[]) => new TableRow({ tableHeader: true, children: cells(texts) });
const row = (...texts: string[]) => new TableRow({ children: cells(texts) });

const document = new Document({
  creator: 'phone-assistant test fixture',
  title: 'Aftercare instructions',
  sections: [
    {
      children: [
        heading('Aftercare instructions', HeadingLevel.HEADING_1),
        paragraph('What to do at home after treatment at Bright Smile Dental.'),
        heading('After a tooth extraction', HeadingLevel.HEADING_2),
        paragraph('Bite on the gauze for ', new TextRun({ text: '30 minutes', bold: true }), '. Do not rinse, smoke or drink through a straw for 24 hours.'),
        paragraph('Mild pain is normal for two to three days; take ibuprofen if you need it.'),
        heading('After whitening', HeadingLevel.HEADING_2),
        bullet('Avoid coffee, tea and red wine for 48 hours.'),
        bullet('Sensitive teeth for a day or two are common and pass on their own.'),
        heading('Po extrakcii zuba', HeadingLevel.HEADING_2),
        paragraph('Dve hodiny nejedzte a nepite horúce nápoje. Ak krvácanie neprestane do večera, zavolajte nám.'),
        heading('Aftercare products', HeadingLevel.HEADING_2),
        new Table({ rows: [headerRow('Product', 'Price'), row('Desensitising gel', '12 €'), row('Soft toothbrush', '4 €')] }),
      ],
    },
  ],
});

writeFileSync(OUT, await Packer.toBuffer(document));
console.log(`wrote ${OUT.pathname}`);
