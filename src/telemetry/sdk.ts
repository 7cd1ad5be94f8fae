// The OpenTelemetry SDK, set up from the standard OTEL_* variables only: a batch of spans to the OTLP/HTTP endpoint, and the instrumentations.
import { register } from 'node:module';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { VERSION } from '../version.ts';
import { ESM_INSTRUMENTED_MODULES, instrumentations } from './instrumentations.ts';
import { markTracingStarted } from './state.ts';

const PROTOCOLS = ['http/protobuf', 'http/json'] as const;

/**
 * Starts tracing; called before the server's modules are imported. The sampler (OTEL_TRACES_SAMPLER,
 * OTEL_TRACES_SAMPLER_ARG), the endpoint and headers (OTEL_EXPORTER_OTLP_*) and the batch (OTEL_BSP_*)
 * are read by the SDK itself; OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override the defaults.
 */
export function startTracing(env: NodeJS.ProcessEnv = process.env): void {
  const exporter = traceExporter(env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf');
  // ESM imports are only seen through the loader hook; limited to the packages instrumented, so no other module is wrapped.
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, { data: { include: [...ESM_INSTRUMENTED_MODULES] } });
  const provider = new NodeTracerProvider({
    resource: defaultResource()
      .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'phone-assistant', [ATTR_SERVICE_VERSION]: VERSION }))
      .merge(detectResources({ detectors: [envDetector] })),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  provider.register();
  registerInstrumentations({ instrumentations: instrumentations() });
  markTracingStarted(() => provider.forceFlush());
}

function traceExporter(protocol: string): SpanExporter {
  const chosen = protocol.trim().toLowerCase();
  if (chosen === 'http/json') return new JsonTraceExporter();
  if (chosen === 'http/protobuf') return new ProtobufTraceExporter();
  throw new Error(`OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported: use one of ${PROTOCOLS.join(', ')}`);
}
