// Spans around our own work that no library instruments (PGlite statements, retrieval, relay prompts, outbox jobs); nothing at all while tracing is off.
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context } from '@opentelemetry/api';
import { VERSION } from '../version.ts';
import { tracingStarted } from './state.ts';

const tracer = trace.getTracer('phone-assistant', VERSION);

export interface SpanOptions {
  kind?: SpanKind;
  /** Only names, counts and kinds: never a caller's number or words, a reply or a document's text. */
  attributes?: Attributes;
  /**
   * Where the span belongs: `'new trace'` starts one (a relay message), a context continues a stored
   * trace (an outbox job); by default the active span's child, and no span at all outside any trace,
   * as background work (polling) would otherwise make a trace of every statement.
   */
  parent?: 'new trace' | Context;
}

/** Runs `work` in a span of its own; with tracing off, just runs it (no promise of its own, no context lookup). */
export function inSpan<T>(name: string, options: SpanOptions, work: () => Promise<T>): Promise<T> {
  if (!tracingStarted()) return work();
  const parent = options.parent === 'new trace' ? ROOT_CONTEXT : (options.parent ?? context.active());
  if (options.parent === undefined && trace.getSpan(parent) === undefined) return work();
  return tracer.startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes }, parent, async (span) => {
    try {
      return await work();
    } catch (error) {
      // The error's type only: messages may quote what failed, a caller's words among it.
      const type = error instanceof Error ? error.name : typeof error;
      span.setAttribute('error.type', type);
      span.setStatus({ code: SpanStatusCode.ERROR, message: type });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The active span as a W3C traceparent, for work that runs later (an outbox job) to continue the trace; null outside any trace. */
export function currentTraceparent(): string | null {
  if (!tracingStarted()) return null;
  const carrier: { traceparent?: string } = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ?? null;
}

/** The trace a stored traceparent names, to continue it; a new trace when none was stored. */
export function storedTraceContext(traceparent: string | null): Context | 'new trace' {
  if (traceparent === null) return 'new trace';
  return propagation.extract(ROOT_CONTEXT, { traceparent });
}
