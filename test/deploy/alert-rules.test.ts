// deploy/prometheus/alerts.yml passes `promtool check rules` and its unit tests (`promtool test rules`); required in CI.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PROMETHEUS_DIR = path.resolve(import.meta.dirname, '../../deploy/prometheus');
// Debian's `prometheus` package; .ci/run installs it.
const PROMTOOL = process.env.PROMTOOL ?? '/usr/bin/promtool';

function promtoolSkip(): string | false {
  if (existsSync(PROMTOOL)) return false;
  if (process.env.CI === 'true') return false; // then the run fails, saying what is missing
  return `${PROMTOOL} is not installed (apt-get install prometheus); the alerting rules are not checked here`;
}

async function promtool(...args: string[]): Promise<string> {
  assert.ok(existsSync(PROMTOOL), `${PROMTOOL} is missing: CI installs Debian's prometheus package for it`);
  const { stdout, stderr } = await run(PROMTOOL, args, { cwd: PROMETHEUS_DIR });
  return stdout + stderr;
}

describe('Prometheus alerting rules', { skip: promtoolSkip() }, () => {
  it('are valid rules', async () => {
    assert.match(await promtool('check', 'rules', 'alerts.yml'), /SUCCESS: \d+ rules found/);
  });

  it('fire when their unit tests say, with the labels and text the tests expect', async () => {
    assert.match(await promtool('test', 'rules', 'alerts.test.yml'), /SUCCESS/);
  });

  it('and the Prometheus configuration that loads them is valid', async () => {
    assert.match(await promtool('check', 'config', 'prometheus.yml'), /SUCCESS/);
  });
});
