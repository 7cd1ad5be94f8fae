#!/usr/bin/env -S node --env-file-if-exists=.env
// phone-assistant: the command-line entry point; reads the command and hands over to serve, migrate or call.
import { ConfigError } from '../src/config.ts';
import { DEV_TOKEN_FILE } from '../src/twilio/dev-token.ts';
import { DEFAULT_CALLER, resolveCallSettings } from './call-settings.ts';
import { CliError } from './cli-error.ts';
import { KNOWLEDGE_HELP } from './knowledge-help.ts';
import { parseCommandLine, type Command } from './options.ts';

const HELP = `phone-assistant: a self-hosted AI receptionist for Twilio calls and text messages

Usage: phone-assistant <command> [options]

Commands:
  serve      start the server (the same as npm start); configured by environment variables
  migrate    bring the database (DATABASE_URL, or PGlite in DATA_DIR) up to date and list what was applied
  call       talk to a running server from the terminal, exactly as Twilio would call it
  knowledge  the documents the assistant answers from: add, list, remove, search, reindex
  help       show this help (also --help, -h)

Options of call:
  --sms              send text messages instead of calling: each line you type is one SMS
  --relay            stream the call over ConversationRelay (a signed WebSocket): the reply
                     prints word by word with its first-token latency; typing interrupts it
  --url URL          the server's base URL, which it verifies signatures against
                     (default: PUBLIC_URL, else http://localhost:$PORT, port 3000 by default)
  --from NUMBER      the caller's number, E.164 (default: ${DEFAULT_CALLER})
  --to NUMBER        the business's number (default: TWILIO_PHONE_NUMBER, else +14155550199)
  --token TOKEN      the Twilio auth token to sign requests with (default: TWILIO_AUTH_TOKEN,
                     else the development token the server writes to DATA_DIR/${DEV_TOKEN_FILE})
  --language CODE    the call's language: en, ru, uk or sk (default: the server's DEFAULT_LANGUAGE)

${KNOWLEDGE_HELP}
In a call, each line you type is what you say: an empty line is silence, #123 presses keys
1 2 3, and Ctrl-D (or Ctrl-C) hangs up. When the call is put through to a person, you choose
whether they answer. With API_KEY set to the server's, the texts the caller receives and the
call's summary are shown too. Lines can be piped in as well:
  printf 'When are you open?\\n' | phone-assistant call
`;

async function run(command: Command): Promise<number | 'serving'> {
  switch (command.name) {
    case 'help':
      process.stdout.write(HELP);
      return 0;
    case 'serve':
      // Tracing first, when an OTLP endpoint asks for it, as npm start's --import does: the server's modules must load after it.
      await import('../src/telemetry/register.ts');
      // The server module starts itself on import, and owns the process from there (signals, exit codes).
      await import('../src/server.ts');
      return 'serving';
    case 'migrate': {
      const { runMigrate } = await import('./migrate-command.ts');
      return runMigrate();
    }
    case 'knowledge': {
      const { runKnowledge } = await import('./knowledge-command.ts');
      return runKnowledge(command.args);
    }
    case 'call': {
      const settings = await resolveCallSettings(command.flags, process.env);
      const { runCall } = await import('./call.ts');
      const { runSms } = await import('./sms.ts');
      if (command.flags.relay) return (await import('./relay-call.ts')).runRelayCall(settings);
      return command.flags.sms ? runSms(settings) : runCall(settings);
    }
  }
}

try {
  const outcome = await run(parseCommandLine(process.argv.slice(2)));
  // Exit explicitly: an idle keep-alive socket or a paused stdin must not hold a finished command open.
  if (outcome !== 'serving') process.exit(outcome);
} catch (error) {
  // Mistakes the user can fix are said plainly; anything else keeps its stack for a bug report.
  if (error instanceof CliError || error instanceof ConfigError) console.error(error.message);
  else console.error(error);
  process.exit(1);
}
