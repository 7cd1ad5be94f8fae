// The AI SDK's own spans for a model call (model, provider, token counts, finish reason), with the prompt and the answer left out of them.
import type { TelemetrySettings } from 'ai';
import { tracingStarted } from './state.ts';

/** `functionId` names the purpose in the spans (`ai.telemetry.functionId`); off entirely while tracing is off. */
export function modelTelemetry(functionId: string): TelemetrySettings {
  return { isEnabled: tracingStarted(), recordInputs: false, recordOutputs: false, functionId };
}
