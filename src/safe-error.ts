// What of an error may be logged: its type, code, message, stack and causes, never what a caller or client sent.

/** An error as the logs see it. */
export interface SafeError {
  type: string;
  message: string;
  stack?: string;
  [field: string]: unknown;
}

/**
 * Fields kept as they are: codes and names that say what failed, not with what. Everything else
 * is dropped, because libraries put the input there: pg's `detail`, `where`, `hint` and
 * `internalQuery`, PGlite's `query` and `params`, the AI SDK's `requestBodyValues`,
 * `responseBody`, `value` and `text`, zod's `input`.
 */
const KEPT_FIELDS = [
  'code',
  'errno',
  'syscall',
  'address',
  'port',
  'statusCode',
  'status',
  'isRetryable',
  'reason',
  'severity',
  'routine',
  'schema',
  'table',
  'column',
  'dataType',
  'constraint',
  'validationContext',
] as const;

/**
 * Fields that hold the input itself (the request sent, the parameters bound, the value checked):
 * where their words reappear in the message, a provider or parser quoted them, and they are struck.
 * The response's fields are not among them: the provider's own error text is the message.
 */
const INPUT_FIELDS = ['requestBodyValues', 'params', 'parameters', 'query', 'internalQuery', 'value', 'text', 'toolInput', 'prompt', 'input'];
// Long enough to be content rather than a keyword that happens to recur.
const MIN_QUOTED_LENGTH = 8;
const MAX_QUOTED_VALUES = 200;
// A structural setting of an LLM request, not what anybody said.
const STRUCTURAL_KEYS = new Set(['model', 'role', 'type']);
const MAX_DEPTH = 5;
const MAX_AGGREGATED = 10;
const REDACTED = '[redacted]';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** The long strings inside an input field (and their JSON forms), to strike from the message. */
function collectStrings(value: unknown, into: Set<string>, depth = 0): void {
  if (into.size >= MAX_QUOTED_VALUES || depth > MAX_DEPTH) return;
  if (typeof value === 'string') {
    if (value.length >= MIN_QUOTED_LENGTH) {
      into.add(value);
      into.add(JSON.stringify(value).slice(1, -1));
    }
    return;
  }
  if (!isRecord(value)) return;
  // The AI SDK quotes whole values as JSON: `Type validation failed: Value: {…}`.
  const json = safeJson(value);
  if (json && json.length >= MIN_QUOTED_LENGTH) into.add(json);
  for (const [key, child] of Object.entries(value)) {
    if (!STRUCTURAL_KEYS.has(key)) collectStrings(child, into, depth + 1);
  }
}

function safeJson(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/** SQLSTATE class 22 (data exception) messages quote the offending value: `invalid input syntax for type uuid: "…"`. */
function isDataException(code: unknown): boolean {
  return typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code);
}

function scrubMessage(error: Record<string, unknown>, message: string): string {
  if (isZodError(error)) return describeIssues(error.issues);
  let scrubbed = message;
  if (isDataException(error.code)) {
    scrubbed = scrubbed.replace(/"(?:[^"\\]|\\.)*"/g, `"${REDACTED}"`).replace(/0x[0-9a-f]{2}(?: 0x[0-9a-f]{2})*/gi, REDACTED);
  }
  const quoted = new Set<string>();
  for (const field of INPUT_FIELDS) collectStrings(error[field], quoted);
  // Longest first, so a value is struck whole before any part of it.
  for (const value of [...quoted].sort((a, b) => b.length - a.length)) {
    if (scrubbed.includes(value)) scrubbed = scrubbed.split(value).join(REDACTED);
  }
  return scrubbed;
}

interface ZodLikeIssue {
  path?: unknown;
  message?: unknown;
  code?: unknown;
}

function isZodError(error: Record<string, unknown>): error is Record<string, unknown> & { issues: ZodLikeIssue[] } {
  return Array.isArray(error.issues) && (error.name === 'ZodError' || error.name === '$ZodError');
}

/** `text: Too small…; language: must be one of en, ru, uk, sk`: the rules broken, not the input. */
function describeIssues(issues: ZodLikeIssue[]): string {
  return issues
    .map((issue) => {
      const path = Array.isArray(issue.path) ? issue.path.map(String).join('.') : '';
      const message = typeof issue.message === 'string' ? issue.message : 'invalid';
      return path ? `${path}: ${message}` : message;
    })
    .join('; ');
}

/** The stack's frames under a header that carries the scrubbed message, not the original one (which may span lines). */
function scrubStack(stack: unknown, originalMessage: string, header: string): string | undefined {
  if (typeof stack !== 'string') return undefined;
  const messageAt = originalMessage ? stack.indexOf(originalMessage) : -1;
  const afterMessage = messageAt >= 0 ? stack.slice(messageAt + originalMessage.length) : stack;
  const frames = afterMessage.split('\n').filter((line) => /^\s+at /.test(line));
  return [header, ...frames].join('\n');
}

function typeOf(error: Record<string, unknown>): string {
  const constructorName = (error.constructor as { name?: unknown } | undefined)?.name;
  // Bundlers shorten class names: PGlite's database errors arrive as `O`.
  if (typeof constructorName === 'string' && constructorName.length > 2 && constructorName !== 'Object') return constructorName;
  if (typeof error.severity === 'string' && typeof error.code === 'string') return 'DatabaseError';
  return typeof error.name === 'string' && error.name !== 'error' ? error.name : 'Error';
}

/** `ancestors`: the errors this one is a cause of, so a cycle ends rather than recursing forever. */
function serialize(error: unknown, ancestors: Set<unknown>, depth: number): unknown {
  if (!isRecord(error)) return error;
  if (ancestors.has(error) || depth > MAX_DEPTH) return { type: typeOf(error), message: '[circular or too deep]' };
  ancestors.add(error);
  const type = typeOf(error);
  const originalMessage = typeof error.message === 'string' ? error.message : '';
  const message = scrubMessage(error, originalMessage);
  const safe: SafeError = { type, message };
  // The driver's generic `name` ('error' on pg errors) says less than the type; keep a name only when it adds to it.
  if (typeof error.name === 'string' && error.name !== type && error.name !== 'error') safe.name = error.name;
  for (const field of KEPT_FIELDS) {
    const value = error[field];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') safe[field] = value;
  }
  if (Array.isArray(error.validation)) {
    safe.validation = error.validation.map((issue: unknown) =>
      isRecord(issue) ? { instancePath: issue.instancePath, message: issue.message } : String(issue),
    );
  }
  if (isZodError(error)) safe.issues = error.issues.map((issue) => ({ code: issue.code, path: issue.path, message: issue.message }));
  const stack = scrubStack(error.stack, originalMessage, `${type}: ${message}`);
  if (stack) safe.stack = stack;
  if (error.cause !== undefined) safe.cause = serialize(error.cause, ancestors, depth + 1);
  if (Array.isArray(error.errors)) safe.errors = error.errors.slice(0, MAX_AGGREGATED).map((inner: unknown) => serialize(inner, ancestors, depth + 1));
  ancestors.delete(error);
  return safe;
}

/** The loggable view of any thrown value; non-objects are returned as they are. */
export function safeError(error: unknown): unknown {
  return serialize(error, new Set(), 0);
}

/** The error's message with anything that quoted its input struck out. */
export function safeErrorMessage(error: unknown): string {
  if (!isRecord(error)) return String(error);
  return scrubMessage(error, typeof error.message === 'string' ? error.message : String(error));
}
