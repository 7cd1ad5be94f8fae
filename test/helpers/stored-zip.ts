// A zip archive of the given files, stored uncompressed: for tests that need a zip which is not a Word document.
import { crc32 } from 'node:zlib';

/** `files`: name → content. Every entry is dated 1980-01-01, so the same files give the same bytes. */
export function storedZip(files: Record<string, string>): Uint8Array {
  const parts: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of Object.entries(files)) {
    const nameBytes = Buffer.from(name, 'utf8');
    const data = Buffer.from(content, 'utf8');
    // What the local header and the central directory both say of an entry (APPNOTE 4.3.7 from "version needed").
    const entry = Buffer.alloc(26);
    entry.writeUInt16LE(20, 0); // version needed: 2.0
    entry.writeUInt16LE(0, 2); // flags
    entry.writeUInt16LE(0, 4); // method: stored
    entry.writeUInt16LE(0, 6); // time 00:00
    entry.writeUInt16LE(0x21, 8); // date 1980-01-01
    entry.writeUInt32LE(crc32(data), 10);
    entry.writeUInt32LE(data.length, 14); // compressed size
    entry.writeUInt32LE(data.length, 18); // size
    entry.writeUInt16LE(nameBytes.length, 22);
    entry.writeUInt16LE(0, 24); // extra field length
    const local = Buffer.concat([signature(0x04034b50), entry, nameBytes, data]);
    const tail = Buffer.alloc(14); // comment length, disk, attributes: 0; then where the local header starts
    tail.writeUInt32LE(offset, 10);
    directory.push(signature(0x02014b50), Buffer.from([20, 0]), entry, tail, nameBytes);
    parts.push(local);
    offset += local.length;
  }
  const central = Buffer.concat(directory);
  const end = Buffer.alloc(18);
  end.writeUInt16LE(Object.keys(files).length, 4);
  end.writeUInt16LE(Object.keys(files).length, 6);
  end.writeUInt32LE(central.length, 8);
  end.writeUInt32LE(offset, 12);
  return new Uint8Array(Buffer.concat([...parts, central, signature(0x06054b50), end]));
}

function signature(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value);
  return bytes;
}
