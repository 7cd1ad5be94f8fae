// Line coverage per area from the test run's lcov file (npm run coverage), checked against each area's threshold: the security-critical code first.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface Area {
  name: string;
  /** Paths relative to the repository root; each must be in the report (a renamed file must not drop out unseen). */
  files: readonly string[];
  minPercent: number;
}

export const AREAS: readonly Area[] = [
  { name: 'configuration', files: ['src/config.ts', 'src/config-lookalikes.ts', 'src/env-schema.ts'], minPercent: 90 },
  { name: 'signature checks', files: ['src/twilio/signature.ts', 'src/relay/relay-socket-route.ts', 'src/jobs/webhook-signature.ts'], minPercent: 90 },
  { name: 'masking and log serialisation', files: ['src/phone.ts', 'src/ops/logger.ts', 'src/ops/request-log.ts'], minPercent: 90 },
  { name: 'error handling', files: ['src/safe-error.ts', 'src/http-error.ts', 'src/startup-errors.ts', 'src/llm/errors.ts', 'src/ops/error-handler.ts'], minPercent: 90 },
];
/** Every file the run measured (src/ and cli/, as package.json's coverage script includes them). */
export const WHOLE_MIN_PERCENT = 80;

export interface FileLines {
  found: number;
  hit: number;
}

/** Lines found and hit per source file (absolute paths as lcov names them). */
export function parseLcov(text: string): Map<string, FileLines> {
  const files = new Map<string, FileLines>();
  let current: { file: string; lines: FileLines } | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('SF:')) current = { file: line.slice(3), lines: { found: 0, hit: 0 } };
    else if (line.startsWith('LF:') && current) current.lines.found = Number(line.slice(3));
    else if (line.startsWith('LH:') && current) current.lines.hit = Number(line.slice(3));
    else if (line === 'end_of_record' && current) {
      files.set(current.file, current.lines);
      current = null;
    }
  }
  return files;
}

export interface AreaResult {
  name: string;
  found: number;
  hit: number;
  percent: number;
  minPercent: number;
  missing: string[];
  ok: boolean;
}

function result(name: string, lines: FileLines[], minPercent: number, missing: string[]): AreaResult {
  const found = lines.reduce((sum, file) => sum + file.found, 0);
  const hit = lines.reduce((sum, file) => sum + file.hit, 0);
  const percent = found === 0 ? 0 : (hit / found) * 100;
  return { name, found, hit, percent, minPercent, missing, ok: missing.length === 0 && found > 0 && percent >= minPercent };
}

export function checkCoverage(files: Map<string, FileLines>, root: string, areas: readonly Area[] = AREAS, wholeMinPercent = WHOLE_MIN_PERCENT): AreaResult[] {
  const byRelative = new Map([...files].map(([file, lines]) => [path.relative(root, file).split(path.sep).join('/'), lines]));
  const results = areas.map((area) => {
    const missing = area.files.filter((file) => !byRelative.has(file));
    return result(area.name, area.files.flatMap((file) => byRelative.get(file) ?? []), area.minPercent, missing);
  });
  results.push(result('whole (src/, cli/)', [...byRelative.values()], wholeMinPercent, []));
  return results;
}

export function formatResults(results: AreaResult[]): string {
  const rows = results.map((r) => {
    const verdict = r.ok ? 'ok' : r.missing.length > 0 ? `FAIL: not measured: ${r.missing.join(', ')}` : 'FAIL: below the threshold';
    return `${r.name.padEnd(32)} ${`${r.hit}/${r.found}`.padStart(11)} ${r.percent.toFixed(1).padStart(6)} %  (at least ${r.minPercent} %)  ${verdict}`;
  });
  return ['line coverage by area', ...rows].join('\n');
}

if (import.meta.filename === process.argv[1]) {
  const lcovPath = process.argv[2] ?? 'coverage/lcov.info';
  const root = path.resolve(import.meta.dirname, '..');
  const results = checkCoverage(parseLcov(readFileSync(lcovPath, 'utf8')), root);
  console.log(formatResults(results));
  if (results.some((r) => !r.ok)) process.exitCode = 1;
}
