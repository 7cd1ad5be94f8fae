// Preloaded (--import) ahead of the tracing hook in tests: prints every OpenTelemetry SDK module the process resolves, by import or require.
// The API package is left out: the AI SDK imports it whether or not tracing is on, and it does nothing without the SDK.
import { registerHooks } from 'node:module';

export const LOADED_PREFIX = 'otel-module-resolved ';

registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    if (/\/node_modules\/(@opentelemetry\/(?!api\/)|import-in-the-middle\/|require-in-the-middle\/)/.test(resolved.url)) {
      process.stderr.write(`${LOADED_PREFIX}${resolved.url}\n`);
    }
    return resolved;
  },
});
