// A span per SQL statement on embedded PGlite, which has no instrumentation of its own: shaped like the pg instrumentation's spans for PostgreSQL.
import { SpanKind } from '@opentelemetry/api';
import { tracingStarted } from './state.ts';
import { inSpan } from './spans.ts';

/** Runs one statement (or a parameterless batch) in a span named after its first keyword; `sql` holds $n placeholders, never values. */
export function inStatementSpan<T>(sql: string, run: () => Promise<T>): Promise<T> {
  if (!tracingStarted()) return run();
  const operation = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? 'QUERY';
  return inSpan(
    `pglite.query:${operation}`,
    {
      kind: SpanKind.CLIENT,
      attributes: { 'db.system.name': 'postgresql', 'db.operation.name': operation, 'db.query.text': sql },
    },
    run,
  );
}
