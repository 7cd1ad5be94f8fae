// The process logger: JSON lines, with caller content and secrets redacted at source.
import pino, { type Logger } from 'pino';
import type { Config } from '../config.ts';
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
  return pino({ level: config.logLevel, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
}
