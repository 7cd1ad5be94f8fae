// Word documents (.docx) as HTML through mammoth, so that Word's heading styles become <h1>…<h6> and the heading path.
import mammoth from 'mammoth';
import { KnowledgeInputError } from './formats.ts';

// An OLE compound file: what Word 97–2003 (.doc) writes, and what it wraps a password-protected .docx in.
const COMPOUND_FILE_SIGNATURE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

// Images carry no text the assistant could say; an empty src keeps mammoth from base64-encoding each one.
const noImages = mammoth.images.imgElement(() => Promise.resolve({ src: '' }));

/** The document's body as HTML; throws KnowledgeInputError (unreadable) naming `name` and why. */
export async function docxToHtml(name: string, bytes: Uint8Array): Promise<string> {
  if (COMPOUND_FILE_SIGNATURE.every((byte, i) => bytes[i] === byte)) {
    throw unreadable(name, 'it is an older Word .doc or a password-protected document; save it from Word as .docx without a password');
  }
  try {
    const result = await mammoth.convertToHtml(
      { buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) },
      // Never follow links a document makes to other files: the server must read only what it was given.
      { convertImage: noImages, externalFileAccess: false, ignoreEmptyParagraphs: true },
    );
    return result.value;
  } catch (error) {
    throw unreadable(name, reasonOf(error instanceof Error ? error.message : String(error)));
  }
}

function unreadable(name: string, reason: string): KnowledgeInputError {
  return new KnowledgeInputError('unreadable', `${name}: not a readable Word document (${reason})`);
}

// mammoth's and jszip's messages, said in the owner's terms.
function reasonOf(message: string): string {
  if (/encrypted/i.test(message)) return 'its zip archive is encrypted; save it from Word as .docx without a password';
  if (/end of central directory|end of data|corrupted zip|signature/i.test(message)) return 'it is not a zip archive, or it is cut short, so it is no .docx';
  // jszip calls a damaged deflate stream a "Bug"; it is the file's, not ours.
  if (/size mismatch|invalid (block|distance|code|stored)|incorrect header|crc32/i.test(message)) return 'it is damaged: part of its zip archive does not unpack';
  if (/xmldom|parse error/i.test(message)) return 'the XML inside it is damaged';
  if (/could not find main document part/i.test(message)) return 'it is a zip archive without word/document.xml, so it is no Word document';
  return message.split('\n')[0]!.trim();
}
