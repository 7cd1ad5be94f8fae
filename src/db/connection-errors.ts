// Recognising a lost database connection, and naming a database URL without its secrets.

// 57P01-03: the server terminated the backend or is shutting down / starting; 08xxx: connection exceptions.
const LOST_SQLSTATES = new Set(['57P01', '57P02', '57P03']);
const LOST_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE']);
// pg reports a dropped socket without a code, only with these messages.
const LOST_MESSAGES = ['Connection terminated unexpectedly', 'Client has encountered a connection error and is not queryable'];

/** True when the statement failed because its connection died, not because of the statement itself. */
export function isConnectionLost(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = 'code' in err && typeof err.code === 'string' ? err.code : undefined;
  if (code !== undefined) {
    if (LOST_SQLSTATES.has(code) || LOST_SOCKET_CODES.has(code)) return true;
    if (code.length === 5 && code.startsWith('08')) return true;
  }
  return LOST_MESSAGES.some((message) => err.message.includes(message));
}

/** The URL with its password masked, fit for logs and error messages. */
export function redactUrl(url: string): string {
  if (!URL.canParse(url)) return '(unparsable URL)';
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
  return parsed.toString();
}

/** A readable reason; Node reports a refused dual-stack connect as an AggregateError with an empty message. */
export function errorText(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return errorText(err.errors[0]);
  if (err instanceof Error) return err.message || ('code' in err ? String(err.code) : err.name);
  return String(err);
}
