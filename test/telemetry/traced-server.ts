// Test helpers for tracing: the server started as `npm start` starts it (with the --import hook), spans grouped into traces, and waiting for them.
import { mkdtempSync } from 'node:fs';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventually, spawnNode, waitHealthy, type ServerProcess } from '../helpers/server-process.ts';
import type { ReceivedSpan } from './otlp-receiver.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
export const REGISTER = path.join(ROOT, 'src/telemetry/register.ts');
const SERVER = path.join(ROOT, 'src/server.ts');

/** A caller's number and words that must never reach a span; the number is a real-looking one, so every route accepts it. */
export const MARKER_NUMBER = '+14155557311';
export const MARKER_WORDS = 'periwinkle zeppelin marmalade';

export const dataDir = (name: string): string => mkdtempSync(path.join(tmpdir(), `pa-tracing-${name}-`));

/** `node --import ./src/telemetry/register.ts src/server.ts`, as the start script runs it; `preload` goes before the hook. */
export async function startTracedServer(env: Record<string, string>, preload: string[] = []): Promise<ServerProcess> {
  const server = await spawnNode([...preload.flatMap((file) => ['--import', file]), '--import', REGISTER, SERVER], env);
  await waitHealthy(server);
  return server;
}

/** The spans of the trace whose root is named `rootName` and satisfies `accept`, once `complete` says all of it arrived. */
export async function waitForTrace(
  spans: ReceivedSpan[],
  rootName: string,
  complete: (trace: ReceivedSpan[]) => boolean,
  accept: (root: ReceivedSpan) => boolean = () => true,
): Promise<ReceivedSpan[]> {
  let found: ReceivedSpan[] = [];
  await eventually(
    () => {
      const roots = spans.filter((span) => span.parentSpanId === '' && span.name === rootName && accept(span));
      return roots.some((root) => complete((found = spans.filter((span) => span.traceId === root.traceId))));
    },
    20_000,
    () => `no complete trace under "${rootName}"; received:\n${printTree(spans)}`,
  );
  return found;
}

/** The spans of one or more traces as indented trees, children in start order: for failures and the README. */
export function printTree(spans: readonly ReceivedSpan[]): string {
  const ids = new Set(spans.map((span) => span.spanId));
  const children = (parent: string) =>
    spans.filter((span) => (parent === '' ? span.parentSpanId === '' || !ids.has(span.parentSpanId) : span.parentSpanId === parent)).sort((a, b) => (a.startNs < b.startNs ? -1 : 1));
  const lines: string[] = [];
  const walk = (span: ReceivedSpan, depth: number) => {
    const ms = Number(span.endNs - span.startNs) / 1e6;
    lines.push(`${'  '.repeat(depth)}${span.name}  ${ms.toFixed(1)} ms${describe(span)}`);
    for (const child of children(span.spanId)) walk(child, depth + 1);
  };
  for (const root of children('')) walk(root, 0);
  return lines.join('\n');
}

// The attributes that say what a span did, for the printed tree.
const SHOWN = ['http.route', 'url.full', 'http.url', 'db.operation.name', 'gen_ai.request.model', 'gen_ai.usage.input_tokens', 'gen_ai.usage.output_tokens', 'gen_ai.response.finish_reasons', 'ai.toolCall.name', 'outbox.job.kind'];
function describe(span: ReceivedSpan): string {
  const shown = SHOWN.filter((key) => span.attributes[key] !== undefined).map((key) => `${key}=${JSON.stringify(span.attributes[key])}`);
  return shown.length > 0 ? `  [${shown.join(' ')}]` : '';
}

/** The child spans of `parent` within `trace`. */
export const childrenOf = (trace: readonly ReceivedSpan[], parent: ReceivedSpan): ReceivedSpan[] => trace.filter((span) => span.parentSpanId === parent.spanId);

/** Whether `span` lies under `ancestor` in `trace`. */
export function isUnder(trace: readonly ReceivedSpan[], span: ReceivedSpan, ancestor: ReceivedSpan): boolean {
  const byId = new Map(trace.map((each) => [each.spanId, each]));
  for (let at = byId.get(span.parentSpanId); at; at = byId.get(at.parentSpanId)) if (at === ancestor) return true;
  return false;
}

/** Fails when any span's name, attribute or event holds the marker number (in any common spelling) or any of the marker words. */
export function assertNoMarkers(spans: readonly ReceivedSpan[]): void {
  const digits = MARKER_NUMBER.slice(1);
  const needles = [digits, digits.slice(1), digits.slice(-7), ...MARKER_WORDS.split(' ')];
  for (const span of spans) {
    const text = JSON.stringify({ name: span.name, attributes: span.attributes, events: span.events });
    for (const needle of needles) assert.ok(!text.includes(needle), `span ${span.name} holds "${needle}": ${text}`);
  }
}
