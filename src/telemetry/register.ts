// Loaded by `node --import` ahead of the server's modules: starts OpenTelemetry tracing when an OTLP endpoint is configured, and loads nothing of it otherwise.
import { tracingConfigured } from './tracing-configured.ts';

// The SDK must be running before pg, ioredis, pino and http are first imported, or their instrumentations miss them:
// this module's top-level await holds the server's own imports back until it is.
if (tracingConfigured(process.env)) {
  const { startTracing } = await import('./sdk.ts');
  startTracing();
}
