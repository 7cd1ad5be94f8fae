// Parses the command line into one command and its flags; a mistake becomes a CliError pointing at --help.
import { parseArgs } from 'node:util';
import { LANGUAGES, type Language } from '../src/config.ts';
import { CliError } from './cli-error.ts';

export interface CallFlags {
  sms: boolean;
  /** Stream the call over ConversationRelay instead of turn by turn. */
  relay: boolean;
  url: string | undefined;
  from: string | undefined;
  to: string | undefined;
  token: string | undefined;
  language: Language | undefined;
}

export type Command =
  | { name: 'help' }
  | { name: 'serve' }
  | { name: 'migrate' }
  | { name: 'call'; flags: CallFlags }
  | { name: 'knowledge'; args: string[] };

const COMMANDS = ['help', 'serve', 'migrate', 'call'] as const;

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  sms: { type: 'boolean' },
  relay: { type: 'boolean' },
  url: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  token: { type: 'string' },
  language: { type: 'string' },
} as const;

const CALL_ONLY = ['sms', 'relay', 'url', 'from', 'to', 'token', 'language'] as const;

export function parseCommandLine(args: string[]): Command {
  // knowledge has subcommands and options of its own, parsed by cli/knowledge-command.ts.
  if (args[0] === 'knowledge') return { name: 'knowledge', args: args.slice(1) };
  let parsed;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliError(`${error instanceof Error ? error.message : String(error)}\nRun phone-assistant --help for the commands and options.`);
  }
  const { values, positionals } = parsed;
  if (values.help) return { name: 'help' };
  const [name, ...extra] = positionals;
  if (name === undefined) return { name: 'help' };
  if (!isCommand(name)) throw new CliError(`unknown command "${name}"\nRun phone-assistant --help for the commands.`);
  if (extra.length > 0) throw new CliError(`unexpected argument "${extra.join(' ')}" after ${name}`);
  if (name !== 'call') {
    const misplaced = CALL_ONLY.find((option) => values[option] !== undefined);
    if (misplaced) throw new CliError(`--${misplaced} is an option of "call", not of "${name}"`);
    return { name };
  }
  return { name, flags: callFlags(values) };
}

type ParsedValues = { sms?: boolean; relay?: boolean; url?: string; from?: string; to?: string; token?: string; language?: string };

function callFlags(values: ParsedValues): CallFlags {
  const { language } = values;
  if (language !== undefined && !isLanguage(language)) throw new CliError(`--language must be one of ${LANGUAGES.join(', ')}`);
  if (language !== undefined && values.sms) throw new CliError('--language applies to voice calls, not to --sms');
  if (values.relay && values.sms) throw new CliError('--relay streams a voice call; it cannot be combined with --sms');
  return { sms: values.sms ?? false, relay: values.relay ?? false, url: values.url, from: values.from, to: values.to, token: values.token, language };
}

function isCommand(name: string): name is (typeof COMMANDS)[number] {
  return (COMMANDS as readonly string[]).includes(name);
}

function isLanguage(value: string): value is Language {
  return (LANGUAGES as readonly string[]).includes(value);
}
