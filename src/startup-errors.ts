// Start-up failures a user can fix (the database, the port), said in one line with what to do, without a stack trace.
import type { Config } from './config.ts';
import { errorText } from './db/connection-errors.ts';

/** Printed as its message alone; the process exits 1. */
export class StartupError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StartupError';
  }
}

/** Every `code` in the error, its causes and the errors it aggregates (a refused dual-stack connect has two). */
function codesOf(error: unknown, depth = 0): string[] {
  if (typeof error !== 'object' || error === null || depth > 5) return [];
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  return [
    ...(typeof code === 'string' ? [code] : []),
    ...codesOf(cause, depth + 1),
    ...(Array.isArray(errors) ? errors.flatMap((inner) => codesOf(inner, depth + 1)) : []),
  ];
}

const UNREACHABLE = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET'];
const NOT_WRITABLE = ['EACCES', 'EPERM', 'EROFS', 'ENOTDIR'];

function databaseHint(config: Pick<Config, 'database'>, error: unknown): string | undefined {
  const codes = codesOf(error);
  const has = (list: string[]) => codes.some((code) => list.includes(code));
  if (config.database.url) {
    const name = URL.canParse(config.database.url) ? new URL(config.database.url).pathname.slice(1) : '';
    if (codes.includes('3D000')) return `The database does not exist: create it (createdb ${name || '<name>'}), or correct DATABASE_URL.`;
    if (codes.includes('28P01') || codes.includes('28000')) return 'The server refused the user name or password: correct them in DATABASE_URL.';
    // pg reports a server that accepts the connection but never answers as a timeout without a code.
    if (has(UNREACHABLE) || /timeout/i.test(errorText(error))) {
      return 'Start PostgreSQL there, or correct DATABASE_URL (unset it to use the embedded database in DATA_DIR).';
    }
    return undefined;
  }
  if (has(NOT_WRITABLE)) return 'Choose a DATA_DIR this user can create and write.';
  return undefined;
}

/** A StartupError when the database could not be opened for a reason the user can fix; else the error as it is. */
export function describeDatabaseFailure(config: Pick<Config, 'database'>, error: unknown): unknown {
  const hint = databaseHint(config, error);
  if (!hint) return error;
  // openPostgres already names the server (without its password) and DATABASE_URL.
  const what = config.database.url ? errorText(error) : `Cannot open the embedded database in ${config.database.dataDir}: ${errorText(error)}`;
  return new StartupError(`${what}. ${hint}`, { cause: error });
}

/** A StartupError when the address cannot be listened on; else the error as it is. */
export function describeListenFailure(config: Pick<Config, 'port' | 'host'>, error: unknown): unknown {
  const [code] = codesOf(error);
  const { port, host } = config;
  if (code === 'EADDRINUSE') {
    return new StartupError(`Port ${port} on ${host} is already in use: stop what listens there (another phone-assistant?), or set PORT to a free port.`, { cause: error });
  }
  if (code === 'EACCES') {
    return new StartupError(`Port ${port} needs privileges this user lacks: set PORT to 1024 or above (and let a reverse proxy serve 80 and 443).`, { cause: error });
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return new StartupError(`HOST ${host} is not an address of this machine: use 0.0.0.0 (every address) or 127.0.0.1 (this machine only).`, { cause: error });
  }
  return error;
}
