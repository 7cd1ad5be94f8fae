// The instrumentations of the libraries a turn goes through, set so that no caller's number or words reach a span.
import type { IncomingMessage } from 'node:http';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';

/** The packages our ESM code imports that have an instrumentation: the loader hook wraps these and nothing else. */
export const ESM_INSTRUMENTED_MODULES = ['pg', 'ioredis', 'pino'] as const;

// Polled by probes and scrapers every few seconds: a trace each would bury the calls.
const UNTRACED_PATHS = new Set(['/health', '/ready', '/metrics']);

export function instrumentations(): Instrumentation[] {
  return [
    // Incoming webhooks (the server span of each trace) and node:http clients (twilio's REST calls).
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (request: IncomingMessage) => UNTRACED_PATHS.has((request.url ?? '').split('?')[0]!),
    }),
    // fetch: the model, embeddings, Qdrant and business webhooks.
    new UndiciInstrumentation(),
    // Statements carry their SQL with $n placeholders only: values are never recorded (enhancedDatabaseReporting off).
    // Pool work outside a request (the outbox's polling) would each be a trace of its own.
    new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
    // Keys hold phone numbers (per-caller rate limits): a command's name is all a span says.
    new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command) => command }),
    // Log lines written inside a span get trace_id and span_id; logs themselves stay on stdout.
    new PinoInstrumentation({ disableLogSending: true }),
  ];
}
