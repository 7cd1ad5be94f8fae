// scripts/coverage-check.ts: per-area line coverage from an lcov file, and a failing exit below a threshold or for a file not measured.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { AREAS } from '../../scripts/coverage-check.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const SCRIPT = path.join(ROOT, 'scripts/coverage-check.ts');

/** An lcov report as Node's reporter writes it, with `hitOf(file)` of every 100 lines hit. */
function lcov(files: readonly string[], hitOf: (file: string) => number): string {
  return files.map((file) => [`SF:${path.join(ROOT, file)}`, 'DA:1,1', 'LF:100', `LH:${hitOf(file)}`, 'end_of_record'].join('\n')).join('\n') + '\n';
}

async function check(report: string): Promise<{ code: number; output: string }> {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'pa-lcov-')), 'lcov.info');
  writeFileSync(file, report);
  try {
    const { stdout } = await run(process.execPath, [SCRIPT, file]);
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, output: failed.stdout };
  }
}

const areaFiles = AREAS.flatMap((area) => area.files);

describe('scripts/coverage-check.ts', () => {
  it('passes when every area and the whole reach their thresholds, and prints each figure', async () => {
    const { code, output } = await check(lcov([...areaFiles, 'src/app.ts'], (file) => (file === 'src/app.ts' ? 50 : 95)));
    assert.equal(code, 0, output);
    assert.match(output, /configuration\s+285\/300\s+95\.0 %\s+\(at least 90 %\)\s+ok/);
    assert.match(output, /whole \(src\/, cli\/\)\s+\d+\/\d+\s+[\d.]+ %\s+\(at least 80 %\)\s+ok/);
  });

  it('fails for an area below its threshold, however good the whole is', async () => {
    const { code, output } = await check(lcov(areaFiles, (file) => (file === 'src/twilio/signature.ts' ? 40 : 100)));
    assert.equal(code, 1);
    assert.match(output, /signature checks\s+240\/300\s+80\.0 %\s+\(at least 90 %\)\s+FAIL: below the threshold/);
  });

  it('fails for an area file the run did not measure (renamed or left out)', async () => {
    const { code, output } = await check(lcov(areaFiles.filter((file) => file !== 'src/safe-error.ts'), () => 100));
    assert.equal(code, 1);
    assert.match(output, /error handling.*FAIL: not measured: src\/safe-error\.ts/);
  });

  it('names files that exist, and npm run coverage runs the suite npm test runs', () => {
    for (const file of areaFiles) readFileSync(path.join(ROOT, file));
    const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const testArgs = scripts.test!.replace(/^node --test /, '').split(' ');
    for (const arg of testArgs) assert.ok(scripts.coverage!.includes(arg), `coverage runs with ${arg}`);
    assert.match(scripts.coverage!, /--experimental-test-coverage .*scripts\/coverage-check\.ts/);
  });
});
