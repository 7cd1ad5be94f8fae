// `phone-assistant knowledge add|list|remove|search|reindex`: the owner's view of the knowledge base.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { LANGUAGES, loadConfig, type Config, type Language } from '../src/config.ts';
import { DataDirLockedError } from '../src/db/data-dir-lock.ts';
import type { Db } from '../src/db/db.ts';
import { openDb } from '../src/db/open-db.ts';
import { KnowledgeInputError } from '../src/knowledge/formats.ts';
import { createKnowledgeBase } from '../src/knowledge/knowledge-base.ts';
import { CliError } from './cli-error.ts';
import type { KnowledgeAccess } from './knowledge-access.ts';
import { collectFiles } from './knowledge-files.ts';
import { KNOWLEDGE_HELP } from './knowledge-help.ts';
import { DocumentRefusedError, remoteKnowledge } from './knowledge-remote.ts';
import { createProgress } from './knowledge-progress.ts';
import { errorLine, noteLine } from './terminal.ts';

const SUBCOMMANDS = ['add', 'list', 'remove', 'search', 'reindex'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

interface KnowledgeArgs {
  subcommand: Subcommand;
  operands: string[];
  language: Language | undefined;
  limit: number;
  all: boolean;
}

export function parseKnowledgeArgs(args: string[]): KnowledgeArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { language: { type: 'string' }, limit: { type: 'string' }, all: { type: 'boolean' } },
    });
  } catch (error) {
    throw new CliError(`${error instanceof Error ? error.message : String(error)}\nRun phone-assistant --help for the commands and options.`);
  }
  const [subcommand, ...operands] = parsed.positionals;
  if (!subcommand || !(SUBCOMMANDS as readonly string[]).includes(subcommand)) {
    throw new CliError(`knowledge needs one of ${SUBCOMMANDS.join(', ')}${subcommand ? `, not "${subcommand}"` : ''}\n\n${KNOWLEDGE_HELP}`);
  }
  const { language, limit, all } = parsed.values;
  if (language !== undefined && !(LANGUAGES as readonly string[]).includes(language)) throw new CliError(`--language must be one of ${LANGUAGES.join(', ')}`);
  if (limit !== undefined && !/^([1-9]|1\d|20)$/.test(limit)) throw new CliError('--limit must be a whole number from 1 to 20');
  const wanted: Record<Subcommand, [min: number, max: number, what: string]> = {
    add: [1, Infinity, 'the files or folders to add'],
    list: [0, 0, ''],
    remove: [1, 1, 'the id of the document to remove (see knowledge list)'],
    search: [1, 1, 'the query, in quotes'],
    reindex: [0, 0, ''],
  };
  const [min, max, what] = wanted[subcommand as Subcommand];
  if (operands.length < min) throw new CliError(`knowledge ${subcommand} needs ${what}`);
  if (operands.length > max) throw new CliError(`unexpected argument "${operands.slice(max).join(' ')}" after knowledge ${subcommand}`);
  return { subcommand: subcommand as Subcommand, operands, language: language as Language | undefined, limit: Number(limit ?? 3), all: all ?? false };
}

export async function runKnowledge(args: string[]): Promise<number> {
  const parsed = parseKnowledgeArgs(args);
  const config = loadConfig(process.env);
  const opened = await openKnowledge(config);
  try {
    return await dispatch(parsed, opened.knowledge, config.defaultLanguage);
  } finally {
    await opened.close();
  }
}

/** The database itself, or, when a running server holds the embedded one, that server's API. */
async function openKnowledge(config: Config): Promise<{ knowledge: KnowledgeAccess; close(): Promise<void> }> {
  let db: Db;
  try {
    db = await openDb(config.database, { info: () => {}, warn: ({ err }, msg) => errorLine(`${msg}: ${err.message}`) }, { use: 'knowledge' });
  } catch (error) {
    if (!(error instanceof DataDirLockedError)) throw error;
    const { holder } = error;
    if (holder?.use !== 'server') throw new CliError(error.message, { cause: error });
    const where = `DATA_DIR ${config.database.dataDir} is held by the running server (PID ${holder.pid})`;
    if (!holder.url) throw new CliError(`${where}, which is still starting: try again in a moment`, { cause: error });
    if (!config.apiKey) {
      throw new CliError(`${where}: set API_KEY (in .env or the environment) to the server's API_KEY so that this command can use its API, or stop the server`);
    }
    noteLine(`${where}: working through its API at ${holder.url}`);
    return { knowledge: remoteKnowledge(holder.url, config.apiKey), close: async () => {} };
  }
  const knowledge = createKnowledgeBase({
    db,
    config,
    log: { warn: ({ err }, msg) => errorLine(`warning: ${msg}${err instanceof Error ? `: ${err.message}` : ''}`) },
  });
  noteLine(`knowledge base in ${config.database.url ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${config.database.dataDir}`}; retrieval: ${knowledge.description}`);
  return { knowledge, close: () => db.close() };
}

async function dispatch(args: KnowledgeArgs, knowledge: KnowledgeAccess, defaultLanguage: Language): Promise<number> {
  switch (args.subcommand) {
    case 'add':
      return add(knowledge, args.operands);
    case 'list':
      return list(knowledge);
    case 'remove':
      return remove(knowledge, args.operands[0]!);
    case 'search':
      return search(knowledge, args.operands[0]!, args.language ?? defaultLanguage, args.limit);
    case 'reindex':
      return reindex(knowledge, args.all);
  }
}

async function add(knowledge: KnowledgeAccess, paths: string[]): Promise<number> {
  const { files, skipped } = await collectFiles(paths);
  for (const file of skipped) noteLine(`skipped ${file}: not a supported document type`);
  const progress = createProgress();
  let failed = 0;
  for (const { file, name } of files) {
    try {
      const bytes = await readFile(file);
      const result = await knowledge.add({ name, bytes }, { embedded: (done, total) => progress.update(`embedding ${name}`, done, total) });
      progress.stop();
      const id = result.id;
      const what = result.status === 'unchanged' ? 'unchanged' : `${result.status}, ${result.chunks} passage${result.chunks === 1 ? '' : 's'}`;
      console.log(`${name}: ${what} — "${result.title}" (id ${id})`);
    } catch (error) {
      progress.stop();
      failed += 1;
      // A file the owner can fix says what is wrong with it; anything else is kept whole for a bug report.
      if (error instanceof KnowledgeInputError || error instanceof DocumentRefusedError) errorLine(`error: ${error.message}`);
      else errorLine(`error: ${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (files.length === 0) throw new CliError(`no documents found in ${paths.join(', ')}`);
  if (failed > 0) errorLine(`${failed} of ${files.length} documents could not be added; nothing of them was stored`);
  return failed > 0 ? 1 : 0;
}

async function list(knowledge: KnowledgeAccess): Promise<number> {
  const documents = await knowledge.list();
  if (documents.length === 0) {
    console.log('no documents yet: add some with phone-assistant knowledge add <files or folders>');
    return 0;
  }
  console.table(
    documents.map((document) => ({
      id: document.id,
      name: document.name,
      title: document.title,
      format: document.format,
      passages: document.chunks,
      vectors: document.embeddingModel ?? '-',
      updated: document.updatedAt.toISOString().slice(0, 16).replace('T', ' '),
    })),
  );
  return 0;
}

async function remove(knowledge: KnowledgeAccess, id: string): Promise<number> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new CliError(`"${id}" is not a document id; knowledge list shows them`);
  if (!(await knowledge.remove(id))) throw new CliError(`no document with id ${id}; knowledge list shows them`);
  console.log(`removed ${id}`);
  return 0;
}

async function search(knowledge: KnowledgeAccess, query: string, language: Language, limit: number): Promise<number> {
  const results = await knowledge.search(query, language, limit);
  if (results.length === 0) {
    console.log('no passage matches: the assistant would say it does not know');
    return 0;
  }
  results.forEach((result, i) => {
    console.log(`${i + 1}. score ${result.score.toFixed(4)} (${result.matchedBy.join(' + ')}) — ${result.heading} [${result.language}]`);
    console.log(`   ${result.text}`);
  });
  return 0;
}

async function reindex(knowledge: KnowledgeAccess, all: boolean): Promise<number> {
  const progress = createProgress();
  const count = await knowledge.reindex(all, (document, done, total) => progress.update(`re-embedding ${document.name}`, done, total));
  progress.stop();
  console.log(count === 0 ? 'every document is up to date' : `re-embedded ${count} document${count === 1 ? '' : 's'}${knowledge.embeddingModel ? ` with ${knowledge.embeddingModel}` : ' (vectors dropped: no embedding model)'}`);
  return 0;
}
