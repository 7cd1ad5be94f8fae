// The process logger: JSON lines, with caller content and secrets redacted at source.
import pino, { type Logger } from 'pino';
import type { Config } from '../config.ts';
import { safeError } from '../safe-error.ts';
import { stdoutDestination } from './log-destination.ts';

/**
 * Keys under which caller words, numbers and secrets may be logged; pino removes their values.
 * Code that needs a number in a log line logs it masked under another key.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-twilio-signature"]',
  'text',
  'speech',
  'body',
  'caller',
  'from',
  'to',
  '*.text',
  '*.speech',
  '*.body',
  '*.caller',
  '*.from',
  '*.to',
];

export function createLogger(config: Pick<Config, 'logLevel'>, destination: pino.DestinationStream = stdoutDestination()): Logger {
  return pino(
    {
      level: config.logLevel,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      // Every error logged anywhere (`{ err }`, `{ error }`, or an error as the first argument) goes
      // through one view that keeps its type, code, stack and causes but not what it quotes of its input.
      serializers: { err: safeError, error: safeError },
    },
    destination,
  );
}
