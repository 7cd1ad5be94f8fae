// Expands the paths given to `knowledge add` into the document files to read, folders walked in name order.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { SUPPORTED_EXTENSIONS } from '../src/knowledge/formats.ts';
import { CliError } from './cli-error.ts';

export interface DocumentFile {
  /** Where it is on disk. */
  file: string;
  /** Its name in the knowledge base: the file name, or its path within a folder given. */
  name: string;
}

/** Files named are taken whatever their extension (a wrong one is refused later, by name); folders yield supported files only. */
export async function collectFiles(paths: readonly string[]): Promise<{ files: DocumentFile[]; skipped: string[] }> {
  const files: DocumentFile[] = [];
  const skipped: string[] = [];
  for (const given of paths) {
    const info = await stat(given).catch(() => {
      throw new CliError(`${given}: no such file or folder`);
    });
    if (!info.isDirectory()) {
      files.push({ file: given, name: path.basename(given) });
      continue;
    }
    const entries = (await readdir(given, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile());
    for (const entry of entries.sort((a, b) => path.join(a.parentPath, a.name).localeCompare(path.join(b.parentPath, b.name)))) {
      const file = path.join(entry.parentPath, entry.name);
      const name = path.relative(given, file).split(path.sep).join('/');
      if (SUPPORTED_EXTENSIONS.includes(path.extname(entry.name).toLowerCase())) files.push({ file, name });
      else skipped.push(file);
    }
  }
  return { files, skipped };
}
