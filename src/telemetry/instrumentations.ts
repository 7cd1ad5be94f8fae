// The instrumentations of the libraries a turn goes through, set so that no caller's number or words reach a span.
import { IncomingMessage } from 'node:http';
import type { Span } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';

/** The packages our ESM code imports that have an instrumentation: the loader hook wraps these and nothing else. */
export const ESM_INSTRUMENTED_MODULES = ['pg', 'ioredis', 'pino'] as const;

/**
 * A query string with every value replaced: a search for a customer by number (`?search=+1…`), a knowledge search's
 * words or a feed token must not reach a span, and which parameters a route takes is not this module's to know.
 */
function redactQueryValues(query: string): string {
  const params = new URLSearchParams(query);
  return [...params.keys()].map((name) => `${encodeURIComponent(name)}=REDACTED`).join('&');
}

/** Overwrites the URL attributes the instrumentation wrote from a path with a query. */
function redactUrlAttributes(span: Span, origin: string, pathWithQuery: string): void {
  const at = pathWithQuery.indexOf('?');
  if (at === -1) return;
  const query = redactQueryValues(pathWithQuery.slice(at + 1));
  span.setAttribute('url.query', query);
  if (origin) span.setAttribute('url.full', `${origin}${pathWithQuery.slice(0, at)}?${query}`);
}

// Polled by probes and scrapers every few seconds: a trace each would bury the calls.
const UNTRACED_PATHS = new Set(['/health', '/ready', '/metrics']);

export function instrumentations(): Instrumentation[] {
  return [
    // Incoming webhooks (the server span of each trace) and node:http clients (twilio's REST calls).
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (request: IncomingMessage) => UNTRACED_PATHS.has((request.url ?? '').split('?')[0]!),
      requestHook: (span, request) => {
        if (request instanceof IncomingMessage) redactUrlAttributes(span, '', request.url ?? '');
        else redactUrlAttributes(span, `${request.protocol}//${String(request.getHeader('host') ?? request.host)}`, request.path);
      },
    }),
    // fetch: the model, embeddings, Qdrant and business webhooks (whose configured URL may hold a token in its query).
    new UndiciInstrumentation({ requestHook: (span, request) => redactUrlAttributes(span, request.origin, request.path) }),
    // Statements carry their SQL with $n placeholders only: values are never recorded (enhancedDatabaseReporting off).
    // Pool work outside a request (the outbox's polling) would each be a trace of its own.
    new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
    // Keys hold phone numbers (per-caller rate limits): a command's name is all a span says.
    new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command) => command }),
    // Log lines written inside a span get trace_id and span_id; logs themselves stay on stdout.
    new PinoInstrumentation({ disableLogSending: true }),
  ];
}
