// The load generator as its own process for `npm run bench`: runs one load described by its argument and prints the result as JSON.
import { runCallers } from './callers.ts';
import { loadGet, loadVoiceTurns } from './load.ts';

export type LoadRequest =
  | { kind: 'get'; url: string; connections: number; seconds: number }
  | { kind: 'new-calls'; baseUrl: string; authToken: string; connections: number; seconds: number }
  | { kind: 'callers'; baseUrl: string; authToken: string; calls: number; seconds: number; pauseMs: number };

const request = JSON.parse(process.argv[2] ?? '{}') as LoadRequest;
// Its own CPU over the load (start-up left out), so the bench can tell the machine's work for a turn from the load generator's.
const cpuBefore = process.cpuUsage();
const result =
  request.kind === 'get'
    ? await loadGet(request.url, request.connections, request.seconds)
    : request.kind === 'new-calls'
      ? await loadVoiceTurns(request.baseUrl, request.authToken, request.connections, request.seconds)
      : await runCallers(request.baseUrl, request.authToken, request.calls, request.seconds, request.pauseMs);
const { user, system } = process.cpuUsage(cpuBefore);
process.stdout.write(`${JSON.stringify({ ...result, cpuMs: (user + system) / 1000 })}\n`);
