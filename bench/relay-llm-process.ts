// The LLM stand-in of the relay benchmark as its own process, with a control port: what to answer, and when each tagged request came and each piece went.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startLlmStandIn, type ScriptedReply } from '../test/helpers/llm-stand-in.ts';

/** When a tagged request reached the stand-in and when it wrote each piece, in epoch ms (the clock the processes share). */
export interface RequestTiming {
  receivedAt: number;
  piecesAt: number[];
}

const standIn = await startLlmStandIn();
// performance.now() is per process: timeOrigin makes it a time the load process can compare with its own.
const epoch = (ms: number) => performance.timeOrigin + ms;

/** The tag a benchmark prompt ends with, `(stream-12)`. */
function tagOf(body: Record<string, unknown>): string | undefined {
  const messages = body['messages'] as { content: unknown }[] | undefined;
  return /\(([\w-]+)\)$/.exec(String(messages?.at(-1)?.content ?? ''))?.[1];
}

const control = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    if (req.method === 'POST' && req.url === '/reply') {
      standIn.setFallbackReply(JSON.parse(body) as ScriptedReply);
      return res.end('{}');
    }
    // The timings of the requests since the last call, by tag; the requests are then forgotten.
    const timings: Record<string, RequestTiming> = {};
    for (const request of standIn.requests.splice(0)) {
      const tag = tagOf(request.body);
      if (tag && request.receivedMs !== undefined) timings[tag] = { receivedAt: epoch(request.receivedMs), piecesAt: (request.piecesMs ?? []).map(epoch) };
    }
    standIn.embeddingRequests.length = 0;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(timings));
  });
});
await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
const controlUrl = `http://127.0.0.1:${(control.address() as AddressInfo).port}`;
process.stdout.write(`${JSON.stringify({ openaiBaseUrl: standIn.openaiBaseUrl, controlUrl, pid: process.pid })}\n`);
process.on('SIGTERM', () => {
  control.close();
  void standIn.close().then(() => process.exit(0));
});
